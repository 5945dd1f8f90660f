/*
 * fuzz_env.h - the differential fuzz target, shared by the libFuzzer
 * entry point (libfuzzer_main.c) and the corpus replayer (replay.c).
 */
#ifndef FUZZ_ENV_H
#define FUZZ_ENV_H

#include <stddef.h>
#include <stdint.h>

/* Run one input; aborts with a report on the first divergence. */
void fuzz_run(const uint8_t *data, size_t size);

/* Operations and inputs run so far (each operation is followed by a
 * full comparison with the model). */
extern unsigned long fuzz_ops, fuzz_inputs;

/* getenv misses after program stores into environ whose pointers sum to
 * no change: the digest's documented limit (docs/VERIFICATION.md, bug 3),
 * not a divergence. */
extern unsigned long fuzz_digest_misses;

#endif
