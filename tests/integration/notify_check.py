#!/usr/bin/python3
"""The agent's side of systemd's notify protocol, checked from the service manager's side.

Plays systemd: binds a unix datagram socket, starts the agent in its run mode with NOTIFY_SOCKET (and
WATCHDOG_USEC) set as systemd sets them for Type=notify with WatchdogSec, records every datagram with
the sender's credentials, stops the agent with SIGTERM, and checks READY=1, WATCHDOG=1 pings within the
watchdog period even though the collection interval is longer, and STOPPING=1. Also reports the agent's
peak resident memory (and checks it against --rss-budget-kb) when the agent runs natively.

Usage: notify_check.py --agent AGENT --config INI --work DIR [--rss-budget-kb N]  (from notify.sh)
"""
import argparse
import os
import signal
import socket
import struct
import subprocess
import sys
import time

failures = []


def check(cond, what):
    print(f"{'ok  ' if cond else 'FAIL'} - {what}")
    if not cond:
        failures.append(what)
    return cond


class Listener:
    """systemd's notify socket: datagrams with SCM_CREDENTIALS, so each message's sender pid is known."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.messages = []  # (seconds since start, text, sender pid)
        self.t0 = time.monotonic()

    def collect(self, until, stop_on=None):
        while time.monotonic() < until:
            self.sock.settimeout(max(0.01, until - time.monotonic()))
            try:
                data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
            except socket.timeout:
                break
            pid = None
            for level, kind, payload in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = struct.unpack("iII", payload[:12])[0]
            text = data.decode(errors="replace")
            self.messages.append((time.monotonic() - self.t0, text, pid))
            if stop_on and text == stop_on:
                break

    def close(self):
        self.sock.close()
        os.unlink(self.path)


def run_agent(agent, config, env_extra, listener, seconds):
    env = dict(os.environ, NOTIFY_SOCKET=listener.path, **env_extra)
    proc = subprocess.Popen([agent, "-c", config], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    listener.collect(time.monotonic() + seconds)
    stop_sent = time.monotonic() - listener.t0
    # the peak resident memory of this process image (VmHWM starts afresh at exec), before it ends
    try:
        status = open(f"/proc/{proc.pid}/status").read()
        proc.peak_kib = int(status.split("VmHWM:")[1].split()[0])
    except (OSError, IndexError, ValueError):
        proc.peak_kib = None
    proc.send_signal(signal.SIGTERM)
    listener.collect(time.monotonic() + 10, stop_on="STOPPING=1")
    try:
        out, _ = proc.communicate(timeout=40)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return proc, stop_sent, out.decode(errors="replace")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--rss-budget-kb", type=int)
    args = ap.parse_args()
    emulated = open(args.agent, "rb").read(2) == b"#!"  # the qemu wrapper of a cross build

    # 1. WatchdogSec=1s: pings every 0.5 s although the collection interval is 10 s
    lis = Listener(os.path.join(args.work, "notify.sock"))
    proc, stop_sent, out = run_agent(args.agent, args.config, {"WATCHDOG_USEC": "1000000"}, lis, 3.2)
    lis.close()
    texts = [m[1] for m in lis.messages]
    check(proc.returncode == 0, f"the agent exits 0 on SIGTERM (got {proc.returncode})")
    check(texts[:1] == ["READY=1"], f"READY=1 comes first ({texts[:3]})")
    check(texts[-1:] == ["STOPPING=1"], f"STOPPING=1 comes last ({texts[-3:]})")
    pings = [m[0] for m in lis.messages if m[1] == "WATCHDOG=1" and m[0] < stop_sent]
    ready_at = next((m[0] for m in lis.messages if m[1] == "READY=1"), None)
    check(ready_at is not None and ready_at < 3.0, f"READY=1 within 3 s of the start ({ready_at})")
    times = ([ready_at] if ready_at is not None else []) + pings
    gaps = [b - a for a, b in zip(times, times[1:])]
    check(len(pings) >= 4, f"WATCHDOG=1 pings while the agent sleeps through a 10 s interval ({len(pings)})")
    check(gaps and max(gaps) < 1.0, f"never 1 s (WATCHDOG_USEC) without a ping (longest gap {max(gaps or [0]):.2f} s)")
    check({m[2] for m in lis.messages} == {proc.pid},
          f"every message comes from the agent's own pid, as NotifyAccess=main wants ({ {m[2] for m in lis.messages} })")
    check(set(texts) <= {"READY=1", "WATCHDOG=1", "STOPPING=1"}, f"nothing but the three states ({set(texts)})")
    print(out.strip())
    if not emulated and proc.peak_kib:
        peak = proc.peak_kib
        print(f"peak resident memory of the agent (VmHWM, after its first push): {peak} KiB")
        if args.rss_budget_kb:
            check(peak <= args.rss_budget_kb, f"peak RSS {peak} KiB within the board's budget of {args.rss_budget_kb} KiB")

    # 2. Type=notify without WatchdogSec, and a watchdog meant for another process: no pings
    for env, what in (({}, "no WATCHDOG_USEC"), ({"WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"}, "WATCHDOG_PID not ours")):
        lis = Listener(os.path.join(args.work, "notify2.sock"))
        proc, _, _ = run_agent(args.agent, args.config, env, lis, 1.5)
        lis.close()
        texts = [m[1] for m in lis.messages]
        check(proc.returncode == 0 and texts == ["READY=1", "STOPPING=1"],
              f"{what}: READY=1 and STOPPING=1 only ({texts})")

    # 3. NOTIFY_SOCKET naming nothing: the agent says so once and runs on
    env = dict(os.environ, NOTIFY_SOCKET=os.path.join(args.work, "nobody-listens"))
    proc = subprocess.Popen([args.agent, "-c", args.config], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=40)
    out = out.decode(errors="replace")
    check(proc.returncode == 0 and out.count("NOTIFY_SOCKET is set but unusable") == 1,
          "an unusable NOTIFY_SOCKET is reported once and the agent keeps running")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
