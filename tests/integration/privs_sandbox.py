#!/usr/bin/python3
"""The systemd unit's process hardening, read from the unit file and applied without systemd.

privs.sh builds the mount namespace and drops to the unprivileged user (setpriv); this is the last link
of its chain: it loads the seccomp filters systemd would load for the unit's SystemCallFilter=,
SystemCallErrorNumber=, RestrictAddressFamilies=, MemoryDenyWriteExecute= and RestrictNamespaces=, then
execs the command. The filter follows the unit: the @groups are expanded by `systemd-analyze
syscall-filter`, as systemd expands them, and the entries apply in order as systemd.exec(5) says.

Usage:
  privs_sandbox.py settings UNIT          the [Service] settings, one "Key=Value" a line (last value wins;
                                          SystemCallFilter= lines as they are, in order)
  privs_sandbox.py syscalls UNIT          the allowed system calls, one a line (the ones this
                                          architecture does not have are left out, as systemd does)
  privs_sandbox.py exec UNIT -- CMD ARGS  loads the filters and execs CMD (needs no_new_privs or
                                          CAP_SYS_ADMIN; setpriv --no-new-privs gives the first)
"""
import errno
import os
import socket
import subprocess
import sys

import seccomp  # Debian's python3-seccomp (libseccomp's bindings)

# The namespace flags systemd's RestrictNamespaces=yes refuses (linux/sched.h).
CLONE_NS_FLAGS = {
    "cgroup": 0x02000000, "ipc": 0x08000000, "net": 0x40000000, "mnt": 0x00020000,
    "pid": 0x20000000, "user": 0x10000000, "uts": 0x04000000, "time": 0x00000080,
}
PROT_WRITE, PROT_EXEC = 0x2, 0x4
SHM_EXEC = 0o100000


def service_settings(unit):
    """[(key, value)] of the [Service] section, in file order (repeated keys kept)."""
    out, section = [], None
    for line in open(unit):
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        if section == "Service" and "=" in line:
            key, value = line.split("=", 1)
            out.append((key.strip(), value.strip()))
    return out


def last(settings, key, default=None):
    values = [v for k, v in settings if k == key]
    return values[-1] if values else default


def syscall_groups():
    """{"@group": [entries]} as this systemd knows them."""
    text = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager"], check=True,
                          capture_output=True, text=True).stdout
    groups, current = {}, None
    for line in text.splitlines():
        if line.startswith("@"):
            current = groups.setdefault(line.strip(), [])
        elif not line.strip():
            current = None
        elif current is not None and not line.strip().startswith("#"):
            current.append(line.strip())
    return groups


def expand(names, groups, seen=None):
    seen = set() if seen is None else seen
    out = set()
    for name in names:
        if name.startswith("@"):
            if name not in groups:
                raise SystemExit(f"privs_sandbox: the unit names {name}, which systemd-analyze does not know")
            if name not in seen:
                seen.add(name)
                out |= expand(groups[name], groups, seen)
        else:
            out.add(name.split(":")[0])  # "name:ERRNO" entries: the call is still listed
    return out


def allowed_syscalls(settings):
    """SystemCallFilter= as systemd reads it: the first entry decides allow or deny list; an allow list
    always holds @default; a later "~" entry takes its calls out, a later plain one adds them; an empty
    assignment resets. Returns (allowed set, None) or (None, denied set)."""
    groups = syscall_groups()
    allow, chosen = None, set()
    for key, value in settings:
        if key != "SystemCallFilter":
            continue
        if value == "":
            allow, chosen = None, set()
            continue
        invert = value.startswith("~")
        names = expand(value.lstrip("~").split(), groups)
        if allow is None:
            allow = not invert
            chosen = expand(["@default"], groups) if allow else set()
        if allow != invert:
            chosen |= names   # allow list, plain entry; deny list, "~" entry
        else:
            chosen -= names
    if allow is None:
        return None, None
    return (chosen, None) if allow else (None, chosen)


def errno_of(name):
    code = getattr(errno, name, None)
    if code is None:
        raise SystemExit(f"privs_sandbox: SystemCallErrorNumber={name} is not an errno name")
    return code


def add(flt, action, name, *args):
    """A rule, or nothing when this architecture has no such call (systemd skips those too)."""
    try:
        flt.add_rule(action, name, *args)
        return True
    except (RuntimeError, ValueError, OSError):
        return False


def build_filters(settings):
    """The seccomp filters systemd would load, in the order they must be loaded (the system call list
    last: it may not allow seccomp() itself)."""
    filters = []
    families = last(settings, "RestrictAddressFamilies", "")
    if families:
        if families.startswith("~"):
            raise SystemExit("privs_sandbox: a deny list in RestrictAddressFamilies= is not emulated")
        keep = {int(getattr(socket, f)) for f in families.split()}
        flt = seccomp.SyscallFilter(seccomp.ALLOW)
        # as systemd: every other family up to the largest kept one, and all above it, EAFNOSUPPORT
        for fam in range(0, max(keep)):
            if fam not in keep:
                flt.add_rule(seccomp.ERRNO(errno.EAFNOSUPPORT), "socket", seccomp.Arg(0, seccomp.EQ, fam))
        flt.add_rule(seccomp.ERRNO(errno.EAFNOSUPPORT), "socket", seccomp.Arg(0, seccomp.GT, max(keep)))
        filters.append(("RestrictAddressFamilies", flt))
    if last(settings, "MemoryDenyWriteExecute", "no") == "yes":
        flt = seccomp.SyscallFilter(seccomp.ALLOW)
        wx = PROT_WRITE | PROT_EXEC
        flt.add_rule(seccomp.ERRNO(errno.EPERM), "mmap", seccomp.Arg(2, seccomp.MASKED_EQ, wx, wx))
        for name in ("mprotect", "pkey_mprotect"):
            add(flt, seccomp.ERRNO(errno.EPERM), name, seccomp.Arg(2, seccomp.MASKED_EQ, PROT_EXEC, PROT_EXEC))
        add(flt, seccomp.ERRNO(errno.EPERM), "shmat", seccomp.Arg(2, seccomp.MASKED_EQ, SHM_EXEC, SHM_EXEC))
        filters.append(("MemoryDenyWriteExecute", flt))
    if last(settings, "RestrictNamespaces", "no") == "yes":
        flt = seccomp.SyscallFilter(seccomp.ALLOW)
        for flag in CLONE_NS_FLAGS.values():
            for name in ("unshare", "clone"):  # x86_64, arm64: flags are clone's first argument
                flt.add_rule(seccomp.ERRNO(errno.EPERM), name, seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
            flt.add_rule(seccomp.ERRNO(errno.EPERM), "setns", seccomp.Arg(1, seccomp.MASKED_EQ, flag, flag))
        flt.add_rule(seccomp.ERRNO(errno.EPERM), "setns", seccomp.Arg(1, seccomp.EQ, 0))
        # clone3's flags are in memory seccomp cannot read: systemd answers ENOSYS, so that the C
        # library falls back to clone(), whose flags it can check
        add(flt, seccomp.ERRNO(errno.ENOSYS), "clone3")
        filters.append(("RestrictNamespaces", flt))
    allowed, denied = allowed_syscalls(settings)
    code = errno_of(last(settings, "SystemCallErrorNumber", "EPERM"))
    if allowed is not None:
        flt = seccomp.SyscallFilter(seccomp.ERRNO(code))
        known = sorted(n for n in allowed if add(flt, seccomp.ALLOW, n))
        filters.append(("SystemCallFilter", flt))
    elif denied is not None:
        flt = seccomp.SyscallFilter(seccomp.ALLOW)
        known = sorted(n for n in denied if add(flt, seccomp.ERRNO(code), n))
        filters.append(("SystemCallFilter", flt))
    else:
        known = []
    return filters, known, allowed is not None


def main(argv):
    if len(argv) < 3 or argv[1] not in ("settings", "syscalls", "exec"):
        sys.exit(__doc__)
    settings = service_settings(argv[2])
    if argv[1] == "settings":
        for key, value in settings:
            print(f"{key}={value}")
        return 0
    filters, known, is_allow = build_filters(settings)
    if argv[1] == "syscalls":
        if not is_allow:
            sys.exit("privs_sandbox: the unit's SystemCallFilter= is not an allow list")
        print("\n".join(known))
        return 0
    if len(argv) < 5 or argv[3] != "--":
        sys.exit(__doc__)
    for _, flt in filters:
        flt.load()
    os.execv(argv[4], argv[4:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
