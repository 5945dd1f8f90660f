#!/usr/bin/env python3
"""Trace records under pressure: limits are flagged, never exceeded;
records from four threads writing at once never interleave; invalid
ENVSAFE_TRACE_* settings are ignored without a word."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trace_helpers import (APP, ENVSAFE, LIBRARY, clean_env, done, events, need, ok, run,
                           summary, trace_json)

need(ENVSAFE)
need(APP)
need(LIBRARY)

# A 300-byte name, a 2000-byte value and 60 nested calls: every limit at once.
p, objs, raw = trace_json([APP, "long"], "--values")
evs = events(objs)
ok(p.returncode == 0 and len(evs) == 1, "long: one event")
ev = evs[0] if evs else {}
ok(ev.get("name") == "N" * 256 and ev.get("name_truncated") is True, "long: name cut at 256 bytes")
ok(ev.get("value") == "v" * 1024 and ev.get("value_truncated") is True, "long: value cut at 1024 bytes")
ok(ev.get("stack_truncated") is True and 0 < len(ev.get("stack", [])) <= 48,
   "long: deep stack cut and flagged (%d frames)" % len(ev.get("stack", [])))
ok("malformed" not in p.stderr, "long: the record was well-formed")

# Four threads, 250 setenvs each, all at once.
p, objs, raw = trace_json([APP, "storm"])
evs = events(objs)
ok(p.returncode == 0, "storm: program succeeds")
ok(len(evs) == 1000, "storm: all 1000 records arrived (%d)" % len(evs))
ok("malformed" not in p.stderr, "storm: no record was torn")
per_name = {}
for e in evs:
    per_name[e.get("name")] = per_name.get(e.get("name"), 0) + 1
ok(per_name == {"STORM_%d" % i: 250 for i in range(4)}, "storm: 250 per thread")
ok(len({e["tid"] for e in evs}) == 4, "storm: four distinct threads")
ok([e["seq"] for e in evs] == list(range(1, 1001)), "storm: seq numbers are 1..1000")
s = summary(objs) or {}
ok(s.get("events") == 1000 and s.get("unsafe_events") == 1000, "storm: summary counts them all as unsafe")


def preload(**settings):
    return run([APP, "single"], env=clean_env(LD_PRELOAD=LIBRARY, **settings), stdin=open(os.devnull))


# Invalid settings: the library says nothing in the program (its stderr
# may be a socket or a log); `envsafe run` reports them before it execs.
for name, value, why in (("ENVSAFE_TRACE_FD", "abc", "a non-number descriptor"),
                         ("ENVSAFE_TRACE_FD", "0", "a descriptor that is not a pipe"),
                         ("ENVSAFE_TRACE_FD", "987", "a closed descriptor"),
                         ("ENVSAFE_TRACE_VALUES", "yes", "an invalid ENVSAFE_TRACE_VALUES"),
                         ("ENVSAFE_TRACE_PID", "-5", "an invalid ENVSAFE_TRACE_PID"),
                         ("ENVSAFE_TRACE_PIPE", "x", "an invalid ENVSAFE_TRACE_PIPE")):
    settings = {name: value}
    if name == "ENVSAFE_TRACE_PIPE":
        settings["ENVSAFE_TRACE_FD"] = "0"
    p = preload(**settings)
    ok(p.returncode == 0 and p.stderr == "", "%s is ignored without a word (%r)" % (why, p.stderr[:200]))
p = preload(ENVSAFE_TRACE_FD="987", ENVSAFE_TRACE_PID="1")
ok(p.returncode == 0 and p.stderr == "",
   "another process's trace settings are ignored silently")
done()
