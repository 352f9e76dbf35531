#!/usr/bin/env bash
# Least privilege: the real agent, as an unprivileged user under the hardening of the packaged systemd unit
# (boards/common/amp-agent.service.in), pushing over TLS to a real Prometheus on loopback. No systemd here
# (a container without it as PID 1), so the unit's settings are read from the unit file and applied the way
# systemd applies them: a mount namespace (unshare) for ProtectSystem=strict, ProtectHome, PrivateTmp,
# PrivateDevices, ProtectProc=default, ProtectKernelTunables and the writable StateDirectory; setpriv
# for User/Group, NoNewPrivileges and the empty capability sets; UMask; and privs_sandbox.py for the
# seccomp filters (SystemCallFilter expanded by systemd-analyze, RestrictAddressFamilies,
# MemoryDenyWriteExecute, RestrictNamespaces). privs_probe.py shows the sandbox forbids what the same
# user may do without it, so the test cannot pass with a sandbox that does nothing.
# Usage: tests/integration/privs.sh BUILD_DIR   (as root: it builds namespaces and changes user)
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
unit=$repo/boards/common/amp-agent.service.in
. "$here/lib.sh"

settings() { "$AMP_PY" "$here/privs_sandbox.py" settings "$unit"; }
# setting KEY: the unit's value (the last assignment)
setting() { settings | sed -n "s/^$1=//p" | tail -n1; }

# --inside STATE UID GID -- CMD ARGS: the sandbox itself, run by `unshare --mount --uts` as root; ends by
# exec'ing CMD as the user under the seccomp filters. Every step must work: a failure stops it.
if [ "${1:-}" = --inside ]; then
	set -e
	state=$2 uid=$3 gid=$4
	shift 5
	# the state directory stays writable: a mount of its own, left out of the read-only pass below
	mount -n --bind "$state" "$state"
	# ProtectProc=default: a procfs of this namespace's own (PID 1's mount table stays readable)
	mount -n -t proc -o nosuid,nodev,noexec proc /proc
	# ProtectKernelTunables=yes: /proc/sys read-only (made a mount so the pass below reaches it)
	mount -n --bind /proc/sys /proc/sys
	# ProtectSystem=strict: every mount read-only but the API file systems /dev and /proc
	while IFS= read -r mp; do
		mp=$(printf '%b' "$mp")  # mountinfo escapes spaces as \040
		case "$mp" in
		"$state" | /dev | /dev/*) continue ;;
		/proc/sys) ;;
		/proc | /proc/*) continue ;;  # under the new procfs: hidden
		esac
		mount -n -o remount,bind,ro "$mp" 2>/dev/null || {
			# a mount under another one (stacked, or below a mount point hidden since) cannot be reached
			[ "$(stat -c %m "$mp" 2>/dev/null)" != "$mp" ] || { echo "privs: cannot make $mp read-only"; exit 1; }
		}
	done < <(awk '{print $5}' /proc/self/mountinfo)
	# ProtectHome=yes: empty and inaccessible
	for d in /home /root /run/user; do
		if [ -d "$d" ]; then mount -n -t tmpfs -o ro,mode=000,nosuid,nodev,noexec tmpfs "$d"; fi
	done
	# PrivateTmp=yes
	mount -n -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
	mount -n -t tmpfs -o mode=1777,nosuid,nodev tmpfs /var/tmp
	# PrivateDevices=yes: the pseudo devices only, built aside then moved over /dev
	mkdir -m 0755 /tmp/.dev
	mount -n -t tmpfs -o mode=0755,nosuid,noexec tmpfs /tmp/.dev
	for n in null zero full random urandom tty; do
		touch "/tmp/.dev/$n"
		mount -n --bind "/dev/$n" "/tmp/.dev/$n"
	done
	ln -s /proc/self/fd /tmp/.dev/fd
	ln -s /proc/self/fd/0 /tmp/.dev/stdin
	ln -s /proc/self/fd/1 /tmp/.dev/stdout
	ln -s /proc/self/fd/2 /tmp/.dev/stderr
	mkdir -m 1777 /tmp/.dev/shm
	mount -n -t tmpfs -o mode=1777,nosuid,nodev,noexec tmpfs /tmp/.dev/shm
	mount -n --move /tmp/.dev /dev
	rmdir /tmp/.dev
	mount -n -o remount,bind,ro /dev
	umask "$(setting UMask)"
	# User=, Group=, NoNewPrivileges=yes, CapabilityBoundingSet= and AmbientCapabilities= (both empty)
	exec setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs --bounding-set=-all \
		--inh-caps=-all --ambient-caps=-all -- "$AMP_PY" "$here/privs_sandbox.py" exec "$unit" -- "$@"
fi

build=$(cd "${1:-$repo/build}" && pwd)
agent=$build/amp-agent

[ -x "$agent" ] || { echo "no agent at $agent"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "privs.sh needs root: it builds mount namespaces and changes user"; exit 1; }
for tool in unshare setpriv systemd-analyze prometheus; do
	command -v "$tool" >/dev/null || { echo "privs.sh needs $tool"; exit 1; }
done
"$AMP_PY" -c 'import seccomp' 2>/dev/null || { echo "privs.sh needs python3-seccomp"; exit 1; }

# --- 1. The unit: what this test emulates must be what the unit says --------------------------------
# Every [Service] setting is either emulated here (and must have the value emulated), or listed as not
# emulated, or not hardening: a new setting in the unit fails the test until it is sorted into one.
declare -A emulated=(
	[User]=@AMP_USER@ [Group]=@AMP_USER@ [NoNewPrivileges]=yes [CapabilityBoundingSet]="" [AmbientCapabilities]=""
	[ProtectSystem]=strict [ProtectHome]=yes [PrivateTmp]=yes [PrivateDevices]=yes [ProtectKernelTunables]=yes
	[ProtectProc]=default [ProtectHostname]=yes [PrivateMounts]=yes [StateDirectory]=amp-agent
	[RestrictAddressFamilies]="AF_UNIX AF_INET AF_INET6" [MemoryDenyWriteExecute]=yes [RestrictNamespaces]=yes
	[StateDirectoryMode]='*' [UMask]='*' [SystemCallFilter]='*' [SystemCallErrorNumber]='*'
	[Type]=notify [NotifyAccess]=main [ExecStart]='*'
)
# Not emulated: their effect is also had otherwise here (no capabilities, read-only /sys and /proc/sys),
# or is outside what one run can show.
not_emulated="ProtectKernelModules ProtectKernelLogs ProtectControlGroups RestrictRealtime RestrictSUIDSGID \
LockPersonality RemoveIPC SystemCallArchitectures"
not_hardening="WatchdogSec Restart RestartSec RestartPreventExitStatus TimeoutStopSec"
declare -A seen=()
while IFS='=' read -r key value; do
	seen[$key]=1
	if [ -n "${emulated[$key]+x}" ]; then
		want=${emulated[$key]}
		[ "$want" = '*' ] || [ "$value" = "$want" ] ||
			bad "the unit says $key=$value; privs.sh emulates $key=$want: update it"
	elif ! grep -qw -- "$key" <<<"$not_emulated $not_hardening"; then
		bad "the unit sets $key=$value, which privs.sh neither emulates nor lists as not emulated"
	fi
done < <(settings)
for key in NoNewPrivileges ProtectSystem ProtectHome PrivateTmp PrivateDevices SystemCallFilter StateDirectory UMask; do
	[ -n "${seen[$key]+x}" ] || bad "the unit no longer sets $key: update privs.sh"
done
echo "note - unit settings not emulated (checked by systemd-analyze in make test-packaging only): $not_emulated"
umask_unit=$(setting UMask)
state_mode=$(setting StateDirectoryMode)
allowed=$("$AMP_PY" "$here/privs_sandbox.py" syscalls "$unit") || { echo "privs.sh: cannot expand SystemCallFilter="; exit 1; }
n_allowed=$(wc -l <<<"$allowed")
check "SystemCallFilter= expands to an allow list of $n_allowed calls with adjtimex and without setuid, chown, setpriority" \
	test "$n_allowed" -gt 100 -a -n "$(grep -x adjtimex <<<"$allowed")" -a -z "$(grep -x -e setuid -e chown -e setpriority <<<"$allowed")"

# --- 2. The user, the packaged layout ---------------------------------------------------------------
# The packaged amp-agent user when there is one; else ids free in systemd's DynamicUser= range, so that the
# test adds no account to the machine.
if getent passwd amp-agent >/dev/null && getent group amp-agent >/dev/null; then
	uid=$(getent passwd amp-agent | cut -d: -f3)
	gid=$(getent group amp-agent | cut -d: -f3)
	who="the amp-agent user"
else
	uid=61184
	while getent passwd "$uid" >/dev/null || getent group "$uid" >/dev/null; do uid=$((uid + 1)); done
	gid=$uid
	who="an unused uid"
fi
echo "note - running as $who: uid $uid, gid $gid"

# The unit hides /tmp, /var/tmp, /home, /root and /run/user from the agent (PrivateTmp=, ProtectHome=): a
# checkout or build there would vanish inside the sandbox. So what the sandbox runs (the agent, these
# scripts, the unit) and its files (configuration, CA, state, notify socket) are staged under /var/lib,
# where the unit keeps its StateDirectory, and removed at exit.
stage=$(mktemp -d /var/lib/amp-privs.XXXXXX)
trap 'amp_cleanup; [ -n "${AMP_KEEP:-}" ] || rm -rf "$stage"' EXIT
mkdir -p "$stage/tests/integration" "$stage/boards/common" "$stage/bin" "$stage/work"
cp "$here/privs.sh" "$here/privs_sandbox.py" "$here/privs_probe.py" "$here/lib.sh" "$stage/tests/integration/"
cp "$unit" "$stage/boards/common/"
cp "$agent" "$stage/bin/amp-agent"
chmod -R a+rX "$stage"
boxed=$stage/tests/integration  # the scripts the sandbox runs
agent=$stage/bin/amp-agent
work=$stage/work
chmod 0755 "$work"  # the user must reach the configuration, the CA and the notify socket
amp_make_certs "$work"
chmod 0644 "$work/ca.pem"
state=$work/var/lib/amp-agent        # StateDirectory=amp-agent, StateDirectoryMode=
mkdir -p "$state" "$work/outside" "$work/etc/amp-agent"
chown "$uid:$gid" "$state" "$work/outside"
chmod "$state_mode" "$state"
chmod 0700 "$work/outside"
# the packaged layout of the configuration: root:amp-agent, 0750 directory, 0640 file
chown "root:$gid" "$work/etc/amp-agent"
chmod 0750 "$work/etc/amp-agent"
setpriv --reuid="$uid" --regid="$gid" --clear-groups test -x "$agent" ||
	{ echo "privs.sh: uid $uid cannot run $agent (a directory on its path is closed to others)"; exit 1; }

# the spool is Kconfig's choice (CONFIG_SPOOL); without it the spool phase is left out
if grep -q '^#define CONFIG_SPOOL 1' "$build/generated/amp_config.h" 2>/dev/null; then
	spool_keys="spool_dir = $state
spool_interval = 1s"
else
	spool_keys=""
	echo "note - this build has no spool (CONFIG_SPOOL): its checks are left out"
fi
prom_port=$(amp_free_port)
down_port=$(amp_free_port)  # nobody listens there: the spool phase
amp_start_prometheus "$work" "$prom_port" 300 || exit 1
token="privsToken$RANDOM$RANDOM$RANDOM"

# write_config NAME URL INSTANCE: a configuration holding a secret inline (the bearer token, which
# Prometheus ignores), root:amp-agent 0640 as packaged
write_config() {
	cat >"$work/etc/amp-agent/$1" <<INI
[agent]
interval = 1s
instance = $3
job = amp-agent-privs
log_level = info
$spool_keys
shutdown_timeout = 2s

[remote_write]
url = $2
ca_file = $work/ca.pem
remote_timeout = 5s
batch_send_deadline = 1s
max_backoff = 1s
bearer_token = $token
INI
	chown "root:$gid" "$work/etc/amp-agent/$1"
	chmod 0640 "$work/etc/amp-agent/$1"
}
write_config live.ini "https://localhost:$prom_port/api/v1/write" privs-live
write_config down.ini "https://localhost:$down_port/api/v1/write" privs-spooled

# "${env0[@]}" [VAR=VALUE ...] "${box[@]}" CMD ARGS: CMD under the unit's hardening, with the clean
# environment of a service (systemd passes PATH, LANG and its own variables, not the caller's). Every exec
# of the chain (env, unshare, privs.sh --inside, setpriv, privs_sandbox.py) replaces the process: CMD keeps
# the pid, as a service's main process does.
env0=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8)
box=(unshare --mount --uts --propagation private -- "$boxed/privs.sh" --inside "$state" "$uid" "$gid" --)
# the same user without the sandbox (the control)
unconfined=("${env0[@]}" setpriv --reuid="$uid" --regid="$gid" --clear-groups --)

# --- 3. The sandbox forbids what the user could do without it -----------------------------------------
timeout 60 "${unconfined[@]}" "$AMP_PY" "$boxed/privs_probe.py" unconfined "$state" "$work/outside" "$umask_unit" \
	>"$work/probe-unconfined.out" 2>&1
rc=$?
cat "$work/probe-unconfined.out"
check "the probes succeed for the user without the sandbox (rc $rc)" test "$rc" -eq 0 -a -e "$work/outside/x"
rm -f "$work/outside/x"
timeout 60 "${env0[@]}" "${box[@]}" "$AMP_PY" "$boxed/privs_probe.py" sandboxed "$state" "$work/outside" "$umask_unit" \
	>"$work/probe-sandboxed.out" 2>&1
rc=$?
cat "$work/probe-sandboxed.out"
check "the sandbox forbids each of them, with systemd's errno (rc $rc)" test "$rc" -eq 0
check "nothing was written outside the state directory" test ! -e "$work/outside/x"
rm -f "$state"/probe-*

# --- 4. The configuration check: root:amp-agent 0640 holding a secret is the packaged layout, no warning
timeout 60 "${env0[@]}" "${box[@]}" "$agent" -c "$work/etc/amp-agent/live.ini" --check >"$work/check.out" 2>&1
rc=$?
check "--check in the sandbox accepts the packaged root:amp-agent 0640 configuration (rc $rc)" test "$rc" -eq 0
check "... without a warning about its mode" test -z "$(grep -i 'readable\|writable' "$work/check.out")"

# --- 5. Every default collector: as root, as the user, as the user in the sandbox --------------------
# What the user loses against root is listed (the kernel's own permissions: not the unit's doing); what
# the sandbox loses against the same user without it is the unit's doing, and fails the test.
ini=$work/etc/amp-agent/live.ini
timeout 60 "$agent" -c "$ini" --print >"$work/print-root.prom" 2>"$work/print-root.err"
rc_root=$?
timeout 60 "${unconfined[@]}" "$agent" -c "$ini" --print >"$work/print-user.prom" 2>"$work/print-user.err"
rc_user=$?
timeout 60 "${env0[@]}" "${box[@]}" "$agent" -c "$ini" --print >"$work/print-sandboxed.prom" 2>"$work/print-sandboxed.err"
rc=$?
check "--print exits 0 in the sandbox (rc $rc; as the user $rc_user, as root $rc_root)" \
	test "$rc" -eq 0 -a "$rc_user" -eq 0 -a "$rc_root" -eq 0
check "--print in the sandbox logs no error about permissions or system calls" \
	test -z "$(grep -i 'permi\|denied\|read-only\|EPERM\|not supported' "$work/print-sandboxed.err")"
[ -s "$work/print-sandboxed.err" ] && { echo "its log:"; sed 's/^/    /' "$work/print-sandboxed.err"; }
"$AMP_PY" - "$work/print-root.prom" "$work/print-user.prom" "$work/print-sandboxed.prom" >"$work/families.out" <<'PY'
import collections, re, sys
def read(path):
    n, series = collections.Counter(), {}
    for line in open(path):
        if line.strip() and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            n[re.split("[{ ]", key)[0]] += 1
            series[key] = value.strip()
    return n, series
(root, root_s), (user, _), (boxed, boxed_s) = (read(p) for p in sys.argv[1:4])
print(f"note - series: {sum(root.values())} as root, {sum(user.values())} as the user, "
      f"{sum(boxed.values())} as the user in the sandbox")
lost = 0
for name in sorted(set(root) | set(user) | set(boxed)):
    if not (root[name] == user[name] == boxed[name]):
        print(f"note -   {name}: {root[name]} as root, {user[name]} as the user, {boxed[name]} in the sandbox")
    if user[name] and not boxed[name]:
        print(f"FAIL - {name}: the user has it, the sandbox loses it (a system call or a path the unit forbids)")
        lost += 1
# The mounts: the collector reads the host's table (/proc/1/mountinfo, which ProtectProc=default leaves
# readable), so the sandbox's read-only remounts and its own mounts must not show as file systems.
for key, value in sorted(boxed_s.items()):
    if key.startswith("node_filesystem_readonly{") and root_s.get(key, value) != value:
        mp = re.search(r'mountpoint="([^"]*)"', key).group(1)
        print(f"FAIL - node_filesystem_readonly of {mp}: {root_s[key]} as root, {value} in the sandbox")
        lost += 1
    elif key.startswith("node_filesystem_readonly{") and key not in root_s:
        mp = re.search(r'mountpoint="([^"]*)"', key).group(1)
        print(f"FAIL - a mount of the sandbox's own shows as a file system: {mp}")
        lost += 1
sys.exit(1 if lost else 0)
PY
rc=$?
cat "$work/families.out"
check "no family the user collects is lost in the sandbox, and its file systems are the host's" test "$rc" -eq 0
n_root=$(grep -c '^node_' "$work/print-root.prom")
n_boxed=$(grep -c '^node_' "$work/print-sandboxed.prom")
check "the sandboxed collection has node_ series ($n_boxed; $n_root as root)" test "$n_boxed" -gt 100
for name in node_load1 node_memory_MemAvailable_bytes node_cpu_seconds_total node_filesystem_avail_bytes \
	node_network_receive_bytes_total node_timex_offset_seconds node_uname_info node_boot_time_seconds; do
	check "the sandboxed collection has $name" grep -q "^${name}[{ ]" "$work/print-sandboxed.prom"
done

# --- 6. Pushes failing: the spool is written in the state directory -----------------------------------
if [ -n "$spool_keys" ]; then
timeout 60 "${env0[@]}" "${box[@]}" "$agent" -c "$work/etc/amp-agent/down.ini" >"$work/down.out" 2>&1 &
down_pid=$!
amp_pids+=("$down_pid")
sleep 5
kill -TERM "$down_pid"  # timeout passes it on to the agent
wait "$down_pid"
rc=$?
check "the agent in the sandbox with its receiver down stops cleanly on SIGTERM (rc $rc)" test "$rc" -eq 0
spools=$(find "$state" -name '*.spool' -size +0 | wc -l)
check "it spooled to the state directory ($spools spool files)" test "$spools" -ge 1
bad_owner=$(find "$state" -mindepth 1 \( ! -user "$uid" -o -perm /077 \) -printf '%p %u %m\n')
check "everything in the state directory is the user's, closed to others (UMask=$umask_unit) ${bad_owner:+($bad_owner)}" \
	test -z "$bad_owner"
check "no error about permissions in its log" test -z "$(grep -i 'permi\|denied\|read-only' "$work/down.out")"
fi

# --- 7. Pushes succeeding, with systemd's notify socket --------------------------------------------------
timeout 60 "$AMP_PY" - "$work/notify.sock" "$work/notify.log" <<'PY' &
import os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)  # as systemd's /run/systemd/notify: any service's user may send
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
with open(sys.argv[2], "w", buffering=1) as log:
    while True:
        data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
        pid = next((struct.unpack("iII", p[:12])[0] for l, k, p in anc
                    if l == socket.SOL_SOCKET and k == socket.SCM_CREDENTIALS), None)
        log.write(f"{pid} {data.decode(errors='replace')}\n")
PY
amp_pids+=($!)
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -S "$work/notify.sock" ] && break; sleep 0.2; done
timeout 60 "${env0[@]}" NOTIFY_SOCKET="$work/notify.sock" WATCHDOG_USEC=2000000 "${box[@]}" \
	"$agent" -c "$work/etc/amp-agent/live.ini" >"$work/live.out" 2>&1 &
live_pid=$!
amp_pids+=("$live_pid")
sleep 6
main_pid=$(pgrep -P "$live_pid" | head -n1)
kill -TERM "$live_pid"
wait "$live_pid"
rc=$?
sleep 0.3
check "the agent in the sandbox pushing to Prometheus stops cleanly on SIGTERM (rc $rc)" test "$rc" -eq 0
check "it sent READY=1 first, from its main pid $main_pid (NotifyAccess=main)" \
	test "$(head -n1 "$work/notify.log")" = "$main_pid READY=1"
check "it sent WATCHDOG=1 from its main pid" grep -qx "$main_pid WATCHDOG=1" "$work/notify.log"
check "it sent STOPPING=1 last" test "$(tail -n1 "$work/notify.log")" = "$main_pid STOPPING=1"
check "no error about permissions in its log" test -z "$(grep -i 'permi\|denied\|read-only' "$work/live.out")"
check "it logged no errors" test -z "$(grep '^error ' "$work/live.out")"
got=$(amp_query "$work" "$prom_port" 'count_over_time(node_load1{job="amp-agent-privs",instance="privs-live"}[5m])')
check "Prometheus has the live collections (${got##* } samples of node_load1)" test "${got##* }" -ge 2 2>/dev/null
got=$(amp_query "$work" "$prom_port" 'count(count by (__name__) ({job="amp-agent-privs",instance="privs-live"}))')
check "... of every family the sandboxed --print had (${got##* } names)" \
	test "${got##* }" -ge "$(grep -v '^#' "$work/print-sandboxed.prom" | sed 's/[{ ].*//' | sort -u | wc -l)" 2>/dev/null
if [ -n "$spool_keys" ]; then
	got=$(amp_query "$work" "$prom_port" 'count_over_time(node_load1{job="amp-agent-privs",instance="privs-spooled"}[5m])')
	check "the spooled collections were replayed from the state directory (${got##* } samples)" test "${got##* }" -ge 1 2>/dev/null
	check "the delivered position is kept in the state directory" test -s "$state/ack"
fi

# --- 8. Secrets never in the output ----------------------------------------------------------------------
leaks=$(grep -l -- "$token" "$work"/*.out "$work"/*.err "$work"/*.prom "$work"/*.log 2>/dev/null)
check "the bearer token appears in no output ${leaks:+($leaks)}" test -z "$leaks"

echo "privs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
