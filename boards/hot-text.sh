#!/usr/bin/env bash
# make hot-text: writes boards/common/hot-text.ld (see boards/hot-text.py for why) from a run of the static
# build: under callgrind for the functions it runs (start-up, a TLS handshake, collections and pushes to a
# recording receiver on loopback), and natively for the string functions glibc picks for this CPU and the
# page faults of its code.
# Every server and agent runs under `timeout` and is stopped by its own pid. Commit the file it writes.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$repo/tests/integration/lib.sh"
build=${HOT_TEXT_BUILD:-$repo/build-hot-text}
out=${HOT_TEXT_OUT:-$repo/boards/common/hot-text.ld}

for cmd in valgrind openssl readelf nm; do
	command -v "$cmd" >/dev/null || { echo "hot-text: $cmd is not installed"; exit 1; }
done
# the layout is made from a build without one, so that it does not feed on itself
cmake -S "$repo" -B "$build" -DAMP_BUILD_TESTS=OFF -DAMP_LINK=static -DCMAKE_BUILD_TYPE=MinSizeRel \
	-DAMP_HOT_TEXT=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null 2>&1

work=$(mktemp -d /tmp/amp-hot-text.XXXXXX)
trap 'amp_cleanup; rm -rf "$work"' EXIT
amp_make_certs "$work"
port=$(amp_free_port)
timeout 120 "$AMP_PY" "$repo/bench/receiver.py" --port "$port" --cert "$work/server.pem" --key "$work/server.key" \
	--stats "$work/receiver.json" --max-seconds 110 >"$work/receiver.log" 2>&1 &
amp_pids+=("$!")
amp_wait_port "$port" 30 || { echo "hot-text: the receiver did not start"; exit 1; }
printf '[agent]\ninterval = 2s\ninstance = hot-text\nlog_level = warn\nshutdown_timeout = 5s\n\n[remote_write]\nurl = https://localhost:%s/api/v1/write\nca_file = %s\n' \
	"$port" "$work/ca.pem" >"$work/agent.ini"

timeout 90 valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" \
	"$build/amp-agent" -c "$work/agent.ini" >"$work/callgrind.log" 2>&1 &
cg=$!; amp_pids+=("$cg")
sleep 25
kill -TERM "$cg"; wait "$cg" || true

# natively, under perf when it is there: its page faults in the code are code run (one address for each
# 64 KiB the kernel maps), which catches what valgrind's run does differently
perf=()
if command -v perf >/dev/null && perf record -q -e page-faults -c 1 -d -o /dev/null true 2>/dev/null; then
	perf=(perf record -q -e page-faults -c 1 -d -o "$work/faults.data")
else
	echo "hot-text: no perf (or perf_event_paranoid forbids it): the layout is made from callgrind's run alone"
fi
timeout 60 "${perf[@]}" "$build/amp-agent" -c "$work/agent.ini" >"$work/native.log" 2>&1 &
native=$!; amp_pids+=("$native")
sleep 12
agent=$(pgrep -n -f "^$build/amp-agent -c") || { echo "hot-text: the agent did not start"; cat "$work/native.log"; exit 1; }
"$AMP_PY" "$here/hot-text.py" irelative "$build/amp-agent" "$agent" >"$work/irelative.txt"
kill -TERM "$agent"; wait "$native" || true
: >"$work/faults.txt"
if [ -s "$work/faults.data" ]; then
	perf script -i "$work/faults.data" -F addr 2>/dev/null | awk '{ print $1 }' >"$work/faults.txt"
fi
"$AMP_PY" "$here/hot-text.py" write "$work/callgrind.out" "$build/amp-agent" "$build/amp-agent.map" "$out" \
	"$work/irelative.txt" "$work/faults.txt"
echo "hot-text: wrote $out"
