#!/usr/bin/env bash
# End-to-end: amp-agent --once pushes fixture metrics over TLS, SigV4-signed, through an independent
# botocore verifier, into a real Prometheus; the test reads them back through Prometheus's HTTP API.
# Usage: tests/integration/e2e.sh BUILD_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
agent=$(cd "${1:-$repo/build}" && pwd)/amp-agent
. "$here/lib.sh"

work=$(mktemp -d /tmp/amp-e2e.XXXXXX)
trap 'amp_cleanup; [ -n "${AMP_KEEP:-}" ] || rm -rf "$work"' EXIT

access_key=AKIDEXAMPLEE2E
secret_key="e2eSecret/K7MDENG+bPxRfiCYEXAMPLEKEY$RANDOM"
session_token="e2eSessionToken$RANDOM$RANDOM"
fixtures=$repo/tests/fixtures/proc

[ -x "$agent" ] || { echo "no agent at $agent"; exit 1; }
amp_agent_setup "$work" agent
amp_make_certs "$work"
prom_port=$(amp_free_port)
proxy_port=$(amp_free_port)
amp_start_prometheus "$work" "$prom_port" 300 || exit 1

AMP_VERIFY_SECRET_KEY=$secret_key AMP_VERIFY_SESSION_TOKEN=$session_token \
	timeout 300 "$AMP_PY" "$here/sigv4_verify_proxy.py" --listen-host 127.0.0.1 --listen-port "$proxy_port" \
	--cert "$work/server.pem" --key "$work/server.key" \
	--upstream "https://localhost:$prom_port/api/v1/write" --upstream-ca "$work/ca.pem" \
	--region us-west-2 --service aps --access-key "$access_key" \
	--max-seconds 280 --stats "$work/proxy-stats.json" >"$work/proxy.log" 2>&1 &
amp_pids+=($!)
amp_wait_port "$proxy_port" 30 || { echo "verifier proxy did not start:"; cat "$work/proxy.log"; exit 1; }

# write_config FILE URL INSTANCE [sigv4 yes|no] [secret]
write_config() {
	cat >"$1" <<INI
[agent]
interval = 15s
instance = $3
job = amp-agent-e2e
procfs = $fixtures
sysfs = $repo/tests/fixtures/sys
log_level = info

[labels]
site = tokyo-1

[remote_write]
url = $2
ca_file = ${6:-$work/ca.pem}
remote_timeout = 10s
INI
	if [ "$4" = yes ]; then
		printf '[sigv4]\nregion = us-west-2\nservice = aps\naccess_key = %s\nsecret_key_file = %s\nsession_token = %s\n' \
			"$access_key" "$work/secret" "$session_token" >>"$1"
		printf '%s\n' "${5:-$secret_key}" >"$work/secret"
	fi
	chmod 600 "$1"
}

signed_url="https://localhost:$proxy_port/workspaces/ws-e2e/api/v1/remote_write"
direct_url="https://localhost:$prom_port/api/v1/write"

# 1. Signed push through the verifier into Prometheus.
write_config "$work/signed.ini" "$signed_url" e2e-signed yes
check "--check accepts the signed configuration" "$agent" -c "$work/signed.ini" --check
"$agent" -c "$work/signed.ini" --once >"$work/once-signed.out" 2>&1
rc=$?
check "--once through the SigV4 verifier exits 0 (got $rc)" test "$rc" -eq 0
check "the verifier verified the signature" \
	"$AMP_PY" -c "import json,sys; d=json.load(open('$work/proxy-stats.json')); sys.exit(0 if d['verified']>=1 and d['rejected']==0 else 1)"

# 2. Unsigned push straight to Prometheus over TLS.
write_config "$work/direct.ini" "$direct_url" e2e-direct no
"$agent" -c "$work/direct.ini" --once >"$work/once-direct.out" 2>&1
rc=$?
check "--once straight to Prometheus over TLS exits 0 (got $rc)" test "$rc" -eq 0

# 3. What arrived: names, labels and values as the fixture files say (parsed here independently).
clk_tck=$(getconf CLK_TCK)
expect=$("$AMP_PY" - "$fixtures" "$clk_tck" <<'PY'
import sys
root, tck = sys.argv[1], int(sys.argv[2])
mem = {}
for line in open(root + "/meminfo"):
    k, v = line.split(":", 1)
    parts = v.split()
    if k == "MemTotal": print("node_memory_MemTotal_bytes", int(parts[0]) * 1024)
    if k == "MemAvailable": print("node_memory_MemAvailable_bytes", int(parts[0]) * 1024)
load = open(root + "/loadavg").read().split()
print("node_load1", load[0]); print("node_load15", load[2])
for line in open(root + "/stat"):
    f = line.split()
    if f[0] == "cpu0":
        print('node_cpu_seconds_total{cpu="0",mode="idle"}', int(f[4]) / tck)
        print('node_cpu_seconds_total{cpu="0",mode="system"}', int(f[3]) / tck)
PY
)
for instance in e2e-signed e2e-direct; do
	while read -r metric value; do
		sel="${metric%\}}"
		if [ "$sel" = "$metric" ]; then sel="$metric{instance=\"$instance\"}"; else sel="$sel,instance=\"$instance\"}"; fi
		got=$(amp_query "$work" "$prom_port" "$sel")
		check "$instance: $sel = $value" "$AMP_PY" -c "
import json, sys
lines = [l for l in '''$got'''.splitlines() if l]
if len(lines) != 1: sys.exit('expected one series, got %d' % len(lines))
labels, v = lines[0].rsplit(' ', 1)
labels = json.loads(labels)
want = {'instance': '$instance', 'job': 'amp-agent-e2e', 'site': 'tokyo-1'}
if any(labels.get(k) != w for k, w in want.items()): sys.exit('labels %s' % labels)
if abs(float(v) - float('$value')) > 1e-9 * max(1.0, abs(float('$value'))): sys.exit('value %s' % v)
"
	done <<<"$expect"
done
got=$(amp_query "$work" "$prom_port" "count(node_cpu_seconds_total{instance=\"e2e-signed\"})")
check "every cpu x mode series arrived ($got)" test "${got##* }" = "$(awk '/^cpu[0-9]/{n++} END{print n*8}' "$fixtures/stat")"

# 3b. Behind an HTTP proxy: proxy_url, and HTTPS_PROXY with NO_PROXY, as curl and the AWS SDKs read them.
proxy_port=$(amp_free_port)
timeout 200 "$AMP_PY" "$here/connect_proxy.py" --port "$proxy_port" --log "$work/proxy-connects.log" \
	--max-seconds 190 >"$work/connect-proxy.out" 2>&1 &
amp_pids+=($!)
amp_wait_port "$proxy_port" 30 || { echo "CONNECT proxy did not start"; exit 1; }
write_config "$work/viaproxy.ini" "$direct_url" e2e-proxy no
sed -i "/^remote_timeout/a proxy_url = http://127.0.0.1:$proxy_port" "$work/viaproxy.ini"
"$agent" -c "$work/viaproxy.ini" --once >"$work/once-proxy.out" 2>&1
rc=$?
check "--once through an HTTP CONNECT proxy (proxy_url) exits 0 (got $rc)" test "$rc" -eq 0
check "the proxy tunnelled to the receiver" grep -q "^CONNECT localhost:$prom_port\$" "$work/proxy-connects.log"
write_config "$work/envproxy.ini" "$direct_url" e2e-envproxy no
before=$(wc -l <"$work/proxy-connects.log")
HTTPS_PROXY=http://127.0.0.1:$proxy_port "$agent" -c "$work/envproxy.ini" --once >"$work/once-envproxy.out" 2>&1
rc=$?
check "--once through HTTPS_PROXY exits 0 (got $rc)" test "$rc" -eq 0
check "HTTPS_PROXY was used" test "$(wc -l <"$work/proxy-connects.log")" -gt "$before"
before=$(wc -l <"$work/proxy-connects.log")
HTTPS_PROXY=http://127.0.0.1:$proxy_port NO_PROXY=example.org,localhost "$agent" -c "$work/envproxy.ini" --once \
	>"$work/once-noproxy.out" 2>&1
rc=$?
check "NO_PROXY naming the receiver goes direct (rc $rc)" test "$rc" -eq 0 -a "$(wc -l <"$work/proxy-connects.log")" -eq "$before"

# 4. Failures are refused with one clear line, and no secret ever shows.
write_config "$work/badsecret.ini" "$signed_url" e2e-bad yes "wrongSecretKeyValue$RANDOM"
"$agent" -c "$work/badsecret.ini" --once >"$work/once-bad.out" 2>&1
rc=$?
check "a wrong secret key makes --once fail (rc $rc)" test "$rc" -eq 1
check "the failure names the 403" grep -q "answered 403" "$work/once-bad.out"
write_config "$work/badca.ini" "$direct_url" e2e-badca no "" "$work/other-ca.pem"
"$agent" -c "$work/badca.ini" --once >"$work/once-badca.out" 2>&1
rc=$?
check "an untrusted server certificate makes --once fail (rc $rc)" test "$rc" -eq 1
check "the failure says the certificate is not trusted" grep -q "not trusted" "$work/once-badca.out"
"$agent" -c "$work/signed.ini" --print >"$work/print.out" 2>&1
check "--print writes the exposition with the pushed labels" \
	grep -q '^node_load1{instance="e2e-signed",job="amp-agent-e2e",site="tokyo-1"} ' "$work/print.out"
leaks=0
for f in "$work"/*.out "$work/proxy.log"; do
	if grep -qF -e "$secret_key" -e "$session_token" "$f"; then
		echo "secret found in $(basename "$f")"
		leaks=1
	fi
done
check "no secret key or session token in any output" test "$leaks" -eq 0
check "no sanitizer or valgrind report from the agent" amp_no_reports "$work" "$work"/*.out

if [ "$failed" -ne 0 ]; then
	for f in "$work"/*.out; do echo "--- $(basename "$f")"; cat "$f"; done
	echo "--- proxy.log"; cat "$work/proxy.log"
fi
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
