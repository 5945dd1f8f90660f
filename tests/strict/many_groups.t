#!/usr/bin/env python3
"""A process with 1201 supplementary groups (a "Groups:" line of ~7 KB in
/proc/self/status, which pushed "Threads:" out of the buffer the count was
once read from): strict abort still aborts on a change made while other
threads run, and the trace still counts the threads.
Needs root (to set the groups); CI runs as root."""
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from trace_helpers import (APP, ENVSAFE, LIBRARY, clean_env, done, events, find, need, need_root,
                           need_tool, ok, run, trace_json)

need(APP)
need(LIBRARY)
need(ENVSAFE)
need_root("to give a process 1201 supplementary groups")
SETPRIV = need_tool("setpriv", "util-linux")

GROUPS = ",".join(str(g) for g in range(100000, 101201))
AS_MANY_GROUPS = [SETPRIV, "--groups=" + GROUPS, "--"]

p = run(AS_MANY_GROUPS + ["sh", "-c", "cat /proc/self/status"])
status = p.stdout
ok(p.returncode == 0 and status.find("Threads:") > 4096,
   "control: with 1201 groups, Threads: is beyond the first 4 KiB of /proc/self/status (at %d)"
   % status.find("Threads:"))

p = run(AS_MANY_GROUPS + [APP, "threads"], env=clean_env(LD_PRELOAD=LIBRARY, ENVSAFE_STRICT="abort"))
ok(p.returncode == -signal.SIGABRT, "strict abort aborts with 1201 groups (%d)" % p.returncode)
ok("setenv(SECRET_TOKEN) while 5 threads are alive" in p.stderr,
   "and counts the 5 threads (%r)" % p.stderr[:300])

p, objs, raw = trace_json(AS_MANY_GROUPS + [APP, "threads"])
evs = find(events(objs), "SECRET_TOKEN")
ok(len(evs) == 1 and evs[0].get("threads") == 5 and evs[0].get("unsafe") is True,
   "the trace counts 5 threads, UNSAFE, with 1201 groups (%r)" % [e.get("threads") for e in evs])
done()
