#!/usr/bin/python3
"""What the sandbox of privs.sh forbids, tried by the unprivileged user with and without it.

Each probe is something the agent's user may do on its own (so the "unconfined" run, the same user under
setpriv only, shows it succeeds) and the unit's hardening forbids (so the "sandboxed" run must see it
fail with the errno systemd's settings give). A sandbox that did nothing would fail the sandboxed run;
a probe that fails for another reason (no permission anyway) would fail the unconfined run.

Usage: privs_probe.py unconfined|sandboxed STATE_DIR OUTSIDE_DIR UMASK
  STATE_DIR    the StateDirectory (writable in both)
  OUTSIDE_DIR  a directory the user owns outside the state directory (read-only in the sandbox)
  UMASK        the unit's UMask= (octal)
"""
import ctypes
import errno
import mmap
import os
import socket
import sys

failures = []
libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWUSER = 0x10000000


def check(cond, what):
    print(f"{'ok  ' if cond else 'FAIL'} - {what}")
    if not cond:
        failures.append(what)


def attempt(fn):
    """'ok' or the errno name the call failed with."""
    try:
        fn()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def libc_call(name, *args):
    def call():
        if getattr(libc, name)(*args) != 0:
            e = ctypes.get_errno()
            raise OSError(e, os.strerror(e))
    return call


def write_file(path):
    def call():
        with open(path, "w") as f:
            f.write("x\n")
    return call


def status():
    out = {}
    for line in open("/proc/self/status"):
        key, _, value = line.partition(":")
        out[key] = value.strip()
    return out


def adjtimex_read():
    buf = ctypes.create_string_buffer(256)  # struct timex, modes = 0: read only
    if libc.adjtimex(buf) < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def anon_wx():
    m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    m.close()


def socket_of(family, kind, proto=0):
    def call():
        socket.socket(family, kind, proto).close()
    return call


def main():
    mode, state, outside, umask = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4], 8)
    boxed = mode == "sandboxed"
    uid, gid = os.getuid(), os.getgid()
    st = status()
    own = os.path.join(state, f"probe-{mode}")

    # who we are: the same in both
    check(uid != 0 and gid != 0 and os.getgroups() in ([], [gid]), f"{mode}: uid {uid} gid {gid}, no other groups")
    check(st["CapEff"] == "0000000000000000" and st["CapPrm"] == "0000000000000000",
          f"{mode}: no capabilities (CapEff {st['CapEff']})")

    # things the user may do, and the sandbox still allows
    check(attempt(write_file(own)) == "ok", f"{mode}: writes in the state directory")
    check(attempt(socket_of(socket.AF_INET, socket.SOCK_STREAM)) == "ok", f"{mode}: opens an AF_INET socket")
    check(attempt(socket_of(socket.AF_UNIX, socket.SOCK_DGRAM)) == "ok", f"{mode}: opens an AF_UNIX socket")
    check(attempt(adjtimex_read) == "ok", f"{mode}: reads the clock state with adjtimex (the timex collector)")
    check(attempt(lambda: os.kill(os.getpid(), 0)) == "ok", f"{mode}: signals itself")

    # things the sandbox forbids
    expect = {  # probe: (unconfined, sandboxed)
        "write a file it owns outside the state directory": (write_file(os.path.join(outside, "x")), "EROFS"),
        "chown a file it owns to itself (@chown, in ~@privileged)": (libc_call("chown", own.encode(), uid, gid), "EPERM"),
        "setuid to its own uid (@setuid's setuid, in ~@privileged)": (libc_call("setuid", uid), "EPERM"),
        "raise its own nice value with setpriority (~@resources)": (libc_call("setpriority", 0, 0, 19), "EPERM"),
        "open an AF_NETLINK socket (RestrictAddressFamilies)":
            (socket_of(socket.AF_NETLINK, socket.SOCK_RAW, 0), "EAFNOSUPPORT"),
        "map memory writable and executable (MemoryDenyWriteExecute)": (anon_wx, "EPERM"),
        "unshare a user namespace (RestrictNamespaces)": (libc_call("unshare", CLONE_NEWUSER), "EPERM"),
    }
    # a host may forbid user namespaces itself: then the unconfined run cannot show it, only the sandboxed one
    host_may_forbid = {"unshare a user namespace (RestrictNamespaces)"}
    for what, (fn, errname) in expect.items():
        got = attempt(fn)
        want = errname if boxed else "ok"
        if not boxed and got != want and what in host_may_forbid:
            print(f"note - unconfined: {what}: {got} (this host forbids it without the sandbox)")
            continue
        check(got == want, f"{mode}: {what}: {got} (want {want})")

    # the mount namespace
    if boxed:
        check(oct(os.umask(0)) == oct(umask), f"sandboxed: umask {umask:04o} (UMask=)")
        os.umask(umask)
        check(os.stat(own).st_mode & 0o777 == 0o666 & ~umask, f"sandboxed: a new file has mode {0o666 & ~umask:04o}")
        check(st["NoNewPrivs"] == "1", "sandboxed: no_new_privs (NoNewPrivileges=yes)")
        check(st["CapBnd"] == "0000000000000000", f"sandboxed: empty bounding set ({st['CapBnd']}, CapabilityBoundingSet=)")
        check(st["Seccomp"] == "2" and int(st.get("Seccomp_filters", "0")) >= 1,
              f"sandboxed: seccomp filters loaded ({st.get('Seccomp_filters')})")
        for path in ("/etc/amp-agent-privs-probe", "/usr/amp-agent-privs-probe", "/var/amp-agent-privs-probe"):
            got = attempt(write_file(path))
            check(got in ("EROFS", "EACCES"), f"sandboxed: cannot create {path} ({got})")
        for home in ("/home", "/root"):
            got = attempt(lambda h=home: os.listdir(h))
            check(got == "EACCES", f"sandboxed: {home} is inaccessible ({got}, ProtectHome=yes)")
        check(os.listdir("/tmp") == [], f"sandboxed: /tmp is private and empty ({os.listdir('/tmp')[:5]})")
        check(attempt(write_file("/tmp/probe")) == "ok", "sandboxed: /tmp is writable")
        devs = sorted(os.listdir("/dev"))
        check(not [d for d in devs if d.startswith(("sd", "vd", "nvme", "mem", "kmsg", "port", "loop"))],
              f"sandboxed: /dev holds no block devices, mem or kmsg ({' '.join(devs)}, PrivateDevices=yes)")
        # ProtectProc=default: the host's mount table, which the filesystem collector reads, stays readable
        got = attempt(lambda: open("/proc/1/mountinfo").read())
        check(got == "ok", f"sandboxed: /proc/1/mountinfo is readable ({got}, ProtectProc=default)")
        got = attempt(write_file("/proc/sys/kernel/hostname"))
        check(got in ("EROFS", "EACCES"), f"sandboxed: /proc/sys is read-only ({got})")
    else:
        others = [p for p in os.listdir("/proc") if p.isdigit() and os.stat(f"/proc/{p}").st_uid != uid]
        check(len(others) > 0, f"unconfined: /proc shows other users' processes ({len(others)})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
