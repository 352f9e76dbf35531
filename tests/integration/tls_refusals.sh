#!/usr/bin/env bash
# TLS connections amp-agent --once must refuse, each with a clear one-line error: a wrong host name, an
# expired certificate, an unknown CA, a self-signed certificate, a TLS 1.0/1.1-only server; and a server
# that stalls the handshake, or the response body, must be given up within remote_timeout.
# Usage: tests/integration/tls_refusals.sh BUILD_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
agent=$(cd "${1:-$repo/build}" && pwd)/amp-agent
. "$here/lib.sh"

work=$(mktemp -d /tmp/amp-tls.XXXXXX)
trap 'amp_cleanup; [ -n "${AMP_KEEP:-}" ] || rm -rf "$work"' EXIT

[ -x "$agent" ] || { echo "no agent at $agent"; exit 1; }
amp_agent_setup "$work" agent
command -v faketime >/dev/null || { echo "faketime is needed (make deps)"; exit 1; }
amp_make_certs "$work"

# leaf NAME CN SIGNER [faketime date]: a server certificate for DNS:CN signed by SIGNER (ca or other-ca).
leaf() {
	local name=$1 cn=$2 signer=$3 when=${4:-}
	local pre=()
	[ -n "$when" ] && pre=(faketime "$when")
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$cn" -keyout "$work/$name.key" -out "$work/$name.csr" 2>/dev/null
	printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$cn" >"$work/$name.ext"
	"${pre[@]}" openssl x509 -req -in "$work/$name.csr" -CA "$work/$signer.pem" -CAkey "$work/$signer.key" \
		-CAcreateserial -days 1 -extfile "$work/$name.ext" -out "$work/$name.pem" 2>/dev/null
}
leaf wronghost wrong.example ca
leaf expired localhost ca "$(date -u -d '-10 days' '+%Y-%m-%d %H:%M:%S')"
leaf unknownca localhost other-ca
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" \
	-keyout "$work/selfsigned.key" -out "$work/selfsigned.pem" 2>/dev/null
for c in wronghost expired unknownca selfsigned; do
	[ -s "$work/$c.pem" ] || { echo "could not make the $c certificate"; exit 1; }
done

# write_config FILE PORT TIMEOUT
write_config() {
	cat >"$1" <<INI
[agent]
interval = 15s
instance = tls-test
procfs = $repo/tests/fixtures/proc
sysfs = $repo/tests/fixtures/sys

[remote_write]
url = https://localhost:$2/api/v1/write
ca_file = $work/ca.pem
remote_timeout = $3
INI
	chmod 600 "$1"
}

# s_server NAME PORT CERT [openssl options...]: an OpenSSL test server on loopback, bounded to 60 s.
s_server() {
	local name=$1 port=$2 cert=$3
	shift 3
	timeout 60 openssl s_server -accept "127.0.0.1:$port" -cert "$work/$cert.pem" -key "$work/$cert.key" \
		-www -quiet "$@" </dev/null >"$work/$name.server.log" 2>&1 &
	amp_pids+=($!)
	amp_wait_port "$port" 10 || { cat "$work/$name.server.log"; return 1; }
}

# refused NAME CERT PATTERN [openssl options...]: --once against that server exits 1 with one error
# line matching PATTERN (grep -E, case-insensitive).
refused() {
	local name=$1 cert=$2 pattern=$3 port rc lines
	shift 3
	port=$(amp_free_port)
	s_server "$name" "$port" "$cert" "$@" || { bad "$name: the server did not start"; return; }
	write_config "$work/$name.ini" "$port" 5s
	timeout 30 "$agent" -c "$work/$name.ini" --once >"$work/$name.out" 2>&1
	rc=$?
	check "$name: --once fails (rc $rc)" test "$rc" -eq 1
	lines=$(grep -ciE "$pattern" "$work/$name.out")
	if [ "$lines" -ge 1 ]; then
		ok "$name: the error says so: $(grep -iE -m1 "$pattern" "$work/$name.out")"
	else
		bad "$name: no line matching /$pattern/ in:"; sed 's/^/     /' "$work/$name.out"
	fi
	amp_cleanup
}

refused wrong-host wronghost "not trusted.*(CN|name)"
refused expired expired "not trusted.*expired"
refused unknown-ca unknownca "not trusted.*(not correctly signed|trusted CA|untrusted)"
refused self-signed selfsigned "not trusted.*(not correctly signed|trusted CA|untrusted)"
refused tls1.0-only server "no TLS version we accept" -tls1 -cipher DEFAULT@SECLEVEL=0
refused tls1.1-only server "no TLS version we accept" -tls1_1 -cipher DEFAULT@SECLEVEL=0

# gives_up WHAT NAME PORT: with the stalling server on PORT (started, its pid in amp_pids), --once with
# remote_timeout = 2s fails within 3.5 s and says it timed out; then the server is stopped.
gives_up() {
	local what=$1 name=$2 port=$3 start rc ms
	amp_wait_port "$port" 10 || bad "$what: the server did not start"
	write_config "$work/$name.ini" "$port" 2s
	start=$(date +%s%N)
	timeout 30 "$agent" -c "$work/$name.ini" --once >"$work/$name.out" 2>&1
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	check "$what: --once fails (rc $rc)" test "$rc" -eq 1
	check "$what: given up in ${ms} ms (remote_timeout 2s, allowed 3500 ms)" test "$ms" -le 3500
	if grep -qiE "timed out|timeout" "$work/$name.out"; then
		ok "$what: the error says so: $(grep -iE -m1 'timed out|timeout' "$work/$name.out")"
	else
		bad "$what: no timeout in:"; sed 's/^/     /' "$work/$name.out" "$work/$name.log"
	fi
	amp_cleanup
}

# A server that accepts the connection and never answers the ClientHello.
port=$(amp_free_port)
timeout 60 "$AMP_PY" -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
held = []
while True:
    c, _ = s.accept(); held.append(c)
' "$port" >"$work/stall.log" 2>&1 &
amp_pids+=($!)
gives_up "stalled handshake" stall "$port"

# A server that completes the handshake, reads the request, sends a head and part of the body, and stalls.
port=$(amp_free_port)
timeout 60 "$AMP_PY" -c '
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
held = []
while True:
    c, _ = s.accept()
    try:
        t = ctx.wrap_socket(c, server_side=True)
        t.settimeout(10)
        data = b""
        while b"\r\n\r\n" not in data:
            data += t.recv(65536)
        t.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial")
        held.append(t)
    except (OSError, ssl.SSLError):
        c.close()
' "$port" "$work/server.pem" "$work/server.key" >"$work/stall-body.log" 2>&1 &
amp_pids+=($!)
gives_up "stalled body" stall-body "$port"

check "no sanitizer or valgrind report from the agent" amp_no_reports "$work" "$work"/*.out

echo "tls refusals: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
