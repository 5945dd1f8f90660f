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
	$(CC) $(TEST_CFLAGS) -o $@ $(STRESS_SRCS) -ldl

ALL_TARGETS += $(B)/envsafe-stress

.PHONY: install-stress
install: install-stress
install-stress: $(B)/envsafe-stress
	install -d $(DESTDIR)$(LIBEXECDIR)
	install -m 0755 $(B)/envsafe-stress $(DESTDIR)$(LIBEXECDIR)/envsafe-stress
