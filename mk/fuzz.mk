# Verification: differential fuzzing (tests/fuzz), allocation-failure
# injection (tests/faults) and the interleaving model (tests/model).
# docs/VERIFICATION.md describes what each one proves.

# ---- the library built for fault injection ----
# Same sources and flags as the shipped library plus
# -DENVSAFE_FAULT_INJECTION (es_alloc_calls / es_fail_at).  Linked as
# objects, not as an archive, so that init.c's constructor comes along.
FI_DIR  := $(B)/fi
FI_OBJS := $(patsubst src/%.c,$(FI_DIR)/obj/%.o,$(LIB_SRCS))
$(FI_DIR)/obj/%.o: src/%.c | $(FI_DIR)/obj
	$(CC) $(LIB_CFLAGS) $(DEPFLAGS) -DENVSAFE_FAULT_INJECTION -DENVSAFE_DEBUG -c $< -o $@
$(FI_DIR)/obj $(B)/tests/fuzz $(B)/tests/faults $(B)/tests/model:
	mkdir -p $@

# ---- differential fuzzing ----
FUZZ_TARGET_SRCS := tests/fuzz/fuzz_env.c tests/fuzz/model.c
FUZZ_HDRS := tests/fuzz/fuzz_env.h tests/fuzz/model.h tests/tap.h $(LIB_HDRS)

# The target and model with the default compiler, replaying the corpus
# and a fixed pseudo-random series in `make check`.
$(B)/tests/fuzz/fuzz-replay: tests/fuzz/replay.c $(FUZZ_TARGET_SRCS) $(FUZZ_HDRS) $(FI_OBJS) | $(B)/tests/fuzz
	$(CC) $(TEST_CFLAGS) -DENVSAFE_FAULT_INJECTION -o $@ tests/fuzz/replay.c $(FUZZ_TARGET_SRCS) $(FI_OBJS) $(LIB_DEPS)
ALL_TARGETS += $(B)/tests/fuzz/fuzz-replay
CHECK_TESTS += tests/fuzz/replay.t

# ---- allocation failure ----
# fault-ops: every allocation of every writer, on the fault-injection
# build.  fault-malloc: the shipped libenvsafe.so under a failing malloc.
FAULT_HDRS := tests/faults/trial.h tests/fuzz/model.h tests/tap.h
$(B)/tests/faults/fault-ops: tests/faults/fault_ops.c tests/fuzz/model.c $(FAULT_HDRS) $(LIB_HDRS) $(FI_OBJS) | $(B)/tests/faults
	$(CC) $(TEST_CFLAGS) -DENVSAFE_FAULT_INJECTION -o $@ tests/faults/fault_ops.c tests/fuzz/model.c $(FI_OBJS) $(LIB_DEPS)
$(B)/tests/faults/fault-malloc: tests/faults/fault_malloc.c tests/fuzz/model.c $(FAULT_HDRS) $(B)/libenvsafe.so | $(B)/tests/faults
	$(CC) $(TEST_CFLAGS) -o $@ tests/faults/fault_malloc.c tests/fuzz/model.c $(LINK_ENVSAFE)
ALL_TARGETS += $(B)/tests/faults/fault-ops $(B)/tests/faults/fault-malloc
CHECK_TESTS += $(B)/tests/faults/fault-ops $(B)/tests/faults/fault-malloc

# libFuzzer build: clang-14 with ASan and UBSan, library sources compiled
# with the same sanitizers (and fault injection) into their own directory.
FUZZ_CC   ?= clang
FUZZ_SAN  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=gnu11 $(WARN) -Iinclude -Isrc -Itests -O1 -g $(FUZZ_SAN) -DENVSAFE_FAULT_INJECTION -DENVSAFE_DEBUG
FUZZ_DIR  := $(B)/fuzz
FUZZ_OBJS := $(patsubst src/%.c,$(FUZZ_DIR)/obj/%.o,$(LIB_SRCS))
$(FUZZ_DIR)/obj:
	mkdir -p $@
$(FUZZ_DIR)/obj/%.o: src/%.c | $(FUZZ_DIR)/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
# The target passes NULL to setenv's value on purpose (envsafe answers
# EINVAL where glibc crashes), so UBSan's nonnull-attribute check is off
# for it.
$(FUZZ_DIR)/fuzz-env: tests/fuzz/libfuzzer_main.c $(FUZZ_TARGET_SRCS) $(FUZZ_HDRS) $(FUZZ_OBJS) mk/fuzz.mk
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fno-sanitize=nonnull-attribute -fsanitize=fuzzer -o $@ tests/fuzz/libfuzzer_main.c $(FUZZ_TARGET_SRCS) $(FUZZ_OBJS) $(LIB_DEPS)

# The library leaks by design (published memory is never freed), so leak
# detection is off; every other ASan/UBSan finding is fatal, and memcmp
# is checked over its whole length (ASan's strict_memcmp).
FUZZ_RUN := ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:strict_memcmp=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
FUZZ_FLAGS := -detect_leaks=0 -rss_limit_mb=4096 -max_len=1024
FUZZ_RUNS ?= 30000
FUZZ_TIME ?= 3600
FUZZ_WORK := $(FUZZ_DIR)/corpus

.PHONY: check-fuzz fuzz-long fuzz-env
fuzz-env: $(FUZZ_DIR)/fuzz-env

# CI: replay the seed corpus, then a short campaign with a fixed seed.
check-fuzz: $(FUZZ_DIR)/fuzz-env
	@echo "== replaying the seed corpus (tests/fuzz/corpus)"
	$(FUZZ_RUN) $(FUZZ_DIR)/fuzz-env $(FUZZ_FLAGS) $(wildcard tests/fuzz/corpus/*)
	@echo "== fixed-seed campaign: -seed=1 -runs=$(FUZZ_RUNS)"
	rm -rf $(FUZZ_WORK)-ci && mkdir -p $(FUZZ_WORK)-ci
	$(FUZZ_RUN) $(FUZZ_DIR)/fuzz-env $(FUZZ_FLAGS) -seed=1 -runs=$(FUZZ_RUNS) \
		-print_final_stats=1 $(FUZZ_WORK)-ci tests/fuzz/corpus
	@echo "== check-fuzz: no divergence"

# Local: an hour (FUZZ_TIME seconds) growing a private corpus.
fuzz-long: $(FUZZ_DIR)/fuzz-env
	mkdir -p $(FUZZ_WORK)
	$(FUZZ_RUN) $(FUZZ_DIR)/fuzz-env $(FUZZ_FLAGS) -max_total_time=$(FUZZ_TIME) \
		-print_final_stats=1 $(FUZZ_WORK) tests/fuzz/corpus

# ---- exhaustive interleaving check (Spin) ----
# `make check` runs the protocol under SC and release/acquire and one
# mutant (about 8 s of CPU); `make check-model` (CI) runs every mutant and
# the known weak-memory limitation as well (about 25 s of CPU).
CHECK_TESTS += tests/model/check.t
.PHONY: check-model
check-model:
	ES_MODEL_FULL=1 ES_SRC_DIR=$(CURDIR) $(PROVE) -v tests/model/check.t
