# The Rust crate in bindings/rust.  tests/rust/rust.t runs its tests with
# `cargo test --offline` (no registry crates: Debian's cargo and rustc are
# enough) and is part of `make check`; `make check-rust` runs just it.
# Cargo builds under $(B)/rust, never in the source tree.
CHECK_TESTS += tests/rust/rust.t

.PHONY: check-rust
check-rust: $(B)/libenvsafe.so $(B)/envsafe
	ES_BUILD_DIR=$(abspath $(B)) ES_SRC_DIR=$(CURDIR) $(PROVE) $(PROVE_FLAGS) tests/rust/rust.t
