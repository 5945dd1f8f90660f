//! The incident that started envsafe, and its fix.
//!
//! A service starts a TLS client, and openssl-probe, looking for the
//! system's CA bundle, calls `std::env::set_var("SSL_CERT_FILE", ...)` and
//! `SSL_CERT_DIR` while other threads are already serving requests.  One
//! of them logs an `io::Error`, whose message comes from `strerror_r`;
//! under a UTF-8 locale glibc's gettext reads `LANGUAGE` from the
//! environment, walking `environ` with no lock while `setenv` reallocates
//! and frees it.  On glibc before 2.41 that thread dies with SIGSEGV
//! inside libc.
//!
//! ```sh
//! cargo run --release --example openssl_probe_race
//! ```
//!
//! runs the same workload twice, each in a child process: once with
//! writes going to libc's own setenv and unsetenv (what
//! `std::env::set_var` calls in a program without envsafe; the example
//! reaches them with `dlsym(RTLD_NEXT)`, since in this program the names
//! are envsafe's), and once as written, through `std::env::set_var`,
//! which `use envsafe as _;` below makes safe.
#![allow(unused_unsafe)] // std::env::set_var is unsafe only from 2024 on

use envsafe as _;

use std::os::raw::{c_char, c_int, c_void};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

extern "C" {
    fn setlocale(category: c_int, locale: *const c_char) -> *mut c_char;
    fn dlsym(handle: *mut c_void, name: *const c_char) -> *mut c_void;
    fn setrlimit(resource: c_int, limit: *const [u64; 2]) -> c_int;
}
const LC_ALL: c_int = 6;
const RLIMIT_CORE: c_int = 4;
/// glibc's RTLD_NEXT: the definition after this executable's, i.e. libc's.
const RTLD_NEXT: *mut c_void = -1isize as *mut c_void;

type SetenvFn = unsafe extern "C" fn(*const c_char, *const c_char, c_int) -> c_int;
type UnsetenvFn = unsafe extern "C" fn(*const c_char) -> c_int;

/// How the probe writes the environment.
enum Writer {
    /// std::env::set_var/remove_var, as openssl-probe does.
    Std,
    /// libc's own setenv/unsetenv, as std's calls are without envsafe.
    Libc(SetenvFn, UnsetenvFn),
}

impl Writer {
    fn libc() -> Writer {
        let set = unsafe { dlsym(RTLD_NEXT, b"setenv\0".as_ptr() as *const c_char) };
        let unset = unsafe { dlsym(RTLD_NEXT, b"unsetenv\0".as_ptr() as *const c_char) };
        assert!(
            !set.is_null() && !unset.is_null(),
            "libc's setenv/unsetenv not found"
        );
        unsafe {
            Writer::Libc(
                std::mem::transmute::<*mut c_void, SetenvFn>(set),
                std::mem::transmute::<*mut c_void, UnsetenvFn>(unset),
            )
        }
    }

    fn set(&self, name: &str, value: &str) {
        match self {
            Writer::Std => unsafe { std::env::set_var(name, value) },
            Writer::Libc(set, _) => {
                let n = std::ffi::CString::new(name).unwrap();
                let v = std::ffi::CString::new(value).unwrap();
                unsafe { set(n.as_ptr(), v.as_ptr(), 1) };
            }
        }
    }

    fn remove(&self, name: &str) {
        match self {
            Writer::Std => unsafe { std::env::remove_var(name) },
            Writer::Libc(_, unset) => {
                let n = std::ffi::CString::new(name).unwrap();
                unsafe { unset(n.as_ptr()) };
            }
        }
    }
}

/// What openssl-probe's `init_ssl_cert_env_vars` does, repeated as a
/// service that builds TLS clients as it goes, trying several candidate
/// bundle locations.
fn probe_for_certificates(writer: &Writer, attempt: u64) {
    let file = format!("/etc/ssl/certs/ca-bundle-{}.crt", attempt);
    writer.set("SSL_CERT_FILE", &file);
    writer.set("SSL_CERT_DIR", "/etc/ssl/certs");
    for i in 0..32 {
        writer.set(&format!("SSL_CERT_CANDIDATE_{}", i), &file);
    }
    for i in 0..32 {
        writer.remove(&format!("SSL_CERT_CANDIDATE_{}", i));
    }
}

/// The service: two threads log errors while the main thread probes.
fn service(writer: Writer) {
    // A UTF-8 locale, as any service has; it makes strerror read LANGUAGE.
    if unsafe { setlocale(LC_ALL, b"C.UTF-8\0".as_ptr() as *const c_char) }.is_null() {
        eprintln!("setlocale(C.UTF-8) failed");
        std::process::exit(2);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let want = std::io::Error::from_raw_os_error(2).to_string();
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let stop = Arc::clone(&stop);
            let want = want.clone();
            thread::spawn(move || {
                let mut logged = 0u64;
                // Relaxed: the flag only ends the loop; join() synchronises.
                while !stop.load(Ordering::Relaxed) {
                    let message = std::io::Error::from_raw_os_error(2).to_string();
                    assert_eq!(message, want);
                    logged += 1;
                }
                logged
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut probes = 0u64;
    while Instant::now() < deadline {
        probe_for_certificates(&writer, probes);
        probes += 1;
    }
    stop.store(true, Ordering::Relaxed);
    let logged: u64 = workers
        .into_iter()
        .map(|w| w.join().expect("a worker panicked"))
        .sum();
    println!(
        "survived {} certificate probes while 2 threads logged {} errors",
        probes, logged
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("libc") => return service(Writer::libc()),
        Some("envsafe") => return service(Writer::Std),
        _ => {}
    }
    println!("envsafe::protected() = {}", envsafe::protected());
    let exe = std::env::current_exe().expect("this program's path");
    let mut envsafe_survived = false;
    for (mode, label) in [
        ("libc", "libc's setenv (no envsafe)"),
        ("envsafe", "std::env::set_var + envsafe"),
    ] {
        let mut child = Command::new(&exe);
        child.arg(mode);
        // SAFETY: setrlimit is async-signal-safe; a crash needs no core file.
        unsafe {
            child.pre_exec(|| {
                setrlimit(RLIMIT_CORE, &[0, 0]);
                Ok(())
            });
        }
        let output = child.output().expect("running the child");
        let status = output.status;
        match status.signal() {
            Some(sig) => println!("{:<30} crashed with signal {}", label, sig),
            None => print!("{:<30} {}", label, String::from_utf8_lossy(&output.stdout)),
        }
        if mode == "envsafe" {
            envsafe_survived = status.success();
        }
    }
    std::process::exit(if envsafe_survived { 0 } else { 1 });
}
