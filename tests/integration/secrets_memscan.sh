#!/usr/bin/env bash
# Secrets wiped when replaced, in the real agent: amp-agent takes rotating AWS IoT credentials over mutual
# TLS (a loopback stand-in of the credentials provider) and pushes with them; stopped (SIGSTOP) between
# rotations, its memory (tests/integration/memscan.py) must hold no set older than the one in use, and
# never the text of the device's private key file. Then again after a SIGHUP reload.
# The unit test tests/unit/test_secrets_tp.c does the same on the test port for every source; this one
# covers what only a real run has: mbedTLS's record buffers and handshakes, the POSIX port, glibc's heap.
# Usage: tests/integration/secrets_memscan.sh BUILD_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
agent=$(cd "${1:-$repo/build}" && pwd)/amp-agent
. "$here/lib.sh"

work=$(mktemp -d /tmp/amp-memscan.XXXXXX)
trap 'amp_cleanup; [ -n "${AMP_KEEP:-}" ] || rm -rf "$work"' EXIT

[ -x "$agent" ] || { echo "no agent at $agent"; exit 1; }
for v in $(env | sed -n 's/^\(AWS_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done

amp_make_certs "$work"
openssl req -newkey rsa:2048 -nodes -subj "/CN=device" -keyout "$work/device.key" -out "$work/device.csr" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' >"$work/client.ext"
openssl x509 -req -in "$work/device.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
	-extfile "$work/client.ext" -out "$work/device.pem" 2>/dev/null

iot_port=$(amp_free_port)
rx_port=$(amp_free_port)
rx_control=$(amp_free_port)
# Sets live 30 s and a new one is issued when less than 15 s are left; the agent asks 8 to 12 s before expiry.
timeout -k 5 200 "$AMP_PY" "$here/creds_servers.py" iot --port "$iot_port" --credentials-file "$work/iot-creds.json" \
	--cert "$work/server.pem" --key "$work/server.key" --client-ca "$work/ca.pem" --role-alias amp-gateway \
	--thing-name gw-001 --key-prefix ASIAIOT --lifetime 30 --rotate-before 15 --max-seconds 180 \
	>"$work/iot.log" 2>&1 &
amp_pids+=($!)
timeout -k 5 200 "$AMP_PY" "$here/fault_receiver.py" --port "$rx_port" --control-port "$rx_control" \
	--max-seconds 180 >"$work/receiver.log" 2>&1 &
amp_pids+=($!)
for p in "$iot_port" "$rx_port"; do
	amp_wait_port "$p" 30 || { echo "a server did not start:"; cat "$work"/{iot,receiver}.log; exit 1; }
done

cat >"$work/agent.ini" <<EOF
[agent]
interval = 1s
instance = memscan
procfs = $repo/tests/fixtures/proc
sysfs = $repo/tests/fixtures/sys

[remote_write]
url = http://127.0.0.1:$rx_port/api/v1/write
remote_timeout = 5s

[sigv4]
region = us-west-2
credentials = iot
refresh_margin = 8s
iot_endpoint = localhost:$iot_port
iot_role_alias = amp-gateway
iot_thing_name = gw-001
iot_cert_file = $work/device.pem
iot_key_file = $work/device.key
iot_ca_file = $work/ca.pem
EOF
chmod 600 "$work/agent.ini"

timeout 170 "$agent" -c "$work/agent.ini" >"$work/agent.log" 2>&1 &
amp_pids+=($!)
# the agent itself, not `timeout`: its memory is scanned and it is the one stopped
for _ in 1 2 3 4 5 6 7 8 9 10; do
	agent_pid=$(pgrep -P "${amp_pids[-1]}" -x amp-agent) && break
	sleep 0.2
done
[ -n "${agent_pid:-}" ] || { echo "the agent did not start"; cat "$work/agent.log"; exit 1; }

# The needles: every set issued so far but the one the agent took last (and any issued after it), by name;
# the device key's base64 lines. Writes $work/needles.json and prints the number of older sets.
needles() {
	"$AMP_PY" - "$work" <<'EOF'
import calendar, json, re, sys, time
work = sys.argv[1]
sets = json.load(open(f"{work}/iot-creds.json"))
taken = re.findall(r"credentials from .* valid until (\S+)", open(f"{work}/agent.log").read())
last = calendar.timegm(time.strptime(taken[-1], "%Y-%m-%dT%H:%M:%SZ")) if taken else None
current = [i for i, s in enumerate(sets) if s["expiration"] == last]
n = {}
for i, s in enumerate(sets[:current[0]] if current else []):
    n[f"set {i + 1} secret key"] = s["secret_key"]
    n[f"set {i + 1} session token"] = s["session_token"]
if current:
    n["the set in use's secret key (must be found)"] = sets[current[0]]["secret_key"]
lines = [l for l in open(f"{work}/device.key").read().splitlines() if l and not l.startswith("-----")]
for k, l in enumerate(lines[:-1]):
    n[f"device key line {k + 1}"] = l
json.dump(n, open(f"{work}/needles.json", "w"))
print(current[0] if current else -1)
EOF
}

# scan WHAT: stops the agent, scans, lets it go on; every older set and key line must be absent, the set in use present.
scan() {
	local what=$1 older
	kill -STOP "$agent_pid"
	older=$(needles)
	"$AMP_PY" "$here/memscan.py" "$agent_pid" "$work/needles.json" >"$work/scan.out" 2>&1
	kill -CONT "$agent_pid"
	check "$what: $older older credential sets were issued (rotations happened)" test "$older" -ge 2
	check "$what: the set in use is in memory (the scan works)" grep -q "^the set in use.*: [1-9]" "$work/scan.out"
	check "$what: no older set left in the agent's memory" \
		bash -c "! grep -E '^set [0-9]+ .*: [1-9]' '$work/scan.out'"
	check "$what: no line of the device key file left in the agent's memory" \
		bash -c "! grep -E '^device key .*: [1-9]' '$work/scan.out'"
	grep -E ': [1-9]' "$work/scan.out" | grep -v "^the set in use" | sed 's/^/    found: /'
}

# Three rotations (about 50 s), then between two fetches.
sleep 50
scan "after rotations"
# SIGHUP: a new provider, the device key loaded again; two more rotations.
kill -HUP "$agent_pid"
sleep 35
check "the reload was taken" grep -q "configuration reloaded" "$work/agent.log"
scan "after a reload"
check "the agent still runs" amp_alive "$agent_pid"
samples=$(curl -s "http://127.0.0.1:$rx_control/samples" | "$AMP_PY" -c \
	'import json, sys; print(sum(len(s["samples"]) for s in json.load(sys.stdin)["series"]))')
check "the receiver got samples signed with those credentials ($samples)" test "${samples:-0}" -gt 0

kill "$agent_pid" 2>/dev/null
wait "$agent_pid" 2>/dev/null
echo "memscan: $passed passed, $failed failed"
if ((failed > 0)); then
	for f in agent iot receiver; do echo "--- $f.log"; tail -20 "$work/$f.log"; done
	exit 1
fi
