#!/usr/bin/env python3
"""Forked and exec'd children are traced with their own pids under
--follow-children, and stay silent without it; a program that execs
without forking (env(1), a wrapper script) keeps being traced."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trace_helpers import APP, ENVSAFE, done, events, find, need, ok, summary, trace_json

need(ENVSAFE)
need(APP)


def one(evs, name):
    found = find(evs, name)
    return found[0] if len(found) == 1 else None


# family: the parent sets TRACE_PARENT, a forked child TRACE_FORKED, and an
# exec'd child (`trace_app single`) TRACE_SINGLE.
p, objs, raw = trace_json([APP, "family"], "--follow-children")
ok(p.returncode == 0, "followed family exits 0")
evs = events(objs)
parent, forked, execd = one(evs, "TRACE_PARENT"), one(evs, "TRACE_FORKED"), one(evs, "TRACE_SINGLE")
ok(parent is not None, "parent's setenv traced")
ok(forked is not None, "forked child's setenv traced")
ok(execd is not None, "exec'd child's setenv traced")
if parent and forked and execd:
    ok(len({parent["pid"], forked["pid"], execd["pid"]}) == 3,
       "three distinct pids (%d, %d, %d)" % (parent["pid"], forked["pid"], execd["pid"]))
    ok(forked["tid"] == forked["pid"] and execd["tid"] == execd["pid"],
       "each child's event comes from its own main thread")
    s = summary(objs) or {}
    ok(sorted(s.get("pids", [])) == sorted({parent["pid"], forked["pid"], execd["pid"]}),
       "summary lists the three processes")

p, objs, raw = trace_json([APP, "family"])
ok(p.returncode == 0, "unfollowed family exits 0")
evs = events(objs)
ok(one(evs, "TRACE_PARENT") is not None, "without --follow-children the command is traced")
ok(not find(evs, "TRACE_FORKED"), "without --follow-children the forked child is not")
ok(not find(evs, "TRACE_SINGLE"), "without --follow-children the exec'd child is not")
ok("ignoring ENVSAFE" not in p.stderr, "and the children do not complain about the settings")

# `env PROG` execs PROG in the same process: it is still the command.
p, objs, raw = trace_json(["env", APP, "single"])
ok(one(events(objs), "TRACE_SINGLE") is not None, "a command that execs without forking is traced")
done()
