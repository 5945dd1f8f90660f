# envsafe trace and strict mode: test fixtures and tests.  The observers
# themselves are src/options.c, src/trace.c and src/observe_*.c (built by
# mk/lib.mk); the subcommand is tools/cmd_trace.c and tools/trace_*.c,
# tools/symbolize.c, tools/demangle.c (built by mk/cli.mk).
TRT := $(B)/tests/trace
RUSTC ?= rustc

$(TRT):
	mkdir -p $@
# Without sibling-call optimisation: `return setenv(...)` would otherwise
# be a jump, and plugin_configure would not be on the stack at all.
TRACE_FIXTURE_CFLAGS := -fno-optimize-sibling-calls
$(TRT)/libplugin.so: tests/cli/trace_plugin.c | $(TRT)
	$(CC) $(ES_CFLAGS) $(TRACE_FIXTURE_CFLAGS) -fPIC -shared -Wl,-soname,libplugin.so -o $@ $<
# Linked against stock libc: the tests preload libenvsafe.
$(TRT)/trace_app: tests/cli/trace_app.c $(TRT)/libplugin.so
	$(CC) $(TEST_CFLAGS) -o $@ $< -L$(TRT) -lplugin -Wl,-rpath,'$$ORIGIN'
# Linked with libenvsafe.a, so that a setgid copy uses the library without
# LD_PRELOAD (which the loader ignores for secure programs).
$(TRT)/trace_app_static: tests/cli/trace_app.c tests/cli/trace_plugin.c $(B)/libenvsafe.a | $(TRT)
	$(CC) $(TEST_CFLAGS) $(TRACE_FIXTURE_CFLAGS) -o $@ tests/cli/trace_app.c tests/cli/trace_plugin.c \
		$(B)/libenvsafe.a $(LIB_DEPS)
# The same Rust program with each symbol mangling scheme.  Each is asked
# for explicitly, since the default changed (v0 from rustc 1.97), and the
# option's spelling did too: -C from 1.59 (legacy still behind
# unstable-options), -Z before (rustc 1.48).  A rustc that takes none of
# them gets its default, and trace_languages.t checks the symbols' prefix.
# rustc would warn about make's jobserver descriptors, which it does not
# need.
RUST_MANGLE = MAKEFLAGS= $(RUSTC) -g -C symbol-mangling-version=$(1) -o $@ $< 2>/dev/null || \
	MAKEFLAGS= RUSTC_BOOTSTRAP=1 $(RUSTC) -g -Z unstable-options -C symbol-mangling-version=$(1) -o $@ $< \
		2>/dev/null || \
	MAKEFLAGS= RUSTC_BOOTSTRAP=1 $(RUSTC) -g -Z symbol-mangling-version=$(1) -o $@ $< 2>/dev/null || \
	MAKEFLAGS= $(RUSTC) -g -o $@ $<
$(TRT)/proxy_legacy: tests/cli/trace_proxy.rs | $(TRT)
	$(call RUST_MANGLE,legacy)
$(TRT)/proxy_v0: tests/cli/trace_proxy.rs | $(TRT)
	$(call RUST_MANGLE,v0)

TRACE_FIXTURES := $(TRT)/libplugin.so $(TRT)/trace_app $(TRT)/trace_app_static \
	$(TRT)/proxy_legacy $(TRT)/proxy_v0
ALL_TARGETS += $(TRACE_FIXTURES)
CHECK_TESTS += $(sort $(wildcard tests/cli/trace*.t) $(wildcard tests/strict/*.t))
