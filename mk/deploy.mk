# Deployment checks that need root and a private mount namespace, so they
# stay out of `make check`:
#
#   make check-userland            bash, git, Python (venv, pip), Perl, gdb,
#                                  valgrind, setpriv/su and CPython's
#                                  test_os/test_subprocess/test_threading,
#                                  with libenvsafe in a private
#                                  /etc/ld.so.preload and without
#                                  (USERLAND_FLAGS=--quick leaves CPython out)
#   make check-preload-multiarch   `envsafe preload enable` with the $LIB
#                                  token, checked with the aarch64 cross
#                                  build under qemu-user
USERLAND_FLAGS ?=
USERLAND_DIR := $(B)/userland

.PHONY: check-userland check-preload-multiarch
check-userland: $(B)/envsafe $(B)/libenvsafe.so
	rm -rf $(USERLAND_DIR) && mkdir -p $(USERLAND_DIR)/etc $(USERLAND_DIR)/out
	tests/system/with-private-etc.sh $(abspath $(USERLAND_DIR))/etc sh -c \
		'"$$1" preload enable --lib "$$2" && shift 2 && exec "$$@"' sh \
		$(abspath $(B))/envsafe $(abspath $(B))/libenvsafe.so \
		tests/system/userland.sh --out $(abspath $(USERLAND_DIR))/out $(USERLAND_FLAGS)

# A probe that prints which libenvsafe it has mapped, for each
# architecture.
MULTIARCH_T := $(B)/tests/multiarch
$(MULTIARCH_T)/maps-probe-host: tests/system/maps_probe.c
	mkdir -p $(dir $@)
	$(CC) $(ES_CFLAGS) -o $@ $<
$(MULTIARCH_T)/maps-probe-aarch64: tests/system/maps_probe.c
	mkdir -p $(dir $@)
	$(AARCH64_CC) $(ES_CFLAGS) -o $@ $<

check-preload-multiarch: $(B)/envsafe $(B)/libenvsafe.so $(MULTIARCH_T)/maps-probe-host $(MULTIARCH_T)/maps-probe-aarch64
	$(AARCH64_MAKE) $(AARCH64_B)/libenvsafe.so
	ES_BUILD_DIR=$(abspath $(B)) ES_SRC_DIR=$(CURDIR) ES_AARCH64_LIB=$(abspath $(AARCH64_B))/libenvsafe.so \
		ES_QEMU_SYSROOT=$(AARCH64_SYSROOT) $(PROVE) -v tests/system/preload_multiarch.t
