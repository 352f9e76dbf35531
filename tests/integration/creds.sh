#!/usr/bin/env bash
# Credentials end to end: amp-agent gets its SigV4 keys from loopback stand-ins of EC2 IMDSv2, a
# container credentials endpoint and the AWS IoT credentials provider (mutual TLS), and pushes through
# the botocore verifier (which accepts exactly the sets those servers issued, until they expire) into
# Prometheus. The long run proves pushing continues across rotations and across an IMDS outage longer
# than the refresh margin, with every sample delivered.
# Usage: tests/integration/creds.sh BUILD_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
agent=$(cd "${1:-$repo/build}" && pwd)/amp-agent
. "$here/lib.sh"

work=$(mktemp -d /tmp/amp-creds.XXXXXX)
trap 'amp_cleanup; [ -n "${AMP_KEEP:-}" ] || rm -rf "$work"' EXIT
json() { "$AMP_PY" -c "import json,sys; d=json.load(open('$1')); print($2)"; }

[ -x "$agent" ] || { echo "no agent at $agent"; exit 1; }
amp_agent_setup "$work" agent
# The agent must see only the variables each case gives it.
for v in $(env | sed -n 's/^\(AWS_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done

amp_make_certs "$work"
# The device's certificate for AWS IoT (client authentication), and one from a CA the server does not trust.
for who in device:ca rogue:other-ca; do
	name=${who%%:*} ca=${who##*:}
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$name" -keyout "$work/$name.key" -out "$work/$name.csr" 2>/dev/null
	printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' >"$work/client.ext"
	openssl x509 -req -in "$work/$name.csr" -CA "$work/$ca.pem" -CAkey "$work/$ca.key" -CAcreateserial -days 2 \
		-extfile "$work/client.ext" -out "$work/$name.pem" 2>/dev/null
done

prom_port=$(amp_free_port)
proxy_port=$(amp_free_port)
imds_port=$(amp_free_port)
ctr_port=$(amp_free_port)
iot_port=$(amp_free_port)
amp_start_prometheus "$work" "$prom_port" 400 || exit 1

timeout 400 "$AMP_PY" "$here/sigv4_verify_proxy.py" --listen-host 127.0.0.1 --listen-port "$proxy_port" \
	--cert "$work/server.pem" --key "$work/server.key" \
	--upstream "https://localhost:$prom_port/api/v1/write" --upstream-ca "$work/ca.pem" \
	--region us-west-2 --service aps \
	--credentials-file "$work/imds-creds.json" --credentials-file "$work/ctr-creds.json" \
	--credentials-file "$work/iot-creds.json" \
	--max-seconds 380 --stats "$work/proxy-stats.json" >"$work/proxy.log" 2>&1 &
amp_pids+=($!)
amp_wait_port "$proxy_port" 30 || { echo "verifier proxy did not start:"; cat "$work/proxy.log"; exit 1; }

# IMDS: sets live 40 s and rotate when less than 20 s are left; the second set's server goes dark for 10 s
# when it has 16 s left, i.e. across the agent's refresh (8 s margin, up to 4 s jitter).
timeout -k 5 300 "$AMP_PY" "$here/creds_servers.py" imds --port "$imds_port" --credentials-file "$work/imds-creds.json" \
	--stats "$work/imds-stats.json" --lifetime 40 --rotate-before 20 --key-prefix ASIAIMDS \
	--outage-set 2 --outage-at 16 --outage-seconds 10 --max-seconds 280 >"$work/imds.log" 2>&1 &
amp_pids+=($!)
printf 'ctrToken%s%s\n' "$RANDOM" "$RANDOM" >"$work/ctr-token"
timeout -k 5 300 "$AMP_PY" "$here/creds_servers.py" container --port "$ctr_port" --credentials-file "$work/ctr-creds.json" \
	--stats "$work/ctr-stats.json" --token-file "$work/ctr-token" --key-prefix ASIACTR --max-seconds 280 \
	>"$work/ctr.log" 2>&1 &
amp_pids+=($!)
timeout -k 5 300 "$AMP_PY" "$here/creds_servers.py" iot --port "$iot_port" --credentials-file "$work/iot-creds.json" \
	--stats "$work/iot-stats.json" --cert "$work/server.pem" --key "$work/server.key" --client-ca "$work/ca.pem" \
	--role-alias amp-gateway --thing-name gw-001 --key-prefix ASIAIOT --max-seconds 280 >"$work/iot.log" 2>&1 &
amp_pids+=($!)
for p in "$imds_port" "$ctr_port" "$iot_port"; do
	amp_wait_port "$p" 30 || { echo "a credentials server did not start:"; cat "$work"/{imds,ctr,iot}.log; exit 1; }
done

# write_config FILE INSTANCE INTERVAL [sigv4 lines...]
write_config() {
	local file=$1 instance=$2 interval=$3
	shift 3
	{
		printf '[agent]\ninterval = %s\ninstance = %s\njob = amp-agent-creds\nprocfs = %s\nsysfs = %s\n\n' \
			"$interval" "$instance" "$repo/tests/fixtures/proc" "$repo/tests/fixtures/sys"
		printf '[remote_write]\nurl = https://localhost:%s/workspaces/ws-creds/api/v1/remote_write\n' "$proxy_port"
		printf 'ca_file = %s\nremote_timeout = 5s\n\n[sigv4]\nregion = us-west-2\n' "$work/ca.pem"
		printf '%s\n' "$@"
	} >"$file"
	chmod 600 "$file"
}

# 1. IMDSv2 serves only token holders; the agent pushes with its credentials through rotations and the outage.
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$imds_port/latest/meta-data/iam/security-credentials/")
check "IMDS refuses a call without a token (HTTP $code)" test "$code" = 401
write_config "$work/imds.ini" creds-imds 1s "credentials = imds" "imds_endpoint = http://127.0.0.1:$imds_port" \
	"refresh_margin = 8s"
check "--check accepts credentials = imds" "$agent" -c "$work/imds.ini" --check
start_s=$(date +%s)
timeout 200 "$agent" -c "$work/imds.ini" >"$work/imds-run.out" 2>&1 &
agent_pid=$!
amp_pids+=("$agent_pid")
# Until the third set has signed a few requests (about 75 s), or 150 s at most.
deadline=$((SECONDS + 150))
while ((SECONDS < deadline)); do
	n=$(json "$work/proxy-stats.json" "d['keys'].get('ASIAIMDS0003', 0)" 2>/dev/null || echo 0)
	[ "$n" -ge 5 ] && break
	sleep 1
done
kill -TERM "$agent_pid" 2>/dev/null
wait "$agent_pid"
rc=$?
stop_s=$(date +%s)
check "the agent stopped cleanly on SIGTERM (rc $rc)" test "$rc" -eq 0
for k in ASIAIMDS0001 ASIAIMDS0002 ASIAIMDS0003; do
	n=$(json "$work/proxy-stats.json" "d['keys'].get('$k', 0)")
	check "requests signed with rotated set $k were verified ($n)" test "$n" -ge 1
done
check "the verifier refused nothing" test "$(json "$work/proxy-stats.json" "d['rejected']")" = 0
check "IMDS went dark while the agent wanted to refresh ($(json "$work/imds-stats.json" "d['dropped_while_dark']") calls dropped)" \
	test "$(json "$work/imds-stats.json" "d['dropped_while_dark']")" -ge 1
check "the agent logged the failed refresh and kept its credentials" \
	grep -q "cannot refresh credentials: imds: .*the current ones stay in use until" "$work/imds-run.out"
check "the credentials never ran out" bash -c "! grep -q 'no credentials\|credentials from .* expired' '$work/imds-run.out'"
check "no push failed" bash -c "! grep -q '^error push' '$work/imds-run.out'"
check "the IMDSv2 token was reused ($(json "$work/imds-stats.json" "d['token_puts']") token requests)" \
	test "$(json "$work/imds-stats.json" "d['token_puts']")" -le 2
check "the agent never called IMDS without a token" \
	test "$(json "$work/imds-stats.json" "d['tokenless_rejected']")" = 1 # curl's, above
check "nothing was left unpushed at the stop" grep -q "stopping; everything collected was pushed" "$work/imds-run.out"
# Every collection arrived: one sample per second from the start to the stop, no gap.
curl -sS --fail --cacert "$work/ca.pem" --data-urlencode 'query=node_load1{instance="creds-imds"}[10m]' \
	"https://localhost:$prom_port/api/v1/query" >"$work/samples.json"
"$AMP_PY" - "$work/samples.json" "$start_s" "$stop_s" >"$work/samples.out" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
start, stop = int(sys.argv[2]), int(sys.argv[3])
series = d["data"]["result"]
if len(series) != 1:
    sys.exit(f"expected one series, got {len(series)}")
ts = [float(t) for t, _ in series[0]["values"]]
gaps = [b - a for a, b in zip(ts, ts[1:])]
print(f"{len(ts)} samples from {ts[0] - start:.1f} s after the start to {stop - ts[-1]:.1f} s before the stop; "
      f"largest gap {max(gaps):.2f} s")
if max(gaps) > 1.6 or min(gaps) < 0.5:
    sys.exit("a sample is missing or doubled")
if ts[0] - start > 3 or stop - ts[-1] > 3:
    sys.exit("samples missing at the start or the end")
if len(ts) < 60:
    sys.exit("too short a run")
PY
check "every sample arrived, in order, across rotations and the outage: $(tail -1 "$work/samples.out")" \
	grep -q "largest gap" "$work/samples.out"
grep -q "a sample is missing\|samples missing\|too short\|expected one" "$work/samples.out" && bad "sample check: $(cat "$work/samples.out")"

# 2. Container credentials (Greengrass's token exchange service): the token from the token file.
write_config "$work/ctr.ini" creds-ctr 15s "credentials = container"
AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:$ctr_port/2016-11-01/credentialprovider/" \
AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$work/ctr-token" \
	"$agent" -c "$work/ctr.ini" --once >"$work/ctr-once.out" 2>&1
rc=$?
check "--once with container credentials exits 0 (rc $rc)" test "$rc" -eq 0
check "the container's set signed it" test "$(json "$work/proxy-stats.json" "d['keys'].get('ASIACTR0001', 0)")" -ge 1
AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:$ctr_port/2016-11-01/credentialprovider/" \
AWS_CONTAINER_AUTHORIZATION_TOKEN=wrongToken \
	"$agent" -c "$work/ctr.ini" --once >"$work/ctr-bad.out" 2>&1
rc=$?
check "a wrong authorization token makes --once fail (rc $rc)" test "$rc" -eq 1
check "the failure quotes the endpoint's 401" \
	grep -q "container credentials endpoint answered 401: {\"message\": \"invalid authorization token\"}" "$work/ctr-bad.out"
AWS_CONTAINER_CREDENTIALS_FULL_URI="http://192.0.2.1/creds" "$agent" -c "$work/ctr.ini" --once >"$work/ctr-http.out" 2>&1
rc=$?
check "plain http to a remote container endpoint is refused at start (rc $rc)" test "$rc" -eq 2

# 3. AWS IoT Core's credentials provider over mutual TLS.
iot_lines=("credentials = iot" "iot_endpoint = localhost:$iot_port" "iot_role_alias = amp-gateway"
	"iot_thing_name = gw-001" "iot_cert_file = $work/device.pem" "iot_key_file = $work/device.key"
	"iot_ca_file = $work/ca.pem")
write_config "$work/iot.ini" creds-iot 15s "${iot_lines[@]}"
"$agent" -c "$work/iot.ini" --once >"$work/iot-once.out" 2>&1
rc=$?
check "--once with AWS IoT credentials over mutual TLS exits 0 (rc $rc)" test "$rc" -eq 0
check "the IoT set signed it" test "$(json "$work/proxy-stats.json" "d['keys'].get('ASIAIOT0001', 0)")" -ge 1
write_config "$work/iot-rogue.ini" creds-iot 15s "${iot_lines[@]/device./rogue.}"
"$agent" -c "$work/iot-rogue.ini" --once >"$work/iot-rogue.out" 2>&1
rc=$?
check "a device certificate the provider does not trust fails (rc $rc)" test "$rc" -eq 1
check "the failure is the TLS handshake with the provider" grep -q "iot: .*TLS handshake" "$work/iot-rogue.out"
write_config "$work/iot-thing.ini" creds-iot 15s "${iot_lines[@]/gw-001/gw-999}"
"$agent" -c "$work/iot-thing.ini" --once >"$work/iot-thing.out" 2>&1
rc=$?
check "another thing name is refused (rc $rc)" test "$rc" -eq 1
check "the failure quotes the provider's 403" grep -q "IoT credentials provider answered 403" "$work/iot-thing.out"
got=$(amp_query "$work" "$prom_port" 'count(node_load1{job="amp-agent-creds",instance!="creds-clock"}) by (instance)' | wc -l)
check "samples of the container and IoT runs arrived too ($got instances)" test "$got" -eq 3

# 4. A device that boots in 1970 (libfaketime): certificates look "not yet valid", samples are held.
#    Only with tls_clock_bootstrap = true are the dates (and only they) forgiven, until the receiver's
#    Date has told the time; the held sample then arrives stamped with the real time.
if command -v faketime >/dev/null 2>&1; then
	in_1970() {
		AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:$ctr_port/2016-11-01/credentialprovider/" \
		AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$work/ctr-token" DONT_FAKE_MONOTONIC=1 \
			faketime -f "@1970-01-02 00:00:00" "$@"
	}
	write_config "$work/clock-off.ini" creds-clock 15s "credentials = container"
	in_1970 "$agent" -c "$work/clock-off.ini" --once >"$work/clock-off.out" 2>&1
	rc=$?
	check "in 1970 without tls_clock_bootstrap the push waits (rc $rc)" test "$rc" -eq 1
	check "... because the certificate is not yet valid by that clock" \
		grep -q "clock unknown, samples held: .*not trusted: The certificate validity starts in the future" \
		"$work/clock-off.out"
	write_config "$work/clock-bad-ca.ini" creds-clock 15s "credentials = container"
	sed -i "s|^ca_file = .*|ca_file = $work/other-ca.pem\ntls_clock_bootstrap = true|" "$work/clock-bad-ca.ini"
	in_1970 "$agent" -c "$work/clock-bad-ca.ini" --once >"$work/clock-bad-ca.out" 2>&1
	rc=$?
	check "tls_clock_bootstrap does not accept a server no trusted CA signed (rc $rc)" test "$rc" -eq 1
	check "... the chain is still verified" grep -q "not trusted" "$work/clock-bad-ca.out"
	write_config "$work/clock-boot.ini" creds-clock 15s "credentials = container"
	sed -i "s|^remote_timeout = 5s|remote_timeout = 5s\ntls_clock_bootstrap = true|" "$work/clock-boot.ini"
	before=$(date +%s)
	in_1970 "$agent" -c "$work/clock-boot.ini" --once >"$work/clock-boot.out" 2>&1
	rc=$?
	check "in 1970 with tls_clock_bootstrap = true the push goes through (rc $rc)" test "$rc" -eq 0
	check "... after the receiver's Date corrected the clock" grep -q "wall clock is off by .* according to localhost's Date" \
		"$work/clock-boot.out"
	check "... and the dates-only exception was logged" grep -q "certificate dates not checked" "$work/clock-boot.out"
	# Once the Date told the time, dates are checked again, against it: a certificate that expired in
	# 1971 (made under faketime) got the time-probe through, but not the push that follows.
	DONT_FAKE_MONOTONIC=1 faketime -f "@1971-01-01 00:00:00" openssl x509 -req -in "$work/server.csr" \
		-CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 -extfile "$work/server.ext" \
		-out "$work/expired.pem" 2>/dev/null
	old_port=$(amp_free_port)
	timeout 120 "$AMP_PY" "$here/sigv4_verify_proxy.py" --listen-host 127.0.0.1 --listen-port "$old_port" \
		--cert "$work/expired.pem" --key "$work/server.key" \
		--upstream "https://localhost:$prom_port/api/v1/write" --upstream-ca "$work/ca.pem" \
		--region us-west-2 --service aps --credentials-file "$work/ctr-creds.json" \
		--max-seconds 100 >"$work/proxy-expired.log" 2>&1 &
	amp_pids+=($!)
	amp_wait_port "$old_port" 30 || { echo "second proxy did not start:"; cat "$work/proxy-expired.log"; exit 1; }
	sed "s|localhost:$proxy_port/|localhost:$old_port/|" "$work/clock-boot.ini" >"$work/clock-expired.ini"
	in_1970 "$agent" -c "$work/clock-expired.ini" --once >"$work/clock-expired.out" 2>&1
	rc=$?
	check "after the Date, a certificate expired by the corrected time is refused (rc $rc)" test "$rc" -eq 1
	check "... the failure says it expired" grep -q "push failed: connect: certificate of localhost not trusted: The certificate validity has expired" \
		"$work/clock-expired.out"
	ts=$(curl -sS --fail --cacert "$work/ca.pem" --data-urlencode 'query=node_load1{instance="creds-clock"}[10m]' \
		"https://localhost:$prom_port/api/v1/query" |
		"$AMP_PY" -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(int(float(r[0]["values"][0][0])) if r else 0)')
	check "the sample held in 1970 arrived stamped with the real time ($((ts - before)) s from the start)" \
		test "$ts" -ge "$((before - 5))" -a "$ts" -le "$(($(date +%s) + 5))"
else
	echo "skip - the 1970 clock cases (install Debian's faketime)"
fi

# 5. No secret of any set in any output.
"$AMP_PY" - "$work" >"$work/leaks.out" 2>&1 <<'PY'
import glob, json, os, sys
work = sys.argv[1]
secrets = []
for f in glob.glob(os.path.join(work, "*-creds.json")):
    for s in json.load(open(f)):
        secrets += [s["secret_key"], s["session_token"]]
secrets.append(open(os.path.join(work, "ctr-token")).read().strip())
found = 0
for f in glob.glob(os.path.join(work, "*.out")) + glob.glob(os.path.join(work, "*.log")):
    text = open(f, errors="replace").read()
    for s in secrets:
        if s in text:
            print(f"secret found in {os.path.basename(f)}")
            found = 1
print(f"{len(secrets)} secrets looked for")
sys.exit(found)
PY
check "no secret key, session token or authorization token in any output ($(tail -1 "$work/leaks.out"))" \
	test "$(grep -c 'secret found' "$work/leaks.out")" -eq 0
check "no sanitizer or valgrind report from the agent" amp_no_reports "$work" "$work"/*.out

if [ "$failed" -ne 0 ]; then
	for f in "$work"/*.out; do echo "--- $(basename "$f")"; tail -40 "$f"; done
	for f in proxy imds ctr iot; do echo "--- $f.log"; tail -20 "$work/$f.log"; done
fi
echo "creds: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
