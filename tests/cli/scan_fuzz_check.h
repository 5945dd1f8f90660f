/* scan_fuzz_check.h - CHECK(cond) for the scan fuzz targets: a broken
 * property aborts, which libFuzzer reports as a crash with the input. */
#ifndef ENVSAFE_SCAN_FUZZ_CHECK_H
#define ENVSAFE_SCAN_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                                       \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                          \
		}                                                                         \
	} while (0)

#endif
