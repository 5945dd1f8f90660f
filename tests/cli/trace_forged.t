#!/usr/bin/env python3
"""Records forged by a traced process (anything holding the inherited
descriptor can write to the pipe): envsafe trace neither crashes nor
trusts them, counts them as malformed in the summary and on stderr, and
still reports the genuine events around them."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trace_helpers import APP, ENVSAFE, done, events, find, need, ok, run, summary, trace_json

need(ENVSAFE)
need(APP)

FORGED = [
    "ES1 1.000000000 1 1 1 setenv 01 =t =A - -1000000 =/bin/true 10",  # negative skip
    "ES1 1.-00000001 1 1 1 setenv 01 =t =A - 0",                        # negative nanoseconds
    "ES1 1.000000000 1 1 1 setenv 01 =t =A%00B - 0",                    # NUL in a name
    "ES1 " + "9" * 5000,                                                # longer than any record
    "ES1 1.000000000 1 1 1 setenv 01 =t =A - 0\0 trailing bytes",      # NUL inside the line
]
# The command writes the forged lines to the trace pipe, then makes one
# genuine change, then leaves a line without its newline.
FORGER = """
import os, subprocess, sys
fd = int(os.environ["ENVSAFE_TRACE_FD"])
for line in %r:
    os.write(fd, line.encode("latin-1") + b"\\n")
subprocess.run([%r, "single"], check=True, pass_fds=(fd,))
os.write(fd, b"ES1 1.000000000 1 1 1 setenv 01 =t =CUT - 0")
""" % (FORGED, APP)
forger = ["python3", "-c", FORGER]

p, objs, raw = trace_json(forger, "--follow-children")
ok(p.returncode == 0, "envsafe trace survives forged records and returns the command's status (%d)"
   % p.returncode)
ok(all("unparsable" not in o for o in objs), "the JSON output stays valid")
evs = events(objs)
ok(len(find(evs, "TRACE_SINGLE")) == 1, "the genuine event around them is reported")
ok(not find(evs, "A") and not find(evs, "CUT"), "no forged record is reported as an event")
s = summary(objs) or {}
ok(s.get("malformed_records") == len(FORGED) + 1,
   "the summary counts every forged or cut record as malformed (%r)" % s.get("malformed_records"))
ok("%d malformed records" % (len(FORGED) + 1) in p.stderr, "and stderr says so")

p = run([ENVSAFE, "trace", "-o", "-", "--follow-children", "--", *forger])
ok(p.returncode == 0 and "malformed records ignored" in p.stdout,
   "the text summary reports them too")
done()
