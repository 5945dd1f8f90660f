# envsafe - top-level build.  Each area owns one fragment in mk/, for
# example mk/lib.mk (the library, install), mk/cli.mk (the envsafe tool),
# mk/tests-core.mk (the core test suite), mk/bench.mk (`make bench`).
# A fragment appends to ALL_TARGETS (built by `make`) and CHECK_TESTS
# (TAP producers run by `make check`).

PREFIX  ?= /usr/local
LIBDIR  ?= $(PREFIX)/lib
INCDIR  ?= $(PREFIX)/include
BINDIR  ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/envsafe
MANDIR  ?= $(PREFIX)/share/man
DESTDIR ?=

B       := build
CC      ?= cc
CFLAGS  ?= -O2 -g
# Warnings never fail a user's or a packager's build: a newer (or older)
# compiler than the one CI uses may warn about code that is fine.  CI and
# developers build with `make WERROR=1`, which a sub-make inherits.
WERROR  ?=
WARN    := -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror)
# -MMD -MP: each object also writes its header dependencies (build/**/*.d,
# read back below), so editing a header rebuilds exactly what includes it.
DEPFLAGS := -MMD -MP
ES_CFLAGS := -std=gnu11 $(WARN) -Iinclude -Isrc $(CPPFLAGS) $(CFLAGS)
PROVE   ?= prove
PROVE_FLAGS ?= --timer -j2

ALL_TARGETS :=
CHECK_TESTS :=

.PHONY: all check demo clean install
all: all-targets

# Test programs are linked either against stock libc (and run with or without
# LD_PRELOAD) or against the library itself through these flags.
LINK_ENVSAFE := -L$(B) -lenvsafe -Wl,-rpath,$(abspath $(B))
TEST_CFLAGS  := $(ES_CFLAGS) -pthread -Itests

include mk/lib.mk
include $(filter-out mk/lib.mk,$(sort $(wildcard mk/*.mk)))

all-targets: $(ALL_TARGETS)

# Tests find the build through ES_BUILD_DIR; they never depend on the
# working directory.
check: all
	ES_BUILD_DIR=$(abspath $(B)) ES_SRC_DIR=$(CURDIR) $(PROVE) $(PROVE_FLAGS) $(CHECK_TESTS)

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
