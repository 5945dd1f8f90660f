"""Environment churn in a real Python program.

The main thread rewrites os.environ in a loop while other threads sit in
C library calls that read the environment on their own:

  - os.strerror under a C.UTF-8 LC_MESSAGES (gettext reads LANGUAGE),
    time.localtime/time.mktime (tzset reads TZ), socket.getaddrinfo;
  - the same libc calls through ctypes, and os.system (posix_spawn hands
    the live `environ` to execve), both of which run without the GIL.

The os.* and time.* calls hold the GIL, which keeps them from running at
the same instant as the os.environ writes; the GIL-free calls are the ones
that race with the writer, as C extensions do in real programs.

Prints one line of counts and exits 0.  Under the stock C library the
process is expected to die from a signal.

usage: churn.py [--seconds S]
"""

import ctypes
import locale
import os
import socket
import sys
import threading
import time

NAMES = 256


def main():
    seconds = 1.5
    if len(sys.argv) == 3 and sys.argv[1] == "--seconds":
        seconds = float(sys.argv[2])
    elif len(sys.argv) != 1:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2

    locale.setlocale(locale.LC_ALL, "C.UTF-8")
    libc = ctypes.CDLL(None)
    libc.strerror.restype = ctypes.c_char_p
    libc.mktime.restype = ctypes.c_long
    provider = "libenvsafe" if hasattr(libc, "envsafe_version") else "libc"

    stop = threading.Event()
    counts = {}
    failures = []

    def reader(name, call):
        def run():
            n = 0
            try:
                while not stop.is_set():
                    call()
                    n += 1
            except Exception as exc:  # reported, and fails the run
                failures.append("%s: %r" % (name, exc))
            counts[name] = n
        return threading.Thread(target=run, name=name)

    def py_strerror():
        for e in range(1, 134):
            if not os.strerror(e):
                raise AssertionError("empty strerror(%d)" % e)

    def py_localtime():
        t = time.localtime()
        if abs(time.mktime(t) - time.time()) > 5:
            raise AssertionError("mktime(localtime()) is not now")

    def py_getaddrinfo():
        if not socket.getaddrinfo("localhost", None):
            raise AssertionError("localhost does not resolve")

    def c_calls():
        # Each call its own struct tm (with room to spare): two threads
        # sharing one would read each other's localtime_r at a second
        # boundary.
        tm = ctypes.create_string_buffer(64)
        for e in range(1, 134):
            if not libc.strerror(e):
                raise AssertionError("empty libc strerror(%d)" % e)
        now = ctypes.c_long(int(time.time()))
        libc.localtime_r(ctypes.byref(now), tm)
        if libc.mktime(tm) != now.value:
            raise AssertionError("libc mktime(localtime_r(t)) != t")

    def spawn():
        status = os.system("exit 0")
        if status != 0:
            raise AssertionError("os.system returned %d" % status)

    threads = [
        reader("strerror", py_strerror),
        reader("localtime", py_localtime),
        reader("getaddrinfo", py_getaddrinfo),
        reader("ctypes", c_calls),
        reader("ctypes2", c_calls),
        reader("system", spawn),
    ]
    for t in threads:
        t.start()

    # The writer allocates between writes, as programs do; the buffers are
    # too big for Python's small-object allocator, so they come from
    # malloc and land in (and overwrite) memory the C library just freed.
    ballast = [None] * 8
    writes = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for i in range(NAMES):
            os.environ["PY_CHURN_%d" % i] = "value-%d" % i
            ballast[i % 8] = bytearray(b"\xa5" * (1200 + 97 * (i % 21)))
        for i in range(NAMES):
            del os.environ["PY_CHURN_%d" % i]
        writes += 2 * NAMES
    stop.set()
    for t in threads:
        t.join()

    print("provider=%s writes=%d %s" % (
        provider, writes, " ".join("%s=%d" % kv for kv in sorted(counts.items()))))
    for f in failures:
        print("failure: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
