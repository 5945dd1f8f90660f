//! A process environment that multithreaded programs cannot crash, for a
//! Rust executable: add the dependency and write
//!
//! ```
//! use envsafe as _;
//!
//! fn main() {
//!     assert!(envsafe::protected());
//! }
//! ```
//!
//! anywhere in the binary crate.  No `LD_PRELOAD`, no `libenvsafe.so` at
//! run time.
//!
//! # The problem
//!
//! On glibc before 2.41 (and on musl) `setenv` grows `environ` with
//! `realloc` and frees the old array while other threads read it without
//! any lock.  Those readers are not only `getenv` calls: glibc reads the
//! environment inside `strerror` (through gettext, under a non-C locale),
//! `localtime`, `setlocale` and more, and never takes std's environment
//! lock.  So `std::env::set_var` in one thread (openssl-probe setting
//! `SSL_CERT_FILE`, for example) crashes another thread that is formatting
//! an `io::Error`.  Rust 2024 made `set_var` `unsafe` for this reason.
//!
//! # What the crate does
//!
//! Its build script compiles libenvsafe (the C library of this repository)
//! into the crate, and every object is linked into the final executable.
//! The executable then *defines* `getenv`, `secure_getenv`, `setenv`,
//! `unsetenv`, `putenv` and `clearenv`, and exports them in its dynamic
//! symbol table (`nm -D` lists them).  Because the executable comes first
//! in the dynamic linker's global lookup scope, ahead of libc and of any
//! preloaded library, every reference to these functions, from std, from
//! C code in the binary, from every shared library and from plugins
//! `dlopen`ed later, binds to the crate's copy.  That copy never frees or
//! overwrites anything it has published through `environ`, so every
//! reader is safe, glibc's internal ones included.  `std::env::set_var`
//! and `remove_var` stay what they were; they just stop crashing other
//! threads.
//!
//! [`protected`] tells whether this is in effect.
//!
//! # Why the safe functions are sound
//!
//! [`set_var`], [`remove_var`], [`var`], [`var_os`] and [`snapshot`] are
//! safe functions, unlike `std::env::set_var` in the 2024 edition.  They
//! act only through the implementation that owns `environ` (see
//! [`protected`]), and when one does:
//!
//! - Every write to the environment in the process goes through that one
//!   implementation (see *What the crate does*), which serialises writers
//!   with its own lock.  std's environment lock is not needed: it only
//!   orders std's own calls, and those go through the same functions.
//! - A writer never frees, and never overwrites in place, a string or an
//!   array that a reader may have reached through `environ` or `getenv`.
//!   Any reader, in any thread, at any time, therefore reads valid memory:
//!   `getenv` (lock-free), glibc's internal readers, a walk of `environ`,
//!   `std::env::var`, and the copies made by [`var`] and [`snapshot`].
//! - [`var`] copies the value with `getenv_r`: a value stored by `setenv`
//!   is immutable, so the copy is never torn.  [`snapshot`] copies the
//!   whole environment under the writer lock, so it is the environment
//!   between two writer operations, never a half-applied one.
//!
//! When no envsafe implementation owns the environment (the crate is
//! linked into a shared library loaded by a program that is not
//! protected), nothing can make a write safe, so [`set_var`] and
//! [`remove_var`] panic instead, and [`var`], [`var_os`] and [`snapshot`]
//! fall back to `std::env` (and its rules).
//!
//! # What it cannot cover
//!
//! - **Code that writes `environ` directly**, assigning the variable or
//!   storing into its entries.  envsafe's `getenv` sees such writes, but
//!   memory that the program frees or reuses after storing it there is
//!   beyond any library's control.
//! - **Another implementation of the environment in the same binary**:
//!   a statically linked program that also takes its C library's `setenv`
//!   (or `__add_to_environ`, `__unsetenv`, ...) object, or code that calls
//!   libc's copy by another route (`dlsym(RTLD_NEXT, "setenv")`,
//!   `dlvsym(..., "GLIBC_2.2.5")`, or a plugin opened with
//!   `RTLD_DEEPBIND`, whose own dependencies come before the executable).
//!   Those writers can still free what readers hold.
//! - **A shared library** (`cdylib`) that depends on the crate does not
//!   protect the process that loads it: only the executable's symbols come
//!   before libc's.  [`protected`] then returns false, unless the process
//!   runs with the preloaded libenvsafe.so, which the safe API then uses.
//! - **Statically linked executables**: every call made by name (std's,
//!   C code's) is linked to the crate's functions, so the race is fixed
//!   there too; but glibc's static library also links its own
//!   implementation for its internal use at start-up, and there is no
//!   dynamic symbol table to check, so [`protected`] returns false and
//!   the safe writers panic.
//!
//! # Together with the preloaded library
//!
//! If the executable also runs under `envsafe run`, or with libenvsafe.so
//! in `LD_PRELOAD` or `/etc/ld.so.preload`, two copies are mapped.  The
//! executable's symbols come first in the lookup scope, so the crate's
//! copy owns `environ`: all six functions resolve to it everywhere, the
//! preloaded library's included, and the preloaded copy never writes.
//! Tracing and strict mode (`ENVSAFE_STRICT`, `envsafe trace`) are done by
//! the crate's copy, once per write.

#![warn(missing_docs)]

mod owner;
mod sys;

use std::env::VarError;
use std::ffi::{CStr, CString, OsStr, OsString};
use std::os::raw::c_char;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

/// Whether the process's environment is envsafe's: all six functions
/// (`getenv`, `secure_getenv`, `setenv`, `unsetenv`, `putenv`, `clearenv`)
/// resolve, in the process's global symbol scope (`dlsym(RTLD_DEFAULT)`),
/// to one envsafe implementation.
///
/// True in any dynamically linked executable that depends on the crate
/// (the crate's own copy), and in a shared library of a process run with
/// libenvsafe.so preloaded (that copy).  False when libc's functions are
/// the process's: the crate is in a shared library of an unprotected
/// program, or the executable is statically linked.
pub fn protected() -> bool {
    owner::owner().is_some()
}

/// Whether the implementation in use is the one compiled into this crate
/// (and not a preloaded libenvsafe.so, nor libc's).
pub fn protected_by_crate() -> bool {
    owner::owner().map_or(false, owner::is_own)
}

fn owner_or_panic(what: &str) -> &'static owner::Imp {
    match owner::owner() {
        Some(imp) => imp,
        None => panic!(
            "envsafe::{}: the process's environment is libc's, not envsafe's \
             (the crate is linked into a shared library, or the executable is static), \
             so no write to it can be made safe",
            what
        ),
    }
}

fn c_string(what: &str, s: &OsStr) -> CString {
    match CString::new(s.as_bytes()) {
        Ok(c) => c,
        Err(_) => panic!("envsafe::{}: {:?} contains a NUL byte", what, s),
    }
}

/// Sets the environment variable `key` to `value`, like
/// `std::env::set_var`, but safe: see the crate documentation.
///
/// # Panics
///
/// Like std: if `key` is empty, contains `=` or NUL, or `value` contains
/// NUL; if memory runs out.  Also when the process's environment is not
/// envsafe's ([`protected`] is false).
pub fn set_var<K: AsRef<OsStr>, V: AsRef<OsStr>>(key: K, value: V) {
    let (key, value) = (key.as_ref(), value.as_ref());
    let imp = owner_or_panic("set_var");
    let k = c_string("set_var", key);
    let v = c_string("set_var", value);
    // SAFETY: both strings are NUL-terminated; the owning implementation's
    // setenv may run concurrently with any reader or writer.
    if unsafe { (imp.setenv)(k.as_ptr(), v.as_ptr(), 1) } != 0 {
        panic!(
            "envsafe::set_var: failed to set environment variable {:?} to {:?}: {}",
            key,
            value,
            std::io::Error::from_raw_os_error(sys::errno())
        );
    }
}

/// Removes the environment variable `key` (every occurrence of it), like
/// `std::env::remove_var`, but safe: see the crate documentation.
///
/// # Panics
///
/// Like std: if `key` is empty or contains `=` or NUL.  Also when the
/// process's environment is not envsafe's ([`protected`] is false).
pub fn remove_var<K: AsRef<OsStr>>(key: K) {
    let key = key.as_ref();
    let imp = owner_or_panic("remove_var");
    let k = c_string("remove_var", key);
    // SAFETY: as in set_var.
    if unsafe { (imp.unsetenv)(k.as_ptr()) } != 0 {
        panic!(
            "envsafe::remove_var: failed to remove environment variable {:?}: {}",
            key,
            std::io::Error::from_raw_os_error(sys::errno())
        );
    }
}

/// A copy of the value of `key`, or None if it is not set (or `key` is
/// empty or contains `=` or NUL), like `std::env::var_os`.
///
/// The copy is made with `getenv_r`: the value is one that `key` held at
/// some instant during the call.
pub fn var_os<K: AsRef<OsStr>>(key: K) -> Option<OsString> {
    let key = key.as_ref();
    let imp = match owner::owner() {
        Some(imp) => imp,
        None => return std::env::var_os(key),
    };
    let k = CString::new(key.as_bytes()).ok()?;
    let mut buf: Vec<u8> = Vec::with_capacity(128);
    loop {
        // SAFETY: BUF has room for capacity() bytes; getenv_r writes at
        // most that many (the value and its NUL) or nothing.
        let r =
            unsafe { (imp.getenv_r)(k.as_ptr(), buf.as_mut_ptr() as *mut c_char, buf.capacity()) };
        if r == 0 {
            // SAFETY: getenv_r stored a NUL-terminated string in BUF.
            let len = unsafe { CStr::from_ptr(buf.as_ptr() as *const c_char) }
                .to_bytes()
                .len();
            unsafe { buf.set_len(len) };
            return Some(OsString::from_vec(buf));
        }
        match sys::errno() {
            // The value did not fit; it may keep growing, so ask again.
            sys::ERANGE => buf.reserve(buf.capacity() * 2),
            _ => return None,
        }
    }
}

/// The value of `key` as a `String`, like `std::env::var`: `NotPresent`
/// if unset, `NotUnicode` if it is not valid UTF-8.  A copy, made as by
/// [`var_os`].
pub fn var<K: AsRef<OsStr>>(key: K) -> Result<String, VarError> {
    match var_os(key) {
        Some(v) => v.into_string().map_err(VarError::NotUnicode),
        None => Err(VarError::NotPresent),
    }
}

/// A consistent copy of the whole environment: its `(name, value)` pairs
/// in `environ` order, as they were between two writer operations.
///
/// Later writes do not change it.  Entries are split at the first `=`
/// after the first byte and entries without one are left out, as
/// `std::env::vars_os` does.
///
/// # Panics
///
/// If memory runs out.
pub fn snapshot() -> Snapshot {
    let entries = match owner::owner() {
        Some(imp) => copy_snapshot(imp),
        None => std::env::vars_os().collect(),
    };
    Snapshot {
        entries: entries.into_iter(),
    }
}

fn copy_snapshot(imp: &owner::Imp) -> Vec<(OsString, OsString)> {
    // SAFETY: take/envp/release are used as include/envsafe.h specifies:
    // the array and its strings stay valid until release, and nothing
    // else holds the snapshot.
    unsafe {
        let snap = (imp.snapshot_take)();
        if snap.is_null() {
            panic!(
                "envsafe::snapshot: {}",
                std::io::Error::from_raw_os_error(sys::ENOMEM)
            );
        }
        let mut entries = Vec::new();
        let mut p = (imp.snapshot_envp)(snap);
        while !(*p).is_null() {
            if let Some(pair) = split_entry(CStr::from_ptr(*p).to_bytes()) {
                entries.push(pair);
            }
            p = p.add(1);
        }
        (imp.snapshot_release)(snap);
        entries
    }
}

fn split_entry(entry: &[u8]) -> Option<(OsString, OsString)> {
    if entry.is_empty() {
        return None;
    }
    let eq = entry[1..].iter().position(|&b| b == b'=')? + 1;
    Some((
        OsStr::from_bytes(&entry[..eq]).to_os_string(),
        OsStr::from_bytes(&entry[eq + 1..]).to_os_string(),
    ))
}

/// The environment as [`snapshot`] copied it: an iterator over owned
/// `(name, value)` pairs.
#[derive(Debug)]
pub struct Snapshot {
    entries: std::vec::IntoIter<(OsString, OsString)>,
}

impl Iterator for Snapshot {
    type Item = (OsString, OsString);

    fn next(&mut self) -> Option<Self::Item> {
        self.entries.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries.size_hint()
    }
}

impl ExactSizeIterator for Snapshot {}

impl DoubleEndedIterator for Snapshot {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.entries.next_back()
    }
}
