/* A library that reaches the risky one only through its own DT_NEEDED,
 * with no search path of its own: whether libscanrisky.so is found then
 * depends on the executable's DT_RPATH (inherited) or DT_RUNPATH (not). */
int fixture_risky_set(const char *value);

int fixture_outer_set(void)
{
	return fixture_risky_set("outer");
}
