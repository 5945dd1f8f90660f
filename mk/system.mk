# make check-system: `make check` (and tests/system/userland.sh when it
# exists) with the built library named in /etc/ld.so.preload, inside a
# private mount namespace so the machine's own file is never touched.
# Needs root.  tests/system/check-system.sh explains the mounts.
.PHONY: check-system
check-system: all
	sh tests/system/check-system.sh $(B) $(MAKE) --no-print-directory B=$(B)

# make check-loaded: `make check` from a fresh clone of the committed HEAD
# in a 0700 directory, LOADED_ROUNDS times (default 10) while LOADED_BUSY
# CPU-bound loops (default 4) run.  Long: not part of CI's .ci/run.
LOADED_ROUNDS ?= 10
LOADED_BUSY ?= 4
.PHONY: check-loaded
check-loaded:
	MAKE='$(MAKE)' sh tests/system/check-loaded.sh $(CURDIR) $(LOADED_ROUNDS) $(LOADED_BUSY)
