#!/usr/bin/env python3
"""Silent unless asked: with libenvsafe in every process of a pipeline,
invalid ENVSAFE_* settings make the library write nothing to any
descriptor (the program's stderr may be a socket or a log file); they are
simply not applied.  Valid settings that ask for nothing write nothing."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from trace_helpers import APP, LIBRARY, clean_env, done, need, ok, run

need(APP)
need(LIBRARY)

PIPELINE = ["sh", "-c", "ls / | wc -l | cat; %s single" % APP]
INVALID = [
    ("ENVSAFE_STRICT", "bogus"),
    ("ENVSAFE_STRICT_IGNORE_THREADS", "-1"),
    ("ENVSAFE_STRICT_IGNORE_THREADS", "many"),
    ("ENVSAFE_TRACE_FD", "abc"),
    ("ENVSAFE_TRACE_FD", "0"),      # /dev/null here: not a pipe
    ("ENVSAFE_TRACE_FD", "987"),    # not open
    ("ENVSAFE_TRACE_PIPE", "1:2"),  # not the pipe on ENVSAFE_TRACE_FD
    ("ENVSAFE_TRACE_VALUES", "yes"),
    ("ENVSAFE_TRACE_PID", "-5"),
]
for name, value in INVALID:
    env = clean_env(LD_PRELOAD=LIBRARY, **{name: value})
    if name == "ENVSAFE_TRACE_PIPE":
        env["ENVSAFE_TRACE_FD"] = "0"
    with open(os.devnull) as null:
        p = run(PIPELINE, env=env, stdin=null)
    ok(p.returncode == 0 and p.stderr == "",
       "%s=%s: nothing on stderr of any process (%r)" % (name, value, p.stderr[:200]))

p = run([APP, "single"], env=clean_env(LD_PRELOAD=LIBRARY, ENVSAFE_STRICT="warn"))
ok(p.returncode == 0 and p.stderr == "", "strict mode, single-threaded: silent")
done()
