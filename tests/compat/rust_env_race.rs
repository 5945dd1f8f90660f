// Rust: std::env::set_var/remove_var in one thread while other threads call
// C functions that read the environment inside glibc, directly or through
// std itself (io::Error's Display is strerror_r).
//
// std serialises its own env accesses with a private lock, but the C
// library's internal readers (tzset -> getenv("TZ"), strerror ->
// gettext -> getenv("LANGUAGE") under a non-C locale) never take it, so on
// stock glibc they walk an environ array that setenv may just have freed.
//
// Edition 2021 on purpose: it builds with Debian's rustc and with newer
// ones, where set_var is safe in this edition; the unsafe blocks are what
// the 2024 edition asks for.
#![allow(unused_unsafe)]

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_long, c_void};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

// Mirrors glibc's struct tm on LP64 Linux.
#[repr(C)]
struct Tm {
    tm_sec: c_int,
    tm_min: c_int,
    tm_hour: c_int,
    tm_mday: c_int,
    tm_mon: c_int,
    tm_year: c_int,
    tm_wday: c_int,
    tm_yday: c_int,
    tm_isdst: c_int,
    tm_gmtoff: c_long,
    tm_zone: *const c_char,
}

const LC_ALL: c_int = 6;

extern "C" {
    fn setlocale(category: c_int, locale: *const c_char) -> *mut c_char;
    fn strerror(errnum: c_int) -> *const c_char;
    fn tzset();
    fn localtime_r(t: *const i64, out: *mut Tm) -> *mut Tm;
    fn dlsym(handle: *mut c_void, name: *const c_char) -> *mut c_void;
}

fn strerror_text(errnum: c_int) -> String {
    unsafe { CStr::from_ptr(strerror(errnum)) }.to_string_lossy().into_owned()
}

fn main() {
    let seconds: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.5);
    // A non-C message locale makes strerror consult LANGUAGE.
    if unsafe { setlocale(LC_ALL, b"C.UTF-8\0".as_ptr() as *const c_char) }.is_null() {
        eprintln!("setlocale(C.UTF-8) failed");
        std::process::exit(2);
    }
    let want = strerror_text(2);
    let stop = Arc::new(AtomicBool::new(false));
    let mut readers = Vec::new();
    let want_io = std::io::Error::from_raw_os_error(2).to_string();
    for kind in 0..4 {
        let stop = Arc::clone(&stop);
        let want = want.clone();
        let want_io = want_io.clone();
        readers.push(thread::spawn(move || -> Result<u64, String> {
            let mut calls = 0u64;
            // Relaxed: the flag only ends the loop; no data travels with it.
            while !stop.load(Ordering::Relaxed) {
                if kind == 3 {
                    // Plain std: io::Error's Display calls strerror_r.
                    let got = std::io::Error::from_raw_os_error(2).to_string();
                    if got != want_io {
                        return Err(format!("io::Error = {:?}, not {:?}", got, want_io));
                    }
                } else if kind == 2 {
                    let now: i64 = 1_700_000_000;
                    let mut tm: Tm = unsafe { std::mem::zeroed() };
                    unsafe {
                        tzset();
                        if localtime_r(&now, &mut tm).is_null() {
                            return Err("localtime_r failed".into());
                        }
                    }
                } else {
                    let got = strerror_text(2);
                    if got != want {
                        return Err(format!("strerror(2) = {:?}, not {:?}", got, want));
                    }
                }
                calls += 1;
            }
            Ok(calls)
        }));
    }

    unsafe { std::env::set_var("ENVSAFE_COMPAT_KEEP", "kept") };
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut rounds = 0u64;
    while Instant::now() < deadline {
        for i in 0..64 {
            unsafe { std::env::set_var(format!("ENVSAFE_COMPAT_{}", i), rounds.to_string()) };
        }
        unsafe { std::env::set_var("TZ", if rounds % 2 == 1 { "UTC" } else { "Europe/Paris" }) };
        for i in 0..64 {
            unsafe { std::env::remove_var(format!("ENVSAFE_COMPAT_{}", i)) };
        }
        rounds += 1;
    }
    // Relaxed: join() below is the synchronisation point.
    stop.store(true, Ordering::Relaxed);

    let mut failed = false;
    let mut calls = 0u64;
    for r in readers {
        match r.join() {
            Ok(Ok(n)) => calls += n,
            Ok(Err(e)) => {
                println!("FAIL: {}", e);
                failed = true;
            }
            Err(_) => {
                println!("FAIL: a reader thread panicked");
                failed = true;
            }
        }
    }
    if std::env::var("ENVSAFE_COMPAT_KEEP").ok().as_deref() != Some("kept")
        || std::env::var_os("ENVSAFE_COMPAT_0").is_some()
    {
        println!("FAIL: environment lost a write");
        failed = true;
    }
    // RTLD_DEFAULT is a null handle on glibc.
    let mapped = !unsafe { dlsym(std::ptr::null_mut(), b"envsafe_version\0".as_ptr() as *const c_char) }.is_null();
    println!("libenvsafe={}", if mapped { "yes" } else { "no" });
    println!("rounds={}", rounds);
    println!("reader_calls={}", calls);
    std::process::exit(if failed { 1 } else { 0 });
}
