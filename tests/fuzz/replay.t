#!/bin/sh
# The differential fuzz target, built with the default compiler, over the
# seed corpus and a fixed pseudo-random series.
exec "$ES_BUILD_DIR/tests/fuzz/fuzz-replay" "$ES_SRC_DIR/tests/fuzz/corpus" 2000
