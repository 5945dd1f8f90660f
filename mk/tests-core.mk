# Core test suite: semantic and single-guarantee tests of the library.
# Programs linked against stock libc re-execute themselves with
# LD_PRELOAD (tests/semantics/harness.h); the others link -lenvsafe or
# libenvsafe.a, and say so in their output.
TC := $(B)/tests/core
TC_HDRS := tests/tap.h tests/semantics/harness.h include/envsafe.h

# Linked against stock libc, run preloaded (or, for the differential
# script, both ways).
TC_PRELOADED := $(TC)/semantics/script $(TC)/pointers/stable_pointers \
	$(TC)/memory/bounded $(TC)/index/index_fallback $(TC)/index/name_edges $(TC)/index/inherited $(TC)/memory/formula \
	$(TC)/startup/early_main
# Linked with -lenvsafe.
TC_LINKED := $(TC)/signal/signal_getenv $(TC)/api/linked $(TC)/api/getenv_r \
	$(TC)/api/snapshot
# Linked statically against libenvsafe.a.
TC_STATIC := $(TC)/api/linked_static $(TC)/semantics/secure_static \
	$(TC)/startup/early_static
TC_HELPERS := $(TC)/startup/libearly.so $(TC)/api/print_env \
	$(TC)/pointers/stable_pointers_valgrind

$(TC_PRELOADED): $(TC)/%: tests/%.c $(TC_HDRS) tests/startup/early.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< -ldl
$(TC_LINKED): $(TC)/%: tests/%.c $(TC_HDRS) $(B)/libenvsafe.so
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(LINK_ENVSAFE) -ldl -lrt
$(TC)/api/linked_static: tests/api/linked.c $(TC_HDRS) $(B)/libenvsafe.a
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -DES_LINKED_STATIC -o $@ $< $(B)/libenvsafe.a $(LIB_DEPS)
$(TC)/semantics/secure_static: tests/semantics/secure.c $(TC_HDRS) $(B)/libenvsafe.a
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(B)/libenvsafe.a $(LIB_DEPS)
# The early constructor runs before libenvsafe's: priority 101 sorts ahead
# of the library's default-priority constructor in one executable.
$(TC)/startup/early_static: tests/startup/early_main.c tests/startup/early.c $(TC_HDRS) $(B)/libenvsafe.a
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -DES_EARLY_LINKED_IN -o $@ tests/startup/early_main.c tests/startup/early.c \
		$(B)/libenvsafe.a $(LIB_DEPS)
$(TC)/startup/libearly.so: tests/startup/early.c $(TC_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -fPIC -shared -o $@ $<
# Fewer operations, so that valgrind.t finishes in seconds; DWARF 4
# because valgrind 3.19 cannot read clang 14's default DWARF 5.
$(TC)/pointers/stable_pointers_valgrind: tests/pointers/stable_pointers.c $(TC_HDRS) mk/tests-core.mk
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -gdwarf-4 -DOPS=40000UL -o $@ $< -ldl
$(TC)/api/print_env: tests/api/print_env.c
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $<

ALL_TARGETS += $(TC_PRELOADED) $(TC_LINKED) $(TC_STATIC) $(TC_HELPERS)
CHECK_TESTS += tests/semantics/differential.t tests/semantics/at_secure.t \
	tests/pointers/valgrind.t \
	$(TC)/startup/early_main $(TC)/startup/early_static \
	$(TC)/signal/signal_getenv $(TC)/pointers/stable_pointers \
	$(TC)/memory/bounded $(TC)/index/index_fallback $(TC)/index/name_edges $(TC)/index/inherited $(TC)/memory/formula \
	$(TC)/api/linked $(TC)/api/linked_static $(TC)/api/getenv_r $(TC)/api/snapshot

.PHONY: check-core
check-core: $(TC_PRELOADED) $(TC_LINKED) $(TC_STATIC) $(TC_HELPERS)
	ES_BUILD_DIR=$(abspath $(B)) ES_SRC_DIR=$(CURDIR) $(PROVE) $(PROVE_FLAGS) \
		$(filter tests/semantics/% tests/pointers/% $(TC)/%,$(CHECK_TESTS))
