# README "Limits": what other C libraries' environment suites expect and
# envsafe does differently, asserted (tests/semantics/peer_suites.c).
$(B)/tests/core/semantics/peer_suites: tests/semantics/peer_suites.c tests/tap.h include/envsafe.h $(B)/libenvsafe.so
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(LINK_ENVSAFE)
ALL_TARGETS += $(B)/tests/core/semantics/peer_suites
CHECK_TESTS += $(B)/tests/core/semantics/peer_suites
