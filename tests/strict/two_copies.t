#!/usr/bin/env python3
"""Two copies of libenvsafe at different paths in one process (as when
/etc/ld.so.preload and LD_PRELOAD name different install paths): the copy
the dynamic linker binds setenv to owns the environment and the other
stands down completely.  Its functions, called through a handle, neither
report nor trace, it says nothing about settings, and the owner reports
and traces each change exactly once."""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from trace_helpers import APP, LIBRARY, clean_env, done, events, find, need, ok, run, trace_json

need(APP)
need(LIBRARY)

# One thread waits while the main thread calls setenv through each copy:
# first the one the loader binds (ctypes.CDLL(None)), then the second
# copy's own setenv through a handle (RTLD_NOLOAD: already mapped).
PROGRAM = """
import ctypes, os, sys, threading
second = sys.argv[1]
maps = open("/proc/self/maps").read()
print("MAPPED=%d" % sum(1 for p in {l.split()[-1] for l in maps.splitlines()} if p.endswith("/libenvsafe.so")))
waiting, release = threading.Event(), threading.Event()
t = threading.Thread(target=lambda: (waiting.set(), release.wait()))
t.start()
waiting.wait()
ctypes.CDLL(None).setenv(b"VIA_OWNER", b"1", 1)
ctypes.CDLL(second, mode=os.RTLD_NOLOAD).setenv(b"VIA_SECOND", b"1", 1)
release.set()
t.join()
"""

with tempfile.TemporaryDirectory() as tmp:
    first, second = os.path.join(tmp, "a", "libenvsafe.so"), os.path.join(tmp, "b", "libenvsafe.so")
    for path in (first, second):
        os.makedirs(os.path.dirname(path))
        shutil.copyfile(LIBRARY, path)
    both = first + " " + second
    argv = ["python3", "-c", PROGRAM, second]

    p = run(argv, env=clean_env(LD_PRELOAD=both, ENVSAFE_STRICT="warn"))
    ok(p.returncode == 0 and "MAPPED=2" in p.stdout,
       "control: both copies are mapped (%s, %r)" % (p.stdout.strip(), p.stderr[-300:]))
    messages = [l for l in p.stderr.splitlines() if l.startswith("envsafe: strict:")]
    ok(len(messages) == 1 and "VIA_OWNER" in messages[0],
       "strict mode: the owner reports its change once (%r)" % messages)
    ok("VIA_SECOND" not in p.stderr, "the second copy reports nothing, even called directly")

    p = run(argv, env=clean_env(LD_PRELOAD=both, ENVSAFE_STRICT="bogus", ENVSAFE_TRACE_FD="987"))
    ok(p.returncode == 0 and p.stderr == "", "invalid settings: not a word from either copy")

    # envsafe trace prepends its own library (a third path): it owns, the
    # copy named in LD_PRELOAD stands down.
    p, objs, raw = trace_json(argv, env=clean_env(LD_PRELOAD=second))
    evs = events(objs)
    ok(p.returncode == 0 and len(find(evs, "VIA_OWNER")) == 1,
       "traced: the owner's change is recorded once (%r)" % [e.get("name") for e in evs])
    ok(not find(evs, "VIA_SECOND"), "the second copy writes no record")
done()
