//! The safe API against std's, in this test binary, which depends on the
//! crate and is therefore protected by it.
use std::env::VarError;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::panic;
use std::sync::Mutex;

use envsafe as _;

// The tests share one environment; each takes this while it uses it.
static ENV: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    ENV.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn the_test_binary_is_protected_by_the_crate() {
    assert!(envsafe::protected());
    assert!(envsafe::protected_by_crate());
}

#[test]
fn set_var_is_seen_by_std_and_by_var() {
    let _g = lock();
    envsafe::set_var("ENVSAFE_API_A", "one");
    assert_eq!(std::env::var("ENVSAFE_API_A"), Ok("one".to_string()));
    assert_eq!(envsafe::var("ENVSAFE_API_A"), Ok("one".to_string()));
    envsafe::set_var("ENVSAFE_API_A", "two");
    assert_eq!(std::env::var("ENVSAFE_API_A"), Ok("two".to_string()));
    assert_eq!(envsafe::var("ENVSAFE_API_A"), Ok("two".to_string()));
    envsafe::set_var("ENVSAFE_API_A", "");
    assert_eq!(std::env::var_os("ENVSAFE_API_A"), Some(OsString::new()));
    assert_eq!(envsafe::var_os("ENVSAFE_API_A"), Some(OsString::new()));
    envsafe::remove_var("ENVSAFE_API_A");
    assert_eq!(std::env::var("ENVSAFE_API_A"), Err(VarError::NotPresent));
    assert_eq!(envsafe::var("ENVSAFE_API_A"), Err(VarError::NotPresent));
    // Removing what is not set is not an error, as in std.
    envsafe::remove_var("ENVSAFE_API_A");
}

#[test]
#[allow(unused_unsafe)]
fn var_sees_what_std_sets() {
    let _g = lock();
    unsafe { std::env::set_var("ENVSAFE_API_B", "from std") };
    assert_eq!(envsafe::var("ENVSAFE_API_B"), Ok("from std".to_string()));
    unsafe { std::env::remove_var("ENVSAFE_API_B") };
    assert_eq!(envsafe::var_os("ENVSAFE_API_B"), None);
}

#[test]
fn non_utf8_values_and_long_values() {
    let _g = lock();
    let raw = OsStr::from_bytes(b"caf\xe9");
    envsafe::set_var("ENVSAFE_API_C", raw);
    assert_eq!(envsafe::var_os("ENVSAFE_API_C").as_deref(), Some(raw));
    assert_eq!(
        envsafe::var("ENVSAFE_API_C"),
        std::env::var("ENVSAFE_API_C")
    );
    assert_eq!(
        envsafe::var("ENVSAFE_API_C"),
        Err(VarError::NotUnicode(raw.to_os_string()))
    );
    // Longer than var_os's first buffer, so getenv_r reports ERANGE first.
    let long = "v".repeat(100_000);
    envsafe::set_var("ENVSAFE_API_C", &long);
    assert_eq!(envsafe::var("ENVSAFE_API_C"), Ok(long));
    envsafe::remove_var("ENVSAFE_API_C");
}

fn panics(f: impl FnOnce() + panic::UnwindSafe) -> bool {
    panic::catch_unwind(f).is_err()
}

#[test]
#[allow(unused_unsafe)]
fn invalid_names_and_values_are_refused_as_std_refuses_them() {
    let _g = lock();
    for (k, v) in [
        ("", "x"),
        ("A=B", "x"),
        ("A\0B", "x"),
        ("ENVSAFE_API_D", "x\0y"),
    ] {
        let std_panics = panics(move || unsafe { std::env::set_var(k, v) });
        let ours = panics(move || envsafe::set_var(k, v));
        assert_eq!(ours, std_panics, "set_var({:?}, {:?})", k, v);
        assert!(ours, "set_var({:?}, {:?}) did not panic", k, v);
    }
    for k in ["", "A=B", "A\0B"] {
        assert_eq!(envsafe::var_os(k), std::env::var_os(k), "var_os({:?})", k);
        assert_eq!(envsafe::var_os(k), None);
    }
    assert!(panics(|| envsafe::remove_var("A=B")));
    assert!(panics(|| envsafe::remove_var("A\0B")));
    assert_eq!(std::env::var_os("ENVSAFE_API_D"), None);
}

#[test]
fn snapshot_equals_std_vars_os_and_is_frozen() {
    let _g = lock();
    envsafe::set_var("ENVSAFE_API_E", "before");
    let snap = envsafe::snapshot();
    let ours: Vec<(OsString, OsString)> = envsafe::snapshot().collect();
    let std_view: Vec<(OsString, OsString)> = std::env::vars_os().collect();
    assert_eq!(ours, std_view);
    assert_eq!(snap.len(), ours.len());
    envsafe::set_var("ENVSAFE_API_E", "after");
    envsafe::set_var("ENVSAFE_API_F", "new");
    let frozen: Vec<(OsString, OsString)> = snap.collect();
    assert_eq!(frozen, ours, "a snapshot changed after it was taken");
    assert!(frozen.contains(&("ENVSAFE_API_E".into(), "before".into())));
    assert!(!frozen.iter().any(|(k, _)| k == "ENVSAFE_API_F"));
    envsafe::remove_var("ENVSAFE_API_E");
    envsafe::remove_var("ENVSAFE_API_F");
}

/// Every snapshot taken while another thread sets A then B, and unsets B
/// then A, is one of the states between two operations: B never without A.
#[test]
fn snapshots_never_see_half_of_a_sequence() {
    let _g = lock();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut n = 0u64;
            // Relaxed: the flag only ends the loop; join() synchronises.
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                envsafe::set_var("ENVSAFE_API_SEQ_A", n.to_string());
                envsafe::set_var("ENVSAFE_API_SEQ_B", n.to_string());
                envsafe::remove_var("ENVSAFE_API_SEQ_B");
                envsafe::remove_var("ENVSAFE_API_SEQ_A");
                n += 1;
            }
            n
        })
    };
    let mut seen_both = 0;
    for _ in 0..2000 {
        let snap: Vec<(OsString, OsString)> = envsafe::snapshot().collect();
        let a = snap
            .iter()
            .find(|(k, _)| k == "ENVSAFE_API_SEQ_A")
            .map(|(_, v)| v.clone());
        let b = snap
            .iter()
            .find(|(k, _)| k == "ENVSAFE_API_SEQ_B")
            .map(|(_, v)| v.clone());
        if let Some(b) = b {
            assert_eq!(a.as_ref(), Some(&b), "B without the A of the same round");
            seen_both += 1;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let rounds = writer.join().expect("the writer panicked");
    assert!(rounds > 0);
    eprintln!(
        "{} writer rounds; {} of 2000 snapshots held both variables",
        rounds, seen_both
    );
}
