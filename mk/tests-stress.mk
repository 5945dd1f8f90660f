# Concurrency workload and tests: build/envsafe-stress (stock libc, run
# as-is or preloaded), the stock-vs-library stress script, fork and exec
# under writer churn, and a Python program under churn.
STRESS_SRCS := $(sort $(wildcard tests/stress/*.c))
STRESS_HDRS := $(wildcard tests/stress/*.h)
TS := $(B)/tests

# Linked against stock libc only: the same binary measures glibc as-is and
# libenvsafe under LD_PRELOAD.
$(B)/envsafe-stress: $(STRESS_SRCS) $(STRESS_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ $(STRESS_SRCS) -ldl

$(TS)/fork/fork_churn: tests/fork/fork_churn.c tests/tap.h tests/stress/child.h tests/stock.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -Itests/stress -o $@ $< -ldl
$(TS)/fork/fork_churn_linked: tests/fork/fork_churn.c tests/tap.h tests/stress/child.h tests/stock.h $(B)/libenvsafe.so
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -Itests/stress -DES_LINKED -o $@ $< $(LINK_ENVSAFE) -ldl
$(TS)/exec/exec_churn: tests/exec/exec_churn.c tests/tap.h tests/stress/child.h tests/stock.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -Itests/stress -o $@ $< -ldl
$(TS)/exec/envp_check: tests/exec/envp_check.c
	@mkdir -p $(@D)
	$(CC) $(ES_CFLAGS) -o $@ $<

STRESS_TEST_BINS := $(TS)/fork/fork_churn $(TS)/fork/fork_churn_linked \
	$(TS)/exec/exec_churn $(TS)/exec/envp_check
ALL_TARGETS += $(B)/envsafe-stress $(STRESS_TEST_BINS)
CHECK_TESTS += tests/stress/stress.t $(TS)/fork/fork_churn $(TS)/fork/fork_churn_linked \
	$(TS)/exec/exec_churn tests/python/python.t

.PHONY: install-stress
install: install-stress
install-stress: $(B)/envsafe-stress
	install -d $(DESTDIR)$(LIBEXECDIR)
	install -m 0755 $(B)/envsafe-stress $(DESTDIR)$(LIBEXECDIR)/envsafe-stress
