#!/usr/bin/env python3
"""A correct cgo Go program that sets a variable as its first statement:
the Go runtime already runs several threads, so strict mode reports it
(they can call into C), naming those threads, and
ENVSAFE_STRICT_IGNORE_THREADS=N accepts a known set of N other threads;
the boundary is exact (trace_app's 4 other threads)."""
import os
import re
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from trace_helpers import APP, FIXTURES, LIBRARY, clean_env, done, need, ok, run

GO_APP = os.path.join(FIXTURES, "go_setenv")
need(GO_APP)
need(APP)
need(LIBRARY)


def strict(argv, mode, **extra):
    return run(argv, env=clean_env(LD_PRELOAD=LIBRARY, ENVSAFE_STRICT=mode, **extra))


p = run([GO_APP])
ok(p.returncode == 0 and p.stdout == "set 1\n", "control: the Go program runs and sets its variable")

p = strict([GO_APP], "abort")
# The Go runtime catches SIGABRT, prints "SIGABRT: abort" and exits 2.
ok(p.returncode in (-signal.SIGABRT, 2) and "SIGABRT" in p.stderr and "set 1" not in p.stdout,
   "strict abort: the Go program is stopped by abort() (%d)" % p.returncode)
m = re.search(r"setenv\(GO_FIRST_THING\) while (\d+) threads are alive \(go_setenv x(\d+)\)", p.stderr)
ok(m is not None and m.group(1) == m.group(2) and int(m.group(1)) > 1,
   "the message names the live threads, all the Go runtime's (%r)" % p.stderr[:300])

p = strict([GO_APP], "abort", ENVSAFE_STRICT_IGNORE_THREADS="64")
ok(p.returncode == 0 and p.stdout == "set 1\n" and p.stderr == "",
   "ENVSAFE_STRICT_IGNORE_THREADS=64: the known set is accepted, silently (%d, %r)"
   % (p.returncode, p.stderr[:200]))
p = strict([GO_APP], "warn", ENVSAFE_STRICT_IGNORE_THREADS="0")
ok(p.returncode == 0 and "go_setenv x" in p.stderr, "ENVSAFE_STRICT_IGNORE_THREADS=0 is the default rule")

# trace_app threads: the change is made while exactly 4 other threads run.
p = strict([APP, "threads"], "abort", ENVSAFE_STRICT_IGNORE_THREADS="3")
ok(p.returncode == -signal.SIGABRT and "5 threads" in p.stderr,
   "4 other threads are more than 3 accepted: still aborts")
p = strict([APP, "threads"], "abort", ENVSAFE_STRICT_IGNORE_THREADS="4")
ok(p.returncode == 0 and p.stderr == "", "4 other threads, 4 accepted: passes")
done()
