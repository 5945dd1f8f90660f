# envsafe trace and strict mode: test fixtures and tests.  The observers
# themselves are src/observe*.c (built by mk/lib.mk); the subcommand is
# tools/cmd_trace.c and tools/trace_*.c, tools/symbolize.c,
# tools/demangle.c (built by mk/cli.mk).
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
# The same Rust program with each symbol mangling scheme: legacy is the
# stable default (selecting it explicitly needs -Z on stable), v0 is
# chosen with -C.  rustc would warn about make's jobserver descriptors,
# which it does not need.
$(TRT)/proxy_legacy: tests/cli/trace_proxy.rs | $(TRT)
	MAKEFLAGS= $(RUSTC) -g -o $@ $<
$(TRT)/proxy_v0: tests/cli/trace_proxy.rs | $(TRT)
	MAKEFLAGS= $(RUSTC) -g -C symbol-mangling-version=v0 -o $@ $<

TRACE_FIXTURES := $(TRT)/libplugin.so $(TRT)/trace_app $(TRT)/trace_app_static \
	$(TRT)/proxy_legacy $(TRT)/proxy_v0
ALL_TARGETS += $(TRACE_FIXTURES)
CHECK_TESTS += $(sort $(wildcard tests/cli/trace*.t) $(wildcard tests/strict/*.t))

# The settings parser on its own (it is pure, so it is compiled in).
$(TRT)/options_parse: tests/strict/options_parse.c src/observe_options.c src/observe_options.h tests/tap.h | $(TRT)
	$(CC) $(TEST_CFLAGS) -o $@ tests/strict/options_parse.c src/observe_options.c
ALL_TARGETS += $(TRT)/options_parse
CHECK_TESTS += $(TRT)/options_parse
