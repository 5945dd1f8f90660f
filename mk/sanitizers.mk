# Checked builds: the library and the test programs rebuilt in a flavour
# build directory with a checker compiled in or wrapped around them.
#
#   make check-tsan      ThreadSanitizer (clang): the concurrency tests
#   make check-asan      AddressSanitizer + UndefinedBehaviorSanitizer
#                        (clang): the test suite
#   make check-valgrind  memcheck over the semantics tests, library linked
#                        or preloaded
#
# A flavour is this same Makefile run again with B=<flavour dir> and the
# flavour's CC/CFLAGS, so every fragment's $(B)-relative rules build the
# flavour's copy of their programs.  docs/HARDENING.md explains each run.

SAN_CC     ?= clang
TSAN_B     := $(B)/tsan
ASAN_B     := $(B)/asan
# -DENVSAFE_DEBUG: es_check_invariants after every writer operation.
TSAN_FLAGS := -O1 -g -fsanitize=thread -DENVSAFE_DEBUG
# -fno-sanitize-recover: the first report fails the run instead of
# scrolling past.
# -fno-sanitize=nonnull-attribute: the semantics script passes NULL to
# setenv and friends on purpose, to compare with glibc, and libc's headers
# declare those arguments nonnull; the library itself checks for NULL.
ASAN_FLAGS := -O1 -g -DENVSAFE_DEBUG -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-sanitize=nonnull-attribute

# LDFLAGS carries the sanitizer to every link, including fragments that
# link without CFLAGS; the shared library is linked without a runtime and
# takes the executable's.
TSAN_MAKE = $(MAKE) --no-print-directory B=$(TSAN_B) CC=$(SAN_CC) \
	CFLAGS='$(TSAN_FLAGS)' LDFLAGS='-fsanitize=thread'
ASAN_MAKE = $(MAKE) --no-print-directory B=$(ASAN_B) CC=$(SAN_CC) \
	CFLAGS='$(ASAN_FLAGS)' LDFLAGS='-fsanitize=address,undefined'

# ---- programs every flavour builds into its own $(B) ----

# race: every reader against every writer, linked with the static library
# through its API (so musl can link it with -static too).
SAN_T := $(B)/tests/sanitizers
SAN_RACE := $(SAN_T)/race
# canary: deliberate bugs, proof that the checker of a flavour works.
SAN_CANARY := $(SAN_T)/canary
# overread: a lookup that must stop at the end of a short entry.
SAN_OVERREAD := $(SAN_T)/overread
# The stress workload (tests/stress/, linked against libc only and meant
# to be preloaded) linked against the library instead: a checker's own
# helpers (the sanitizer symbolizer, valgrind's tools) then never inherit
# an LD_PRELOAD of an instrumented library.
SAN_STRESS := $(SAN_T)/envsafe-stress-linked
SAN_STRESS_SRCS = $(sort $(wildcard tests/stress/*.c))
# Extra link flags a flavour may need (musl: -static).
SAN_TEST_LDFLAGS ?=

$(SAN_T):
	mkdir -p $@
$(SAN_RACE): tests/sanitizers/race.c tests/tap.h include/envsafe.h $(B)/libenvsafe.a | $(SAN_T)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(B)/libenvsafe.a $(LIB_DEPS) $(SAN_TEST_LDFLAGS)
$(SAN_CANARY): tests/sanitizers/canary.c | $(SAN_T)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(SAN_TEST_LDFLAGS)
$(SAN_OVERREAD): tests/sanitizers/overread.c tests/tap.h $(B)/libenvsafe.so | $(SAN_T)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(LINK_ENVSAFE)
$(SAN_STRESS): $(SAN_STRESS_SRCS) $(wildcard tests/stress/*.h) $(B)/libenvsafe.so | $(SAN_T)
	$(CC) $(TEST_CFLAGS) -o $@ $(SAN_STRESS_SRCS) -ldl $(LINK_ENVSAFE)

# Plain `make` keeps race compiling with every compiler.
ALL_TARGETS += $(SAN_RACE)

.PHONY: san-programs check-tsan check-asan check-valgrind
san-programs: $(B)/libenvsafe.so $(B)/libenvsafe.a $(SAN_RACE) $(SAN_CANARY) $(SAN_OVERREAD) $(SAN_STRESS)

# The core suite's concurrent tests, built by their own fragments' rules
# in the flavour (named literally: those fragments are read after this one).
TSAN_CORE_PROGRAMS = $(B)/tests/core/signal/signal_getenv $(B)/tests/core/api/snapshot \
	$(B)/tests/core/api/print_env $(B)/tests/fork/fork_churn_linked $(B)/tests/core/index/inherited
.PHONY: tsan-programs
tsan-programs: san-programs $(TSAN_CORE_PROGRAMS)

check-tsan:
	$(TSAN_MAKE) tsan-programs
	ES_BUILD_DIR=$(abspath $(TSAN_B)) ES_SRC_DIR=$(CURDIR) $(PROVE) $(PROVE_FLAGS) tests/sanitizers/tsan.t

# Left out of the AddressSanitizer suite: tests whose children are
# programs we do not build (sh via system/popen, timeout, other runtimes)
# and that inherit LD_PRELOAD of the instrumented library, which only
# loads into an instrumented executable.  The stress modes are run by
# asan.t with the stress program linked instead.
# fault-malloc defines malloc itself, which replaces the sanitizer's
# allocator that every instrumented access relies on.  signal_getenv's
# 50 us timer outpaces its instrumented handlers (which may walk thousands
# of entries while a writer is mid-add): the handlers nest until the
# watchdog fires, a livelock of the test's pacing, not a deadlock (it runs
# under check-tsan and check-valgrind).  memory/formula compares with
# mallinfo2, which the sanitizer's allocator does not keep.
ASAN_SKIP := $(ASAN_B)/tests/core/memory/bounded $(ASAN_B)/tests/core/memory/formula $(ASAN_B)/tests/exec/exec_churn \
	$(ASAN_B)/tests/faults/fault-malloc $(ASAN_B)/tests/core/signal/signal_getenv
ASAN_SCRIPTS := tests/sanitizers/asan.t tests/semantics/differential.t tests/semantics/at_secure.t \
	tests/fuzz/replay.t tests/model/check.t
# Leak checking stays on (ASan's default): the library never frees what
# it published to readers, but keeps every such block reachable through
# a pointer to its start (docs/DESIGN.md, "Memory bound").
# The test programs' own deliberate leaks are suppressed by name
# (tests/sanitizers/lsan.supp).
ASAN_ENV := ASAN_OPTIONS=abort_on_error=0 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers/lsan.supp \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

check-asan:
	$(ASAN_ENV) $(ASAN_MAKE) SAN_SUITE_SKIP='$(ASAN_SKIP)' SAN_SUITE_SCRIPTS='$(ASAN_SCRIPTS)' san-suite

check-valgrind: san-programs
	ES_BUILD_DIR=$(abspath $(B)) ES_SRC_DIR=$(CURDIR) $(PROVE) $(PROVE_FLAGS) tests/sanitizers/valgrind.t

# The suite of a flavour, run inside the flavour's make (so CHECK_TESTS
# names the flavour's programs): every C test program of `make check`,
# plus the scripts in SAN_SUITE_SCRIPTS and the test programs they need.
# Recipes expand after every fragment is read, so CHECK_TESTS and
# ALL_TARGETS are complete here.  The CLI's fixtures are left out: one of
# them is a static executable, which no sanitizer supports.
SAN_SUITE_SCRIPTS ?=
SAN_SUITE_SKIP ?=
.PHONY: san-suite
san-suite: san-programs
	$(MAKE) --no-print-directory \
		$(filter-out $(B)/tests/cli/%,$(filter $(B)/tests/% $(B)/envsafe-stress,$(ALL_TARGETS)))
	ES_BUILD_DIR=$(abspath $(B)) ES_SRC_DIR=$(CURDIR) $(PROVE) $(PROVE_FLAGS) \
		$(filter-out $(SAN_SUITE_SKIP),$(filter $(B)/%,$(CHECK_TESTS))) $(SAN_SUITE_SCRIPTS)
