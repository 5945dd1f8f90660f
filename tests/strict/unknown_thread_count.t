#!/usr/bin/env python3
"""When the thread count cannot be read (no /proc), strict mode treats it
as "unknown, possibly many": it reports even a single-threaded change,
says why, and aborts under abort, so a CI gate never passes because the
count could not be read.  The trace marks such events unknown (threads 0)
and UNSAFE.  Needs root (a private mount namespace with an empty /proc);
CI runs as root."""
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from trace_helpers import (APP, FIXTURES, LIBRARY, clean_env, done, events, find, need,
                           need_root, need_tool, ok, run, trace_json)

need(APP)
need(LIBRARY)
need_root("for a mount namespace without /proc")
UNSHARE = need_tool("unshare", "util-linux")


def in_no_proc(argv):
    """ARGV in a private mount namespace where /proc is an empty tmpfs
    (unshare and sh exec, so ARGV keeps the pid)."""
    script = 'mount -t tmpfs none /proc && exec "$@"'
    return [UNSHARE, "--mount", "--propagation", "private", "--", "sh", "-c", script, "sh", *argv]


def without_proc(argv, **env):
    # The loader finds $ORIGIN through /proc/self/exe: name the directory.
    return run(in_no_proc(argv), env=clean_env(LD_LIBRARY_PATH=FIXTURES, **env))


p = without_proc(["sh", "-c", "test -e /proc/self/stat || echo no-proc"])
ok(p.returncode == 0 and p.stdout.strip() == "no-proc", "control: /proc/self/stat is missing (%r)"
   % (p.stdout + p.stderr)[:200])

p = without_proc([APP, "single"], LD_PRELOAD=LIBRARY, ENVSAFE_STRICT="abort")
ok(p.returncode == -signal.SIGABRT,
   "strict abort: a change with an unknown thread count aborts (%d)" % p.returncode)
ok("TRACE_SINGLE" in p.stderr and "unknown number of threads" in p.stderr,
   "and says the count is unknown (%r)" % p.stderr[:300])

p = without_proc([APP, "single"], LD_PRELOAD=LIBRARY, ENVSAFE_STRICT="warn")
ok(p.returncode == 0 and "unknown number of threads" in p.stderr, "strict warn: warns and continues")

p, objs, raw = trace_json(in_no_proc([APP, "single"]), env=clean_env(LD_LIBRARY_PATH=FIXTURES))
evs = find(events(objs), "TRACE_SINGLE")
ok(len(evs) == 1 and evs[0].get("threads") == 0 and evs[0].get("unsafe") is True,
   "the trace records the count as unknown (0) and the event as unsafe (%r)" % raw[:300])
done()
