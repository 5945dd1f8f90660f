# libenvsafe.a protects everything it is linked into: a program that calls
# only setenv, with a dlopen'd plugin that calls putenv/unsetenv
# (tests/static/static_plugin.t).  The control links the same program with
# an archive of one object per source file, the layout the library had
# before, where the plugin reached libc's putenv/unsetenv.
TST := $(B)/tests/static
$(TST):
	mkdir -p $@
$(TST)/libplugin.so: tests/static/plugin.c | $(TST)
	$(CC) $(ES_CFLAGS) -fPIC -shared -o $@ $<
$(TST)/libsplit.a: $(LIB_OBJS) | $(TST)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJS)
$(TST)/static_plugin: tests/static/static_plugin.c $(B)/libenvsafe.a | $(TST)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(B)/libenvsafe.a $(LIB_DEPS)
$(TST)/static_plugin_split: tests/static/static_plugin.c $(TST)/libsplit.a | $(TST)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(TST)/libsplit.a $(LIB_DEPS)
$(TST)/static_plugin_stock: tests/static/static_plugin.c | $(TST)
	$(CC) $(TEST_CFLAGS) -o $@ $< -ldl

ALL_TARGETS += $(TST)/libplugin.so $(TST)/static_plugin $(TST)/static_plugin_split $(TST)/static_plugin_stock
CHECK_TESTS += tests/static/static_plugin.t
