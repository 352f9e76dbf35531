#!/usr/bin/env bash
# `make demo`: a local Prometheus (TLS) behind a SigV4 verifier stands in for AMP; amp-agent collects this
# machine's /proc for 3 intervals, pushes signed requests, and the demo shows what arrived. Stops by itself.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
agent=$(cd "${1:-$repo/build}" && pwd)/amp-agent
. "$here/lib.sh"

work=$(mktemp -d /tmp/amp-demo.XXXXXX)
trap 'amp_cleanup; rm -rf "$work"' EXIT
amp_make_certs "$work"
prom_port=$(amp_free_port)
proxy_port=$(amp_free_port)
amp_start_prometheus "$work" "$prom_port" 120
demo_secret="demoSecretKey$RANDOM$RANDOM"
AMP_VERIFY_SECRET_KEY=$demo_secret timeout 120 "$AMP_PY" "$here/sigv4_verify_proxy.py" \
	--listen-host 127.0.0.1 --listen-port "$proxy_port" --cert "$work/server.pem" --key "$work/server.key" \
	--upstream "https://localhost:$prom_port/api/v1/write" --upstream-ca "$work/ca.pem" \
	--region us-east-1 --service aps --access-key AKIDDEMO --max-seconds 110 \
	--stats "$work/stats.json" >"$work/proxy.log" 2>&1 &
amp_pids+=($!)
amp_wait_port "$proxy_port" 30

printf '%s\n' "$demo_secret" >"$work/secret"
cat >"$work/amp-agent.ini" <<INI
[agent]
interval = 5s
job = amp-agent-demo

[labels]
site = demo

[remote_write]
url = https://localhost:$proxy_port/workspaces/ws-demo/api/v1/remote_write
ca_file = $work/ca.pem
remote_timeout = 10s

[sigv4]
region = us-east-1
access_key = AKIDDEMO
secret_key_file = $work/secret
INI
chmod 600 "$work/amp-agent.ini"
echo "== amp-agent pushing this machine's metrics every 5s for 16s (signed, over TLS) to a local Prometheus"
"$agent" -c "$work/amp-agent.ini" &
agent_pid=$!
amp_pids+=("$agent_pid")
sleep 16
kill -TERM "$agent_pid"
wait "$agent_pid" || true
echo
echo "== SigV4 verifier: $(cat "$work/stats.json")"
echo "== What Prometheus holds now (queried through its HTTP API):"
for q in 'node_load1' 'node_memory_MemAvailable_bytes' 'sum by (mode) (node_cpu_seconds_total)' \
	'count_over_time(node_load1[1m])'; do
	echo "-- $q"
	amp_query "$work" "$prom_port" "$q"
done
