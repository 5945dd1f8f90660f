# Real runtimes (Python, Rust, Node, Perl, bash) racing or using the
# environment, each run on stock libc and under `envsafe run`.  All of them
# are part of `make check` (CPython's own os/posix/time suites, the
# slowest, take about 25 s for both runs); `make check-compat` runs just
# this area.
COMPAT_T := $(B)/tests/compat
$(COMPAT_T):
	mkdir -p $@

# Edition 2021 where rustc knows it (1.56+), 2018 before (Debian 11's
# 1.48): the program is valid in both.
# Without rustc the program is not built and rust_race.t bails out saying so.
COMPAT_RUSTC ?= $(shell command -v rustc 2>/dev/null)
ifneq ($(COMPAT_RUSTC),)
COMPAT_RUST_EDITION := $(shell $(COMPAT_RUSTC) --edition 2021 --print sysroot >/dev/null 2>&1 && echo 2021 || echo 2018)
$(COMPAT_T)/rust_env_race: tests/compat/rust_env_race.rs | $(COMPAT_T)
	MAKEFLAGS= $(COMPAT_RUSTC) --edition $(COMPAT_RUST_EDITION) -O -o $@ $<
ALL_TARGETS += $(COMPAT_T)/rust_env_race
endif

COMPAT_TESTS := $(sort $(wildcard tests/compat/*.t))
CHECK_TESTS += $(COMPAT_TESTS)

.PHONY: check-compat
check-compat: all
	ES_BUILD_DIR=$(abspath $(B)) ES_SRC_DIR=$(CURDIR) $(PROVE) $(PROVE_FLAGS) $(COMPAT_TESTS)
