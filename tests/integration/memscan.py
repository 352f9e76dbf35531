#!/usr/bin/python3
"""Looks for secrets in the memory of a (stopped) process: every readable and writable mapping of
/proc/PID/maps, read through /proc/PID/mem. A secret counts as found when any 16-byte slice of it is
(slices every 8 bytes: a copy of 24 bytes or more is always caught).

Usage: memscan.py PID NEEDLES.json
NEEDLES.json is {"name": "secret", ...} (a file, so no secret is on a command line). Prints one line per
name, "name: N" with N the slices found (0: no copy), never the secret itself.
"""
import json
import sys

WINDOW = 16
STRIDE = 8
MAPPING_MAX = 64 << 20  # larger mappings are reserved address space, not data


def memory(pid):
    """The bytes of every readable, writable mapping, one bytes object each."""
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
        for line in maps:
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split("-"))
            if not fields[1].startswith("rw") or end - start > MAPPING_MAX:
                continue
            try:
                mem.seek(start)
                yield mem.read(end - start)
            except OSError:
                continue  # a guard page, or gone meanwhile


def main():
    pid = int(sys.argv[1])
    with open(sys.argv[2]) as f:
        needles = {name: value.encode() for name, value in json.load(f).items()}
    regions = list(memory(pid))
    for name, value in needles.items():
        slices = {value[i:i + WINDOW] for i in range(0, max(len(value) - WINDOW, 0) + 1, STRIDE)}
        found = sum(region.count(s) for s in slices for region in regions)
        print(f"{name}: {found}")


if __name__ == "__main__":
    main()
