#!/usr/bin/env python3
"""ENVSAFE_STRICT: abort names the operation, the variable and the call
site and kills the program with SIGABRT; warn prints one line and a stack
and lets it continue; a single-threaded program is left alone; values
never appear."""
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from trace_helpers import APP, LIBRARY, clean_env, diag, done, need, ok, run

need(APP)
need(LIBRARY)


def strict(mode, *args):
    return run([APP, *args], env=clean_env(LD_PRELOAD=LIBRARY, ENVSAFE_STRICT=mode))


p = strict("abort", "threads")
ok(p.returncode == -signal.SIGABRT, "abort: killed by SIGABRT (%d)" % p.returncode)
lines = [l for l in p.stderr.splitlines() if l.startswith("envsafe: strict:")]
ok(len(lines) == 1, "abort: one strict message")
msg = lines[0] if lines else ""
ok("setenv(SECRET_TOKEN)" in msg, "abort: names the operation and variable: %s" % msg)
ok("5 threads" in msg, "abort: says how many threads were alive")
ok("(trace_app, worker-0, worker-1, worker-2, worker-3)" in msg,
   "abort: and names them, from /proc/self/task/*/comm")
ok("plugin_configure" in msg and "libplugin.so+0x" in msg,
   "abort: names the call site as symbol and library+offset")
ok(msg.endswith("aborting"), "abort: says it aborts")
ok("hunter2" not in p.stderr, "abort: no value printed")

p = strict("warn", "after")
ok(p.returncode == 0, "warn: the program exits normally")
ok(p.stdout.strip() == "continued", "warn: the program continued after the change")
lines = p.stderr.splitlines()
strict_lines = [l for l in lines if l.startswith("envsafe: strict:")]
ok(len(strict_lines) == 1 and "setenv(SECRET_TOKEN)" in strict_lines[0]
   and "plugin_configure" in strict_lines[0] and "aborting" not in strict_lines[0],
   "warn: exactly one warning line naming op, variable and call site")
stack = lines[1:] if lines and lines[0].startswith("envsafe: strict:") else []
ok(len(stack) >= 2 and "libplugin.so" in stack[0] and any("trace_app" in l for l in stack),
   "warn: followed by the stack, innermost (the plugin) first")
if not stack:
    diag(p.stderr)
ok("hunter2" not in p.stderr, "warn: no value printed")

for mode in ("warn", "abort"):
    p = strict(mode, "single")
    ok(p.returncode == 0 and p.stderr == "",
       "%s: single-threaded setenv passes silently" % mode)

p = strict("off", "threads")
ok(p.returncode == 0 and p.stderr == "", "off: nothing reported")
p = strict("bogus", "threads")
ok(p.returncode == 0, "an invalid mode is ignored")
ok(p.stderr == "", "without a word on the program's stderr (%r)" % p.stderr[:200])

# Strict mode and tracing together: the event reaches the trace before abort.
env = clean_env(ENVSAFE_STRICT="abort")
p = run([os.path.join(os.environ["ES_BUILD_DIR"], "envsafe"), "trace", "--format=json",
         "-o", "-", "--", APP, "threads"], env=env)
ok(p.returncode == 128 + signal.SIGABRT, "trace + strict abort: status 128+SIGABRT (%d)" % p.returncode)
ok('"name":"SECRET_TOKEN"' in p.stdout and '"unsafe":true' in p.stdout,
   "trace + strict abort: the fatal change is in the trace")
done()
