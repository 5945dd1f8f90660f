# envsafe - top-level build.  Each area owns one fragment in mk/:
#   mk/lib.mk        libenvsafe.so / libenvsafe.a, install, envsafe.pc
#   mk/tests.mk      the test suite run by `make check` (TAP, via prove)
#   mk/cli.mk        the envsafe command-line tool
#   mk/bench.mk      `make bench`
#   mk/hardening.mk  sanitizers, fuzzing, aarch64, musl
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
WARN    := -Wall -Wextra -Werror
ES_CFLAGS := -std=gnu11 $(WARN) -Iinclude -Isrc $(CFLAGS)
PROVE   ?= prove
PROVE_FLAGS ?= --timer -j2

ALL_TARGETS :=
CHECK_TESTS :=

.PHONY: all check demo clean install
all: all-targets

include mk/lib.mk
include $(wildcard mk/tests.mk mk/cli.mk mk/bench.mk mk/hardening.mk)

all-targets: $(ALL_TARGETS)

# Tests find the build through ES_BUILD_DIR; they never depend on the
# working directory.
check: all
	ES_BUILD_DIR=$(abspath $(B)) ES_SRC_DIR=$(CURDIR) $(PROVE) $(PROVE_FLAGS) $(CHECK_TESTS)

clean:
	rm -rf $(B)
