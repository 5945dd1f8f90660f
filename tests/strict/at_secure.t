#!/usr/bin/env python3
"""Under AT_SECURE every ENVSAFE_* setting is ignored: a setgid copy of a
program linked with libenvsafe.a, run by an unprivileged user, neither
aborts under ENVSAFE_STRICT=abort nor writes trace records to
ENVSAFE_TRACE_FD, while a plain copy run the same way does both.
Needs root (to make the setgid copy and to switch users); CI runs as root."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from trace_helpers import FIXTURES, TIMEOUT, clean_env, done, need, need_root, need_tool, ok

STATIC = os.path.join(FIXTURES, "trace_app_static")
need(STATIC)
need_root("to create a setgid program and switch users")
SETPRIV = need_tool("setpriv", "util-linux")
NOBODY = 65534


def run_as_nobody(prog, mode):
    """Run PROG MODE as nobody with strict abort and a trace pipe; return
    (returncode, stderr, what arrived on the pipe)."""
    r, w = os.pipe()
    env = clean_env(ENVSAFE_STRICT="abort", ENVSAFE_TRACE_FD=str(w), ENVSAFE_TRACE_VALUES="1")
    p = subprocess.run([SETPRIV, "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY, "--clear-groups",
                        "--", prog, mode], env=env, pass_fds=(w,), capture_output=True,
                       text=True, timeout=TIMEOUT)
    os.close(w)
    records = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        records += chunk
    os.close(r)
    return p.returncode, p.stderr, records.decode(errors="replace")


with tempfile.TemporaryDirectory() as tmp:
    os.chmod(tmp, 0o755)
    plain = os.path.join(tmp, "plain")
    setgid = os.path.join(tmp, "setgid")
    for path, mode in ((plain, 0o755), (setgid, 0o2755)):
        shutil.copyfile(STATIC, path)
        os.chown(path, 0, 0)
        os.chmod(path, mode)

    rc, err, records = run_as_nobody(plain, "threads")
    ok(rc == -signal.SIGABRT, "control: plain copy as nobody aborts under ENVSAFE_STRICT=abort (%d)" % rc)
    ok("envsafe: strict: setenv(SECRET_TOKEN)" in err, "control: with the strict message")
    ok(records.startswith("ES1 ") and "SECRET_TOKEN" in records,
       "control: and writes a trace record to ENVSAFE_TRACE_FD")

    rc, err, records = run_as_nobody(setgid, "threads")
    ok(rc == 0, "setgid copy as nobody ignores ENVSAFE_STRICT=abort (%d)" % rc)
    ok("envsafe" not in err, "setgid copy prints nothing about envsafe (%r)" % err[:200])
    ok(records == "", "setgid copy writes nothing to ENVSAFE_TRACE_FD")
    ok("hunter2" not in records + err, "and leaks no value")
done()
