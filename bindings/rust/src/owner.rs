//! Which implementation of the environment owns `environ` in this process.
//!
//! Decided once, from the process's global symbol scope (the one the
//! dynamic linker binds every shared object's references to):
//! - the crate's own copy, when all six functions resolve to it: the usual
//!   case of an executable that depends on the crate, with or without a
//!   preloaded libenvsafe.so (the executable comes first in the scope);
//! - a libenvsafe.so mapped in the process, when all six resolve to that
//!   one object (the crate inside a shared library of a process that is
//!   itself run under `envsafe run`);
//! - none: the environment belongs to libc, and only std's rules apply.

use std::os::raw::{c_char, c_void};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::sys;

/// The entry points the safe API calls, all from the owning copy.
pub struct Imp {
    pub setenv: sys::SetenvFn,
    pub unsetenv: sys::UnsetenvFn,
    pub getenv_r: sys::GetenvRFn,
    pub snapshot_take: sys::SnapshotTakeFn,
    pub snapshot_envp: sys::SnapshotEnvpFn,
    pub snapshot_release: sys::SnapshotReleaseFn,
}

static OWN: Imp = Imp {
    setenv: sys::setenv,
    unsetenv: sys::unsetenv,
    getenv_r: sys::getenv_r,
    snapshot_take: sys::envsafe_snapshot_take,
    snapshot_envp: sys::envsafe_snapshot_envp,
    snapshot_release: sys::envsafe_snapshot_release,
};

const REPLACED: [&[u8]; 6] = [
    b"getenv\0",
    b"secure_getenv\0",
    b"setenv\0",
    b"unsetenv\0",
    b"putenv\0",
    b"clearenv\0",
];

const UNKNOWN: usize = 0;
const NONE: usize = 1;
/// UNKNOWN, NONE, or the address of the owning `Imp` (never 0 or 1).
static OWNER: AtomicUsize = AtomicUsize::new(UNKNOWN);

/// The implementation that owns `environ`, or None when libc does.
pub fn owner() -> Option<&'static Imp> {
    // Acquire: pairs with the release below, so a leaked Imp is seen
    // initialised.
    let known = OWNER.load(Ordering::Acquire);
    let found = match known {
        UNKNOWN => {
            let imp = find();
            let value = imp.map_or(NONE, |i| i as *const Imp as usize);
            // Release: publishes the Imp written by find().  Threads that
            // race here compute the same answer; the loser's leak is one
            // small struct, once.
            OWNER.store(value, Ordering::Release);
            value
        }
        v => v,
    };
    if found == NONE {
        None
    } else {
        // SAFETY: every non-NONE value stored is the address of OWN or of
        // a leaked, never freed Imp.
        Some(unsafe { &*(found as *const Imp) })
    }
}

fn find() -> Option<&'static Imp> {
    let own: [usize; 6] = [
        sys::getenv as sys::GetenvFn as usize,
        sys::secure_getenv as sys::GetenvFn as usize,
        sys::setenv as sys::SetenvFn as usize,
        sys::unsetenv as sys::UnsetenvFn as usize,
        sys::putenv as sys::PutenvFn as usize,
        sys::clearenv as sys::ClearenvFn as usize,
    ];
    if REPLACED
        .iter()
        .zip(own.iter())
        .all(|(name, &mine)| sys::global_symbol(name) as usize == mine)
    {
        return Some(&OWN);
    }
    mapped_library().map(|imp| &*Box::leak(Box::new(imp)))
}

/// The base address and path of the object that contains ADDR.
fn object_of(addr: *mut c_void) -> Option<(usize, *const c_char)> {
    if addr.is_null() {
        return None;
    }
    let mut info = sys::DlInfo {
        dli_fname: std::ptr::null(),
        dli_fbase: std::ptr::null_mut(),
        dli_sname: std::ptr::null(),
        dli_saddr: std::ptr::null_mut(),
    };
    // SAFETY: dladdr only writes INFO.
    if unsafe { sys::dladdr(addr, &mut info) } == 0 || info.dli_fname.is_null() {
        return None;
    }
    Some((info.dli_fbase as usize, info.dli_fname))
}

/// A libenvsafe.so that provides all six functions to the process.
fn mapped_library() -> Option<Imp> {
    let (base, path) = object_of(sys::global_symbol(b"envsafe_version\0"))?;
    for name in REPLACED.iter() {
        if object_of(sys::global_symbol(name))?.0 != base {
            return None;
        }
    }
    // SAFETY: PATH is the name of an object that is mapped; RTLD_NOLOAD
    // returns a handle to it without loading anything.
    let handle = unsafe { sys::dlopen(path, sys::RTLD_LAZY_NOLOAD) };
    if handle.is_null() {
        return None;
    }
    // Looked up in that object, not the global scope, which holds the
    // crate's own getenv_r and snapshot functions when they are exported.
    let resolve = |name: &[u8]| -> Option<*mut c_void> {
        // SAFETY: NAME is NUL-terminated.
        let p = unsafe { sys::dlsym(handle, name.as_ptr() as *const c_char) };
        match object_of(p) {
            Some((b, _)) if b == base => Some(p),
            _ => None,
        }
    };
    let setenv = resolve(b"setenv\0")?;
    let unsetenv = resolve(b"unsetenv\0")?;
    let getenv_r = resolve(b"getenv_r\0")?;
    let take = resolve(b"envsafe_snapshot_take\0")?;
    let envp = resolve(b"envsafe_snapshot_envp\0")?;
    let release = resolve(b"envsafe_snapshot_release\0")?;
    // SAFETY: these are libenvsafe's exported functions, whose C
    // signatures (include/envsafe.h, <stdlib.h>) the types spell out.
    unsafe {
        Some(Imp {
            setenv: std::mem::transmute::<*mut c_void, sys::SetenvFn>(setenv),
            unsetenv: std::mem::transmute::<*mut c_void, sys::UnsetenvFn>(unsetenv),
            getenv_r: std::mem::transmute::<*mut c_void, sys::GetenvRFn>(getenv_r),
            snapshot_take: std::mem::transmute::<*mut c_void, sys::SnapshotTakeFn>(take),
            snapshot_envp: std::mem::transmute::<*mut c_void, sys::SnapshotEnvpFn>(envp),
            snapshot_release: std::mem::transmute::<*mut c_void, sys::SnapshotReleaseFn>(release),
        })
    }
}

/// Whether the crate's own copy is the one the process uses.
pub fn is_own(imp: &Imp) -> bool {
    std::ptr::eq(imp, &OWN)
}
