/*
 * libfuzzer_main.c - libFuzzer's entry points for the differential target.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_env.h"

static void report(void)
{
	fprintf(stderr, "envsafe fuzz: %lu inputs, %lu operations, no divergence\n", fuzz_inputs, fuzz_ops);
	if (fuzz_digest_misses)
		fprintf(stderr,
			"envsafe fuzz: %lu getenv misses after program stores that sum to no change"
			" (the digest's documented limit)\n",
			fuzz_digest_misses);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	atexit(report);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_run(data, size);
	return 0;
}
