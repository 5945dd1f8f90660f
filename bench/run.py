#!/usr/bin/env python3
"""Runs envbench for every environment implementation and writes the report.

Each measurement is a separate envbench process, so a crash (stock libc
with a concurrent writer) costs one cell, not the run.  Implementations are
interleaved, rotating which goes first, and every ratio is taken pair by
pair within one round before the median, so slow phases of a shared
machine land on both sides of a ratio.  docs/BENCHMARKS.md explains the
method and how to read the output.
"""

import argparse
import csv
import datetime
import glob
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

FULL = dict(reps=9, sizes=[10, 70, 1000, 10000], lookup_samples=5, write_rounds=100, write_samples=5,
            write_sizes=[70, 1000], thread_reps=5, thread_seconds=0.25, memory_reps=1, memory_ops=10_000_000,
            spawn_rounds=500, icount_sizes=[10, 70, 1000], prewrite_sizes=[10, 70, 1000], distinct_ops=1_000_000)
QUICK = dict(reps=2, sizes=[10, 70, 1000], lookup_samples=3, write_rounds=20, write_samples=3,
             write_sizes=[70], thread_reps=1, thread_seconds=0.2, memory_reps=1, memory_ops=1_000_000,
             spawn_rounds=50, icount_sizes=[], prewrite_sizes=[10, 70, 1000], distinct_ops=200_000)

WATCHDOG = 150  # seconds per envbench process; envbench's own alarm is 120
WRITE_BASE = 70  # environment size for the thread and memory cells
THREAD_CELLS = [(1, 0), (2, 0), (1, 1), (2, 1)]  # (readers, writer)
# (second thread's job, whether it runs): idle, a control that keeps the
# other CPU busy without touching the environment, the churning writer, and
# a writer that only overwrites (the list of names never changes).
LATENCY_CELLS = [("idle", 0), ("spin", 1), ("churn", 1), ("overwrite", 1)]
PERCENTILES = ("p50", "p99", "p999", "max")
PLOT_STYLE = {"glibc": ("#7b2cbf", 1), "envsafe": ("#1b9e4b", 1), "rwlock": ("#2b6cb0", 1),
              "musl": ("#d97706", 1), "envsafe-musl": ("#9b1c1c", 1)}
GETENV_CASES = [("hit", "hit (median of 16 names)"), ("miss", "miss (median of 16 names)"),
                ("first", "hit, first name set"), ("last", "hit, last name set")]
PREWRITE_CASES = [("first64", "first 64 calls (hit and miss alternating), mean"),
                  ("hit", "hit (median of 16 names)"), ("miss", "miss (median of 16 names)")]
WRITE_CASES = [("set_new", "setenv, new name"), ("overwrite", "setenv, overwrite"), ("unset", "unsetenv")]


class Impl:
    def __init__(self, key, describe, program, preload, expect, baseline):
        self.key = self.label = key
        self.describe, self.program = describe, program
        self.preload, self.expect, self.baseline = preload, expect, baseline

    def env(self):
        # A fixed, minimal environment: every implementation starts from the
        # same variables, and LD_PRELOAD is present (empty) even for stock
        # so that the sizes match.
        return {"LD_PRELOAD": self.preload}


def fail(msg):
    print("bench: " + msg, file=sys.stderr)
    sys.exit(1)


def progress(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def signame(rc):
    try:
        return signal.Signals(-rc).name
    except ValueError:
        return "signal %d" % -rc


def parse_records(text):
    records = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 2 or parts[0] != "record":
            continue
        rec = {"record": parts[1]}
        for kv in parts[2:]:
            k, _, v = kv.partition("=")
            rec[k] = v
        records.append(rec)
    return records


def run_envbench(impl, args, wrapper=(), timeout=WATCHDOG):
    """One envbench process: (records, None) or (records, why it died)."""
    argv = list(wrapper) + [impl.program] + [str(a) for a in args]
    try:
        p = subprocess.run(argv, env=impl.env(), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return [], "hung (killed after %d s)" % timeout
    records = parse_records(p.stdout)
    if p.returncode < 0:
        return records, "crashed (%s)" % signame(p.returncode)
    if p.returncode == 128 + signal.SIGALRM:
        return records, "hung (watchdog)"
    if p.returncode != 0:
        fail("%s: envbench %s exited with %d: %s" % (impl.label, " ".join(map(str, args)), p.returncode,
                                                     p.stderr.strip()))
    info = [r for r in records if r["record"] == "info"]
    if not info or info[0]["impl"] != impl.expect:
        fail("%s: expected the %s implementation to answer getenv, envbench saw %s" %
             (impl.label, impl.expect, info[0] if info else "nothing"))
    return records, None


class Results:
    """values[(impl, metric)][round]: a number, or None for a lost cell."""

    def __init__(self):
        self.values = {}
        self.crashes = {}
        self.units = {}

    def add(self, impl, metric, rnd, value, unit):
        lst = self.values.setdefault((impl, metric), [])
        while len(lst) <= rnd:
            lst.append(None)
        lst[rnd] = value
        self.units[metric] = unit

    def lost(self, impl, metric, rnd, why):
        self.add(impl, metric, rnd, None, self.units.get(metric, ""))
        self.crashes.setdefault((impl, metric), []).append(why)

    def has(self, impl, metric):
        return (impl, metric) in self.values

    def median(self, impl, metric):
        vals = [v for v in self.values.get((impl, metric), []) if v is not None]
        return statistics.median(vals) if vals else None

    def ratio(self, num, den, metric, den_metric=None):
        """Median over rounds of num[metric] / den[den_metric], same round."""
        a = self.values.get((num, metric), [])
        b = self.values.get((den, den_metric or metric), [])
        pairs = [x / y for x, y in zip(a, b) if x is not None and y]
        return statistics.median(pairs) if pairs else None

    def rounds(self, impl, metric):
        return len(self.values.get((impl, metric), []))

    def note(self, impl, metric):
        why = self.crashes.get((impl, metric))
        if not why:
            return None
        return "%s in %d/%d runs" % (", ".join(sorted(set(why))), len(why), self.rounds(impl, metric))


def rotated(items, k):
    k %= len(items)
    return items[k:] + items[:k]


def must(impl, args, what):
    recs, crash = run_envbench(impl, args)
    if crash:
        fail("%s %s in the %s benchmark, which has no concurrent writer" % (impl.label, crash, what))
    return recs


def measure_single_thread(impls, cfg, res):
    for rnd in range(cfg["reps"]):
        progress("single-thread round %d/%d" % (rnd + 1, cfg["reps"]))
        for impl in rotated(impls, rnd):
            for r in must(impl, ["lookup", cfg["lookup_samples"]] + cfg["sizes"], "getenv"):
                if r["record"] == "lookup":
                    res.add(impl.key, "getenv/%s/%s" % (r["case"], r["size"]), rnd, float(r["ns"]), "ns")
            for r in must(impl, ["write", cfg["write_samples"], cfg["write_rounds"]] + cfg["write_sizes"], "setenv"):
                if r["record"] == "write":
                    res.add(impl.key, "write/%s/%s" % (r["case"], r["size"]), rnd, float(r["ns"]), "ns")


def measure_prewrite(impls, cfg, res):
    """getenv in a process that inherited N variables and never writes."""
    for rnd in range(cfg["reps"]):
        progress("before-any-write round %d/%d" % (rnd + 1, cfg["reps"]))
        for impl in rotated(impls, rnd):
            for size in cfg["prewrite_sizes"]:
                for r in must(impl, ["prewrite", cfg["lookup_samples"], size], "getenv before any write"):
                    if r["record"] == "prewrite":
                        res.add(impl.key, "prewrite/%s/%s" % (r["case"], r["size"]), rnd, float(r["ns"]), "ns")


def measure_distinct(impls, cfg, res):
    """Peak RSS growth over ever-new values (neither library can free one)."""
    progress("distinct values, %s setenv" % human(cfg["distinct_ops"]))
    for impl in impls:
        for r in must(impl, ["distinct", cfg["distinct_ops"]], "distinct values"):
            if r["record"] == "distinct":
                res.add(impl.key, "distinct/growth", 0, float(r["growth_kib"]), "KiB")


def measure_threads(impls, cfg, res):
    secs = cfg["thread_seconds"]
    for rnd in range(cfg["thread_reps"]):
        progress("thread round %d/%d" % (rnd + 1, cfg["thread_reps"]))
        for readers, writer in THREAD_CELLS:
            cell = "r%dw%d" % (readers, writer)
            for impl in rotated(impls, rnd):
                recs, crash = run_envbench(impl, ["throughput", readers, writer, secs])
                if crash:
                    res.lost(impl.key, "throughput/" + cell, rnd, crash)
                    continue
                for r in recs:
                    if r["record"] == "throughput":
                        res.add(impl.key, "throughput/" + cell, rnd, float(r["calls_per_sec"]), "calls/s")
                        res.add(impl.key, "missing/" + cell, rnd, float(r["missing"]), "calls")
                        if writer:
                            res.add(impl.key, "writer_ops/" + cell, rnd, float(r["writer_ops_per_sec"]), "ops/s")
        for mode, writer in LATENCY_CELLS:
            for impl in rotated(impls, rnd):
                recs, crash = run_envbench(impl, ["latency", mode, secs])
                if crash:
                    for p in PERCENTILES:
                        res.lost(impl.key, "latency/%s/%s" % (mode, p), rnd, crash)
                    continue
                for r in recs:
                    if r["record"] == "latency":
                        for p in PERCENTILES:
                            res.add(impl.key, "latency/%s/%s" % (mode, p), rnd, float(r[p + "_ns"]), "ns")
                        if writer:
                            res.add(impl.key, "latency/%s/writer_ops" % mode, rnd,
                                    float(r["writer_ops_per_sec"]), "ops/s")


def measure_memory(impls, cfg, res):
    for rnd in range(cfg["memory_reps"]):
        progress("memory round %d/%d" % (rnd + 1, cfg["memory_reps"]))
        for impl in rotated(impls, rnd):
            for r in must(impl, ["memory", cfg["memory_ops"]], "memory"):
                if r["record"] == "memory":
                    res.add(impl.key, "memory/growth", rnd, float(r["growth_kib"]), "KiB")
                    res.add(impl.key, "memory/growth_tenth", rnd,
                            float(r["rss_tenth_kib"]) - float(r["rss_before_kib"]), "KiB")
                    res.add(impl.key, "memory/ns_per_op", rnd, float(r["ns_per_op"]), "ns")


def measure_spawn(impls, cfg, res, build_dir):
    """Exec cost of /bin/true; the preloads interleave inside one envbench
    run, and an empty preloaded object shows what loading any object costs."""
    progress("exec start-up, %d interleaved rounds" % cfg["spawn_rounds"])
    stock = impls[0]
    variants = [(stock.key, "")] + [(i.key, i.preload) for i in impls if i.preload]
    variants.append(("empty", os.path.join(build_dir, "bench/libempty.so")))
    true_path = shutil.which("true", path="/bin:/usr/bin")
    recs = must(stock, ["spawn", cfg["spawn_rounds"], true_path] + [v[1] for v in variants[1:]], "start-up")
    for r in recs:
        if r["record"] == "spawn_round":
            for (key, _), ns in zip(variants, r["ns"].split(",")):
                res.add(key, "spawn/ns", int(r["round"]), float(ns), "ns")
    return variants


def measure_icount(impls, cfg, res, notes):
    if not cfg["icount_sizes"]:
        notes.append("Instruction counts: not measured in quick mode.")
        return
    valgrind = shutil.which("valgrind")
    if not valgrind:
        fail("valgrind not found (Debian package valgrind): needed for the instruction counts")
    for impl in impls:
        progress("instruction counts (callgrind), %s" % impl.label)
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "cg.out")
            wrapper = [valgrind, "--tool=callgrind", "--callgrind-out-file=" + out]
            recs, crash = run_envbench(impl, ["icount"] + cfg["icount_sizes"], wrapper=wrapper, timeout=600)
            if crash:
                fail("%s under callgrind: %s" % (impl.label, crash))
            calls = [int(r["calls"]) for r in recs if r["record"] == "icount"]
            if not calls:
                fail("%s under callgrind printed no icount record" % impl.label)
            for dump in glob.glob(out + ".*"):
                label, ir = None, None
                with open(dump) as f:
                    for line in f:
                        if line.startswith("desc: Trigger: Client Request: envbench "):
                            label = line.split("envbench ", 1)[1].split()
                        elif line.startswith("summary:"):
                            ir = int(line.split()[1])
                if label and ir is not None:
                    res.add(impl.key, "icount/%s/%s" % (label[0], label[1]), 0, ir / calls[0], "instructions")


def machine(build_dir, impls):
    cpu, family, model = "unknown", "?", "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            k, _, v = line.partition(":")
            k, v = k.strip(), v.strip()
            if k == "model name" and cpu == "unknown":
                cpu = v
            elif k == "cpu family" and family == "?":
                family = v
            elif k == "model" and model == "?":
                model = v
    virt = ""
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Hypervisor vendor:"):
                virt = line.split(":", 1)[1].strip()
    except OSError:
        pass
    info = run_envbench(impls[0], ["info"])[0][0]
    cc = subprocess.run(["cc", "--version"], capture_output=True, text=True).stdout.splitlines()
    musl = ""
    if any(i.key == "musl" for i in impls):
        musl = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "musl-dev"],
                              capture_output=True, text=True).stdout.strip() or "unknown version"
    return {
        "cpu_model": cpu,
        "cpu": "%s (family %s, model %s), %d CPUs%s" % (cpu, family, model, os.cpu_count(),
                                                       ", %s guest" % virt if virt else ""),
        "kernel": "%s %s" % (platform.system(), platform.release()),
        "libc": info["libc"].replace("-", " ") + ("; musl %s" % musl if musl else ""),
        "compiler": cc[0] if cc else "cc",
        "revision": source_revision(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def source_revision():
    """The commit the library was built from, and whether src/ differed."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        rev = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--", "src", "include"],
                               capture_output=True, text=True).stdout.strip()
    except OSError:
        return "unknown"
    if not rev:
        return "unknown"
    return rev + (" with uncommitted changes in src/ or include/" if dirty else "")


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# ---- formatting ----

def fmt(v, digits=1):
    if v is None:
        return "-"
    if abs(v) >= 100 or digits == 0:
        return "{:,.0f}".format(v)
    return "%.*f" % (digits, v)


def fmt_ratio(v):
    return "-" if v is None else ("%.3f" % v if v < 10 else "%.1f" % v)


def cell(res, impl, metric, digits=1, scale=1.0, with_note=True):
    note = res.note(impl, metric) if with_note else None
    m = res.median(impl, metric)
    if m is None:
        return note or "-"
    text = fmt(m / scale, digits)
    return text + (" (%s)" % note if note else "")


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def targets(res, have):
    """(metric, target, measured value, pass?) for every target."""
    def lat_p99_ratio():
        return res.ratio("envsafe", "envsafe", "latency/churn/p99", "latency/idle/p99")

    spawn = res.ratio("envsafe", "glibc", "spawn/ns")
    spawn_empty = res.ratio("envsafe", "empty", "spawn/ns")
    growth = res.median("envsafe", "memory/growth")

    def vs_glibc_idle_p99():
        a, b = res.median("envsafe", "latency/churn/p99"), res.median("glibc", "latency/idle/p99")
        return a / b if a is not None and b else None

    def pre(case, size, limit):
        return ("getenv %s before any write, %d vars (envsafe/glibc time)" % (case, size), "≤ %g" % limit,
                res.ratio("envsafe", "glibc", "prewrite/%s/%d" % (case, size)), lambda v: v <= limit, fmt_ratio)

    rows = [
        pre("hit", 10, 1.0), pre("miss", 10, 1.0), pre("hit", 70, 1.0), pre("miss", 70, 1.0),
        pre("hit", 1000, 0.25), pre("miss", 1000, 0.25),
        ("getenv miss after writes, 10 vars (envsafe/glibc time)", "≤ 1.0",
         res.ratio("envsafe", "glibc", "getenv/miss/10"), lambda v: v <= 1.0, fmt_ratio),
        ("reader p99, writer churning / glibc's idle p99", "≤ 1.0×", vs_glibc_idle_p99(), lambda v: v <= 1.0,
         lambda v: "%.2f×" % v),
        ("exec start-up of LD_PRELOAD=libenvsafe.so over an empty preload", "≤ 2%",
         None if spawn_empty is None else (spawn_empty - 1) * 100, lambda v: v <= 2, lambda v: "%+.1f%%" % v),
        ("peak RSS growth, %s ever-new values (envsafe/glibc)" % have.get("distinct_ops", "?"), "≤ 1.0",
         res.ratio("envsafe", "glibc", "distinct/growth"), lambda v: v <= 1.0, fmt_ratio),
        # Earlier targets, kept for comparison.
        ("(earlier) reader p99 with a writer churning / envsafe's idle p99", "≤ 2×", lat_p99_ratio(),
         lambda v: v <= 2, lambda v: "%.2f×" % v),
        ("(earlier) exec start-up overhead of LD_PRELOAD=libenvsafe.so over none", "≤ 5%",
         None if spawn is None else (spawn - 1) * 100, lambda v: v <= 5, lambda v: "%+.1f%%" % v),
        ("getenv hit, 70 vars (envsafe/glibc time)", "≤ 0.25", res.ratio("envsafe", "glibc", "getenv/hit/70"),
         lambda v: v <= 0.25, fmt_ratio),
        ("getenv miss, 70 vars (envsafe/glibc time)", "≤ 0.6", res.ratio("envsafe", "glibc", "getenv/miss/70"),
         lambda v: v <= 0.6, fmt_ratio),
        ("getenv hit, 1000 vars (envsafe/glibc time)", "≤ 0.02", res.ratio("envsafe", "glibc", "getenv/hit/1000"),
         lambda v: v <= 0.02, fmt_ratio),
        ("setenv overwrite, 70 vars (envsafe/glibc time)", "≤ 0.5",
         res.ratio("envsafe", "glibc", "write/overwrite/70"), lambda v: v <= 0.5, fmt_ratio),
        ("2 readers vs 1, aggregate getenv/s (envsafe)", "≥ 1.8×",
         res.ratio("envsafe", "envsafe", "throughput/r2w0", "throughput/r1w0"), lambda v: v >= 1.8,
         lambda v: "%.2f×" % v),
        ("RSS growth after %s set/unset (envsafe)" % have.get("memory_ops", "?"), "≤ 2 MiB",
         growth, lambda v: v <= 2048, lambda v: "%s KiB" % fmt(v, 0)),
    ]
    out = []
    for name, target, value, ok, show in rows:
        out.append((name, target, "-" if value is None else show(value),
                    "MISS" if value is None or not ok(value) else "PASS"))
    return out


def write_report(out_dir, impls, res, cfg, mach, notes, load, spawn_variants):
    keys = [i.key for i in impls]
    labels = {i.key: i.label for i in impls}
    compared = [(i.key, i.baseline) for i in impls if i.baseline]
    md = []
    md.append("# envsafe benchmarks\n")
    md.append("- **CPU**: %s" % mach["cpu"])
    md.append("- **Kernel**: %s" % mach["kernel"])
    md.append("- **C library**: %s" % mach["libc"])
    md.append("- **Compiler**: %s, -O2; libenvsafe from commit %s" % (mach["compiler"], mach["revision"]))
    md.append("- **Date**: %s; load average %s at start, %s at end" % (mach["date"], load[0], load[1]))
    md.append("- **Run**: `%s`: %d rounds of the single-thread cells, %d of the thread cells (%.2f s each), "
              "%d of the memory cell, %d exec rounds; implementations interleaved; "
              "ratios are medians of per-round ratios." %
              ("make bench-quick" if cfg is QUICK else "make bench", cfg["reps"], cfg["thread_reps"],
               cfg["thread_seconds"], cfg["memory_reps"], cfg["spawn_rounds"]))
    md.append("- **Implementations**: " + "; ".join("%s = %s" % (i.label, i.describe) for i in impls))
    md.append("")
    md.append("This machine is shared and noisy: ratios measured in the same round are the claims, "
              "absolute times are indicative only.\n")

    md.append("## Targets (envsafe against stock glibc, this machine)\n")
    md.append(table(["metric", "target", "measured", "result"], targets(res, {"memory_ops": human(cfg["memory_ops"]),
                                                                          "distinct_ops": human(cfg["distinct_ops"])})))
    md.append("")

    md.append("## getenv latency, ns per call\n")
    md.append("Names are created with setenv before measuring.  \"first\"/\"last\" are the first and last names "
              "set: glibc appends (first set = front of `environ`), envsafe prepends (first set = back).  "
              "Best of %d batches per name, median over names, median over rounds.\n" % cfg["lookup_samples"])
    header = ["vars", "case"] + [labels[k] for k in keys] + ["%s/%s" % (labels[a], labels[b]) for a, b in compared]
    rows = []
    for size in cfg["sizes"]:
        for case, desc in GETENV_CASES:
            m = "getenv/%s/%s" % (case, size)
            rows.append([size, desc] + [cell(res, k, m) for k in keys] +
                        [fmt_ratio(res.ratio(a, b, m)) for a, b in compared])
    md.append(table(header, rows))
    md.append("")

    md.append("## getenv before any write, ns per call\n")
    md.append("The program is exec'd with N inherited variables and never writes its environment (the way "
              "most processes run under a system-wide preload).  \"first 64 calls\" times the very first "
              "lookups, one batch; hit and miss are measured as above, after those.\n")
    rows = []
    for size in cfg["prewrite_sizes"]:
        for case, desc in PREWRITE_CASES:
            m = "prewrite/%s/%s" % (case, size)
            rows.append([size, desc] + [cell(res, k, m) for k in keys] +
                        [fmt_ratio(res.ratio(a, b, m)) for a, b in compared])
    md.append(table(header, rows))
    md.append("")

    if any(res.has(k, "icount/hit/70") for k in keys):
        md.append("## getenv instructions per call (callgrind)\n")
        md.append("Instruction counts do not depend on machine noise.  Each is a loop of 1024 calls over the "
                  "same names as above (mean, not median), loop overhead included.\n")
        header = ["vars", "case"] + [labels[k] for k in keys] + ["%s/%s" % (labels[a], labels[b]) for a, b in compared]
        rows = []
        for size in cfg["icount_sizes"]:
            for case, desc in GETENV_CASES + [("overwrite", "setenv, overwrite")]:
                m = "icount/%s/%s" % (case, size)
                rows.append([size, desc] + [cell(res, k, m, 0) for k in keys] +
                            [fmt_ratio(res.ratio(a, b, m)) for a, b in compared])
        md.append(table(header, rows))
        md.append("")

    md.append("## setenv and unsetenv, ns per call\n")
    md.append("New names are fresh in every round of 32 and the round then unsets them, so the environment "
              "stays within 32 variables of its size; overwrites alternate two values.\n")
    header = ["vars", "operation"] + [labels[k] for k in keys] + ["%s/%s" % (labels[a], labels[b]) for a, b in compared]
    rows = []
    for size in cfg["write_sizes"]:
        for case, desc in WRITE_CASES:
            m = "write/%s/%d" % (case, size)
            rows.append([size, desc] + [cell(res, k, m) for k in keys] +
                        [fmt_ratio(res.ratio(a, b, m)) for a, b in compared])
    md.append(table(header, rows))
    md.append("")

    md.append("## Readers and a writer, %d variables\n" % WRITE_BASE)
    md.append("Aggregate getenv calls per second (millions) over 16 names that nobody changes; the writer "
              "churns 8 other names (setenv a new one, unsetenv another).  Threads are pinned, one per CPU; "
              "with 2 readers and a writer the 2 CPUs are oversubscribed.  Stock C libraries run these "
              "cells too: a crash is the result.\n")
    header = ["readers", "writer"] + [labels[k] for k in keys]
    rows = []
    for readers, writer in THREAD_CELLS:
        m = "throughput/r%dw%d" % (readers, writer)
        rows.append([readers, "churning" if writer else "none"] + [cell(res, k, m, 1, 1e6) for k in keys])
    rows.append(["2 vs 1", "none"] + [fmt_ratio(res.ratio(k, k, "throughput/r2w0", "throughput/r1w0")) + "×"
                                      if res.has(k, "throughput/r2w0") else "-" for k in keys])
    for readers in (1, 2):
        m = "writer_ops/r%dw1" % readers
        rows.append(["writer ops/s (M), %d reader%s" % (readers, "s" if readers > 1 else ""), "churning"] +
                    [cell(res, k, m, 2, 1e6) for k in keys])
    md.append(table(header, rows))
    missing = [(k, c) for k in keys for c in ("r1w1", "r2w1") if (res.median(k, "missing/" + c) or 0) > 0]
    if missing:
        md.append("\ngetenv returned NULL for a name that was set all along: " +
                  "; ".join("%s %s: %s calls (median)" % (labels[k], c, fmt(res.median(k, "missing/" + c), 0))
                            for k, c in missing))
    md.append("")

    md.append("## Reader latency per getenv call, ns (%d variables, 1 reader)\n" % WRITE_BASE)
    md.append("Per-call time from batches of 16 calls, clock overhead subtracted; the reader and the second "
              "thread are pinned to different CPUs.  Second thread: *idle* = none; *spin* = a control that "
              "keeps the other CPU busy without touching the environment; *churn* = the writer above; "
              "*overwrite* = a writer that only overwrites 8 variables that stay set, so `environ` and the "
              "list of names never change.\n")
    header = ["implementation", "second thread", "p50", "p99", "p99.9", "max", "p99 / idle p99", "writer ops/s (M)",
              "lost runs"]
    rows = []
    for k in keys:
        for mode, writer in LATENCY_CELLS:
            m = "latency/%s/" % mode
            rows.append([labels[k], mode] + [cell(res, k, m + p, with_note=False) for p in PERCENTILES] +
                        ["-" if mode == "idle" else fmt_ratio(res.ratio(k, k, m + "p99", "latency/idle/p99")),
                         cell(res, k, m + "writer_ops", 2, 1e6) if mode in ("churn", "overwrite") else "-",
                         res.note(k, m + "p50") or "-"])
    md.append(table(header, rows))
    md.append("")

    md.append("## Memory\n")
    md.append("RSS growth over %s setenv/unsetenv operations on 16 names and 4 values, %d variables set.\n"
              % (human(cfg["memory_ops"]), WRITE_BASE))
    header = ["implementation", "growth, first 10% of ops (KiB)", "growth, all ops (KiB)", "ns per op"]
    md.append(table(header, [[labels[k], cell(res, k, "memory/growth_tenth", 0), cell(res, k, "memory/growth", 0),
                              cell(res, k, "memory/ns_per_op")] for k in keys]))
    md.append("")

    md.append("Peak RSS growth over %s setenv calls of never-repeating values on 16 names (an unsetenv every "
              "1000): neither library can free an old value, which a reader may still hold.\n"
              % human(cfg["distinct_ops"]))
    md.append(table(["implementation", "peak RSS growth (KiB)"],
                    [[labels[k], cell(res, k, "distinct/growth", 0)] for k in keys]))
    md.append("")

    md.append("## Exec start-up\n")
    md.append("posix_spawn + waitpid of /bin/true, %d rounds with the variants interleaved; overhead is the "
              "median of per-round ratios against the run with an empty LD_PRELOAD.  libempty.so is a shared "
              "object with nothing in it: the cost of preloading anything at all.\n" % cfg["spawn_rounds"])
    rows = []
    for key, path in spawn_variants:
        r = res.ratio(key, "glibc", "spawn/ns")
        rows.append(["LD_PRELOAD=%s" % (os.path.basename(path) or "(empty)"),
                     fmt(res.median(key, "spawn/ns") / 1000, 1),
                     "-" if key == "glibc" else "%+.1f%%" % ((r - 1) * 100),
                     "-" if key in ("glibc", "empty") else "%+.1f%%" % ((res.ratio(key, "empty", "spawn/ns") - 1) * 100)])
    md.append(table(["preload", "median µs", "overhead", "overhead vs libempty.so"], rows))
    md.append("")

    md.append("## Plot\n")
    md.append("![getenv latency against environment size](latency.svg)\n")
    if notes:
        md.append("## Notes\n")
        md += ["- " + n for n in notes]
        md.append("")
    with open(os.path.join(out_dir, "latest.md"), "w") as f:
        f.write("\n".join(md))

    with open(os.path.join(out_dir, "latest.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["implementation", "metric", "median", "unit", "rounds", "baseline", "ratio_vs_baseline",
                    "lost_runs"])
        metrics = sorted({m for (_, m) in res.values})
        baselines = {i.key: i.baseline for i in impls}
        baselines["empty"] = "glibc"
        for key in [i.key for i in impls] + ["empty"]:
            base = baselines[key]
            for m in metrics:
                if not res.has(key, m):
                    continue
                ratio = res.ratio(key, base, m) if base else None
                w.writerow([key, m, "" if res.median(key, m) is None else "%.4g" % res.median(key, m),
                            res.units.get(m, ""), res.rounds(key, m), base or "",
                            "" if ratio is None else "%.4f" % ratio, res.note(key, m) or ""])
    return "\n".join(md)


def human(n):
    return "%dM" % (n // 1_000_000) if n % 1_000_000 == 0 else str(n)


def plot(out_dir, impls, res, cfg, mach):
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        fail("gnuplot not found (Debian package gnuplot-nox): needed for latency.svg")
    with tempfile.TemporaryDirectory() as tmp:
        plots = {}
        for case in ("hit", "miss"):
            parts = []
            for n, i in enumerate(impls):
                path = os.path.join(tmp, "%s-%s.dat" % (i.key, case))
                with open(path, "w") as f:
                    for size in cfg["sizes"]:
                        v = res.median(i.key, "getenv/%s/%s" % (case, size))
                        if v is not None:
                            f.write("%d %.3f\n" % (size, v))
                color, dash = PLOT_STYLE.get(i.key, ("black", 1))
                parts.append("'%s' using 1:2 with linespoints lw 2 pt %d ps 0.8 lc rgb '%s' dt %d title '%s'"
                             % (path, n + 5, color, dash, i.label))
            plots[case] = ", ".join(parts)
        script = """
set terminal svg size 960,420 dynamic font 'sans,11'
set output '%s'
set multiplot layout 1,2 title 'getenv latency against environment size (%s, %s)'
set logscale xy
set grid
set key top left
set xlabel 'variables in the environment'
set ylabel 'ns per call (median)'
set xrange [%g:%g]
set title 'hit (median over 16 names)'
plot %s
set title 'miss'
plot %s
unset multiplot
""" % (os.path.join(out_dir, "latency.svg"), mach["cpu_model"].replace("'", ""), mach["date"],
       min(cfg["sizes"]) * 0.8, max(cfg["sizes"]) * 1.25, plots["hit"], plots["miss"])
        p = subprocess.run([gnuplot], input=script, text=True, capture_output=True)
        if p.returncode != 0:
            fail("gnuplot failed: " + p.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-musl", metavar="WHY", help="leave musl out, saying why")
    args = ap.parse_args()
    cfg = QUICK if args.quick else FULL
    b = args.build_dir
    os.makedirs(args.out, exist_ok=True)
    notes = []

    prog = os.path.join(b, "bench/envbench")
    impls = [Impl("glibc", "stock glibc", prog, "", "libc", None),
             Impl("envsafe", "LD_PRELOAD=libenvsafe.so", prog, os.path.join(b, "libenvsafe.so"), "envsafe", "glibc"),
             Impl("rwlock", "LD_PRELOAD=librwlockenv.so (glibc behind one pthread_rwlock)", prog,
                  os.path.join(b, "bench/librwlockenv.so"), "rwlock", "glibc")]
    if args.no_musl:
        msg = "musl: not measured: " + args.no_musl
        progress(msg)
        notes.append(msg)
    else:
        impls += [Impl("musl", "stock musl, static", os.path.join(b, "bench/envbench-musl"), "", "libc", None),
                  Impl("envsafe-musl", "libenvsafe.a linked into the same program, static musl",
                       os.path.join(b, "bench/envbench-musl-envsafe"), "", "envsafe", "musl")]
    for i in impls:
        if not os.access(i.program, os.X_OK) or (i.preload and not os.path.exists(i.preload)):
            fail("%s: %s or %s is missing; run make first" % (i.label, i.program, i.preload or "-"))

    mach = machine(b, impls)
    load_start = loadavg()
    res = Results()
    progress("warm-up")
    for impl in impls:
        must(impl, ["lookup", 1, 10, 70], "warm-up")
    phases = []

    def timed(name, fn, *a):
        t0 = time.monotonic()
        out = fn(*a)
        phases.append("%s %.0f s" % (name, time.monotonic() - t0))
        return out

    timed("single-thread", measure_single_thread, impls, cfg, res)
    timed("before any write", measure_prewrite, impls, cfg, res)
    timed("threads", measure_threads, impls, cfg, res)
    timed("memory", measure_memory, impls, cfg, res)
    timed("distinct values", measure_distinct, impls, cfg, res)
    spawn_variants = timed("start-up", measure_spawn, impls, cfg, res, b)
    timed("instruction counts", measure_icount, impls, cfg, res, notes)
    notes.append("Time per phase: " + ", ".join(phases) + ".")
    load_end = loadavg()
    # The load at the start is other processes' (at the end it includes
    # this run's own).
    before = float(load_start.split()[0])
    if before > os.cpu_count() * 0.5:
        notes.insert(0, "Other processes competed for the CPUs when this run started (1-minute load average "
                        "%.1f on %d CPUs): the thread-scaling and latency cells suffer most; re-run on a quiet "
                        "machine before trusting them." % (before, os.cpu_count()))

    report = write_report(args.out, impls, res, cfg, mach, notes, (load_start, load_end), spawn_variants)
    plot(args.out, impls, res, cfg, mach)
    start = report.index("## Targets")
    print(report[start:report.index("## getenv latency")])
    progress("wrote %s/latest.md, latest.csv, latency.svg" % args.out)


if __name__ == "__main__":
    main()
