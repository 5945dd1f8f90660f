/* early.h - what the early constructor (early.c) saw, for early_main.c. */
#ifndef ENVSAFE_TEST_EARLY_H
#define ENVSAFE_TEST_EARLY_H

struct es_early_report {
	int ran;
	const char *inherited; /* getenv("ES_EARLY_IN") in the constructor */
	int inherited_ok, getenv_r_ok, getenv_r_missing_ok;
	int setenv_ok, set_visible, overwrite_ok, unsetenv_ok;
};

extern struct es_early_report es_early_report;

#endif
