"""Reader threads inside libc while the main thread rewrites os.environ.

os.strerror and time.localtime/strftime run with the GIL held, so on their
own they never overlap a write; the ctypes calls (strerror, tzset,
localtime) and socket.getaddrinfo release the GIL and are the readers that
really run concurrently with os.environ's setenv/unsetenv.
"""
import ctypes
import locale
import os
import socket
import subprocess
import sys
import threading
import time

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.5
locale.setlocale(locale.LC_ALL, "C.UTF-8")

libc = ctypes.CDLL(None)
libc.strerror.restype = ctypes.c_char_p
libc.strerror.argtypes = [ctypes.c_int]
libc.tzset.restype = None
stop = threading.Event()
failures = []


def strerror_reader():
    want = os.strerror(2)
    while not stop.is_set():
        for _ in range(200):
            got = libc.strerror(2).decode()
            if got != want:
                failures.append("strerror(2) gave %r, not %r" % (got, want))
                return
        if os.strerror(2) != want:
            failures.append("os.strerror(2) changed")
            return


def time_reader():
    while not stop.is_set():
        for _ in range(200):
            libc.tzset()
        time.localtime()
        time.strftime("%Y-%m-%d %H:%M:%S %Z")


def resolver():
    while not stop.is_set():
        socket.getaddrinfo("localhost", 80, proto=socket.IPPROTO_TCP)


def guarded(reader):
    def run():
        try:
            reader()
        except Exception as e:  # a reader that stops early must fail the run
            failures.append("%s: %r" % (reader.__name__, e))
    return run


readers = [threading.Thread(target=guarded(f)) for f in
           (strerror_reader, strerror_reader, time_reader, resolver)]
for t in readers:
    t.start()

os.environ["ENVSAFE_COMPAT_KEEP"] = "kept"
deadline = time.monotonic() + seconds
rounds = 0
while time.monotonic() < deadline:
    for i in range(64):
        os.environ["ENVSAFE_COMPAT_%d" % i] = str(rounds)
    os.environ["TZ"] = "UTC" if rounds % 2 else "Europe/Paris"
    for i in range(64):
        del os.environ["ENVSAFE_COMPAT_%d" % i]
    rounds += 1
stop.set()
for t in readers:
    t.join()

if os.environ.get("ENVSAFE_COMPAT_KEEP") != "kept" or os.getenv("ENVSAFE_COMPAT_0") is not None:
    failures.append("environment lost a write")
# With env=None the child inherits the C library's environ itself.
child = subprocess.run(["/usr/bin/env"], stdout=subprocess.PIPE, check=True,
                       universal_newlines=True).stdout.splitlines()
if "ENVSAFE_COMPAT_KEEP=kept" not in child or any(
        line.startswith("ENVSAFE_COMPAT_0=") for line in child):
    failures.append("a child saw the wrong environment")
for f in failures:
    print("FAIL:", f)
with open("/proc/self/maps") as maps:
    mapped = "libenvsafe.so" in maps.read()
print("libenvsafe=%s" % ("yes" if mapped else "no"))
print("rounds=%d" % rounds)
sys.exit(1 if failures else 0)
