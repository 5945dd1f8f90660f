# Benchmarks.  `make` builds the benchmark programs (so they stay
# compiling); `make bench` runs the full suite (< 3 min) and rewrites
# bench/results/; `make bench-quick` is a < 30 s smoke run whose results go
# to $(B)/bench/quick.  Neither is part of `make check`.

BENCH_SRCS := bench/envbench.c bench/common.c bench/lookup.c bench/writes.c \
	bench/threads.c bench/memory.c bench/startup.c bench/selftest.c
BENCH_HDRS := bench/bench.h
BENCH_PROG := $(B)/bench/envbench
BENCH_RWLOCK := $(B)/bench/librwlockenv.so
BENCH_EMPTY := $(B)/bench/libempty.so
PYTHON ?= python3

# callgrind.h gives noise-free instruction counts of getenv; without it
# the suite says so instead of counting.
BENCH_CALLGRIND := $(shell pkg-config --exists valgrind 2>/dev/null && \
	echo -DHAVE_CALLGRIND $$(pkg-config --cflags valgrind))
BENCH_CFLAGS := $(ES_CFLAGS) -pthread $(BENCH_CALLGRIND)

$(B)/bench:
	mkdir -p $@

# Linked against the C library only: libenvsafe and the rwlock wrapper
# come in through LD_PRELOAD, so all three run the very same binary.
$(BENCH_PROG): $(BENCH_SRCS) $(BENCH_HDRS) | $(B)/bench
	$(CC) $(BENCH_CFLAGS) -o $@ $(BENCH_SRCS)

$(BENCH_RWLOCK): bench/rwlock_env.c | $(B)/bench
	$(CC) $(ES_CFLAGS) -fPIC -shared -fvisibility=hidden -pthread -o $@ $< -ldl

$(BENCH_EMPTY): bench/empty_preload.c | $(B)/bench
	$(CC) $(ES_CFLAGS) -fPIC -shared -fvisibility=hidden -o $@ $<

ALL_TARGETS += $(BENCH_PROG) $(BENCH_RWLOCK) $(BENCH_EMPTY)
# A functional smoke test of the harness (no timing is asserted).
CHECK_TESTS += bench/smoke.t

# musl: the same program linked statically, once with musl's environment
# and once with libenvsafe built for musl by a sub-make.
MUSL_GCC ?= $(shell command -v musl-gcc 2>/dev/null)
BENCH_MUSL_B := $(B)/musl
ifneq ($(MUSL_GCC),)
BENCH_MUSL := $(B)/bench/envbench-musl $(B)/bench/envbench-musl-envsafe
BENCH_MUSL_FLAG :=
else
BENCH_MUSL :=
BENCH_MUSL_FLAG := --no-musl "musl-gcc not found (Debian package musl-tools)"
endif

.PHONY: bench bench-quick bench-musl-lib
bench-musl-lib:
	$(MAKE) --no-print-directory B=$(BENCH_MUSL_B) CC=$(MUSL_GCC) $(BENCH_MUSL_B)/libenvsafe.a

$(B)/bench/envbench-musl: $(BENCH_SRCS) $(BENCH_HDRS) | $(B)/bench
	$(MUSL_GCC) $(BENCH_CFLAGS) -static -o $@ $(BENCH_SRCS)

$(B)/bench/envbench-musl-envsafe: $(BENCH_SRCS) $(BENCH_HDRS) bench-musl-lib | $(B)/bench
	$(MUSL_GCC) $(BENCH_CFLAGS) -DBENCH_LINKED_ENVSAFE -static -o $@ $(BENCH_SRCS) $(BENCH_MUSL_B)/libenvsafe.a

BENCH_DEPS := $(BENCH_PROG) $(BENCH_RWLOCK) $(BENCH_EMPTY) $(B)/libenvsafe.so $(BENCH_MUSL)
BENCH_RUN := $(PYTHON) bench/run.py --build-dir $(abspath $(B)) $(BENCH_MUSL_FLAG)

bench: $(BENCH_DEPS)
	$(BENCH_RUN) --out bench/results

bench-quick: $(BENCH_DEPS)
	$(BENCH_RUN) --quick --out $(B)/bench/quick
