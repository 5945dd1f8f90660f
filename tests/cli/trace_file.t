#!/usr/bin/env python3
"""envsafe trace -o FILE: created 0600 whatever the umask, never through a
symbolic link or a hard link, never to a FIFO (no hang) or a device; an
existing file of ours truncated and tightened to 0600."""
import os
import stat
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trace_helpers import APP, ENVSAFE, done, need, ok, run

need(ENVSAFE)
need(APP)

with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "new.trace")
    old_umask = os.umask(0)
    try:
        p = run([ENVSAFE, "trace", "-o", out, "--", APP, "single"])
    finally:
        os.umask(old_umask)
    ok(p.returncode == 0, "trace to a new file succeeds")
    mode = stat.S_IMODE(os.lstat(out).st_mode)
    ok(mode == 0o600, "new trace file is 0600 even with umask 0 (%o)" % mode)
    ok("TRACE_SINGLE" in open(out).read(), "the trace went to the file")
    ok("TRACE_SINGLE" not in p.stderr, "and not to stderr")

    target = os.path.join(tmp, "target")
    with open(target, "w") as f:
        f.write("precious\n")
    link = os.path.join(tmp, "link.trace")
    os.symlink(target, link)
    marker = os.path.join(tmp, "ran")
    p = run([ENVSAFE, "trace", "-o", link, "--", "touch", marker])
    ok(p.returncode == 125, "a symbolic link as output is refused (%d)" % p.returncode)
    ok("symbolic link" in p.stderr, "with a message saying why")
    ok(open(target).read() == "precious\n", "the link's target is untouched")
    ok(not os.path.exists(marker), "and the command is not run")

    dangling = os.path.join(tmp, "dangling.trace")
    os.symlink(os.path.join(tmp, "would-be-created"), dangling)
    p = run([ENVSAFE, "trace", "-o", dangling, "--", "true"])
    ok(p.returncode == 125 and not os.path.exists(os.path.join(tmp, "would-be-created")),
       "a dangling symbolic link is refused and creates nothing")

    existing = os.path.join(tmp, "existing.trace")
    with open(existing, "w") as f:
        f.write("old contents that must go\n" * 100)
    os.chmod(existing, 0o644)
    p = run([ENVSAFE, "trace", "-o", existing, "--", APP, "single"])
    text = open(existing).read()
    ok(p.returncode == 0 and "old contents" not in text and "TRACE_SINGLE" in text,
       "an existing file the user named is truncated and rewritten")
    ok(stat.S_IMODE(os.stat(existing).st_mode) == 0o600, "and its mode tightened to 0600")

    p = run([ENVSAFE, "trace", "-o", tmp, "--", "true"])
    ok(p.returncode == 125, "a directory as output is refused")

    # A hard link (say in a world-writable directory) to someone's file.
    precious = os.path.join(tmp, "precious")
    with open(precious, "w") as f:
        f.write("precious\n")
    os.chmod(precious, 0o644)
    hard = os.path.join(tmp, "hard.trace")
    os.link(precious, hard)
    p = run([ENVSAFE, "trace", "-o", hard, "--", "touch", marker])
    ok(p.returncode == 125 and "hard link" in p.stderr,
       "a file with another hard link is refused (%d, %r)" % (p.returncode, p.stderr.strip()))
    st = os.stat(precious)
    ok(open(precious).read() == "precious\n" and stat.S_IMODE(st.st_mode) == 0o644,
       "its contents and mode are untouched")
    ok(not os.path.exists(marker), "and the command is not run")

    # A FIFO: no hang waiting for a reader, nothing written with one.
    fifo = os.path.join(tmp, "fifo.trace")
    os.mkfifo(fifo, 0o600)
    p = run([ENVSAFE, "trace", "-o", fifo, "--", "touch", marker])
    ok(p.returncode == 125 and "not a regular file" in p.stderr and not os.path.exists(marker),
       "a FIFO without a reader is refused at once, the command not run (%d)" % p.returncode)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    p = run([ENVSAFE, "trace", "-o", fifo, "--", APP, "single"])
    try:
        got = os.read(reader, 65536)
    except BlockingIOError:
        got = b""
    os.close(reader)
    ok(p.returncode == 125 and got == b"", "a FIFO with a reader is refused too, nothing written")

    p = run([ENVSAFE, "trace", "-o", "/dev/null", "--", "touch", marker])
    ok(p.returncode == 125 and "not a regular file" in p.stderr and not os.path.exists(marker),
       "a device is refused without being opened for writing")

    p = run([ENVSAFE, "trace", "-o", "-", "--", APP, "single"])
    ok("TRACE_SINGLE" in p.stdout and "TRACE_SINGLE" not in p.stderr, "-o - writes to stdout")
done()
