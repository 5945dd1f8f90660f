//! Compiles libenvsafe's C sources (the repository's `src/*.c`) with the
//! system C compiler and links every object into the crate, so that a
//! binary depending on `envsafe` defines getenv, secure_getenv, setenv,
//! unsetenv, putenv and clearenv itself.  No registry crate is used: the
//! crate builds with `cargo build --offline` and Debian's cargo.
//!
//! How the binary ends up protected (see src/lib.rs for the whole story):
//! - `static:-bundle,+whole-archive` makes the final link take every
//!   object, even though nothing in the program names them (`use envsafe
//!   as _;`).  `-bundle` (stable since Rust 1.63) leaves the archive in
//!   OUT_DIR, whose search path cargo passes on to the final link: rustc
//!   1.63 refuses whole-archive for an archive bundled into an rlib.
//! - Because libc.so also defines the six functions, both GNU ld and lld
//!   put the executable's definitions into its dynamic symbol table, so
//!   the dynamic linker binds every shared object to them.  No linker
//!   flag is needed for that, which matters: `cargo:rustc-link-arg` from a
//!   dependency's build script never reaches the final link.
//!   Being exported also makes them roots for --gc-sections (which rustc
//!   passes), so none is discarded even if the program never calls it.

use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

fn main() {
    let target_os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os != "linux" {
        fail(&format!(
            "envsafe supports Linux targets only (glibc or musl); this target's OS is {:?}",
            target_os
        ));
    }
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    let root = library_root(&manifest);
    let src = root.join("src");
    let include = root.join("include");

    let sources = files(&src, "c");
    // Every source and header: a change to any of them rebuilds the crate.
    for dir in [&src, &include] {
        println!("cargo:rerun-if-changed={}", dir.display());
        for f in files(dir, "c").into_iter().chain(files(dir, "h")) {
            println!("cargo:rerun-if-changed={}", f.display());
        }
    }
    for var in ["ENVSAFE_SOURCE_DIR", "CC", "AR", "TARGET_CC", "TARGET_AR"] {
        println!("cargo:rerun-if-env-changed={}", var);
    }

    let cc = tool("CC", "cc");
    let ar = tool("AR", "ar");
    let obj_dir = out.join("obj");
    fs::create_dir_all(&obj_dir).unwrap_or_else(|e| fail(&format!("{}: {}", obj_dir.display(), e)));
    let objects = compile_all(&cc, &sources, &src, &include, &obj_dir);

    let archive = out.join("libenvsafe_c.a");
    let _ = fs::remove_file(&archive);
    let mut cmd = Command::new(&ar);
    cmd.arg("crs").arg(&archive).args(&objects);
    run(cmd, "archive the objects");

    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static:-bundle,+whole-archive=envsafe_c");
    // dladdr and dlsym live in libdl, pthread_atfork in libpthread, before
    // glibc 2.34; later both are empty and --as-needed drops them.
    if env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("gnu") {
        println!("cargo:rustc-link-lib=dl");
        println!("cargo:rustc-link-lib=pthread");
    }
    // For the build scripts of dependents (DEP_ENVSAFE_INCLUDE).
    println!("cargo:include={}", include.display());
}

/// The directory holding the library's `src/` and `include/`: the
/// repository this crate lives in (`../..`), unless ENVSAFE_SOURCE_DIR
/// names another copy.  `cargo package` cannot take files from outside
/// the crate, so the crate builds from a checkout of the repository.
fn library_root(manifest: &Path) -> PathBuf {
    let root = match env::var_os("ENVSAFE_SOURCE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => manifest.join("..").join(".."),
    };
    if !root.join("src").join("getenv.c").is_file()
        || !root.join("include").join("envsafe.h").is_file()
    {
        fail(&format!(
            "cannot find libenvsafe's C sources in {} (expected src/getenv.c and include/envsafe.h): \
             build the crate from the envsafe repository (bindings/rust), or set ENVSAFE_SOURCE_DIR",
            root.display()
        ));
    }
    root
}

/// The files in DIR whose extension is EXT, sorted.
fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| fail(&format!("{}: {}", dir.display(), e)));
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().map_or(false, |x| x == ext))
        .collect();
    files.sort();
    files
}

/// The tool named by TARGET_<VAR>, <VAR>_<target triple> or <VAR>, else DEFAULT.
fn tool(var: &str, default: &str) -> OsString {
    let target = env::var("TARGET").unwrap_or_default();
    let candidates = [
        format!("{}_{}", var, target),
        format!("{}_{}", var, target.replace('-', "_")),
        format!("TARGET_{}", var),
        var.to_string(),
    ];
    for name in &candidates {
        println!("cargo:rerun-if-env-changed={}", name);
        if let Some(v) = env::var_os(name) {
            if !v.is_empty() {
                return v;
            }
        }
    }
    OsString::from(default)
}

/// Compile every source, at most NUM_JOBS at a time; returns the objects.
fn compile_all(
    cc: &OsString,
    sources: &[PathBuf],
    src: &Path,
    include: &Path,
    obj_dir: &Path,
) -> Vec<PathBuf> {
    let jobs: usize = env::var("NUM_JOBS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .max(1);
    let debug = env::var("DEBUG").as_deref() == Ok("true");
    let mut objects = Vec::new();
    let mut running: Vec<(Child, PathBuf)> = Vec::new();
    for source in sources {
        let stem = source
            .file_stem()
            .expect("a file name")
            .to_string_lossy()
            .into_owned();
        let object = obj_dir.join(format!("{}.o", stem));
        let mut cmd = Command::new(cc);
        // The library's own flags (mk/lib.mk), plus -fPIC: Rust links
        // position-independent executables.
        cmd.args([
            "-std=gnu11",
            "-O2",
            "-fPIC",
            "-fvisibility=hidden",
            "-fno-strict-aliasing",
        ])
        .args(["-Wall", "-Wextra"])
        .arg("-I")
        .arg(include)
        .arg("-I")
        .arg(src);
        if debug {
            cmd.arg("-g");
        }
        cmd.arg("-c").arg(source).arg("-o").arg(&object);
        if running.len() >= jobs {
            let (child, what) = running.remove(0);
            wait(child, &what);
        }
        let child = cmd.spawn().unwrap_or_else(|e| {
            fail(&format!(
                "cannot run the C compiler {:?}: {} (set CC)",
                cc, e
            ))
        });
        running.push((child, source.clone()));
        objects.push(object);
    }
    for (child, what) in running {
        wait(child, &what);
    }
    objects
}

fn wait(mut child: Child, source: &Path) {
    match child.wait() {
        Ok(status) if status.success() => {}
        Ok(status) => fail(&format!(
            "compiling {} failed ({})",
            source.display(),
            status
        )),
        Err(e) => fail(&format!("compiling {}: {}", source.display(), e)),
    }
}

fn run(mut cmd: Command, what: &str) {
    match cmd.status() {
        Ok(status) if status.success() => {}
        Ok(status) => fail(&format!(
            "cannot {}: {:?} exited with {}",
            what, cmd, status
        )),
        Err(e) => fail(&format!("cannot {}: {:?}: {} (set AR)", what, cmd, e)),
    }
}

fn fail(message: &str) -> ! {
    eprintln!("error: envsafe build: {}", message);
    std::process::exit(1);
}
