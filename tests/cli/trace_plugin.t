#!/usr/bin/env python3
"""envsafe trace on a 4-thread C program whose plugin library calls setenv
from a worker thread: the trace names the function, the library, the
variable and the thread count, and keeps the value secret unless asked."""
import os
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trace_helpers import (APP, ENVSAFE, FIXTURES, diag, done, events, find, need, ok,
                           run, summary, trace_json)

for path in (ENVSAFE, APP, os.path.join(FIXTURES, "trace_app_static")):
    need(path)

# --- JSON, redacted (the default) ---------------------------------------
p, objs, raw = trace_json([APP, "threads"])
ok(p.returncode == 0, "trace returns the command's status (0)")
if p.stderr:
    diag(p.stderr)
ok(objs and all("unparsable" not in o for o in objs), "every output line is one JSON object")
ok(all(o.get("version") == 1 for o in objs), "every object carries schema version 1")
evs = events(objs)
secret = find(evs, "SECRET_TOKEN")
ok(len(secret) == 1, "exactly one event for SECRET_TOKEN")
ev = secret[0] if secret else {}
ok(ev.get("op") == "setenv", "op is setenv")
ok(isinstance(ev.get("threads"), int) and ev["threads"] > 1,
   "thread count > 1 (%r)" % ev.get("threads"))
ok(ev.get("threads") == 5, "thread count is main + 4 workers (5)")
ok(ev.get("unsafe") is True, "marked unsafe")
ok(ev.get("thread_name") == "worker-0", "thread name is the worker's (%r)" % ev.get("thread_name"))
ok(ev.get("value") is None and ev.get("redacted") is True, "value null and redacted")
ok("hunter2" not in raw, "the value appears nowhere in the trace")
site = ev.get("call_site") or {}
ok(site.get("function") == "plugin_configure", "call site function is plugin_configure (%r)"
   % site.get("function"))
ok((site.get("module") or "").endswith("/libplugin.so"), "call site module is libplugin.so (%r)"
   % site.get("module"))
ok(os.path.isabs(site.get("module") or ""), "module path is absolute")
ok(isinstance(site.get("offset"), str) and site["offset"].startswith("0x"), "offset is a hex string")
ok((site.get("file") or "").endswith("trace_plugin.c") and isinstance(site.get("line"), int)
   and site["line"] > 0, "call site has file:line from debug info (%r:%r)"
   % (site.get("file"), site.get("line")))
funcs = [f.get("function") for f in ev.get("stack", [])]
ok(funcs and funcs[0] == "plugin_configure" and "worker" in funcs,
   "stack starts at the plugin and reaches the app's worker (%s)" % ", ".join(map(str, funcs[:4])))
ok(not any((f or "").startswith("es_") for f in funcs), "libenvsafe's own frames are not shown")
ok(isinstance(ev.get("pid"), int) and isinstance(ev.get("tid"), int) and ev["tid"] != ev["pid"],
   "pid and tid are numbers and the tid is a worker's")
ok(isinstance(ev.get("time_ns"), int) and str(ev.get("time", "")).endswith("Z"), "time fields")
for key in ("seq", "name_truncated", "value_truncated", "stack_truncated"):
    ok(key in ev, "event has %s" % key)

s = summary(objs)
ok(s is not None, "last object is the summary")
s = s or {}
ok(s.get("events") == len(evs), "summary counts every event (%r)" % s.get("events"))
ok(s.get("unsafe_events", 0) >= 1, "summary counts the unsafe event")
ok(s.get("max_threads") == 5, "summary max_threads is 5")
ok(s.get("exit_status") == 0 and s.get("values") is False, "summary exit_status and values")
sites = s.get("call_sites") or []
plugin_sites = [c for c in sites if (c.get("frame") or {}).get("function") == "plugin_configure"]
ok(len(plugin_sites) == 1 and plugin_sites[0].get("unsafe") is True
   and plugin_sites[0].get("names") == ["SECRET_TOKEN"] and plugin_sites[0].get("ops") == ["setenv"],
   "summary ranks the plugin call site, unsafe, with its variable")
ok(all(sites[i]["count"] >= sites[i + 1]["count"] for i in range(len(sites) - 1)),
   "call sites are ranked by count")

# --- JSON with --values --------------------------------------------------
p, objs, raw = trace_json([APP, "threads"], "--values")
ev = (find(events(objs), "SECRET_TOKEN") or [{}])[0]
ok(ev.get("value") == "hunter2" and ev.get("redacted") is False, "--values shows the value")

# --- text output on stderr (the default) ----------------------------------
p = run([ENVSAFE, "trace", "--", APP, "threads"])
text = p.stderr
ok(p.returncode == 0, "text trace exits 0")
line = next((l for l in text.splitlines() if "SECRET_TOKEN" in l), "")
ok("UNSAFE" in line and "setenv" in line and "threads 5" in line and "<redacted>" in line,
   "text event line: %s" % line)
ok("plugin_configure at " in text and "trace_plugin.c:" in text and "/libplugin.so+0x" in text,
   "text frames name function, file:line and library+offset")
ok("hunter2" not in text and "hunter2" not in p.stdout, "text trace does not contain the value")
ok("envsafe trace summary:" in text and "UNSAFE" in text.split("summary:")[-1],
   "text summary marks the unsafe call site")
p = run([ENVSAFE, "trace", "--values", "--", APP, "threads"])
ok("SECRET_TOKEN=hunter2" in p.stderr, "text --values shows NAME=value")

# --- every operation, including an assignment to environ ----------------
p, objs, raw = trace_json([APP, "ops"])
ops = [(e["op"], e.get("name")) for e in events(objs)]
ok(p.returncode == 0, "ops program succeeds under trace")
for want in (("setenv", "TRACE_SET"), ("putenv", "TRACE_PUT"), ("unsetenv", "TRACE_SET"),
             ("clearenv", None), ("environ-replaced", None), ("setenv", "TRACE_AFTER_REPLACE")):
    ok(want in ops, "%s %s is traced" % want)
ok(ops.index(("setenv", "TRACE_SET")) < ops.index(("putenv", "TRACE_PUT"))
   < ops.index(("unsetenv", "TRACE_SET")) < ops.index(("clearenv", None)), "in program order")
put = (find(events(objs), "TRACE_PUT") or [{}])[0]
ok(put.get("value") is None and put.get("redacted") is True, "putenv values are redacted too")
uns = [e for e in events(objs) if e["op"] == "unsetenv"]
ok(uns and uns[0].get("redacted") is False and uns[0].get("value") is None,
   "unsetenv has no value, and nothing was redacted")
ok(all(e["threads"] == 1 and e["unsafe"] is False for e in events(objs)),
   "single-threaded changes are not unsafe")

# --- libenvsafe linked statically: library frames found by name -----------
p, objs, raw = trace_json([os.path.join(FIXTURES, "trace_app_static"), "threads"])
ev = (find(events(objs), "SECRET_TOKEN") or [{}])[0]
site = ev.get("call_site") or {}
ok(site.get("function") == "plugin_configure",
   "static link: call site is plugin_configure (%r)" % site.get("function"))

# --- the command's exit status -------------------------------------------
p = run([ENVSAFE, "trace", "--", "sh", "-c", "exit 7"])
ok(p.returncode == 7, "exit status of the command is returned (%d)" % p.returncode)
p = run([ENVSAFE, "trace", "--", "sh", "-c", "kill -TERM $$"])
ok(p.returncode == 128 + 15, "death by signal N gives 128+N (%d)" % p.returncode)
p = run([ENVSAFE, "trace", "--", "/nonexistent/envsafe-no-such-command"])
ok(p.returncode == 127, "missing command gives 127 (%d)" % p.returncode)
p = run([ENVSAFE, "trace", "--", os.path.join(os.environ["ES_SRC_DIR"], "tests", "tap.h")])
ok(p.returncode == 126, "non-executable command gives 126 (%d)" % p.returncode)
p = run([ENVSAFE, "trace", "--format=xml", "--", "true"])
ok(p.returncode == 2, "bad --format is a usage error")
done()
