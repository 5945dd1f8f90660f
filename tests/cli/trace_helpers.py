"""Shared helpers for the `envsafe trace` and strict-mode tests (TAP)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

BUILD = os.environ.get("ES_BUILD_DIR")
if not BUILD:
    print("Bail out! ES_BUILD_DIR is not set (run through make check)")
    sys.exit(255)
ENVSAFE = os.path.join(BUILD, "envsafe")
LIBRARY = os.path.join(BUILD, "libenvsafe.so")
FIXTURES = os.path.join(BUILD, "tests", "trace")
APP = os.path.join(FIXTURES, "trace_app")
# A watchdog: no test may hang make check.  ES_TEST_TIME_SCALE stretches it.
TIMEOUT = 60 * max(1, int(os.environ.get("ES_TEST_TIME_SCALE", "1") or 1))

_count = 0
_failed = 0
_last_failed = False


def need(path):
    if not os.path.exists(path):
        print("Bail out! missing %s (run make first)" % path)
        sys.exit(255)


def need_root(why):
    """Bail out unless running as root; WHY says what for."""
    if os.geteuid() != 0:
        print("Bail out! %s needs root %s" % (os.path.basename(sys.argv[0]), why))
        sys.exit(255)


def need_tool(name, package):
    """The path of the program NAME, or bail out naming its Debian PACKAGE."""
    path = shutil.which(name)
    if not path:
        print("Bail out! %s not found (Debian package %s)" % (name, package))
        sys.exit(255)
    return path


def ok(cond, what):
    global _count, _failed, _last_failed
    _count += 1
    _last_failed = not cond
    print("%sok %d - %s" % ("" if cond else "not ", _count, what))
    if not cond:
        _failed += 1
        # prove shows stderr without -v: the reason, not only "Dubious".
        print("not ok %d - %s" % (_count, what), file=sys.stderr)
    sys.stdout.flush()
    return cond


def diag(text):
    for line in str(text).splitlines():
        print("# " + line)
        if _last_failed:
            print("# " + line, file=sys.stderr)


def done():
    print("1..%d" % _count)
    sys.exit(1 if _failed else 0)


def clean_env(**extra):
    """The test's environment without any ENVSAFE_* or LD_PRELOAD setting."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ENVSAFE_") and k != "LD_PRELOAD"}
    env.update(extra)
    return env


def run(argv, env=None, **kw):
    return subprocess.run(argv, env=env if env is not None else clean_env(),
                          capture_output=True, text=True, timeout=TIMEOUT, **kw)


def trace_json(argv, *options, env=None):
    """Run `envsafe trace --format=json -o FILE OPTIONS -- ARGV`; return
    (completed process, list of parsed objects, raw text)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "trace.jsonl")
        p = run([ENVSAFE, "trace", "--format=json", "-o", out, *options, "--", *argv], env=env)
        raw = open(out).read() if os.path.exists(out) else ""
    objects = []
    for line in raw.splitlines():
        try:
            objects.append(json.loads(line))
        except ValueError:
            objects.append({"unparsable": line})
    return p, objects, raw


def events(objects):
    return [o for o in objects if o.get("type") == "event"]


def summary(objects):
    return objects[-1] if objects and objects[-1].get("type") == "summary" else None


def find(evs, name):
    return [e for e in evs if e.get("name") == name]


def stack_functions(ev):
    return [f.get("function") or "" for f in ev.get("stack", [])]
