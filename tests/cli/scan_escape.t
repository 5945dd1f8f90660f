#!/usr/bin/env python3
"""Output that a terminal or a parser reads (tools/escape.c, used by scan
and trace): every malformed UTF-8 class and every control class, through
the encoder itself, through `envsafe scan` (file names, DT_NEEDED
strings) and through `envsafe trace` (variable names, values, thread
names).  JSON is checked with Python's strict UTF-8 decoder and json;
text must carry no raw control byte, so no name can forge a line."""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import trace_helpers  # noqa: E402
from trace_helpers import BUILD, diag, done, need, ok  # noqa: E402


def bail(why):
    print("Bail out! " + why)
    sys.exit(255)


build = BUILD
src = os.environ.get("ES_SRC_DIR", ".")
envsafe = os.path.join(build, "envsafe")
fixtures = os.path.join(build, "tests", "cli")
escape_filter = os.path.join(fixtures, "escape-filter")
for f in (envsafe, escape_filter, os.path.join(fixtures, "libscanrisky.so")):
    need(f)


def run(argv, stdin=b"", env=None):
    p = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=120, env=env)
    return p.returncode, p.stdout, p.stderr


def model_chars(data):
    """The input as Python decodes it strictly, one U+FFFD per byte that
    is not part of a well-formed character (the documented replacement)."""
    out, i = [], 0
    while i < len(data):
        for k in (1, 2, 3, 4):
            try:
                out.append(data[i:i + k].decode("utf-8", "strict"))
                i += k
                break
            except UnicodeDecodeError:
                continue
        else:
            out.append("\ufffd")
            i += 1
    return "".join(out)


def strict_json(raw):
    """json.loads of RAW decoded with errors='strict'; None if either fails."""
    try:
        return json.loads(raw.decode("utf-8", "strict"))
    except (UnicodeDecodeError, ValueError) as e:
        diag("strict decoding failed: %r" % e)
        return None


def unescape_text(raw):
    out, i = bytearray(), 0
    while i < len(raw):
        if raw[i:i + 2] == b"\\\\":
            out.append(0x5c)
            i += 2
        elif raw[i:i + 2] == b"\\x":
            out.append(int(raw[i + 2:i + 4], 16))
            i += 4
        else:
            out.append(raw[i])
            i += 1
    return bytes(out)


def raw_controls(raw, allow_newline=False):
    """Control characters left raw in RAW: C0 (but newline if allowed),
    DEL, C1 as bytes or as characters."""
    bad = [b for b in raw if (b < 0x20 and not (allow_newline and b == 0x0a)) or b == 0x7f]
    try:
        text = raw.decode("utf-8", "strict")
    except UnicodeDecodeError:
        return bad + ["invalid UTF-8"]
    return bad + [c for c in text if 0x80 <= ord(c) <= 0x9f]


# ---- the encoder, one class at a time --------------------------------
F = "\\ufffd"
classes = [
    ("well-formed multibyte passes as is", b"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
     '"\u00e9\u20ac\U0001f600"', "\u00e9\u20ac\U0001f600"),
    ("quote and backslash", b'a"b\\c', '"a\\"b\\\\c"', "a\"b\\\\c"),
    ("C0 controls: ESC, newline, tab, NUL", b"\x1b[2J\n\t\x00",
     '"\\u001b[2J\\n\\t\\u0000"', "\\x1b[2J\\x0a\\x09\\x00"),
    ("DEL", b"\x7f", '"\\u007f"', "\\x7f"),
    ("C1 controls as characters (U+0085, U+009B)", b"\xc2\x85\xc2\x9b", '"\\u0085\\u009b"',
     "\\xc2\\x85\\xc2\\x9b"),
    ("C1 bytes alone (stray continuation bytes)", b"\x85\x9b\xbf", '"' + F * 3 + '"', "\\x85\\x9b\\xbf"),
    ("overlong 2-byte forms (C0 AF, C1 BF)", b"\xc0\xaf\xc1\xbf", '"' + F * 4 + '"', "\\xc0\\xaf\\xc1\\xbf"),
    ("overlong 3-byte form (E0 80 AF)", b"\xe0\x80\xaf", '"' + F * 3 + '"', "\\xe0\\x80\\xaf"),
    ("overlong 4-byte form (F0 80 80 AF)", b"\xf0\x80\x80\xaf", '"' + F * 4 + '"', "\\xf0\\x80\\x80\\xaf"),
    ("surrogates (ED A0 80, ED BF BF)", b"\xed\xa0\x80\xed\xbf\xbf", '"' + F * 6 + '"',
     "\\xed\\xa0\\x80\\xed\\xbf\\xbf"),
    ("above U+10FFFF (F4 90 80 80)", b"\xf4\x90\x80\x80", '"' + F * 4 + '"', "\\xf4\\x90\\x80\\x80"),
    ("lead bytes F5-FF", b"\xf5\xf8\xfe\xff", '"' + F * 4 + '"', "\\xf5\\xf8\\xfe\\xff"),
    ("sequence cut by the end", b"a\xe2\x82", '"a' + F * 2 + '"', "a\\xe2\\x82"),
    ("sequence cut by ASCII", b"\xf0\x9f\x98b", '"' + F * 3 + 'b"', "\\xf0\\x9f\\x98b"),
    ("line and paragraph separators", b"\xe2\x80\xa8\xe2\x80\xa9", '"\\u2028\\u2029"', "\u2028\u2029"),
]
for what, data, want_json, want_text in classes:
    rc, out, _ = run([escape_filter, "json"], data)
    ok(rc == 0 and out == want_json.encode("utf-8"), "json, %s: %s" % (what, out.decode("utf-8", "replace")))
    value = strict_json(out)
    ok(value == model_chars(data), "json, %s: strict UTF-8 json.loads gives the documented string" % what)
    rc, out, _ = run([escape_filter, "text"], data)
    ok(rc == 0 and out == want_text.encode("utf-8"), "text, %s: %s" % (what, out.decode("utf-8", "replace")))
    ok(unescape_text(out) == data and not raw_controls(out), "text, %s: no raw control, bytes recoverable" % what)

# ---- the encoder on many random strings (fixed seed) ------------------
rng = random.Random(1)
alphabet = list(range(0x00, 0x21)) + [0x22, 0x5c, 0x41, 0x7f] + list(range(0x80, 0x100))
json_bad = text_bad = 0
for _ in range(300):
    data = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
    _, j, _ = run([escape_filter, "json"], data)
    _, t, _ = run([escape_filter, "text"], data)
    if strict_json(j) != model_chars(data):
        json_bad += 1
        diag("json differs for %r: %r" % (data, j))
    if unescape_text(t) != data or raw_controls(t):
        text_bad += 1
        diag("text differs for %r: %r" % (data, t))
ok(json_bad == 0, "300 random byte strings: JSON always strict UTF-8 and equal to the model (%d bad)" % json_bad)
ok(text_bad == 0, "300 random byte strings: text never raw controls, always recoverable (%d bad)" % text_bad)

# ---- envsafe scan: hostile file names and DT_NEEDED strings -----------
tmp = tempfile.mkdtemp()
try:
    tree = os.path.join(tmp, "tree").encode()
    os.mkdir(tree)
    risky = os.path.join(fixtures, "libscanrisky.so")
    forged_name = b"x\nevil.so: ok"
    esc_name = b"\x1b]0;pwned\x07\x1b[2J.so"
    bad_utf8 = b"bad-\xc0\xaf-\xed\xa0\x80-\xf5-\xe2\x82.so"
    for name in (forged_name, esc_name, bad_utf8):
        shutil.copyfile(risky, os.path.join(tree, name))
    gen = os.path.join(src, "tests", "cli", "scan_hostile_elf.py")
    needed_forge = b"lib\x1b[2J\nenvsafe: strict: forged\n.so"
    needed_bad = b"lib\xff\xc0\xaf\xc2\x9b.so"
    hostile = os.path.join(tree, b"needs-hostile.so")
    subprocess.run([sys.executable, gen, hostile, "--needed", needed_forge, "--needed", needed_bad],
                   check=True)

    env = dict(os.environ)
    env.pop("LD_LIBRARY_PATH", None)
    rc, out, err = run([envsafe, "scan", tree], env=env)
    ok(rc == 1, "scan of the hostile tree runs (exit %d)" % rc)
    ok(not raw_controls(out, allow_newline=True),
       "scan text: no raw control byte and valid UTF-8 (%r)" % raw_controls(out, True)[:5])
    lines = out.split(b"\n")
    ok(not any(l.startswith(b"evil.so: ok") for l in lines), "scan text: a newline in a file name forges no 'evil.so: ok' line")
    ok(not any(l.startswith(b"envsafe: strict:") for l in lines),
       "scan text: a newline in DT_NEEDED forges no 'envsafe: strict:' line")
    ok(any(l.startswith(tree + b"/x\\x0aevil.so: ok: risky") for l in lines),
       "scan text: the forged name shows as x\\x0aevil.so: ok, with its true status")
    ok(any(l.startswith(tree + b"/\\x1b]0;pwned\\x07\\x1b[2J.so: risky") for l in lines),
       "scan text: escape sequences in a file name are shown as \\x1b")
    ok(any(l.startswith(tree + b"/bad-\\xc0\\xaf-\\xed\\xa0\\x80-\\xf5-\\xe2\\x82.so: risky") for l in lines),
       "scan text: invalid UTF-8 in a file name is shown as \\xHH")
    ok(b"    missing: lib\\x1b[2J\\x0aenvsafe: strict: forged\\x0a.so (needed by " in out,
       "scan text: a DT_NEEDED with ESC and newlines stays on its one line")
    ok(b"    missing: lib\\xff\\xc0\\xaf\\xc2\\x9b.so (needed by " in out,
       "scan text: a DT_NEEDED with invalid UTF-8 and a C1 control is escaped")
    if trace_helpers._failed:
        diag(out.decode("utf-8", "replace"))

    rc, out, err = run([envsafe, "scan", "--json", tree], env=env)
    doc = strict_json(out)
    ok(doc is not None, "scan --json: strict UTF-8, one JSON document (exit %d)" % rc)
    if doc:
        paths = sorted(f["path"] for f in doc["files"])
        want = sorted(model_chars(os.path.join(tree, nm)) for nm in
                      (forged_name, esc_name, bad_utf8, b"needs-hostile.so"))
        ok(paths == want, "scan --json: every path is the documented replacement of its bytes")
        missing = [m["needed"] for f in doc["files"] for m in f.get("missing", [])]
        ok(sorted(missing) == sorted([model_chars(needed_forge), model_chars(needed_bad)]),
           "scan --json: DT_NEEDED strings decode to the documented replacement")
    else:
        ok(False, "scan --json: paths")
        ok(False, "scan --json: DT_NEEDED strings")

    rc, out, err = run([envsafe, "scan", "--\x1b[2J\nx"])
    ok(rc == 2 and b"\x1b" not in err and err.count(b"\n") == 1,
       "scan: an unknown option is echoed escaped, on one line")

    # ---- envsafe trace: hostile variable names, values, thread names --
    name = b"N\x1b]0;t\x07\nenvsafe: strict: forged"
    value = b"v\xc0\xaf\xed\xa0\x80\xf5\xc2\x85\n\xe2\x82"
    thread = b"\x1b[2J\xff\xc0\xaf"
    prog = ("import ctypes, os\n"
            "ctypes.CDLL(None).prctl(15, %r, 0, 0, 0)\n"
            "os.putenv(%r, %r)\n" % (thread, name, value))
    py = shutil.which("python3") or bail("python3 is required")
    # The trace goes to stderr (the program's own stderr stays empty).
    rc, _, out = run([envsafe, "trace", "--values", "--format=json", "--", py, "-c", prog])
    events = []
    good = rc == 0
    for line in out.splitlines():
        obj = strict_json(line)
        good = good and obj is not None
        if obj and obj.get("type") == "event" and obj.get("op") == "setenv":
            events.append(obj)
    ok(good and events, "trace --format=json: every line is strict UTF-8 JSON (exit %d)" % rc)
    ev = [e for e in events if e["name"] == model_chars(name)]
    ok(len(ev) == 1, "trace json: the hostile name decodes to the documented replacement")
    ok(ev and ev[0]["value"] == model_chars(value), "trace json: the hostile value too")
    ok(ev and ev[0]["thread_name"] == model_chars(thread), "trace json: the hostile thread name too")

    rc, _, out = run([envsafe, "trace", "--values", "--", py, "-c", prog])
    ok(rc == 0 and b" setenv " in out and not raw_controls(out, allow_newline=True),
       "trace text: no raw control byte and valid UTF-8 (exit %d)" % rc)
    ok(not any(l.startswith(b"envsafe: strict:") for l in out.split(b"\n")),
       "trace text: a newline in a name forges no 'envsafe: strict:' line")
    ok(b"setenv N\\x1b]0;t\\x07\\x0aenvsafe: strict: forged=v\\xc0\\xaf\\xed\\xa0\\x80\\xf5\\xc2\\x85\\x0a\\xe2\\x82"
       in out, "trace text: name and value are escaped byte for byte")
    ok(b"(\\x1b[2J\\xff\\xc0\\xaf)" in out, "trace text: the thread name is escaped")
    if trace_helpers._failed:
        diag(out.decode("utf-8", "replace"))
finally:
    shutil.rmtree(tmp)

done()
