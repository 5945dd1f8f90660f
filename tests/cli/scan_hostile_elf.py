#!/usr/bin/env python3
"""scan_hostile_elf.py - writes small hostile ELF files for the scan tests.

A minimal x86_64 ELF64 shared object (ET_DYN with a PT_DYNAMIC segment)
whose dynamic section and section headers say what the test needs:

  scan_hostile_elf.py OUT [--needed NAME]... [--needed-count N]
                          [--rpath LIST] [--rpath-count M]
                          [--dynsym-sections K] [--rel-sections R]
                          [--import setenv]

--needed-count N adds DT_NEEDED libhostile0.so .. libhostile{N-1}.so;
--rpath-count M sets DT_RPATH to M distinct missing directories;
--dynsym-sections K repeats the dynamic symbol table in K sections that
share its bytes (the file stays small: 64 bytes per section header);
--rel-sections R adds R empty SHT_RELA sections linked to it;
--import adds an undefined dynamic symbol (the file then uses it);
--tree N writes a directory of 1 + 6N libraries instead (see write_tree).
"""
import argparse
import struct

SHT_STRTAB, SHT_RELA, SHT_DYNAMIC, SHT_DYNSYM = 3, 4, 6, 11
DT_NULL, DT_NEEDED, DT_STRTAB, DT_SYMTAB, DT_STRSZ, DT_SYMENT, DT_RPATH = 0, 1, 5, 6, 10, 11, 15
DT_RUNPATH = 29
PT_LOAD, PT_DYNAMIC = 1, 2


def build(needed, rpath, dynsym_sections, rel_sections, imports, runpath=None):
    dynstr = bytearray(b"\0")

    def add_str(s):
        off = len(dynstr)
        dynstr.extend(s + b"\0")
        return off

    needed_offs = [add_str(n) for n in needed]
    rpath_off = add_str(rpath) if rpath is not None else None
    runpath_off = add_str(runpath) if runpath is not None else None
    import_offs = [add_str(n) for n in imports]

    # Dynamic symbols: the null symbol, then undefined global functions.
    dynsym = bytearray(24)
    for off in import_offs:
        dynsym += struct.pack("<IBBHQQ", off, (1 << 4) | 2, 0, 0, 0, 0)

    shstr = bytearray(b"\0")

    def add_shname(s):
        off = len(shstr)
        shstr.extend(s + b"\0")
        return off

    n_dynstr, n_dynamic, n_dynsym, n_rela, n_shstr = (add_shname(s) for s in
        (b".dynstr", b".dynamic", b".dynsym", b".rela.dyn", b".shstrtab"))

    ehdr_size, phdr_size = 64, 56
    phnum = 2
    layout_start = ehdr_size + phnum * phdr_size
    dynstr_off = layout_start
    dynsym_off = (dynstr_off + len(dynstr) + 7) & ~7
    dynamic_entries = [(DT_NEEDED, o) for o in needed_offs]
    if rpath_off is not None:
        dynamic_entries.append((DT_RPATH, rpath_off))
    if runpath_off is not None:
        dynamic_entries.append((DT_RUNPATH, runpath_off))
    dynamic_entries += [(DT_STRTAB, dynstr_off), (DT_SYMTAB, dynsym_off), (DT_STRSZ, len(dynstr)),
                        (DT_SYMENT, 24), (DT_NULL, 0)]
    dynamic = b"".join(struct.pack("<qQ", t, v) for t, v in dynamic_entries)
    dynamic_off = (dynsym_off + len(dynsym) + 7) & ~7
    shstr_off = dynamic_off + len(dynamic)
    shoff = (shstr_off + len(shstr) + 7) & ~7

    # Section headers: null, .dynstr (1), .dynamic (2), .dynsym (3),
    # .shstrtab (4), then the repeated symbol tables and relocations.
    def shdr(name, typ, flags, off, size, link, info, align, entsize):
        return struct.pack("<IIQQQQIIQQ", name, typ, flags, off, off, size, link, info, align, entsize)

    shdrs = [bytes(64),
             shdr(n_dynstr, SHT_STRTAB, 2, dynstr_off, len(dynstr), 0, 0, 1, 0),
             shdr(n_dynamic, SHT_DYNAMIC, 3, dynamic_off, len(dynamic), 1, 0, 8, 16),
             shdr(n_dynsym, SHT_DYNSYM, 2, dynsym_off, len(dynsym), 1, 1, 8, 24),
             shdr(n_shstr, SHT_STRTAB, 0, shstr_off, len(shstr), 0, 0, 1, 0)]
    for _ in range(dynsym_sections - 1):
        shdrs.append(shdr(n_dynsym, SHT_DYNSYM, 2, dynsym_off, len(dynsym), 1, 1, 8, 24))
    for _ in range(rel_sections):
        shdrs.append(shdr(n_rela, SHT_RELA, 2, dynamic_off, 0, 3, 0, 8, 24))
    shnum = len(shdrs)
    end = shoff + shnum * 64

    ehdr = (b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8) +
            struct.pack("<HHIQQQIHHHHHH", 3, 62, 1, 0, ehdr_size, shoff, 0, ehdr_size, phdr_size,
                        phnum, 64, shnum if shnum < 0xff00 else 0, 4))
    phdrs = (struct.pack("<IIQQQQQQ", PT_LOAD, 6, 0, 0, 0, end, end, 0x1000) +
             struct.pack("<IIQQQQQQ", PT_DYNAMIC, 6, dynamic_off, dynamic_off, dynamic_off,
                         len(dynamic), len(dynamic), 8))
    out = bytearray(end)
    out[0:len(ehdr)] = ehdr
    out[ehdr_size:ehdr_size + len(phdrs)] = phdrs
    out[dynstr_off:dynstr_off + len(dynstr)] = dynstr
    out[dynsym_off:dynsym_off + len(dynsym)] = dynsym
    out[dynamic_off:dynamic_off + len(dynamic)] = dynamic
    out[shstr_off:shstr_off + len(shstr)] = shstr
    if shnum >= 0xff00:
        # Extended numbering: the real count is section 0's sh_size.
        shdrs[0] = shdr(0, 0, 0, 0, shnum, 0, 0, 0, 0)
    out[shoff:end] = b"".join(shdrs)
    return bytes(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--needed", action="append", default=[])
    ap.add_argument("--needed-count", type=int, default=0)
    ap.add_argument("--rpath")
    ap.add_argument("--rpath-count", type=int, default=0)
    ap.add_argument("--runpath")
    ap.add_argument("--tree", type=int, metavar="N",
                    help="OUT is a directory: root.so needs N libraries, each needing 5 more")
    ap.add_argument("--dynsym-sections", type=int, default=1)
    ap.add_argument("--rel-sections", type=int, default=0)
    ap.add_argument("--import", dest="imports", action="append", default=[])
    a = ap.parse_args()
    if a.tree:
        write_tree(a.out, a.tree)
        return
    needed = [os_bytes(n) for n in a.needed] + [b"libhostile%d.so" % i for i in range(a.needed_count)]
    rpath = os_bytes(a.rpath) if a.rpath is not None else None
    if a.rpath_count:
        rpath = b":".join(b"/nonexistent-envsafe-scan/d%d" % i for i in range(a.rpath_count))
    data = build(needed, rpath, a.dynsym_sections, a.rel_sections, [os_bytes(n) for n in a.imports])
    with open(a.out, "wb") as f:
        f.write(data)


def write_tree(directory, count):
    """DIRECTORY/root.so needs lib0.so .. lib{COUNT-1}.so, and each libK.so
    needs libK_0.so .. libK_4.so, all found through DT_RUNPATH $ORIGIN."""
    def write(name, needed):
        with open("%s/%s" % (directory, name), "wb") as f:
            f.write(build([n.encode() for n in needed], None, 1, 0, [], runpath=b"$ORIGIN"))
    write("root.so", ["lib%d.so" % k for k in range(count)])
    for k in range(count):
        write("lib%d.so" % k, ["lib%d_%d.so" % (k, j) for j in range(5)])
        for j in range(5):
            write("lib%d_%d.so" % (k, j), [])


def os_bytes(s):
    import os
    return os.fsencode(s)


if __name__ == "__main__":
    main()
