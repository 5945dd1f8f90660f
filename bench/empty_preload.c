/*
 * empty_preload.c - a shared object with nothing in it, preloaded by the
 * start-up benchmark to separate what loading any extra object costs an
 * exec from what libenvsafe itself adds.
 */
__attribute__((visibility("default"))) int envbench_empty_preload;
