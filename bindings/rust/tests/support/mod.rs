//! Builds the fixture programs (tests/fixtures) and runs them in child
//! processes, so that a crash is observed, never suffered.
#![allow(dead_code)] // each test file uses a different part

use std::collections::HashSet;
use std::ffi::OsString;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// How long any child may take before it counts as hung and is killed.
/// Only a guard: no test passes or fails by timing.
pub const HANG_LIMIT: Duration = Duration::from_secs(120);

pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures_src() -> PathBuf {
    crate_dir().join("tests").join("fixtures")
}

/// Where fixtures are built: beside this test binary's target directory
/// (target/<profile>/deps/<test> -> target/envsafe-fixtures).
pub fn scratch() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let target = exe
        .ancestors()
        .nth(3)
        .expect("a target directory")
        .to_path_buf();
    let dir = target.join("envsafe-fixtures");
    std::fs::create_dir_all(&dir).expect("creating the fixtures directory");
    dir
}

fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"))
}

fn c_compiler() -> OsString {
    std::env::var_os("CC")
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| OsString::from("cc"))
}

/// The version of the cargo running the tests, as (major, minor).
pub fn cargo_version() -> (u32, u32) {
    let out = Command::new(cargo())
        .arg("--version")
        .output()
        .expect("running cargo --version");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let v: Vec<u32> = text
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .split('.')
        .take(2)
        .filter_map(|p| p.parse().ok())
        .collect();
    assert!(v.len() == 2, "cannot read the version in {:?}", text);
    (v[0], v[1])
}

static BUILT: Mutex<Option<HashSet<String>>> = Mutex::new(None);

fn once(key: &str, build: impl FnOnce()) {
    // Held across the build: tests in other threads wait for it, not
    // race it.
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    let set = built.get_or_insert_with(HashSet::new);
    if !set.contains(key) {
        build();
        set.insert(key.to_string());
    }
}

fn check(what: &str, cmd: &mut Command) {
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("{}: cannot run {:?}: {}", what, cmd, e));
    assert!(status.success(), "{} failed: {:?} ({})", what, cmd, status);
}

/// Builds fixture package PACKAGE (a directory of tests/fixtures) in
/// release mode into target directory TARGET, with FEATURES.
fn cargo_build(package: &str, target: &str, features: &[&str]) -> PathBuf {
    cargo_build_with(package, target, features, "")
}

/// cargo_build, with RUSTFLAGS (target directories must not be shared
/// between different flags).
fn cargo_build_with(package: &str, target: &str, features: &[&str], rustflags: &str) -> PathBuf {
    let dir = scratch().join(target);
    once(&format!("{}:{}:{:?}", package, target, features), || {
        let mut cmd = Command::new(cargo());
        cmd.env("RUSTFLAGS", rustflags);
        cmd.args([
            "build",
            "--offline",
            "--release",
            "--quiet",
            "--manifest-path",
        ])
        .arg(fixtures_src().join(package).join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&dir)
        .env_remove("CARGO_TARGET_DIR");
        for f in features {
            cmd.args(["--features", f]);
        }
        check(&format!("building fixture {}", package), &mut cmd);
    });
    dir.join("release")
}

/// The race fixture's program BIN, with the crate (PROTECTED) or without.
pub fn race_fixture(bin: &str, protected: bool) -> PathBuf {
    if protected {
        cargo_build("race", "protected", &["protect"]).join(bin)
    } else {
        cargo_build("race", "stock", &[]).join(bin)
    }
}

/// The race fixture with the crate, linked statically (crt-static).
pub fn static_race_fixture() -> PathBuf {
    cargo_build_with(
        "race",
        "static",
        &["protect"],
        "-C target-feature=+crt-static",
    )
    .join("race")
}

pub fn edition2024_fixture() -> PathBuf {
    cargo_build("edition2024", "protected", &[]).join("envsafe-fixture-edition2024")
}

pub fn cdylib_fixture() -> PathBuf {
    cargo_build("cdylib", "protected", &[]).join("libenvsafe_fixture_cdylib.so")
}

/// Compiles C SOURCES into OUT (under scratch()) with ARGS.
fn cc(out: &str, sources: &[PathBuf], args: &[&str]) -> PathBuf {
    let path = scratch().join(out);
    once(out, || {
        let mut cmd = Command::new(c_compiler());
        cmd.args(["-std=gnu11", "-O2", "-Wall", "-Wextra"])
            .args(args)
            .arg("-o")
            .arg(&path)
            .args(sources);
        check(&format!("compiling {}", out), &mut cmd);
    });
    path
}

/// tests/fixtures/plugin.c as a shared object.
pub fn plugin() -> PathBuf {
    cc(
        "libplugin.so",
        &[fixtures_src().join("plugin.c")],
        &["-fPIC", "-shared"],
    )
}

/// tests/fixtures/cdylib_host.c, linked against stock libc only.
pub fn cdylib_host() -> PathBuf {
    cc(
        "cdylib_host",
        &[fixtures_src().join("cdylib_host.c")],
        &["-ldl"],
    )
}

/// A libenvsafe.so to preload: ENVSAFE_PRELOAD_LIBRARY (the make target
/// passes build/libenvsafe.so), else one compiled from the repository's
/// sources the way mk/lib.mk does.
pub fn preload_library() -> PathBuf {
    if let Some(path) = std::env::var_os("ENVSAFE_PRELOAD_LIBRARY") {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "ENVSAFE_PRELOAD_LIBRARY={} is not a file",
            path.display()
        );
        return path;
    }
    let root = crate_dir().join("..").join("..");
    let mut sources: Vec<PathBuf> = std::fs::read_dir(root.join("src"))
        .expect("the repository's src/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().map_or(false, |x| x == "c"))
        .collect();
    sources.sort();
    let map = format!(
        "-Wl,--version-script={}",
        root.join("src").join("envsafe.map").display()
    );
    let inc = format!("-I{}", root.join("include").display());
    let src = format!("-I{}", root.join("src").display());
    cc(
        "libenvsafe.so",
        &sources,
        &[
            "-fPIC",
            "-shared",
            "-fvisibility=hidden",
            "-fno-strict-aliasing",
            &inc,
            &src,
            &map,
            "-ldl",
            "-lpthread",
        ],
    )
}

/// What a child did.
pub struct Outcome {
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub hung: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    pub fn crashed(&self) -> bool {
        self.signal.is_some() && !self.hung
    }

    /// The value of the last `KEY=value` line of stdout.
    pub fn value(&self, key: &str) -> Option<String> {
        let prefix = format!("{}=", key);
        self.stdout
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix(prefix.as_str()).map(str::to_string))
    }

    pub fn describe(&self) -> String {
        format!(
            "exit code {:?}, signal {:?}{}\nstdout:\n{}stderr:\n{}",
            self.code,
            self.signal,
            if self.hung { " (hung: killed)" } else { "" },
            self.stdout,
            self.stderr
        )
    }
}

extern "C" {
    fn setrlimit(resource: i32, limit: *const [u64; 2]) -> i32;
}
const RLIMIT_CORE: i32 = 4;

/// A command with a clean environment for these tests: no preloading and
/// no envsafe settings inherited from whoever runs the tests.
pub fn command(program: &Path) -> Command {
    let mut cmd = Command::new(program);
    for (k, _) in std::env::vars_os() {
        let k_str = k.to_string_lossy();
        if k_str == "LD_PRELOAD" || k_str.starts_with("ENVSAFE_") {
            cmd.env_remove(&k);
        }
    }
    cmd
}

/// Runs CMD to completion, killing it if it runs past HANG_LIMIT.
pub fn run(cmd: &mut Command) -> Outcome {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe.  Crashes are expected here;
    // core files would only cost time and disk.
    unsafe {
        cmd.pre_exec(|| {
            setrlimit(RLIMIT_CORE, &[0, 0]);
            Ok(())
        });
    }
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {:?}: {}", cmd, e));
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_reader = thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + HANG_LIMIT;
    let mut hung = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for a child") {
            break status;
        }
        if Instant::now() > deadline {
            hung = true;
            let _ = child.kill();
            break child.wait().expect("waiting for a killed child");
        }
        thread::sleep(Duration::from_millis(20));
    };
    Outcome {
        code: status.code(),
        signal: status.signal(),
        hung,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    }
}

/// glibc's version as (major, minor), from gnu_get_libc_version().
pub fn glibc_version() -> (u32, u32) {
    extern "C" {
        fn gnu_get_libc_version() -> *const std::os::raw::c_char;
    }
    let s = unsafe { std::ffi::CStr::from_ptr(gnu_get_libc_version()) }
        .to_string_lossy()
        .into_owned();
    let v: Vec<u32> = s.split('.').filter_map(|p| p.parse().ok()).collect();
    (v[0], v[1])
}

/// Stock glibc before 2.41 frees environ under its readers; from 2.41 on
/// it does not, and the stock controls cannot crash.
pub fn stock_libc_can_crash() -> bool {
    glibc_version() < (2, 41)
}
