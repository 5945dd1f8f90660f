# libenvsafe: every src/*.c goes into both the shared and the static library.
LIB_SRCS := $(sort $(wildcard src/*.c))
LIB_PIC_OBJS := $(patsubst src/%.c,$(B)/obj/pic/%.o,$(LIB_SRCS))
LIB_OBJS     := $(patsubst src/%.c,$(B)/obj/static/%.o,$(LIB_SRCS))
LIB_HDRS := include/envsafe.h $(wildcard src/*.h)

# The injected library depends on libc alone.  -fvisibility=hidden plus the
# version script keep every internal symbol private; -ftls-model and
# -fno-plt are not needed because the library has no TLS and calls little.
LIB_CFLAGS := $(ES_CFLAGS) -fvisibility=hidden -fno-strict-aliasing

$(B)/obj/pic/%.o: src/%.c | $(B)/obj/pic
	$(CC) $(LIB_CFLAGS) $(DEPFLAGS) -fPIC -c $< -o $@
$(B)/obj/static/%.o: src/%.c | $(B)/obj/static
	$(CC) $(LIB_CFLAGS) $(DEPFLAGS) -c $< -o $@
$(B)/obj/pic $(B)/obj/static:
	mkdir -p $@

# Load cost (every exec pays it; `envbench spawn`, bench/startup.c):
# - observe_stack.o is linked last.  Its 4 KiB exe_path (used only when
#   tracing) then ends .bss, and the small variables that every process
#   writes at load (options state, writer state, lock) share the .data page
#   that relocation has already written instead of an anonymous page of
#   their own: two page faults fewer per exec (~0.4% of a /bin/true spawn).
# - -z now stays.  Lazy binding measured no faster (+15.3% vs +15.0%): the
#   constructor calls 13 of the 42 imports anyway, each then resolved
#   through the slower trampoline.  Eager binding keeps .got.plt read-only
#   (full RELRO) in every process the library is injected into, and keeps
#   the first-call resolver (~2.5 KiB of xsave stack) out of getenv in the
#   signal handlers of BIND_NOW programs.
# - -z separate-code and RELRO (the toolchain defaults, as for libc) stay:
#   -z noseparate-code -z norelro would save ~4.6% (two mappings instead
#   of five, no mprotect) at the price of executable headers and rodata and
#   a writable GOT/init_array in every process.  -O1, --hash-style=gnu and
#   --as-needed change nothing (gnu hash is the default, libc the only need).
LIB_SO_OBJS := $(filter-out %/observe_stack.o,$(LIB_PIC_OBJS)) $(filter %/observe_stack.o,$(LIB_PIC_OBJS))
# Before glibc 2.34 dladdr lives in libdl, and before 2.32 pthread_sigmask
# in libpthread: without them the library cannot be loaded at all on RHEL 8
# or Ubuntu 20.04.  --as-needed records them only where libc does not
# already provide the symbols, so on newer glibc the library still needs
# libc alone.  LIB_DEPS is also what envsafe.pc gives static links.
LIB_DEPS := -ldl -lpthread
# The soname carries the ABI version (the library's major version), so a
# future incompatible libenvsafe can be installed beside this one; the
# unversioned libenvsafe.so is the link-time name (-lenvsafe) and the
# path tests preload.  The envsafe tool looks for the soname first.
LIB_SONAME := libenvsafe.so.1
$(B)/$(LIB_SONAME): $(LIB_PIC_OBJS) src/envsafe.map
	$(CC) -shared -Wl,--version-script=src/envsafe.map -Wl,-z,now -Wl,-soname,$(LIB_SONAME) \
		$(LDFLAGS) -o $@ $(LIB_SO_OBJS) -Wl,--as-needed $(LIB_DEPS) -Wl,--no-as-needed
$(B)/libenvsafe.so: $(B)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $@
# The archive holds one object, all of src/ merged with `ld -r`, so that
# a program referencing any one of getenv, secure_getenv, setenv,
# unsetenv, putenv or clearenv gets all six.  With one object per function
# a program that calls only setenv would get only setenv's object; a plugin
# it dlopens would then bind putenv/unsetenv to libc's, which reallocs the
# array the library published under its readers.  The linker exports an
# executable's definition of a symbol that a linked shared library (libc)
# also defines, so all six reach the dynamic symbol table and the plugin
# binds to them (tests/api/static_plugin.t).
# $(CC) -r runs the linker of the target (cross, musl, clang builds alike).
$(B)/obj/envsafe-all.o: $(LIB_OBJS)
	$(CC) -r -nostdlib -o $@ $(LIB_OBJS)
$(B)/libenvsafe.a: $(B)/obj/envsafe-all.o
	rm -f $@
	$(AR) rcs $@ $<

# Generated with the PREFIX of the build, and again by install-lib with
# the PREFIX of the install, which may differ.
PC_SUBST = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCDIR@|$(INCDIR)|' \
	-e 's|@LIB_DEPS@|$(LIB_DEPS)|'
$(B)/envsafe.pc: mk/envsafe.pc.in
	$(PC_SUBST) $< > $@

ALL_TARGETS += $(B)/$(LIB_SONAME) $(B)/libenvsafe.so $(B)/libenvsafe.a $(B)/envsafe.pc

.PHONY: lib install-lib
lib: $(B)/libenvsafe.so $(B)/libenvsafe.a

install: install-lib
install-lib: $(B)/libenvsafe.so $(B)/libenvsafe.a
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCDIR) $(DESTDIR)$(MANDIR)/man3
	install -m 0644 $(B)/$(LIB_SONAME) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libenvsafe.so
	install -m 0644 $(B)/libenvsafe.a $(DESTDIR)$(LIBDIR)/libenvsafe.a
	install -m 0644 include/envsafe.h $(DESTDIR)$(INCDIR)/envsafe.h
	$(PC_SUBST) mk/envsafe.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/envsafe.pc
	chmod 0644 $(DESTDIR)$(LIBDIR)/pkgconfig/envsafe.pc
	install -m 0644 man/envsafe.3 $(DESTDIR)$(MANDIR)/man3/envsafe.3
