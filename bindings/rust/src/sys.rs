//! The C side: libenvsafe's entry points (compiled into this crate by
//! build.rs) and the few libc functions used to find out which
//! implementation of the environment the process actually uses.

use std::os::raw::{c_char, c_int, c_void};

/// Opaque `envsafe_snapshot` (include/envsafe.h).
#[repr(C)]
pub struct RawSnapshot {
    _private: [u8; 0],
}

pub type GetenvFn = unsafe extern "C" fn(*const c_char) -> *mut c_char;
pub type PutenvFn = unsafe extern "C" fn(*mut c_char) -> c_int;
pub type ClearenvFn = unsafe extern "C" fn() -> c_int;
pub type SetenvFn = unsafe extern "C" fn(*const c_char, *const c_char, c_int) -> c_int;
pub type UnsetenvFn = unsafe extern "C" fn(*const c_char) -> c_int;
pub type GetenvRFn = unsafe extern "C" fn(*const c_char, *mut c_char, usize) -> c_int;
pub type SnapshotTakeFn = unsafe extern "C" fn() -> *mut RawSnapshot;
pub type SnapshotEnvpFn = unsafe extern "C" fn(*const RawSnapshot) -> *const *const c_char;
pub type SnapshotReleaseFn = unsafe extern "C" fn(*mut RawSnapshot);

extern "C" {
    // The six functions the crate replaces.  Declared here so that the
    // crate can take their addresses: in the final executable they are
    // the crate's own definitions.
    pub fn getenv(name: *const c_char) -> *mut c_char;
    pub fn secure_getenv(name: *const c_char) -> *mut c_char;
    pub fn setenv(name: *const c_char, value: *const c_char, overwrite: c_int) -> c_int;
    pub fn unsetenv(name: *const c_char) -> c_int;
    pub fn putenv(string: *mut c_char) -> c_int;
    pub fn clearenv() -> c_int;

    // libenvsafe's extensions.
    pub fn getenv_r(name: *const c_char, buf: *mut c_char, len: usize) -> c_int;
    pub fn envsafe_snapshot_take() -> *mut RawSnapshot;
    pub fn envsafe_snapshot_envp(snap: *const RawSnapshot) -> *const *const c_char;
    pub fn envsafe_snapshot_release(snap: *mut RawSnapshot);

    // libc (libdl before glibc 2.34).
    pub fn dlsym(handle: *mut c_void, name: *const c_char) -> *mut c_void;
    pub fn dlopen(file: *const c_char, flags: c_int) -> *mut c_void;
    pub fn dladdr(addr: *const c_void, info: *mut DlInfo) -> c_int;
    pub fn __errno_location() -> *mut c_int;
}

/// `RTLD_DEFAULT` is a null handle on glibc and musl.
pub const RTLD_DEFAULT: *mut c_void = std::ptr::null_mut();
/// `RTLD_LAZY | RTLD_NOLOAD`: a handle to an object only if already mapped.
/// Both values are the same on glibc and musl.
pub const RTLD_LAZY_NOLOAD: c_int = 0x0001 | 0x0004;
pub const ERANGE: c_int = 34;
pub const ENOMEM: c_int = 12;

/// glibc's and musl's `Dl_info`.
#[repr(C)]
pub struct DlInfo {
    pub dli_fname: *const c_char,
    pub dli_fbase: *mut c_void,
    pub dli_sname: *const c_char,
    pub dli_saddr: *mut c_void,
}

/// The address `name` (NUL-terminated) has in the process's global scope:
/// what the dynamic linker binds a reference from any shared object to.
pub fn global_symbol(name: &[u8]) -> *mut c_void {
    debug_assert!(name.ends_with(b"\0"));
    // SAFETY: NAME is NUL-terminated; dlsym only reads it.
    unsafe { dlsym(RTLD_DEFAULT, name.as_ptr() as *const c_char) }
}

pub fn errno() -> c_int {
    // SAFETY: glibc and musl return this thread's errno slot.
    unsafe { *__errno_location() }
}
