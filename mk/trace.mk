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

# The settings parser on its own (it is pure, so it is compiled in).
$(TRT)/options_parse: tests/strict/options_parse.c src/observe_options.c src/observe_options.h tests/tap.h | $(TRT)
	$(CC) $(TEST_CFLAGS) -o $@ tests/strict/options_parse.c src/observe_options.c
ALL_TARGETS += $(TRT)/options_parse
CHECK_TESTS += $(TRT)/options_parse

# The record parser against forged records.
$(TRT)/trace_forged_records: tests/cli/trace_forged_records.c tools/trace_record.c tools/trace_model.h \
		src/observe_record.h tests/tap.h | $(TRT)
	$(CC) $(TEST_CFLAGS) -Itools -o $@ tests/cli/trace_forged_records.c tools/trace_record.c
ALL_TARGETS += $(TRT)/trace_forged_records
CHECK_TESTS += $(TRT)/trace_forged_records

# libFuzzer on the record parser (FUZZ_CC, FUZZ_SAN, FUZZ_RUN: mk/fuzz.mk),
# replaying its seed corpus and then a fixed-seed campaign in check-fuzz.
TRACE_FUZZ := $(FUZZ_DIR)/trace-record-fuzz
TRACE_FUZZ_CORPUS := tests/cli/trace_record_corpus
TRACE_FUZZ_RUNS ?= 200000
$(TRACE_FUZZ): tests/cli/trace_record_fuzz.c tools/trace_record.c tools/trace_model.h src/observe_record.h | $(FUZZ_DIR)/obj
	$(FUZZ_CC) -std=gnu11 $(WARN) -Isrc -Itools -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer -o $@ \
		tests/cli/trace_record_fuzz.c tools/trace_record.c
.PHONY: check-fuzz-trace
check-fuzz: check-fuzz-trace
check-fuzz-trace: $(TRACE_FUZZ)
	@echo "== trace records: seed corpus, then -seed=1 -runs=$(TRACE_FUZZ_RUNS)"
	$(FUZZ_RUN) $(TRACE_FUZZ) -max_len=8192 $(wildcard $(TRACE_FUZZ_CORPUS)/*)
	rm -rf $(FUZZ_DIR)/trace-corpus-ci && mkdir -p $(FUZZ_DIR)/trace-corpus-ci
	$(FUZZ_RUN) $(TRACE_FUZZ) -max_len=8192 -seed=1 -runs=$(TRACE_FUZZ_RUNS) -print_final_stats=1 \
		$(FUZZ_DIR)/trace-corpus-ci $(TRACE_FUZZ_CORPUS)

# A real cgo Go program (Debian's golang-go), for strict mode's thread
# list and ENVSAFE_STRICT_IGNORE_THREADS.  GOPATH mode: no module, no
# network; the build cache stays in the build directory.
GO ?= go
$(TRT)/go_setenv: tests/strict/go_setenv.go | $(TRT)
	cd $(TRT) && GO111MODULE=off GOFLAGS= GOCACHE=$(abspath $(TRT))/go-cache CGO_ENABLED=1 CC=$(CC) \
		$(GO) build -o go_setenv $(abspath $<)
ALL_TARGETS += $(TRT)/go_setenv
