#!/usr/bin/env bash
# The benchmark of issue 7: amp-agent against Debian's prometheus (agent mode) + prometheus-node-exporter,
# side by side on loopback, each pushing to its own recording TLS receiver (bench/receiver.py); then
# callgrind cycles, binary sizes, the ring, an outage's backlog drained, and scaling with the number of
# series (the synthetic collector). Writes bench/results/{results.md,results.json,chart.png,scaling.dat}.
# Every server runs under `timeout` and is stopped by its own pid. Not part of `make test`.
# Usage: bench/run.sh [--quick]
# Environment: BENCH_SECONDS (180; 60 quick), BENCH_INTERVAL (5s), BENCH_BACKLOG (720 collections = one
# hour at 5 s), BENCH_BUILD, BENCH_STATIC_BUILD, BENCH_SCALE_BUILD, BENCH_AARCH64_BUILD (build dirs),
# BENCH_RESULTS (bench/results); BENCH_ONLY=scaling runs the scaling part alone and updates only its part of
# the results; BENCH_SCALE_SERIES ("0 100 1000 10000"), BENCH_SCALE_SECONDS (30: the steady span sampled
# per size), BENCH_SCALE_CG ("6 16": the two callgrind runs' seconds, up to 1,250 series; longer in proportion
# above, as a cycle under callgrind then takes more than the 1 s interval).
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$repo/tests/integration/lib.sh"

quick=
[ "${1:-}" = "--quick" ] && quick=1
seconds=${BENCH_SECONDS:-$([ -n "$quick" ] && echo 60 || echo 180)}
interval=${BENCH_INTERVAL:-5s}
backlog=${BENCH_BACKLOG:-720}
dyn_build=${BENCH_BUILD:-$repo/build-bench}
static_build=${BENCH_STATIC_BUILD:-$repo/build-bench-static}
scale_build=${BENCH_SCALE_BUILD:-$repo/build-bench-scale}
aarch64_build=${BENCH_AARCH64_BUILD:-$repo/build-bench-aarch64}
results=${BENCH_RESULTS:-$here/results}
only=${BENCH_ONLY:-}
case $only in "" | scaling) ;; *) echo "bench: BENCH_ONLY=$only: only 'scaling' is known"; exit 2 ;; esac
# The scaling build: the synthetic collector (test and benchmark only), and room for 10,000 series more
# than the host's (the registry stops at 2,048 by default; each synthetic series' label takes 12 bytes of
# the arena). Everything else is the default configuration, as the series would meet it.
scale_series=${BENCH_SCALE_SERIES:-0 100 1000 10000}
scale_seconds=${BENCH_SCALE_SECONDS:-30}
scale_cg=${BENCH_SCALE_CG:-6 16}
scale_overrides="CONFIG_COLLECTOR_SYNTHETIC=y;CONFIG_MAX_SERIES=12000;CONFIG_LABEL_ARENA_BYTES=262144"

for cmd in $([ -z "$only" ] && echo prometheus prometheus-node-exporter strip) valgrind gnuplot openssl; do
	command -v "$cmd" >/dev/null || { echo "bench: $cmd is not installed (make bench installs BENCH_DEB_PACKAGES)"; exit 1; }
done

# Builds (incrementally) the default configuration (shared libraries and static; MinSizeRel, as the boards
# ship), the scaling sizes, and aarch64 (the aarch64-gateway board's configuration) when its cross compiler is there.
build() {
	local dir=$1; shift
	cmake -S "$repo" -B "$dir" -DAMP_BUILD_TESTS=OFF "$@" >/dev/null && cmake --build "$dir" -j"$(nproc)" >/dev/null 2>&1
}
build "$scale_build" "-DAMP_CONFIG_OVERRIDES=$scale_overrides" || exit 1
if [ -z "$only" ]; then
	build "$dyn_build" -DAMP_LINK=dynamic -DCMAKE_BUILD_TYPE=MinSizeRel || exit 1
	build "$static_build" -DAMP_LINK=static -DCMAKE_BUILD_TYPE=MinSizeRel || exit 1
fi
if [ -z "$only" ] && command -v aarch64-linux-gnu-gcc >/dev/null; then
	build "$aarch64_build" -DBOARD=aarch64-gateway -DCMAKE_BUILD_TYPE=MinSizeRel \
		-DCMAKE_TOOLCHAIN_FILE="$repo/boards/aarch64-gateway/toolchain.cmake" || echo "bench: no aarch64 build"
fi

work=$(mktemp -d /tmp/amp-bench.XXXXXX)
trap 'amp_cleanup; [ -n "${AMP_KEEP:-}" ] || rm -rf "$work"' EXIT
amp_make_certs "$work"
mkdir -p "$results"

# child PID: the process `timeout` started (the one to measure).
child() {
	local i
	for i in $(seq 50); do
		pgrep -P "$1" && return 0
		sleep 0.1
	done
	return 1
}

# receiver NAME PORT MAX_SECONDS [DOWN_UNTIL]: a recording receiver; its pid in $rpid, stats in $work/NAME.json
receiver() {
	timeout "$3" "$AMP_PY" "$here/receiver.py" --port "$2" --cert "$work/server.pem" --key "$work/server.key" \
		--stats "$work/$1.json" --max-seconds "$(($3 - 5))" --down-until "${4:-0}" >"$work/$1.log" 2>&1 &
	rpid=$!
	amp_pids+=("$rpid")
	[ -n "${4:-}" ] || amp_wait_port "$2" 30 || { echo "bench: receiver $1 did not start"; cat "$work/$1.log"; exit 1; }
}

# stop_receiver PID NAME: SIGTERM makes it write its stats
stop_receiver() {
	kill -TERM "$(child "$1")" 2>/dev/null
	wait "$1" 2>/dev/null
	[ -s "$work/$2.json" ] || { echo "bench: receiver $2 wrote no stats"; cat "$work/$2.log"; }
}

# agent_config FILE URL INTERVAL [EXTRA [remote_write] LINE]: default settings otherwise; ca_file names the
# one CA that signed the receiver (as a user names Amazon's root instead of the whole system bundle)
agent_config() {
	printf '[agent]\ninterval = %s\ninstance = bench\nlog_level = warn\nshutdown_timeout = 2s\n\n[remote_write]\nurl = %s\nca_file = %s\n%s\n' \
		"$3" "$2" "$work/ca.pem" "${4:-}" >"$1"
}

# ---- scaling: CPU per cycle and memory against the number of series ----
# scale_config FILE URL N [INTERVAL_S]: the benchmark's agent settings with N synthetic series, at a 1 s
# interval unless given. A batch deadline of half the interval sends each collection in requests of its own
# at every size (at the interval itself, small collections would pair up), and the shutdown timeout lets the
# last collections reach the receiver even under callgrind.
scale_config() {
	local s=${4:-1}
	agent_config "$1" "$2" "${s}s" "batch_send_deadline = $((s * 500))ms"
	sed -i 's/^shutdown_timeout = .*/shutdown_timeout = 60s/' "$1"
	printf '\n[collectors]\nsynthetic_series = %s\n' "$3" >>"$1"
}

# proc_snapshot PID: wall time (ms), CPU time (ns, /proc/PID/task/*/schedstat: the agent's thread and its
# statfs helper thread), utime+stime (ticks), VmHWM, VmRSS (KiB)
proc_snapshot() {
	local ns
	ns=$(cat "/proc/$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { if (NR) print s }')
	[ -n "$ns" ] || return 1
	echo "$(date +%s%3N) $ns $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat")" \
		"$(awk '/^VmHWM:/ { h = $2 } /^VmRSS:/ { r = $2 } END { print h, r }' "/proc/$1/status")"
}

# For each N: a steady run (after 5 s of start-up, CPU time and collections over $scale_seconds s, and the
# peak RSS at its end), then two callgrind runs of different length; the difference of their instructions
# over the difference of their collections (amp_collect_all calls) is the cost of one steady cycle. Above
# 1,250 series the callgrind runs' interval and length grow in proportion: a cycle under callgrind would
# take longer than 1 s, and the collections would pile up in the ring unpushed.
scaling() {
	local n p r t pid len secs f
	echo "== scaling: $scale_series synthetic series (steady ${scale_seconds} s at 1s, callgrind $scale_cg s)"
	for n in $scale_series; do
		p=$(amp_free_port)
		receiver "scale-$n" "$p" $((scale_seconds + 80)); r=$rpid
		scale_config "$work/scale-$n.ini" "https://localhost:$p/api/v1/write" "$n"
		timeout $((scale_seconds + 60)) "$scale_build/amp-agent" -c "$work/scale-$n.ini" >"$work/scale-$n.log" 2>&1 &
		t=$!; amp_pids+=("$t"); pid=$(child "$t")
		sleep 5
		proc_snapshot "$pid" >"$work/scale-$n.proc"
		sleep "$scale_seconds"
		proc_snapshot "$pid" >>"$work/scale-$n.proc"
		kill -TERM "$pid"; wait "$t" 2>/dev/null
		stop_receiver "$r" "scale-$n"
		set -- $scale_cg
		f=$((n > 1250 ? n / 1250 : 1))
		for len in short long; do
			secs=$(($([ "$len" = short ] && echo "$1" || echo "$2") * f))
			p=$(amp_free_port)
			receiver "scale-$n-cg-$len" "$p" $((secs + 200)); r=$rpid
			scale_config "$work/scale-$n-cg-$len.ini" "https://localhost:$p/api/v1/write" "$n" "$f"
			timeout $((secs + 120)) valgrind --tool=callgrind --callgrind-out-file="$work/scale-$n-cg-$len.out" \
				"$scale_build/amp-agent" -c "$work/scale-$n-cg-$len.ini" >"$work/scale-$n-cg-$len.log" 2>&1 &
			t=$!; amp_pids+=("$t"); pid=$(child "$t")
			sleep "$secs"
			kill -TERM "$pid"; wait "$t" 2>/dev/null
			stop_receiver "$r" "scale-$n-cg-$len"
		done
		echo "   $n series: done"
	done
}

if [ "$only" = scaling ]; then
	scaling
	"$AMP_PY" "$here/report.py" --scaling-only "$work" "$results" "$scale_series"
	exit
fi

echo "== side by side: $seconds s at $interval"
p_dyn=$(amp_free_port); p_sta=$(amp_free_port); p_peer=$(amp_free_port); p_ne=$(amp_free_port); p_prom=$(amp_free_port)
max=$((seconds + 60))
receiver dyn "$p_dyn" "$max"; r_dyn=$rpid
receiver static "$p_sta" "$max"; r_sta=$rpid
receiver peer "$p_peer" "$max"; r_peer=$rpid

timeout "$max" prometheus-node-exporter --web.listen-address="127.0.0.1:$p_ne" >"$work/node_exporter.log" 2>&1 &
t_ne=$!; amp_pids+=("$t_ne")
cat >"$work/prom-agent.yml" <<YML
global:
  scrape_interval: $interval
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:$p_ne']
remote_write:
  - url: https://localhost:$p_peer/api/v1/write
    tls_config:
      ca_file: $work/ca.pem
YML
timeout "$max" prometheus --enable-feature=agent --config.file="$work/prom-agent.yml" \
	--storage.agent.path="$work/prom-agent-data" --web.listen-address="127.0.0.1:$p_prom" \
	--log.level=warn >"$work/prometheus.log" 2>&1 &
t_prom=$!; amp_pids+=("$t_prom")

agent_config "$work/dyn.ini" "https://localhost:$p_dyn/api/v1/write" "$interval"
agent_config "$work/static.ini" "https://localhost:$p_sta/api/v1/write" "$interval"
timeout "$max" "$dyn_build/amp-agent" -c "$work/dyn.ini" >"$work/agent-dyn.log" 2>&1 &
t_dyn=$!; amp_pids+=("$t_dyn")
timeout "$max" "$static_build/amp-agent" -c "$work/static.ini" >"$work/agent-static.log" 2>&1 &
t_sta=$!; amp_pids+=("$t_sta")

pid_ne=$(child "$t_ne"); pid_prom=$(child "$t_prom"); pid_dyn=$(child "$t_dyn"); pid_sta=$(child "$t_sta")
"$AMP_PY" "$here/sample.py" "$work/side.json" "$seconds" "dyn=$pid_dyn" "static=$pid_sta" \
	"peer=$pid_prom,$pid_ne" "prometheus=$pid_prom" "node_exporter=$pid_ne"
for t in "$t_dyn" "$t_sta" "$t_prom" "$t_ne"; do kill -TERM "$(child "$t")" 2>/dev/null; done
for t in "$t_dyn" "$t_sta" "$t_prom" "$t_ne"; do wait "$t" 2>/dev/null; done
stop_receiver "$r_dyn" dyn; stop_receiver "$r_sta" static; stop_receiver "$r_peer" peer

echo "== outage: the ring's bytes per sample, and $backlog collections of backlog drained"
# Ring: 30 s at the benchmark interval against a port nobody listens on, then SIGTERM; the stop message
# says how many samples the ring holds in how many bytes.
agent_config "$work/ring.ini" "https://localhost:$(amp_free_port)/api/v1/write" "$interval"
timeout 120 "$dyn_build/amp-agent" -c "$work/ring.ini" >"$work/agent-ring.log" 2>&1 &
t_ring=$!; amp_pids+=("$t_ring"); pid_ring=$(child "$t_ring")
# Drain: an hour of backlog is made in $backlog/10 s by collecting every 100 ms (the fastest interval)
# while the receiver is down; then it comes up and the time until the last backlog sample lands is taken.
p_drain=$(amp_free_port)
outage=$((backlog / 10))
up_at=$(($(date +%s) + outage + 2))
receiver drain "$p_drain" $((outage + 120)) "$up_at"; r_drain=$rpid
agent_config "$work/drain.ini" "https://localhost:$p_drain/api/v1/write" 100ms
timeout $((outage + 110)) "$dyn_build/amp-agent" -c "$work/drain.ini" >"$work/agent-drain.log" 2>&1 &
t_drain=$!; amp_pids+=("$t_drain"); pid_drain=$(child "$t_drain")
sleep 30
kill -TERM "$pid_ring"; wait "$t_ring" 2>/dev/null
sleep $((up_at - $(date +%s) + 30))
kill -TERM "$pid_drain"; wait "$t_drain" 2>/dev/null
stop_receiver "$r_drain" drain
echo "$up_at" >"$work/drain-up"

echo "== callgrind: instructions per collection+push cycle"
# Two runs of different length at 1 s; the difference of their instruction counts over the difference of
# their collections is the cost of one steady cycle (start-up, TLS handshake and exit cancel out).
cg_run() {  # NAME SECONDS
	local p; p=$(amp_free_port)
	receiver "cg-$1" "$p" $(($2 + 90))
	local r=$rpid
	agent_config "$work/cg-$1.ini" "https://localhost:$p/api/v1/write" 1s "batch_send_deadline = 1s"
	timeout $(($2 + 60)) valgrind --tool=callgrind --callgrind-out-file="$work/cg-$1.out" \
		"$dyn_build/amp-agent" -c "$work/cg-$1.ini" >"$work/cg-$1.log" 2>&1 &
	local t=$!; amp_pids+=("$t")
	local pid; pid=$(child "$t")
	sleep "$2"
	kill -TERM "$pid"; wait "$t" 2>/dev/null
	stop_receiver "$r" "cg-$1"
}
cg_run short 8
cg_run long 20

# The peer's cycle, as far as callgrind can measure it: valgrind 3.19's callgrind asserts on prometheus's
# signals (Go's preemption; GODEBUG=asyncpreemptoff=1 only makes it rarer, and its runs are not
# reproducible), so only node_exporter is measured: under callgrind, scraped by curl 5 and 15 times; the
# difference of its instructions over 10 is one scrape, a lower bound of the peer's cycle (prometheus's
# scrape, WAL and remote write come on top).
cg_node_exporter() {  # NAME SCRAPES
	local pn; pn=$(amp_free_port)
	GODEBUG=asyncpreemptoff=1 timeout 300 valgrind --tool=callgrind --callgrind-out-file="$work/cgp-$1-ne.out" \
		prometheus-node-exporter --web.listen-address="127.0.0.1:$pn" >"$work/cgp-$1-ne.log" 2>&1 &
	local tn=$!; amp_pids+=("$tn")
	amp_wait_port "$pn" 120 || echo "bench: node_exporter under callgrind did not start"
	local i n=0
	for i in $(seq "$2"); do
		curl -sf --max-time 60 -o /dev/null "http://127.0.0.1:$pn/metrics" && n=$((n + 1))
	done
	echo "$n" >"$work/cgp-$1-ne.scrapes"
	kill -TERM "$(child "$tn")" 2>/dev/null; wait "$tn" 2>/dev/null
}
echo "== callgrind: node_exporter's instructions per scrape"
cg_node_exporter short 5
cg_node_exporter long 15

scaling

echo "== sizes"
strip -o "$work/amp-agent.dyn" "$dyn_build/amp-agent"
strip -o "$work/amp-agent.static" "$static_build/amp-agent"
{
	echo "dyn $(stat -c %s "$work/amp-agent.dyn")"
	echo "static $(stat -c %s "$work/amp-agent.static")"
	if [ -x "$aarch64_build/amp-agent" ]; then
		aarch64-linux-gnu-strip -o "$work/amp-agent.aarch64" "$aarch64_build/amp-agent"
		echo "aarch64 $(stat -c %s "$work/amp-agent.aarch64") $(file -b "$aarch64_build/amp-agent" |
			grep -q 'statically linked' && echo static || echo dynamic)"
	fi
	echo "prometheus $(stat -c %s "$(readlink -f "$(command -v prometheus)")")"
	echo "node_exporter $(stat -c %s "$(readlink -f "$(command -v prometheus-node-exporter)")")"
} >"$work/sizes.txt"

"$AMP_PY" "$here/report.py" "$work" "$results" "$seconds" "$interval" "$backlog" "${quick:+quick}" \
	"$scale_series"
