#!/usr/bin/python3
"""Samples the memory and CPU of groups of processes once a second for the benchmark.

Usage: sample.py OUT.json SECONDS NAME=PID[,PID...] ...
Per group (the pids' figures added) and per second: VmRSS, VmHWM (KiB, /proc/PID/status), PSS (KiB,
/proc/PID/smaps_rollup), utime+stime (clock ticks, /proc/PID/stat: all threads, exited ones too) and
the run time of its live threads (ns, /proc/PID/task/*/schedstat: exact for a single-threaded process,
where 10 ms ticks would make a few seconds' CPU coarse). A process that is gone keeps its last figures,
so a group's sum does not drop when one exits early.
"""
import json
import os
import sys
import time


def status_kib(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def pss_kib(pid):
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        s = f.read()
    rest = s[s.rindex(")") + 2:].split()
    return int(rest[11]) + int(rest[12])  # fields 14 and 15: utime, stime


def cpu_ns(pid):
    total = 0
    for task in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/schedstat" % (pid, task)) as f:
            total += int(f.read().split()[0])
    return total


def main():
    out, seconds = sys.argv[1], float(sys.argv[2])
    groups = {}
    for arg in sys.argv[3:]:
        name, pids = arg.split("=", 1)
        groups[name] = [int(p) for p in pids.split(",") if p]
    last = {pid: {"rss": 0, "hwm": 0, "pss": 0, "cpu": 0, "cpu_ns": 0} for g in groups.values() for pid in g}
    series = {name: [] for name in groups}
    t0 = time.time()
    while True:
        now = time.time() - t0
        for name, pids in groups.items():
            tot = {"t": round(now, 2), "rss": 0, "hwm": 0, "pss": 0, "cpu": 0, "cpu_ns": 0}
            for pid in pids:
                try:
                    last[pid] = {"rss": status_kib(pid, "VmRSS"), "hwm": status_kib(pid, "VmHWM"),
                                 "pss": pss_kib(pid), "cpu": cpu_ticks(pid), "cpu_ns": cpu_ns(pid)}
                except (OSError, ValueError, IndexError):
                    pass
                for k in ("rss", "hwm", "pss", "cpu", "cpu_ns"):
                    tot[k] += last[pid][k]
            series[name].append(tot)
        if now >= seconds:
            break
        time.sleep(1.0)
    with open(out, "w") as f:
        json.dump({"clk_tck": os.sysconf("SC_CLK_TCK"), "groups": series}, f)


if __name__ == "__main__":
    main()
