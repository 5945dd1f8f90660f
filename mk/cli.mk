# The envsafe command-line tool, its man page, its tests and `make demo`.
# Every tools/*.c is part of the tool, so new subcommand files need no
# change here.
CLI_SRCS := $(sort $(wildcard tools/*.c))
CLI_OBJS := $(patsubst tools/%.c,$(B)/obj/cli/%.o,$(CLI_SRCS))
CLI_HDRS := $(wildcard tools/*.h) include/envsafe.h

# scan reads ELF through libelf; the trace symbolizer uses libdw and the
# libiberty demangler.
CLI_ELF_CFLAGS := $(shell pkg-config --cflags libelf libdw)
CLI_ELF_LIBS   := $(shell pkg-config --libs libelf libdw)
CLI_CFLAGS := $(ES_CFLAGS) $(CLI_ELF_CFLAGS) -I/usr/include/libiberty \
	-DES_LIBDIR='"$(LIBDIR)"' -DES_LIBEXECDIR='"$(LIBEXECDIR)"' -DES_LIB_SONAME='"$(LIB_SONAME)"'

$(B)/obj/cli/%.o: tools/%.c | $(B)/obj/cli
	$(CC) $(CLI_CFLAGS) $(DEPFLAGS) -c $< -o $@
$(B)/obj/cli:
	mkdir -p $@

$(B)/envsafe: $(CLI_OBJS)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(CLI_ELF_LIBS) -liberty -pthread

ALL_TARGETS += $(B)/envsafe

# Test fixtures: a stand-in workload whose crashes and hangs are
# deterministic, and small ELF files with known environment imports.
CLI_T := $(B)/tests/cli
$(CLI_T):
	mkdir -p $@
$(CLI_T)/stress-standin: tests/cli/stress_standin.c | $(CLI_T)
	$(CC) $(ES_CFLAGS) -pthread -o $@ $<
$(CLI_T)/libscanrisky.so: tests/cli/scan_fixture_risky.c | $(CLI_T)
	$(CC) $(ES_CFLAGS) -fPIC -shared -Wl,-soname,libscanrisky.so -o $@ $<
$(CLI_T)/libscanclean.so: tests/cli/scan_fixture_clean.c | $(CLI_T)
	$(CC) $(ES_CFLAGS) -fPIC -shared -Wl,-soname,libscanclean.so -o $@ $<
# Found through DT_RUNPATH $ORIGIN ...
$(CLI_T)/scan-main: tests/cli/scan_fixture_main.c $(CLI_T)/libscanrisky.so $(CLI_T)/libscanclean.so
	$(CC) $(ES_CFLAGS) -o $@ $< -L$(CLI_T) -lscanclean -lscanrisky \
		-Wl,--enable-new-dtags -Wl,-rpath,'$$ORIGIN'
# ... and, without a run path, only through LD_LIBRARY_PATH.
$(CLI_T)/scan-main-norpath: tests/cli/scan_fixture_main.c $(CLI_T)/libscanrisky.so $(CLI_T)/libscanclean.so
	$(CC) $(ES_CFLAGS) -o $@ $< -L$(CLI_T) -lscanclean -lscanrisky
# ... and linked with -lenvsafe, which then serves the library's setenv.
$(CLI_T)/scan-main-linked: tests/cli/scan_fixture_main.c $(CLI_T)/libscanrisky.so $(CLI_T)/libscanclean.so $(B)/libenvsafe.so
	$(CC) $(ES_CFLAGS) -o $@ $< -L$(CLI_T) -lscanclean -lscanrisky -Wl,--no-as-needed $(LINK_ENVSAFE) \
		-Wl,--enable-new-dtags -Wl,-rpath,'$$ORIGIN'
# A chain exe -> libscanouter.so -> libscanrisky.so: the executable's
# DT_RPATH also serves libscanouter's needs, its DT_RUNPATH does not.
$(CLI_T)/libscanouter.so: tests/cli/scan_fixture_outer.c $(CLI_T)/libscanrisky.so
	$(CC) $(ES_CFLAGS) -fPIC -shared -Wl,-soname,libscanouter.so -o $@ $< -L$(CLI_T) -lscanrisky
$(CLI_T)/scan-chain-rpath: tests/cli/scan_fixture_chain.c $(CLI_T)/libscanouter.so
	$(CC) $(ES_CFLAGS) -o $@ $< -L$(CLI_T) -lscanouter -Wl,-rpath-link,$(CLI_T) \
		-Wl,--disable-new-dtags -Wl,-rpath,'$$ORIGIN'
$(CLI_T)/scan-chain-runpath: tests/cli/scan_fixture_chain.c $(CLI_T)/libscanouter.so
	$(CC) $(ES_CFLAGS) -o $@ $< -L$(CLI_T) -lscanouter -Wl,-rpath-link,$(CLI_T) \
		-Wl,--enable-new-dtags -Wl,-rpath,'$$ORIGIN'
$(CLI_T)/scan-copyreloc: tests/cli/scan_fixture_copyreloc.c | $(CLI_T)
	$(CC) $(ES_CFLAGS) -fno-pic -no-pie -o $@ $<
$(CLI_T)/scan-static: tests/cli/scan_fixture_static.c | $(CLI_T)
	$(CC) $(ES_CFLAGS) -static -o $@ $<

# doctor, ps and preload: a service that writes its environment, and a
# library that calls itself libenvsafe but crashes whatever loads it.
$(CLI_T)/deploy-service: tests/cli/deploy_service.c | $(CLI_T)
	$(CC) $(ES_CFLAGS) -pthread -o $@ $<
$(CLI_T)/crashing/libenvsafe.so: tests/cli/deploy_crashing_lib.c | $(CLI_T)
	mkdir -p $(dir $@)
	$(CC) $(ES_CFLAGS) -fPIC -shared -o $@ $<

$(CLI_T)/deploy-asan-env: tests/cli/deploy_asan_env.c | $(CLI_T)
	$(CC) $(ES_CFLAGS) -fsanitize=address -o $@ $<

CLI_FIXTURES := $(CLI_T)/deploy-asan-env $(CLI_T)/deploy-service $(CLI_T)/crashing/libenvsafe.so $(CLI_T)/stress-standin $(CLI_T)/libscanrisky.so $(CLI_T)/libscanclean.so \
	$(CLI_T)/scan-main $(CLI_T)/scan-main-norpath $(CLI_T)/scan-main-linked $(CLI_T)/scan-static \
	$(CLI_T)/scan-copyreloc $(CLI_T)/libscanouter.so $(CLI_T)/scan-chain-rpath \
	$(CLI_T)/scan-chain-runpath
ALL_TARGETS += $(CLI_FIXTURES)
CHECK_TESTS += $(sort $(filter-out tests/cli/trace%,$(wildcard tests/cli/*.t)))

.PHONY: install-cli demo
install: install-cli
install-cli: $(B)/envsafe
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(B)/envsafe $(DESTDIR)$(BINDIR)/envsafe
	install -m 0644 man/envsafe.1 $(DESTDIR)$(MANDIR)/man1/envsafe.1

# A first look: each mode runs about 2 s on stock libc, then 2 s with the
# library preloaded.  It needs only what it runs, so a first build stays small.
DEMO_MODES ?= growth,strerror,walkers,putenv
DEMO_SECONDS ?= 2
demo: $(B)/envsafe $(B)/libenvsafe.so $(B)/envsafe-stress
	@$(B)/envsafe torture --demo --seconds $(DEMO_SECONDS) --mode $(DEMO_MODES)
