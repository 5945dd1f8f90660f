#!/usr/bin/env python3
"""The trace descriptor in hostile hands: the library writes records only
to the very pipe envsafe trace gave it (device and inode checked before
each write), never to a file or another pipe that reused the number, and
descendants that did not inherit it stay silent and unaffected."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trace_helpers import APP, ENVSAFE, done, events, find, need, ok, trace_json

need(ENVSAFE)
need(APP)

with tempfile.TemporaryDirectory() as tmp:
    data = os.path.join(tmp, "database")
    # A daemon: closes the descriptors it inherited, opens its data file
    # (which gets the trace descriptor's number back, here made sure of
    # with dup2), then sets a variable.
    daemon = """
import ctypes, os
fd = int(os.environ["ENVSAFE_TRACE_FD"])
libc = ctypes.CDLL(None)
libc.setenv(b"BEFORE_CLOSE", b"1", 1)
os.close(fd)
f = os.open(%r, os.O_RDWR | os.O_CREAT, 0o600)
if f != fd:
    os.dup2(f, fd)
    os.close(f)
libc.setenv(b"AFTER_REUSE", b"1", 1)
os.write(fd, b"row 1\\n")
""" % data
    p, objs, raw = trace_json(["python3", "-c", daemon])
    ok(p.returncode == 0, "the daemon runs (%d) %s" % (p.returncode, p.stderr[-300:]))
    ok(len(find(events(objs), "BEFORE_CLOSE")) == 1, "its change before the close is traced")
    content = open(data, "rb").read() if os.path.exists(data) else b""
    ok(content == b"row 1\n", "no record landed in the file that reused the descriptor (%r)" % content[:120])
    ok(not find(events(objs), "AFTER_REUSE"), "and the change after it is not traced")

# The number reused for another pipe, in the traced process and in a
# followed child that execs with it: nothing may arrive on that pipe.
other_pipe = """
import ctypes, os, subprocess
fd = int(os.environ["ENVSAFE_TRACE_FD"])
os.close(fd)
r, w = os.pipe()
if w != fd:
    os.dup2(w, fd)
    os.close(w)
    w = fd
os.set_blocking(r, False)
ctypes.CDLL(None).setenv(b"ON_OTHER_PIPE", b"1", 1)
subprocess.run([%r, "single"], pass_fds=(w,), check=True)
try:
    got = os.read(r, 65536)
except BlockingIOError:
    got = b""
print("OTHER_PIPE_GOT=%%r" %% got)
""" % APP
p, objs, raw = trace_json(["python3", "-c", other_pipe], "--follow-children")
ok(p.returncode == 0, "the pipe program runs (%d) %s" % (p.returncode, p.stderr[-300:]))
ok("OTHER_PIPE_GOT=b''" in p.stdout,
   "nothing was written to a different pipe on the trace descriptor's number (%s)" % p.stdout.strip())
ok(not find(events(objs), "ON_OTHER_PIPE") and not find(events(objs), "TRACE_SINGLE"),
   "and nothing from there reached the trace")

# Python's subprocess closes inherited descriptors by default: the child
# gets the settings but not the pipe.  It must say nothing and work.
closer = """
import subprocess, sys
c = subprocess.run([%r, "single"], capture_output=True, text=True)
sys.stdout.write("CHILD_RC=%%d\\n" %% c.returncode)
sys.stdout.write("CHILD_STDERR=%%r\\n" %% c.stderr)
""" % APP
p, objs, raw = trace_json(["python3", "-c", closer], "--follow-children")
ok(p.returncode == 0 and "CHILD_RC=0" in p.stdout, "a child without the descriptor runs normally")
ok("CHILD_STDERR=''" in p.stdout, "and prints nothing on its stderr (%s)" % p.stdout.strip())
ok("envsafe" not in p.stderr.replace("envsafe trace", ""),
   "nothing about it on the trace's stderr either (%r)" % p.stderr[:200])
done()
