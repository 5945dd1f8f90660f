#!/usr/bin/env python3
"""Writes the seed corpus of the differential fuzz target (tests/fuzz/corpus).

Each seed is one scenario spelled in the target's input encoding (see
fuzz_env.c: one op byte, then that op's argument bytes).  Rerun after
changing the encoding; the fuzzer grows its own corpus from these.
"""
import os
import sys

SETENV, SETENV_KEEP, UNSETENV, PUTENV, EDIT, CLEARENV, ASSIGN, STORE, GETENV_R, SNAPSHOT, FAULT, SETENV_NULL = range(12)
A, B, AB, BA, A_1, LONG = range(6)
EMPTY, A_EQ, EQ_A, A_EQ_X = 12, 13, 14, 15


def N(i):
    return 200 + i


def value(s):
    return [len(s)] + ["ab=".index(c) for c in s]


def setenv(name, v, keep=False):
    return [SETENV_KEEP if keep else SETENV, name] + value(v)


def putenv(name, v):
    return [PUTENV, name] + value(v) + [1]


def putenv_bare(name):
    return [PUTENV, name, 0, 0]


def assign(kind, lits):
    return [ASSIGN, kind, len(lits)] + lits


SEEDS = {
    "set-overwrite-keep": setenv(A, "a") + setenv(B, "b") + setenv(A, "ab") + setenv(A, "bb", keep=True)
    + setenv(AB, "") + [GETENV_R, A, 7, 1, GETENV_R, A, 1, 1],
    "unset-front-and-middle": setenv(A, "a") + setenv(B, "b") + setenv(AB, "a") + setenv(BA, "b")
    + [UNSETENV, BA, UNSETENV, B, UNSETENV, A, UNSETENV, A] + setenv(A, "=="),
    "grow-buffer": sum((setenv(N(i), "a") for i in range(40)), []) + [UNSETENV, N(3), UNSETENV, N(39)],
    "putenv-edits": putenv(A, "ab") + putenv(B, "a") + [EDIT, 0, 2, 3, 0, EDIT, 0, 0, 1, EDIT, 1, 1]
    + setenv(A, "b") + setenv(B, "a") + [UNSETENV, B] + putenv_bare(A),
    "assign-static-duplicates": assign(0, [0, 1, 2, 4, 5, 0]) + setenv(A, "b") + [UNSETENV, A]
    + setenv(A, "a") + [UNSETENV, B],
    "assign-heap-stores": assign(1, [0, 2, 3, 6, 7, 8]) + [STORE, 1, 3, STORE, 0, 9] + setenv(B, "a")
    + [STORE, 2, 4, UNSETENV, AB] + setenv(N(3), "b"),
    "snapshots": setenv(A, "a") + [SNAPSHOT, 0] + putenv(B, "b") + [SNAPSHOT, 1, EDIT, 0, 2, 2, 1]
    + [UNSETENV, A, CLEARENV, SNAPSHOT, 0, SNAPSHOT, 1],
    "faults-every-writer": [FAULT, 0] + setenv(A, "a") + [FAULT, 1] + setenv(B, "b") + [FAULT, 0]
    + putenv(AB, "a") + [FAULT, 0, SNAPSHOT, 0, FAULT, 2] + assign(0, [0, 2]) + setenv(BA, "b")
    + [FAULT, 0, UNSETENV, A, FAULT, 3, CLEARENV] + sum(([FAULT, i % 4] + setenv(N(i), "b") for i in range(36)), []),
    "getenv-r": setenv(LONG, "abab") + [GETENV_R, LONG, 0, 1, GETENV_R, LONG, 4, 1, GETENV_R, LONG, 5, 1,
                                        GETENV_R, EMPTY, 5, 1, GETENV_R, A_EQ, 5, 1, GETENV_R, B, 5, 1, GETENV_R, LONG, 7, 0],
    "invalid-names": setenv(EMPTY, "a") + setenv(A_EQ, "a") + setenv(EQ_A, "b") + [UNSETENV, EMPTY, UNSETENV, A_EQ_X]
    + [SETENV_NULL, A] + putenv(EMPTY, "a") + putenv(A_EQ, "b") + [UNSETENV, A],
    "clear-then-add": setenv(A, "a") + putenv(B, "b") + [CLEARENV] + setenv(B, "a") + setenv(A, "b") + [CLEARENV, CLEARENV]
    + setenv(A, ""),
    "environ-null": [ASSIGN, 2, 0] + setenv(A, "a") + [ASSIGN, 3, 0] + putenv(B, "b") + [STORE, 1] + setenv(AB, "b"),
    "prefix-names": setenv(A, "a") + setenv(AB, "b") + setenv(A_1, "=") + [UNSETENV, A] + putenv(A_EQ, "b")
    + [GETENV_R, A, 7, 1, UNSETENV, AB],
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
    os.makedirs(out, exist_ok=True)
    for name, ops in SEEDS.items():
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(bytes(b & 0xFF for b in ops))


if __name__ == "__main__":
    main()
