#!/usr/bin/env bash
# Store and forward against a fault-injecting receiver: every sample arrives exactly once and in order
# through 503s, 429 with Retry-After, connections cut mid-request and mid-response, a slow answer and an
# outage; a 400 drops exactly the refused samples; an outage longer than a small ring drops only the
# oldest, and the drop counter equals what is missing.
# Usage: tests/integration/store_forward.sh BUILD_DIR [SMALL_RING_BUILD_DIR]
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
agent=$(cd "${1:-$repo/build}" && pwd)/amp-agent
small_agent=${2:+$(cd "$2" && pwd)/amp-agent}
. "$here/lib.sh"

work=$(mktemp -d /tmp/amp-sf.XXXXXX)
trap 'amp_cleanup; [ -n "${AMP_KEEP:-}" ] || rm -rf "$work"' EXIT

port=$(amp_free_port)
cport=$(amp_free_port)
timeout 300 "$AMP_PY" "$here/fault_receiver.py" --port "$port" --control-port "$cport" --max-seconds 280 \
	>"$work/receiver.log" 2>&1 &
amp_pids+=($!)
amp_wait_port "$cport" 30 || { echo "receiver did not start"; cat "$work/receiver.log"; exit 1; }

amp_agent_setup "$work" agent
[ -z "$small_agent" ] || amp_agent_setup "$work" small_agent

ctl() { curl -sS --fail -X POST -H 'Content-Type: application/json' -d "$2" "http://127.0.0.1:$cport$1" >/dev/null; }
snapshot() { curl -sS --fail "http://127.0.0.1:$cport/samples" >"$1"; }

# write_config FILE INSTANCE [SPOOL_DIR]
write_config() {
	cat >"$1" <<INI
[agent]
interval = 200ms
instance = $2
procfs = $repo/tests/fixtures/proc
sysfs = $repo/tests/fixtures/sys
shutdown_timeout = 15s
log_level = info

[remote_write]
url = http://127.0.0.1:$port/api/v1/write
remote_timeout = 1s
batch_send_deadline = 200ms
min_backoff = 50ms
max_backoff = 1s
sample_age_limit = 0
INI
	if [ -n "${3:-}" ]; then
		sed -i "/^\[remote_write\]/i spool_dir = $3\nspool_interval = 1s\nspool_max_bytes = 1MiB\n" "$1"
	fi
}

# run_agent BINARY CONFIG LOG: starts the agent in the background; its pid is in $agent_pid
run_agent() {
	timeout 200 "$1" -c "$2" >"$3" 2>&1 &
	agent_pid=$!
	amp_pids+=("$agent_pid")
}

# stop_agent: SIGTERM, then the exit status in $rc (in this shell: a subshell cannot wait for it)
stop_agent() {
	kill -TERM "$agent_pid"
	wait "$agent_pid"
	rc=$?
}

# --- 1. faults the agent must ride out without losing or duplicating a sample ---
write_config "$work/a.ini" sf-faults
run_agent "$agent" "$work/a.ini" "$work/agent-a.log"
sleep 1.5
ctl /fault '{"status": 503, "count": 3}'
sleep 1
ctl /fault '{"status": 429, "retry_after": 1, "count": 1}'
sleep 1.5
ctl /fault '{"close": "request", "count": 1}'
ctl /fault '{"close": "response", "count": 2}'
sleep 1
ctl /fault '{"slow": 1.5, "count": 1}'
sleep 2
ctl /down '{"seconds": 3}'
sleep 5
stop_agent
check "the agent exits 0 on SIGTERM after draining (rc $rc)" test "$rc" -eq 0
snapshot "$work/a.json"
"$AMP_PY" - "$work/a.json" sf-faults >"$work/a.check" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
inst = sys.argv[2]
series = [s for s in d["series"] if s["labels"].get("instance") == inst]
fail = []
def named(n): return [s for s in series if s["labels"]["__name__"] == n]
# every collection's timestamp: the up series has one sample per collection
up = named("up")
if len(up) != 1: fail.append("up series: %d" % len(up))
times = [t for t, _ in up[0]["samples"]] if up else []
if times != sorted(set(times)): fail.append("up timestamps out of order or repeated")
# per series, in time order, each exactly once; series present in every collection have every timestamp
for s in series:
    ts = [t for t, _ in s["samples"]]
    if ts != sorted(ts) or len(ts) != len(set(ts)):
        fail.append("%s: out of order" % s["labels"])
for n in ("node_load1", "node_memory_MemTotal_bytes", "amp_agent_samples_collected_total"):
    for s in named(n):
        got = [t for t, _ in s["samples"]]
        if got != times: fail.append("%s: %d samples for %d collections" % (n, len(got), len(times)))
if d["conflicts"]: fail.append("conflicting values at one timestamp: %d" % d["conflicts"])
# nothing dropped by the agent, per its own counters at the last collection
for s in named("amp_agent_samples_dropped_total"):
    last = s["samples"][-1][1]
    if last != 0: fail.append("dropped %s: %s" % (s["labels"]["reason"], last))
kinds = {r.get("fault") or r.get("status") for r in d["requests"]}
for k in (503, 429, "close-request", "close-response", "down"):
    if k not in kinds: fail.append("fault %s never happened" % k)
print("collections %d, series %d, duplicates dropped by the receiver %d" % (len(times), len(series), d["duplicates"]))
if len(times) < 30: fail.append("only %d collections" % len(times))
print("\n".join(fail) if fail else "consistent")
sys.exit(1 if fail else 0)
PY
rc=$?
cat "$work/a.check"
check "503, 429, cut connections, a slow answer and an outage: every sample exactly once, in order" test "$rc" -eq 0
# 429 with Retry-After: 1 means the next request waited at least a second
"$AMP_PY" - "$work/a.json" >"$work/ra.check" 2>&1 <<'PY'
import json, sys
reqs = json.load(open(sys.argv[1]))["requests"]
i = next(i for i, r in enumerate(reqs) if r.get("status") == 429)
gap = reqs[i + 1]["t"] - reqs[i]["t"]
print("after 429 with Retry-After 1: next request %.2f s later" % gap)
sys.exit(0 if gap >= 0.95 else 1)
PY
rc=$?
cat "$work/ra.check"
check "Retry-After is honoured" test "$rc" -eq 0
check "one error line per outage, not one per retry" test "$(grep -c '^error push' "$work/agent-a.log")" -le 8

# --- 2. a 400 drops exactly the refused samples, counted ---
write_config "$work/b.ini" sf-reject
run_agent "$agent" "$work/b.ini" "$work/agent-b.log"
sleep 1
ctl /fault '{"status": 400, "count": 1}'
sleep 1.5
stop_agent
snapshot "$work/b.json"
"$AMP_PY" - "$work/b.json" sf-reject >"$work/b.check" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
series = [s for s in d["series"] if s["labels"].get("instance") == sys.argv[2]]
rej = [s for s in series if s["labels"]["__name__"] == "amp_agent_samples_dropped_total" and s["labels"]["reason"] == "rejected"][0]
counted = rej["samples"][-1][1]
print("refused by the receiver: %d samples; counted by the agent: %d" % (d["refused_samples"], counted))
sys.exit(0 if counted == d["refused_samples"] and counted > 0 else 1)
PY
rc=$?
cat "$work/b.check"
check "a 400 drops the request, and amp_agent_samples_dropped_total{reason=\"rejected\"} equals the refused samples" test "$rc" -eq 0
check "the 400's message is logged" grep -q 'answered 400: injected 400' "$work/agent-b.log"

# --- 2b. SIGHUP during an outage: buffered samples keep the labels they were collected with ---
write_config "$work/h.ini" sf-hup-a
run_agent "$agent" "$work/h.ini" "$work/agent-h.log"
sleep 1
ctl /down '{"seconds": 4}'
sleep 1.5
sed -i 's/^instance = sf-hup-a/instance = sf-hup-b/' "$work/h.ini"
pkill -HUP -P "$agent_pid"
sleep 1
printf '[agent]\nbogus = 1\n' >>"$work/h.ini" # a broken file: the running configuration stays
pkill -HUP -P "$agent_pid"
sleep 4
stop_agent
snapshot "$work/h.json"
"$AMP_PY" - "$work/h.json" >"$work/h.check" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def ups(inst):
    s = [x for x in d["series"] if x["labels"]["__name__"] == "up" and x["labels"].get("instance") == inst]
    return [t for t, _ in s[0]["samples"]] if s else []
a, b = ups("sf-hup-a"), ups("sf-hup-b")
ts = a + b
gaps = [y - x for x, y in zip(ts, ts[1:])]
print("before the reload %d collections, after %d, largest gap %d ms" % (len(a), len(b), max(gaps)))
sys.exit(0 if a and b and a[-1] < b[0] and max(gaps) < 1000 else 1)
PY
rc=$?
cat "$work/h.check"
check "SIGHUP during an outage: collections before it keep the old instance label, none lost" test "$rc" -eq 0
check "a broken file on SIGHUP keeps the running configuration" grep -q "not reloaded; the running configuration stays in force" "$work/agent-h.log"

# --- 3. an outage longer than the ring: only the oldest go, and the counter says how many ---
if [ -n "$small_agent" ]; then
	write_config "$work/c.ini" sf-overflow
	run_agent "$small_agent" "$work/c.ini" "$work/agent-c.log"
	sleep 1
	ctl /down '{"seconds": 25}'
	sleep 28
	stop_agent
	snapshot "$work/c.json"
	"$AMP_PY" - "$work/c.json" sf-overflow >"$work/c.check" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
series = [s for s in d["series"] if s["labels"].get("instance") == sys.argv[2]]
def one(n, **lb):
    return [s for s in series if s["labels"]["__name__"] == n and all(s["labels"].get(k) == v for k, v in lb.items())][0]
up = one("up")["samples"]
collected_before_last = one("amp_agent_samples_collected_total")["samples"][-1][1]
per_frame = sum(1 for s in series if s["samples"][-1][0] == up[-1][0])
received = sum(len(s["samples"]) for s in series)
total = collected_before_last + per_frame
dropped = one("amp_agent_samples_dropped_total", reason="ring_full")["samples"][-1][1]
ts = [t for t, _ in up]
gaps = [b - a for a, b in zip(ts, ts[1:])]
big = [g for g in gaps if g > 1000]
print("collected %d, received %d, counted ring_full %d, gaps over 1 s: %s" % (total, received, dropped, big))
ok = dropped > 0 and total - received == dropped and len(big) == 1
sys.exit(0 if ok else 1)
PY
	rc=$?
	cat "$work/c.check"
	check "outage longer than the ring: one gap at the oldest end, and ring_full counts exactly what is missing" test "$rc" -eq 0
fi

# --- 4. with a spool, an outage longer than the ring loses nothing ---
if [ -n "$small_agent" ]; then
	write_config "$work/d.ini" sf-spool "$work/spool-d"
	run_agent "$small_agent" "$work/d.ini" "$work/agent-d.log"
	sleep 1
	ctl /down '{"seconds": 20}'
	sleep 24
	stop_agent
	snapshot "$work/d.json"
	"$AMP_PY" - "$work/d.json" sf-spool >"$work/d.check" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
series = [s for s in d["series"] if s["labels"].get("instance") == sys.argv[2]]
def one(n, **lb):
    return [s for s in series if s["labels"]["__name__"] == n and all(s["labels"].get(k) == v for k, v in lb.items())][0]
ts = [t for t, _ in one("up")["samples"]]
gaps = [b - a for a, b in zip(ts, ts[1:])]
dropped = {s["labels"]["reason"]: s["samples"][-1][1] for s in series if s["labels"]["__name__"] == "amp_agent_samples_dropped_total"}
order = all([t for t, _ in s["samples"]] == sorted(t for t, _ in s["samples"]) for s in series)
per_series = {len(s["samples"]) for s in series if s["labels"]["__name__"].startswith("node_")}
print("collections %d, largest gap %d ms, drops %s, node_* samples per series %s, in order %s" %
      (len(ts), max(gaps), dropped, per_series, order))
ok = max(gaps) < 1000 and all(v == 0 for v in dropped.values()) and per_series == {len(ts)} and order and d["conflicts"] == 0
sys.exit(0 if ok else 1)
PY
	rc=$?
	cat "$work/d.check"
	check "with a spool, a 20 s outage over a 4 KiB ring loses nothing and keeps order" test "$rc" -eq 0
	check "the spool directory is empty once everything is delivered" test -z "$(ls "$work/spool-d" | grep -v '^ack')"

	# --- 5. kill -9 at random moments during an outage, restart: at most spool_interval lost per kill ---
	dup_before=$(curl -sS "http://127.0.0.1:$cport/samples" | "$AMP_PY" -c 'import json,sys; print(json.load(sys.stdin)["duplicates"])')
	write_config "$work/e.ini" sf-kill "$work/spool-e"
	ctl /down '{"seconds": 22}'
	for i in 1 2 3 4 5; do
		run_agent "$small_agent" "$work/e.ini" "$work/agent-e$i.log"
		sleep "$("$AMP_PY" -c 'import random; print(round(random.uniform(1.5, 3.5), 2))')"
		# the agent is timeout's child: SIGKILL it, not timeout (which would leave it running)
		pkill -9 -P "$agent_pid"
		wait "$agent_pid" 2>/dev/null
	done
	run_agent "$small_agent" "$work/e.ini" "$work/agent-e-final.log"
	sleep 12
	stop_agent
	snapshot "$work/e.json"
	"$AMP_PY" - "$work/e.json" sf-kill "$dup_before" >"$work/e.check" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
series = [s for s in d["series"] if s["labels"].get("instance") == sys.argv[2]]
ts = [t for t, _ in [s for s in series if s["labels"]["__name__"] == "up"][0]["samples"]]
gaps = [b - a for a, b in zip(ts, ts[1:])]
order = all([t for t, _ in s["samples"]] == sorted(t for t, _ in s["samples"]) for s in series)
dups = d["duplicates"] - int(sys.argv[3])
print("collections %d, gaps over 0.5 s: %s, duplicates %d, in order %s" % (len(ts), [g for g in gaps if g > 500], dups, order))
# a kill loses what was collected since the last spool write (spool_interval = 1 s) plus the restart
ok = max(gaps) <= 2000 and dups == 0 and order and d["conflicts"] == 0 and len(ts) > 40
sys.exit(0 if ok else 1)
PY
	rc=$?
	cat "$work/e.check"
	check "kill -9 five times during an outage: each loses at most spool_interval, nothing accepted is sent again" test "$rc" -eq 0
fi

# --- 6. a spool that cannot be written (unusable directory, or full) is reported and not fatal ---
if [ -n "$small_agent" ]; then
	write_config "$work/f.ini" sf-spool-ro /proc/amp-spool-test
	run_agent "$small_agent" "$work/f.ini" "$work/agent-f.log"
	sleep 1.5
	stop_agent
	check "an unusable spool_dir is reported and the agent runs on (rc $rc)" test "$rc" -eq 0
	check "the unusable spool_dir is named in the log" grep -q "spool_dir unusable" "$work/agent-f.log"
	write_config "$work/g.ini" sf-spool-full "$work/spool-g"
	# a 2 KiB file-size limit: the spool's first append fails as a full disk would
	(ulimit -f 2 && exec timeout 60 "$small_agent" -c "$work/g.ini") >"$work/agent-g.log" 2>&1 &
	agent_pid=$!
	amp_pids+=("$agent_pid")
	sleep 1
	ctl /down '{"seconds": 3}'
	sleep 5
	kill -TERM "$agent_pid"
	wait "$agent_pid"
	rc=$?
	check "a full spool is reported, the agent keeps pushing and exits 0 (rc $rc)" test "$rc" -eq 0
	check "the full spool is named in the log" grep -q "cannot append (no space left)" "$work/agent-g.log"
	check "pushing resumed after the outage" grep -q "accepts samples again" "$work/agent-g.log"
fi

check "no sanitizer or valgrind report from the agent" amp_no_reports "$work" "$work"/agent-*.log

if [ "$failed" -ne 0 ]; then
	for f in "$work"/agent-*.log; do echo "--- $(basename "$f")"; tail -20 "$f"; done
fi
echo "store-forward: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
