/* Needs libscanouter.so, which needs libscanrisky.so. */
int fixture_outer_set(void);

int main(void)
{
	return fixture_outer_set() == 0 ? 0 : 1;
}
