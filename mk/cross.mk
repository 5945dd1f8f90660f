# Other architectures and C libraries.
#
#   make check-aarch64  the library and the tests cross-built with
#                       aarch64-linux-gnu-gcc, run under qemu-aarch64
#   make check-musl     the library built with musl-gcc: (a) linked
#                       statically through its own API, (b) preloaded into
#                       dynamically linked musl programs
#
# Like the sanitizer runs (mk/sanitizers.mk), each is this Makefile run
# again with B=<flavour dir>, so the flavour gets its own copy of the
# library and of every program named below.

AARCH64_B      := $(B)/aarch64
AARCH64_CC     ?= aarch64-linux-gnu-gcc
AARCH64_AR     ?= aarch64-linux-gnu-ar
AARCH64_SYSROOT ?= /usr/aarch64-linux-gnu
MUSL_B         := $(B)/musl
MUSL_CC        ?= musl-gcc

AARCH64_MAKE = $(MAKE) --no-print-directory B=$(AARCH64_B) CC=$(AARCH64_CC) AR=$(AARCH64_AR) \
	CFLAGS='-O2 -g'
# musl-gcc searches musl's headers only (no kernel headers), which the
# library's sources allow for.
MUSL_MAKE = $(MAKE) --no-print-directory B=$(MUSL_B) CC=$(MUSL_CC) CFLAGS='-O2 -g'

# ---- programs every flavour builds into its own $(B) ----
CROSS_T := $(B)/tests/cross
# The C library's bug in its smallest form, linked with libc only: it
# crashes a C library that frees environ under readers, and survives with
# libenvsafe preloaded ...
CROSS_CRASH := $(CROSS_T)/stock_crash
# ... or linked, statically, through the library's own archive.
CROSS_CRASH_LINKED := $(CROSS_T)/stock_crash_linked
# The stress workload as its own fragment intends it, libc only, for
# preloading (mk/sanitizers.mk links another copy with the library).
CROSS_STRESS := $(CROSS_T)/envsafe-stress

$(CROSS_T):
	mkdir -p $@
$(CROSS_CRASH): tests/cross/stock_crash.c | $(CROSS_T)
	$(CC) $(TEST_CFLAGS) -o $@ $<
$(CROSS_CRASH_LINKED): tests/cross/stock_crash.c $(B)/libenvsafe.a | $(CROSS_T)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(B)/libenvsafe.a $(LIB_DEPS) $(SAN_TEST_LDFLAGS)

$(CROSS_STRESS): $(SAN_STRESS_SRCS) $(wildcard tests/stress/*.h) | $(CROSS_T)
	$(CC) $(TEST_CFLAGS) -o $@ $(SAN_STRESS_SRCS) -ldl

ALL_TARGETS += $(CROSS_CRASH) $(CROSS_CRASH_LINKED)

# The core suite's programs that run on another architecture or C library
# as they are (their own fragments build them; named literally because
# those fragments are read after this one).  Left out everywhere: the
# startup test that re-executes itself through glibc's loader.  Left out
# under qemu: programs that exec or spawn another aarch64 program (no
# binfmt_misc is assumed), and the signal test, whose 50 us timer outpaces
# handlers under emulation.  Left out for musl: programs that run /bin/sh
# (glibc's) with the musl library preloaded, and the signal and memory
# tests, which use glibc-only interfaces (sigevent._sigev_un, mallinfo2).
CROSS_CORE = $(addprefix $(B)/tests/,core/semantics/script core/index/index_fallback \
	core/api/linked core/api/getenv_r core/api/linked_static core/semantics/secure_static \
	core/pointers/stable_pointers_valgrind faults/fault-ops)
MUSL_CORE = $(CROSS_CORE) $(addprefix $(B)/tests/,core/api/snapshot core/api/print_env \
	core/startup/early_static fork/fork_churn fork/fork_churn_linked)

.PHONY: cross-programs aarch64-programs musl-programs check-aarch64 check-musl
cross-programs: san-programs $(CROSS_CRASH) $(CROSS_CRASH_LINKED) $(CROSS_STRESS)
aarch64-programs: cross-programs $(CROSS_CORE)
musl-programs: cross-programs $(MUSL_CORE)

check-aarch64:
	$(AARCH64_MAKE) aarch64-programs
	ES_BUILD_DIR=$(abspath $(AARCH64_B)) ES_SRC_DIR=$(CURDIR) ES_QEMU_SYSROOT=$(AARCH64_SYSROOT) \
		$(PROVE) $(PROVE_FLAGS) tests/cross/aarch64.t

# Two musl flavours share one library build: the static programs are
# linked with -static (SAN_TEST_LDFLAGS), the preloaded ones dynamically.
check-musl:
	$(MUSL_MAKE) SAN_TEST_LDFLAGS=-static musl-programs
	$(MAKE) --no-print-directory $(B)/libenvsafe.so $(B)/tests/core/semantics/script
	ES_BUILD_DIR=$(abspath $(MUSL_B)) ES_SRC_DIR=$(CURDIR) ES_REF_BUILD_DIR=$(abspath $(B)) \
		$(PROVE) $(PROVE_FLAGS) tests/musl/musl.t
