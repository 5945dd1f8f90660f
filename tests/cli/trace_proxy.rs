// A Rust program that changes the environment from a named function; the
// trace must show its demangled path, whatever the mangling scheme.
#[inline(never)]
fn configure_proxy(url: &str) {
    #[allow(unused_unsafe)]
    unsafe {
        std::env::set_var("HTTP_PROXY", url);
    }
}

fn main() {
    configure_proxy("http://proxy.invalid:3128");
}
