#!/usr/bin/env python3
"""envsafe trace on Rust (legacy and v0 symbol mangling) and Python
programs: the stack shows demangled Rust paths, and Python's os.environ
changes are traced from the interpreter."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trace_helpers import (ENVSAFE, FIXTURES, diag, done, events, find, need, ok, run,
                           stack_functions, trace_json)

need(ENVSAFE)

# --- Rust ------------------------------------------------------------------
for scheme, prefix in (("legacy", "_ZN"), ("v0", "_R")):
    prog = os.path.join(FIXTURES, "proxy_" + scheme)
    need(prog)
    p, objs, raw = trace_json([prog], "--values")
    ok(p.returncode == 0, "rust %s: program succeeds under trace" % scheme)
    ev = (find(events(objs), "HTTP_PROXY") or [{}])[0]
    ok(ev.get("op") == "setenv" and ev.get("value") == "http://proxy.invalid:3128",
       "rust %s: set_var traced as setenv HTTP_PROXY" % scheme)
    frames = [f for f in ev.get("stack", []) if f.get("function") == "trace_proxy::configure_proxy"]
    ok(len(frames) == 1, "rust %s: stack shows trace_proxy::configure_proxy" % scheme)
    if not frames:
        diag("\n".join(stack_functions(ev)))
    frame = frames[0] if frames else {}
    ok((frame.get("symbol") or "").startswith(prefix),
       "rust %s: the symbol really is %s-mangled (%r)" % (scheme, scheme, frame.get("symbol")))
    ok((frame.get("file") or "").endswith("trace_proxy.rs") and frame.get("line") == 7,
       "rust %s: source line of the set_var call (%r:%r)" % (scheme, frame.get("file"), frame.get("line")))
    # v0 spells out generic arguments: std::env::set_var::<&str, &str>.
    ok(any(f.startswith("std::env::set_var") for f in stack_functions(ev)),
       "rust %s: std::env::set_var is demangled" % scheme)

# The demangler on fixed strings, independent of the compiler's choices.
p = run([ENVSAFE, "trace", "--demangle",
         "_ZN11trace_proxy15configure_proxy17h38c7e42e75770f8bE",
         "_RNvCs3ack2DvM75q_11trace_proxy15configure_proxy",
         "_RINvNtC3std3mem8align_ofjE",
         "_ZN9wikipedia7article6formatEv",
         "plain_c_symbol"])
ok(p.stdout.splitlines() == ["trace_proxy::configure_proxy", "trace_proxy::configure_proxy",
                             "std::mem::align_of::<usize>", "wikipedia::article::format()",
                             "plain_c_symbol"],
   "--demangle: Rust legacy, Rust v0, C++, and C names")
if p.returncode != 0 or len(p.stdout.splitlines()) != 5:
    diag(p.stdout + p.stderr)

# --- Python ----------------------------------------------------------------
script = ("import os\n"
          "os.environ['PY_TRACE_VAR'] = 'from-python'\n"
          "del os.environ['PY_TRACE_VAR']\n")
p, objs, raw = trace_json([sys.executable, "-c", script])
ok(p.returncode == 0, "python: interpreter succeeds under trace")
evs = find(events(objs), "PY_TRACE_VAR")
ok([e["op"] for e in evs] == ["setenv", "unsetenv"],
   "python: os.environ assignment and deletion traced as setenv, unsetenv (%r)"
   % [e["op"] for e in evs])
modules = {os.path.basename((e.get("call_site") or {}).get("module") or "") for e in evs}
ok(modules and all(m.startswith("python") or m.startswith("libpython") for m in modules),
   "python: the call site is in the interpreter or libpython (%s)" % ", ".join(sorted(modules)))
ok("from-python" not in raw, "python: value redacted")
done()
