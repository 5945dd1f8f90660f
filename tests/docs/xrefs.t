#!/usr/bin/env python3
"""Comments in src/ that point somewhere must point at something real.

  1. a function named with "()" in a comment exists: it is called or
     defined in src/ or include/, or the C library exports it;
  2. "see X" names something that exists: when X looks like code (has an
     underscore or "()") it appears in the code of src/ or include/, and
     "see X in FILE" finds X in FILE;
  3. every es_*/ES_* name in a comment appears in the code;
  4. references into docs/DESIGN.md use section numbers ("§5.4", "5.2"),
     never a name ("walkers"), and every section number cited exists as a
     heading there (or in the other docs/*.md a comment names just before).

Then the checker is run on planted stale comments, each of which it must
flag.  Usage: xrefs.t [SRC_DIR]; ES_SRC_DIR is used when no argument is
given, else the directory above this file's.
"""
import glob
import os
import re
import subprocess
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
    "ES_SRC_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

# Comments, and string or character literals (which hide comment-like text).
TOKEN = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
IDENT = r'[A-Za-z_][A-Za-z0-9_]*'
# Names that look like calls but are operators, macros of the C standard
# or compiler builtins rather than functions anybody defines.
LANGUAGE = {"sizeof", "alignof", "_Alignof", "offsetof", "va_arg", "va_start", "va_end",
            "assert", "static_assert", "_Static_assert", "typeof", "__typeof__", "defined"}

tests = 0
failed = 0


def ok(good, what, problems=()):
    global tests, failed
    tests += 1
    if not good:
        failed += 1
    print(("ok" if good else "not ok") + " %d - %s" % (tests, what))
    for p in problems:
        print("# " + p)
    if not good:
        # prove shows stderr without -v: the reason, not only "Dubious".
        print("not ok %d - %s" % (tests, what), file=sys.stderr)
        for p in problems:
            print("# " + p, file=sys.stderr)


def split(text):
    """Returns (code with comments blanked, [(line, flattened comment)])."""
    comments = []
    def blank(m):
        t = m.group(0)
        if t[0] != "/":
            return t
        line = text.count("\n", 0, m.start()) + 1
        flat = re.sub(r"\n[ \t]*\*?(?!/)", " ", t)
        comments.append((line, flat))
        return " " + "\n" * t.count("\n")
    return TOKEN.sub(blank, text), comments


def libc_symbols():
    """Functions the C library exports (dynamic symbol table of libc.so.6)."""
    names = set()
    try:
        path = subprocess.run(["cc", "-print-file-name=libc.so.6"], capture_output=True,
                              text=True).stdout.strip()
        out = subprocess.run(["nm", "-D", "--defined-only", path], capture_output=True,
                             text=True).stdout
    except OSError:
        return names
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            names.add(parts[2].split("@")[0])
    return names


def design_sections(path):
    """Section numbers of a markdown file's headings: '## 5. Readers' -> 5."""
    found = set()
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = re.match(r"#+\s*§?(\d+(?:\.\d+)*)\.?\s", line)
                if m:
                    found.add(m.group(1))
    except OSError:
        pass
    return found


class Tree:
    def __init__(self, files, docs_dir, libc):
        self.files = {}     # path -> (code, comments)
        self.called = set()  # identifiers followed by "(" in code
        self.idents = set()  # every identifier in code
        self.docs_dir = docs_dir
        self.libc = libc
        for path, text in files.items():
            code, comments = split(text)
            self.files[path] = (code, comments)
            self.called |= set(re.findall(r"\b(" + IDENT + r")\s*\(", code))
            self.idents |= set(re.findall(r"\b" + IDENT, code))

    def function_exists(self, name):
        return (name in self.called or name in self.libc or name in LANGUAGE
                or name.startswith("__builtin_") or name.startswith("__atomic_"))

    def file_has(self, fname, name):
        for path, (code, _) in self.files.items():
            if path == fname or path.endswith("/" + fname):
                return re.search(r"\b" + re.escape(name) + r"\b", code) is not None
        return None  # no such file among the checked ones

    def sections(self, doc):
        return design_sections(os.path.join(self.docs_dir, doc))

    def check(self):
        """Returns {rule: [problem, ...]}."""
        bad = {"call": [], "see": [], "es": [], "design": []}
        for path, (_, comments) in sorted(self.files.items()):
            for line, c in comments:
                where = "%s:%d" % (path, line)
                for m in re.finditer(r"(?<![\w.>-])(" + IDENT + r")\(\)", c):
                    if not self.function_exists(m.group(1)):
                        bad["call"].append("%s: %s() is not a function in src/, include/ or libc"
                                           % (where, m.group(1)))
                for m in re.finditer(r"\bsee\s+(?:also\s+)?(" + IDENT + r")(\(\))?"
                                     r"(?:\s+in\s+([\w/.-]+\.[ch])\b)?", c):
                    name, call, fname = m.groups()
                    if fname:
                        has = self.file_has(fname, name)
                        if has is None:
                            bad["see"].append("%s: \"see %s in %s\": there is no %s" % (where, name, fname, fname))
                        elif not has:
                            bad["see"].append("%s: \"see %s in %s\": %s is not in %s" % (where, name, fname, name, fname))
                    elif (call or "_" in name) and name not in self.idents and not self.function_exists(name):
                        bad["see"].append("%s: \"see %s\": %s is not in the code" % (where, name, name))
                for m in re.finditer(r"(?<![\w.>/-])((?:es|ES)_\w+)(?!\.[ch]\b)", c):
                    name = m.group(1)
                    # "ES_REC_*" or "es_opt_..." names a family: some name must start so.
                    family = name.endswith("_") or c[m.end():m.end() + 1] == "*"
                    if name not in self.idents and not (family and any(i.startswith(name) for i in self.idents)):
                        bad["es"].append("%s: %s is not in the code" % (where, name))
                for m in re.finditer(r"DESIGN(?:\.md)?(?:\s*[,:(]\s*|\s+)([\"'“]|§?\d+(?:\.\d+)*|[A-Za-z]\w*)", c):
                    ref = m.group(1)
                    if ref[0] in "\"'“":
                        bad["design"].append("%s: DESIGN.md is cited by a name, not a § number: %s"
                                             % (where, c[m.start():m.start() + 60].split("*/")[0].strip()))
                    elif ref[0] != "§" and not ref[0].isdigit() and re.match(r"DESIGN(?:\.md)?\s*[,:(]", m.group(0)):
                        bad["design"].append("%s: DESIGN.md is cited by a name, not a § number: \"%s\""
                                             % (where, m.group(0).strip()))
                # Every section number: "§N" anywhere, or "DESIGN.md, N.N".
                cites = [(m.start(), m.group(1)) for m in re.finditer(r"§\s*(\d+(?:\.\d+)*)", c)]
                cites += [(m.start(1), m.group(1)) for m in
                          re.finditer(r"DESIGN(?:\.md)?\s*[,:(]?\s*(\d+(?:\.\d+)*)", c)]
                for pos, num in cites:
                    before = re.findall(r"([A-Z][A-Za-z_]*)(?:\.md)?\b", c[max(0, pos - 30):pos])
                    docs = [d for d in before if os.path.exists(os.path.join(self.docs_dir, d + ".md"))]
                    doc = (docs[-1] if docs else "DESIGN") + ".md"
                    if num.rstrip(".") not in self.sections(doc):
                        bad["design"].append("%s: docs/%s has no §%s" % (where, doc, num))
        return bad


def main():
    src_files = {}
    for pattern in ("src/*.c", "src/*.h", "include/*.h"):
        for p in sorted(glob.glob(os.path.join(SRC, pattern))):
            with open(p, encoding="utf-8", errors="replace") as f:
                src_files[os.path.relpath(p, SRC)] = f.read()
    docs = os.path.join(SRC, "docs")
    if not src_files:
        print("Bail out! no src/*.c under %s (set ES_SRC_DIR)" % SRC)
        return 1
    if not design_sections(os.path.join(docs, "DESIGN.md")):
        print("Bail out! docs/DESIGN.md has no numbered headings under %s" % SRC)
        return 1
    libc = libc_symbols()
    print("1..6")
    ok(len(libc) > 1000, "the C library's exported functions are known (%d from nm -D)" % len(libc),
       [] if libc else ["nm (binutils) or cc is missing: cannot list libc's functions"])
    bad = Tree(src_files, docs, libc).check()
    ok(not bad["call"], "every function a comment in src/ names with () exists", bad["call"])
    ok(not bad["see"], "every \"see X\" in src/ names code that exists", bad["see"])
    ok(not bad["es"], "every es_*/ES_* name in a comment in src/ is in the code", bad["es"])
    ok(not bad["design"], "comments cite docs/DESIGN.md by section numbers that exist", bad["design"])

    # Sensitivity: each rule must flag a planted stale comment.
    planted = dict(src_files)
    planted["src/zz_planted.c"] = (
        "/* Pairs with the store in es_no_such_helper() (see gone_function, and\n"
        " * see walk in publish_nothing.c).  docs/DESIGN.md, \"walkers\" and\n"
        " * DESIGN.md, remove; DESIGN.md §42.7 too. */\nint zz;\n")
    hits = Tree(planted, docs, libc).check()
    want = {"call": 1, "see": 2, "es": 1, "design": 3}
    got = {k: sum("zz_planted" in p for p in hits[k]) for k in want}
    ok(got == want, "planted stale references are each flagged (want %s, got %s)" % (want, got),
       [p for k in hits for p in hits[k] if "zz_planted" in p] if got != want else [])
    return 1 if failed else 0


sys.exit(main())
