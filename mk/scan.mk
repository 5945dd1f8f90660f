# envsafe scan's hostile-input tests and the fuzzers for scan's ELF
# reader and for the output escaper (tools/escape.c) that scan and trace
# share.  The test scripts are tests/cli/scan*.t, picked up by mk/cli.mk.

# Fixtures live with the other CLI fixtures (and, like them, stay out of
# the sanitizer flavours' builds).
SCAN_T := $(B)/tests/cli
# escape-filter: stdin escaped as JSON or text, for scan_escape.t.
$(SCAN_T)/escape-filter: tests/cli/scan_escape_filter.c tools/escape.c tools/escape.h
	@mkdir -p $(@D)
	$(CC) $(ES_CFLAGS) -Itools $(LDFLAGS) -o $@ tests/cli/scan_escape_filter.c tools/escape.c
# A preload that truncates a file while scan reads it (scan_hostile.t).
$(SCAN_T)/libscantruncate.so: tests/cli/scan_truncate_shim.c
	@mkdir -p $(@D)
	$(CC) $(ES_CFLAGS) $(CLI_ELF_CFLAGS) -fPIC -shared $(LDFLAGS) -o $@ $< -ldl
ALL_TARGETS += $(SCAN_T)/escape-filter $(SCAN_T)/libscantruncate.so

# ---- libFuzzer targets (clang, ASan + UBSan, leak checking on) ----
# FUZZ_CC, FUZZ_CFLAGS and FUZZ_DIR come from mk/fuzz.mk.
SCAN_FUZZ_CFLAGS = $(filter-out -DENVSAFE_FAULT_INJECTION,$(FUZZ_CFLAGS)) -Itools
$(FUZZ_DIR)/fuzz-scan-elf: tests/cli/scan_fuzz_elf.c tests/cli/scan_fuzz_check.h tools/scan_elf.c tools/scan_elf.h tools/escape.c tools/escape.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(SCAN_FUZZ_CFLAGS) $(CLI_ELF_CFLAGS) -fsanitize=fuzzer -o $@ \
		tests/cli/scan_fuzz_elf.c tools/scan_elf.c tools/escape.c $(CLI_ELF_LIBS)
$(FUZZ_DIR)/fuzz-escape: tests/cli/scan_fuzz_escape.c tests/cli/scan_fuzz_check.h tools/escape.c tools/escape.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(SCAN_FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ tests/cli/scan_fuzz_escape.c tools/escape.c

# check-fuzz runs both for a fixed seed and about 25 s each, starting from
# the CLI's ELF fixtures, hostile ELF files from scan_hostile_elf.py and
# the malformed-UTF-8 seeds in tests/cli/scan-fuzz-seeds/.
SCAN_FUZZ_TIME ?= 25
SCAN_FUZZ_RUN := ASAN_OPTIONS=abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
SCAN_FUZZ_WORK := $(FUZZ_DIR)/scan-corpus
.PHONY: check-fuzz-scan
check-fuzz: check-fuzz-scan
check-fuzz-scan: $(FUZZ_DIR)/fuzz-scan-elf $(FUZZ_DIR)/fuzz-escape $(CLI_FIXTURES)
	rm -rf $(SCAN_FUZZ_WORK) && mkdir -p $(SCAN_FUZZ_WORK)/elf $(SCAN_FUZZ_WORK)/escape
	cp $(filter-out %/stress-standin %/scan-static,$(CLI_FIXTURES)) $(SCAN_FUZZ_WORK)/elf/
	python3 tests/cli/scan_hostile_elf.py $(SCAN_FUZZ_WORK)/elf/needed-rpath --needed-count 40 --rpath-count 40
	python3 tests/cli/scan_hostile_elf.py $(SCAN_FUZZ_WORK)/elf/dynsyms --dynsym-sections 40 --rel-sections 70 --import setenv
	@echo "== fuzz-scan-elf: -seed=1 -max_total_time=$(SCAN_FUZZ_TIME)"
	$(SCAN_FUZZ_RUN) $(FUZZ_DIR)/fuzz-scan-elf -seed=1 -max_total_time=$(SCAN_FUZZ_TIME) -max_len=65536 \
		-rss_limit_mb=2048 -print_final_stats=1 $(SCAN_FUZZ_WORK)/elf
	@echo "== fuzz-escape: -seed=1 -max_total_time=$(SCAN_FUZZ_TIME)"
	$(SCAN_FUZZ_RUN) $(FUZZ_DIR)/fuzz-escape -seed=1 -max_total_time=$(SCAN_FUZZ_TIME) -max_len=256 \
		-print_final_stats=1 $(SCAN_FUZZ_WORK)/escape tests/cli/scan-fuzz-seeds
