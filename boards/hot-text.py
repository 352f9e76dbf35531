#!/usr/bin/python3
"""Writes boards/common/hot-text.ld: the input sections of the code the agent runs, placed together.

Why: the kernel maps a binary's pages 64 KiB around each page fault ("fault-around"), so code executed
once in every 64 KiB makes the whole text resident. The agent runs about a quarter of its static
binary's code (start-up, TLS, a collection, a push); laid out together it takes a quarter of the pages.

Usage:
  hot-text.py irelative BINARY PID
      prints the addresses of a running static BINARY's IFUNC resolvers (all run at start-up) and of the
      implementations its IRELATIVE slots point at: glibc picks its string functions by the CPU, and
      valgrind's CPU is not the machine's
  hot-text.py write CALLGRIND_OUT BINARY LINK_MAP OUT.ld [ADDRESSES ...]
      CALLGRIND_OUT  a callgrind run of BINARY (start-up, handshake, a few collections and pushes)
      BINARY         the unstripped agent it ran (for the functions' addresses)
      LINK_MAP       its GNU ld map (-Map), for the input section holding each address
      ADDRESSES      files of more code addresses it ran, one hex number a line: the irelative ones,
                     and the page faults of a native run (perf record -e page-faults -d), which catch
                     what valgrind does not run the same way (glibc's static dlopen of NSS modules)

The agent's own code is taken whole (a device runs collectors this machine has no data for). A
library function is named by its input section, as GNU ld's script syntax names it: `*libc.a:member.o(.text)`
for an archive member, `*file.o(.text.fn)` for an object. Sections of our code and of snappy are one per
function (-ffunction-sections); glibc's and mbedTLS's objects bring their whole .text. A pattern that
matches nothing (another libc, another board) is ignored by the linker, so the file serves every board;
`make hot-text` writes it again after the code changed much.
"""
import re
import subprocess
import sys


def called_functions(path):
    names = set()
    for line in open(path, encoding="utf-8", errors="replace"):
        m = re.match(r"^c?fn=\(\d+\) (.+)$", line.rstrip("\n"))
        if m:
            names.add(re.sub(r"'\d+$", "", m.group(1).strip()))
    return names


def addresses(binary, names):
    out = []
    nm = subprocess.run(["nm", "-C", "--defined-only", binary], capture_output=True, text=True, check=True)
    for line in nm.stdout.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] in "tTwWiI" and parts[2] in names:
            out.append(int(parts[0], 16))
    return out


def irelative(binary, pid):
    """Resolvers and chosen implementations of a running static binary's IFUNCs."""
    out = []
    rel = subprocess.run(["readelf", "-rW", binary], capture_output=True, text=True, check=True).stdout
    with open("/proc/%d/mem" % pid, "rb") as mem:
        for line in rel.splitlines():
            parts = line.split()
            if len(parts) >= 4 and parts[2].startswith("R_") and "_IRELATIV" in parts[2]:
                slot, resolver = int(parts[0], 16), int(parts[-1], 16)
                mem.seek(slot)
                out += [resolver, int.from_bytes(mem.read(8), "little")]
    return out


def input_sections(map_path):
    """(address, size, section, file) of every code input section in the map's output."""
    secs = []
    pending = None
    in_memory_map = False
    for line in open(map_path, encoding="utf-8", errors="replace"):
        if line.startswith("Linker script and memory map"):
            in_memory_map = True
            continue
        if not in_memory_map:
            continue
        m = re.match(r"^ (\.text\S*)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
        if m:
            secs.append((int(m.group(2), 16), int(m.group(3), 16), m.group(1), m.group(4).strip()))
            pending = None
            continue
        m = re.match(r"^ (\.text\S*)\s*$", line)
        if m:
            pending = m.group(1)
            continue
        m = re.match(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
        if m and pending:
            secs.append((int(m.group(1), 16), int(m.group(2), 16), pending, m.group(3).strip()))
        pending = None
    return sorted(s for s in secs if s[1] > 0)


OURS = ["*libampcore.a:*(.text .text.*)", "*libampport_posix.a:*(.text .text.*)", "*main.c.o(.text .text.*)"]


def is_ours(file):
    return "libampcore.a(" in file or "libampport_posix.a(" in file or file.endswith("main.c.o")


def pattern(section, file):
    m = re.match(r"^(?:.*/)?([^/(]+)\(([^)]+)\)$", file)
    where = "*%s:%s" % (m.group(1), m.group(2)) if m else "*" + file.rsplit("/", 1)[-1]
    return "%s(%s)" % (where, section)


def main():
    if sys.argv[1] == "irelative":
        for a in irelative(sys.argv[2], int(sys.argv[3])):
            print("%x" % a)
        return
    cg, binary, link_map, out = sys.argv[2:6]
    names = called_functions(cg)
    addrs = addresses(binary, names)
    for path in sys.argv[6:]:
        addrs += [int(x, 16) for x in open(path).read().split()]
    addrs.sort()
    secs = input_sections(link_map)
    # All of the agent's own code comes first, whether this run reached it or not: a device runs
    # collectors (hwmon, thermal zones, power supplies) and paths (credentials, the spool) that the machine
    # making the file may not have. The libraries' code is taken as far as this run reached it.
    hot = list(OURS)
    size = sum(s[1] for s in secs if is_ours(s[3]))
    i = 0
    for a in addrs:
        while i < len(secs) and secs[i][0] + secs[i][1] <= a:
            i += 1
        if i < len(secs) and secs[i][0] <= a and not is_ours(secs[i][3]):
            p = pattern(secs[i][2], secs[i][3])
            if p not in hot:
                hot.append(p)
                size += secs[i][1]
    total = sum(s[1] for s in secs)
    with open(out, "w") as f:
        f.write("/*\n * Generated by boards/hot-text.py (make hot-text): the agent's own code and the library code a run of\n"
                " * it executed, laid out together before the rest of .text, so that the kernel's 64 KiB fault-around\n"
                " * maps them and not the cold code between them. %d sections, %d of %d bytes of code in the\n"
                " * binary it was made from (%s).\n */\nSECTIONS\n{\n\t.text.amp_hot :\n\t{\n"
                % (len(hot), size, total, binary.rsplit("/", 2)[-2]))
        for p in hot:
            f.write("\t\t%s\n" % p)
        f.write("\t}\n}\nINSERT BEFORE .text;\n")
    print("hot-text: %d functions run, %d sections, %d of %d bytes of code" % (len(names), len(hot), size, total))


if __name__ == "__main__":
    main()
