//! Whole programs that depend on the crate (tests/fixtures), each run in a
//! child process: the blog's race, a plugin that calls putenv/unsetenv,
//! the exported symbols, the preloaded library alongside, the crate inside
//! a shared library, and a 2024-edition dependent.  Every "with the crate"
//! result is paired with the same program without it, which must crash:
//! the tests prove they can fail.
mod support;

use std::process::Command;
use support::{command, run, Outcome};

/// Runs of each protected program; every one must survive.
const PROTECTED_RUNS: usize = 5;
/// Runs of each stock program; at least one must crash.
const STOCK_RUNS: usize = 3;

fn assert_survived(what: &str, o: &Outcome) {
    assert!(
        o.code == Some(0) && !o.stdout.contains("FAIL"),
        "{}: did not survive: {}",
        what,
        o.describe()
    );
    for key in ["rounds", "reader_calls"] {
        let n: u64 = o.value(key).and_then(|v| v.parse().ok()).unwrap_or(0);
        assert!(
            n > 0,
            "{}: no {} (the race did not run): {}",
            what,
            key,
            o.describe()
        );
    }
}

/// Asserts that O's last `KEY=...` line says VALUE.
fn expect(o: &Outcome, key: &str, value: &str) {
    assert_eq!(
        o.value(key).as_deref(),
        Some(value),
        "expected {}={}: {}",
        key,
        value,
        o.describe()
    );
}

/// Runs CMD (made fresh by MAKE) RUNS times; returns the crashes, each as
/// its signal.  A hang or a non-crash failure fails the test.
fn crashes(what: &str, runs: usize, make: &dyn Fn() -> Command) -> Vec<i32> {
    let mut signals = Vec::new();
    for _ in 0..runs {
        let o = run(&mut make());
        assert!(!o.hung, "{}: hung: {}", what, o.describe());
        if o.crashed() {
            signals.push(o.signal.unwrap());
        } else {
            assert_survived(what, &o);
        }
    }
    signals
}

/// The stock control: the same program without envsafe crashes (on glibc
/// before 2.41), proving that the protected runs could have failed.
fn assert_stock_crashes(what: &str, make: &dyn Fn() -> Command) {
    let signals = crashes(what, STOCK_RUNS, make);
    eprintln!(
        "{}: crashed in {} of {} runs, signals {:?}",
        what,
        signals.len(),
        STOCK_RUNS,
        signals
    );
    if support::stock_libc_can_crash() {
        assert!(
            !signals.is_empty(),
            "{}: stock libc never crashed in {} runs",
            what,
            STOCK_RUNS
        );
    } else {
        eprintln!(
            "{}: glibc {:?} does not free environ under readers; no crash expected",
            what,
            support::glibc_version()
        );
    }
}

fn assert_protected_survives(what: &str, make: &dyn Fn() -> Command) {
    let signals = crashes(what, PROTECTED_RUNS, make);
    eprintln!(
        "{}: crashed in {} of {} runs",
        what,
        signals.len(),
        PROTECTED_RUNS
    );
    assert!(
        signals.is_empty(),
        "{}: crashed with signals {:?}",
        what,
        signals
    );
}

fn race_with(protected: bool, args: &[&str]) -> Command {
    let mut cmd = command(&support::race_fixture("race", protected));
    cmd.args(args);
    cmd
}

fn race(protected: bool) -> Command {
    race_with(protected, &["churn", "1"])
}

fn plugin_host(protected: bool) -> Command {
    let mut cmd = command(&support::race_fixture("plugin_host", protected));
    cmd.arg(support::plugin()).arg("1");
    cmd
}

#[test]
fn blog_race_with_the_crate_never_crashes() {
    let first = run(&mut race(true));
    assert_survived("race with the crate", &first);
    expect(&first, "protected", "true");
    expect(&first, "global_setenv", "exe");
    assert_protected_survives("race with the crate", &|| race(true));
}

#[test]
fn blog_race_without_the_crate_crashes() {
    let o = run(&mut race_with(false, &["churn", "0"]));
    expect(&o, "global_setenv", "libc.so.6");
    assert_stock_crashes("race without the crate", &|| race(false));
}

#[test]
fn plugin_calling_putenv_and_unsetenv_binds_to_the_crate() {
    let first = run(&mut plugin_host(true));
    assert_survived("plugin with the crate", &first);
    for name in ["setenv", "unsetenv", "putenv", "clearenv", "getenv"] {
        assert_eq!(
            first.value(&format!("plugin_{}", name)).as_deref(),
            Some("exe"),
            "the plugin's {} is not the executable's: {}",
            name,
            first.describe()
        );
    }
    assert_protected_survives("plugin with the crate", &|| plugin_host(true));
}

#[test]
fn plugin_without_the_crate_crashes() {
    assert_stock_crashes("plugin without the crate", &|| plugin_host(false));
}

fn defined_dynamic_symbols(binary: &std::path::Path) -> Vec<String> {
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(binary)
        .output()
        .expect("running nm (Debian package binutils)");
    assert!(out.status.success(), "nm -D {} failed", binary.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            l.split_whitespace()
                .nth(2)
                .map(|s| s.split('@').next().unwrap_or(s).to_string())
        })
        .collect()
}

const SIX: [&str; 6] = [
    "getenv",
    "secure_getenv",
    "setenv",
    "unsetenv",
    "putenv",
    "clearenv",
];

#[test]
fn executable_defines_and_exports_the_six_functions() {
    let protected = support::race_fixture("race", true);
    let defined = defined_dynamic_symbols(&protected);
    for name in SIX {
        assert!(
            defined.iter().any(|d| d == name),
            "nm -D {}: {} is not exported: {:?}",
            protected.display(),
            name,
            defined
        );
    }
    let stock = support::race_fixture("race", false);
    let defined = defined_dynamic_symbols(&stock);
    for name in SIX {
        assert!(
            !defined.iter().any(|d| d == name),
            "the stock fixture defines {}",
            name
        );
    }
    // No libenvsafe.so is needed at run time.
    let out = Command::new("readelf")
        .arg("-d")
        .arg(&protected)
        .output()
        .expect("running readelf (binutils)");
    let dynamic = String::from_utf8_lossy(&out.stdout);
    assert!(
        dynamic.contains("(NEEDED)"),
        "readelf -d printed no NEEDED entries: {}",
        dynamic
    );
    assert!(
        !dynamic.contains("envsafe"),
        "the executable needs an envsafe library: {}",
        dynamic
    );
}

/// The defined symbols of BINARY's static symbol table, as (name, address).
fn static_symbols(binary: &std::path::Path) -> Vec<(String, String)> {
    let out = Command::new("nm")
        .args(["--defined-only"])
        .arg(binary)
        .output()
        .expect("running nm (binutils)");
    assert!(out.status.success(), "nm {} failed", binary.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() == 3 {
                Some((f[2].to_string(), f[0].to_string()))
            } else {
                None
            }
        })
        .collect()
}

/// A static executable takes the crate's functions for every call made
/// by name, so it survives the race.  glibc's static library still links
/// its own implementation for its internal use at start-up (unsetting
/// unsafe variables in setuid programs), and there is no dynamic symbol
/// table to check, so protected() does not claim protection.
#[test]
fn static_executable_survives_but_protected_says_false() {
    let binary = support::static_race_fixture();
    let symbols = static_symbols(&binary);
    let address = |name: &str| {
        symbols
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, a)| a.clone())
    };
    for name in SIX {
        assert!(
            address(name).is_some(),
            "{} does not define {}",
            binary.display(),
            name
        );
    }
    // glibc's setenv, unsetenv and clearenv are weak aliases of these; the
    // names must be the crate's definitions instead.
    for (public, internal) in [
        ("setenv", "__setenv"),
        ("unsetenv", "__unsetenv"),
        ("clearenv", "__clearenv"),
    ] {
        if let Some(libc) = address(internal) {
            assert_ne!(
                address(public),
                Some(libc),
                "{} is libc's {}",
                public,
                internal
            );
        }
    }
    let make = || {
        let mut cmd = command(&binary);
        cmd.args(["churn", "1"]);
        cmd
    };
    let o = run(&mut make());
    assert_survived("static race with the crate", &o);
    expect(&o, "protected", "false");
    let signals = crashes("static race with the crate", 2, &make);
    eprintln!(
        "static race with the crate: crashed in {} of 3 runs",
        signals.len()
    );
    assert!(
        signals.is_empty(),
        "static race with the crate: crashed with signals {:?}",
        signals
    );
}

fn preloaded(mut cmd: Command) -> Command {
    cmd.env("LD_PRELOAD", support::preload_library());
    cmd
}

#[test]
fn with_the_preloaded_library_too_the_crate_owns_environ() {
    let o = run(&mut preloaded(race(true)));
    assert_survived("race with the crate and the preloaded library", &o);
    // Two copies are mapped; every environment function resolves to the
    // executable's, while the library's own extensions remain visible.
    expect(&o, "global_setenv", "exe");
    expect(&o, "global_envsafe_version", "libenvsafe.so");
    expect(&o, "protected", "true");

    let p = run(&mut preloaded(plugin_host(true)));
    assert_survived("plugin with the crate and the preloaded library", &p);
    expect(&p, "plugin_putenv", "exe");
    expect(&p, "plugin_unsetenv", "exe");

    assert_protected_survives("race with the crate and the preloaded library", &|| {
        preloaded(race(true))
    });
}

/// The stderr lines strict mode wrote for `race once` (one set_var while
/// two threads run).
fn strict_warnings(mut cmd: Command) -> usize {
    cmd.env("ENVSAFE_STRICT", "warn");
    let o = run(&mut cmd);
    assert_eq!(o.code, Some(0), "{}", o.describe());
    o.stderr
        .lines()
        .filter(|l| l.starts_with("envsafe: strict: "))
        .count()
}

#[test]
fn one_copy_observes_each_write() {
    let once = |protected: bool| race_with(protected, &["once"]);
    assert_eq!(strict_warnings(once(true)), 1, "the crate alone");
    assert_eq!(
        strict_warnings(preloaded(once(true))),
        1,
        "the crate and the preloaded library"
    );
    assert_eq!(
        strict_warnings(preloaded(once(false))),
        1,
        "the preloaded library alone"
    );
    assert_eq!(strict_warnings(once(false)), 0, "stock libc");
}

#[test]
fn in_a_shared_library_the_crate_is_not_protected_and_says_so() {
    let library = support::cdylib_fixture();
    let host = support::cdylib_host();

    let mut cmd = command(&host);
    cmd.arg(&library);
    let o = run(&mut cmd);
    assert_eq!(o.code, Some(0), "{}", o.describe());
    expect(&o, "protected", "0");
    // Writes refuse (a panic), reads fall back to std::env.
    expect(&o, "set_var_panicked", "1");
    assert!(o.stderr.contains("not envsafe's"), "{}", o.describe());
    expect(&o, "getenv_sees_rust", "(unset)");
    expect(&o, "var_sees_c", "7");

    // Under the preloaded library the crate uses that copy.
    let mut cmd = preloaded(command(&host));
    cmd.arg(&library);
    let o = run(&mut cmd);
    assert_eq!(o.code, Some(0), "{}", o.describe());
    expect(&o, "protected", "1");
    expect(&o, "protected_by_crate", "0");
    expect(&o, "set_var_panicked", "0");
    expect(&o, "getenv_sees_rust", "rust");
    expect(&o, "var_sees_c", "7");
}

/// Printed instead of building the 2024 fixture when cargo predates the
/// edition; tests/rust/rust.t turns it into a TAP skip with this reason.
pub const EDITION_2024_SKIP: &str = "edition 2024 not tested: needs cargo >= 1.85, this is";

#[test]
fn edition_2024_dependent() {
    let (major, minor) = support::cargo_version();
    if (major, minor) < (1, 85) {
        println!("{} {}.{}", EDITION_2024_SKIP, major, minor);
        return;
    }
    let mut cmd = command(&support::edition2024_fixture());
    cmd.arg("1");
    let o = run(&mut cmd);
    assert_survived("edition 2024 dependent", &o);
    expect(&o, "protected", "true");
    expect(&o, "edition", "2024");
}
