# Leak checkers (tests/leaks/leaks.t, part of `make check`): one workload
# that writes the environment every way there is, built three times -
# plainly for valgrind, with clang's AddressSanitizer and with gcc's
# LeakSanitizer, each at its default options - and run on stock libc and
# with the library preloaded.  The checked builds use fixed compilers and
# flags whatever the flavour: they are checkers, not the code under test.
LEAK_T := $(B)/tests/leaks
LEAK_PROGS := $(LEAK_T)/workload $(LEAK_T)/workload_asan $(LEAK_T)/workload_lsan
LEAK_ASAN_CC ?= clang
LEAK_LSAN_CC ?= gcc

# DWARF 4: valgrind 3.19 cannot read clang 14's DWARF 5.
$(LEAK_T)/workload: tests/leaks/workload.c
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -gdwarf-4 -o $@ $< -ldl
$(LEAK_T)/workload_asan: tests/leaks/workload.c
	@mkdir -p $(@D)
	$(LEAK_ASAN_CC) -std=gnu11 -O1 -g -fsanitize=address -o $@ $< -ldl
$(LEAK_T)/workload_lsan: tests/leaks/workload.c
	@mkdir -p $(@D)
	$(LEAK_LSAN_CC) -std=gnu11 -O1 -g -fsanitize=leak -o $@ $< -ldl

ALL_TARGETS += $(LEAK_PROGS)
CHECK_TESTS += tests/leaks/leaks.t
