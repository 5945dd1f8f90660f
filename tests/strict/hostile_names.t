#!/usr/bin/env python3
"""Strict mode's text, which a terminal or a log parser reads: a variable
name and a thread name full of escape sequences, a newline that would
forge an "envsafe: strict:" line, C1 controls and invalid UTF-8 all come
out as \\xHH; valid UTF-8 passes unchanged."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from trace_helpers import LIBRARY, clean_env, done, need, ok

import subprocess

need(LIBRARY)

NAME = (b"EVIL\x1b]0;pwned\x07\nenvsafe: strict: setenv(FORGED) while 1 threads are alive"
        b"\x9b\xc2\x9b\xed\xa0\x80\xc0\xaf\xf5\x7f\xc3\x9cn\xc3\xafcode")
THREAD = b"\x1b[2J\xc2\x85\xffbad"   # 10 bytes: a thread name holds 15
PROGRAM = """
import ctypes, threading
libc = ctypes.CDLL(None)
named, done = threading.Event(), threading.Event()
def other():
    libc.prctl(15, %r, 0, 0, 0)  # PR_SET_NAME
    named.set()
    done.wait()
t = threading.Thread(target=other)
t.start()
named.wait()
libc.setenv(%r, b"value", 1)
done.set()
t.join()
""" % (THREAD, NAME)

p = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, timeout=60,
                   env=clean_env(LD_PRELOAD=LIBRARY, ENVSAFE_STRICT="warn"))
err = p.stderr
ok(p.returncode == 0, "the program runs to the end under strict warn (%d)" % p.returncode)
lines = err.split(b"\n")
ok(lines[-1] == b"" and all(l.startswith(b"envsafe: strict: ") or l.startswith(b"    #")
                            for l in lines[:-1]),
   "every line is the library's own: a message or a stack frame")
ok(len([l for l in lines if l.startswith(b"envsafe: strict:")]) == 1,
   "exactly one message: the newline in the name forged no second one")
ok(not any(c < 0x20 and c != 0x0a or c == 0x7f for c in err), "no C0 control or DEL left raw")
try:
    text = err.decode("utf-8")
    ok(not any(0x80 <= ord(ch) <= 0x9f for ch in text), "no C1 control left raw")
    ok(True, "the output is valid UTF-8")
except UnicodeDecodeError as e:
    ok(False, "no C1 control left raw")
    ok(False, "the output is valid UTF-8 (%s)" % e)
msg = lines[0].decode("utf-8", "replace")
ok("setenv(EVIL\\x1b]0;pwned\\x07\\x0aenvsafe: strict: setenv(FORGED)" in msg,
   "the variable's escape sequence and newline are shown as \\xHH")
ok("\\x9b\\xc2\\x9b\\xed\\xa0\\x80\\xc0\\xaf\\xf5\\x7f\u00dcn\u00efcode)" in msg,
   "C1 (raw and encoded), a surrogate, an overlong form, a bad lead byte and DEL are escaped; "
   "valid UTF-8 is kept")
ok("\\x1b[2J\\xc2\\x85\\xffbad" in msg, "the thread's name is escaped too (%r)" % msg[:400])
done()
