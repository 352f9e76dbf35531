# Shared helpers of the integration test and the demo: certificates, a local Prometheus receiver,
# queries. Every server started here is bounded by `timeout` and stopped by its own pid on exit.
# shellcheck shell=bash

# The tests talk to loopback servers only: a proxy from the environment must not get in the way.
unset HTTPS_PROXY https_proxy HTTP_PROXY http_proxy NO_PROXY no_proxy ALL_PROXY all_proxy

AMP_PY=/usr/bin/python3   # Debian's python: it has python3-botocore; a pyenv one earlier on PATH may not

amp_pids=()

# The checks of a test script: `ok WHAT`, `bad WHAT`, `check WHAT CMD ARGS` (ok when CMD succeeds); the
# script prints "$passed passed, $failed failed" at its end and fails when $failed is not 0.
passed=0 failed=0
ok() { echo "ok   - $1"; passed=$((passed + 1)); }
bad() { echo "FAIL - $1"; failed=$((failed + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

# amp_alive PID: running (a zombie, dead but not yet waited for, is not)
amp_alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case "$st" in Z*) return 1 ;; esac
	return 0
}

amp_cleanup() {
	local pid i
	for pid in "${amp_pids[@]}"; do
		pkill -P "$pid" 2>/dev/null || true  # the server under `timeout`, then timeout itself
		kill "$pid" 2>/dev/null || true
	done
	# a server that ignores SIGTERM gets 5 s, then SIGKILL: a test must never hang on its cleanup
	for i in 1 2 3 4 5 6 7 8 9 10; do
		for pid in "${amp_pids[@]}"; do
			amp_alive "$pid" && break
			pid=""
		done
		[ -z "${pid:-}" ] && break
		sleep 0.5
	done
	for pid in "${amp_pids[@]}"; do
		pkill -9 -P "$pid" 2>/dev/null || true
		kill -9 "$pid" 2>/dev/null || true
	done
	for pid in "${amp_pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	amp_pids=()
}

# A free TCP port on loopback.
amp_free_port() {
	"$AMP_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# amp_make_certs DIR: a test CA and a server certificate for "localhost" (mbedTLS 2.28 matches DNS names only).
amp_make_certs() {
	local dir=$1
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=amp-agent test CA" \
		-keyout "$dir/ca.key" -out "$dir/ca.pem" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
		-keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
	printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$dir/server.ext"
	openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
		-days 2 -extfile "$dir/server.ext" -out "$dir/server.pem" 2>/dev/null
	# A second CA that signed nothing here: trusting it must make the agent refuse the server.
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=unrelated CA" \
		-keyout "$dir/other-ca.key" -out "$dir/other-ca.pem" 2>/dev/null
}

# amp_wait_port PORT SECONDS: waits until something listens on 127.0.0.1:PORT.
amp_wait_port() {
	local port=$1 deadline=$((SECONDS + $2))
	while ((SECONDS < deadline)); do
		if "$AMP_PY" -c "import socket,sys; s=socket.socket(); s.settimeout(0.5); sys.exit(s.connect_ex(('127.0.0.1', $port)))" 2>/dev/null; then
			return 0
		fi
		sleep 0.2
	done
	return 1
}

# amp_start_prometheus DIR PORT MAX_SECONDS: Prometheus as a TLS remote-write receiver on loopback.
amp_start_prometheus() {
	local dir=$1 port=$2 max=$3
	mkdir -p "$dir/prom-data"
	printf 'global:\n  scrape_interval: 1h\n' >"$dir/prometheus.yml"
	printf 'tls_server_config:\n  cert_file: %s\n  key_file: %s\n' "$dir/server.pem" "$dir/server.key" >"$dir/web.yml"
	timeout "$max" prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/prom-data" \
		--web.listen-address="127.0.0.1:$port" --web.enable-remote-write-receiver \
		--web.config.file="$dir/web.yml" --log.level=warn >"$dir/prometheus.log" 2>&1 &
	amp_pids+=($!)
	amp_wait_port "$port" 30 || { echo "prometheus did not start:"; cat "$dir/prometheus.log"; return 1; }
}

# amp_query DIR PORT PROMQL: prints the query's result vector as "labels-json value" lines.
amp_query() {
	local dir=$1 port=$2 q=$3
	curl -sS --fail --cacert "$dir/ca.pem" --data-urlencode "query=$q" \
		"https://localhost:$port/api/v1/query" |
		"$AMP_PY" -c 'import json,sys
d = json.load(sys.stdin)
for r in d["data"]["result"]:
    print(json.dumps(r["metric"], sort_keys=True), r["value"][1])'
}

# What a sanitizer or valgrind prints when it finds something (a report that went to an output file).
AMP_REPORT_PATTERN='ERROR: AddressSanitizer|runtime error:|LeakSanitizer|ERROR: UndefinedBehaviorSanitizer|ERROR SUMMARY: [1-9]'

# amp_agent_setup WORK VAR: makes $VAR (the agent's path) the command that runs the agent in this test. A
# sanitized build (make test-integration-asan) stops at its first ASan, UBSan or LeakSanitizer report; with
# AMP_AGENT_WRAPPER set (e.g. "valgrind -q --error-exitcode=99 --leak-check=full") the agent runs under that
# tool, through a script that execs it (the pid stays the agent's). Either writes its reports to
# WORK/report-*.<pid>, which amp_no_reports checks: the exit status alone cannot tell a sanitizer's abort (or
# valgrind's 99) from a failure the test expects, and some runs' exit status or output is not looked at.
amp_agent_setup() {
	# (locals named apart from the caller's VAR, which printf -v sets at the end)
	local _work=$1 _agent=${!2} _run _n
	case "${ASAN_OPTIONS:-}" in *":log_path=$_work/report-sanitizer") ;; *)
		export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1}:log_path=$_work/report-sanitizer"
		export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}:log_path=$_work/report-sanitizer" ;;
	esac
	[ -n "${AMP_AGENT_WRAPPER:-}" ] || return 0
	_n=$(find "$_work" -maxdepth 1 -name 'run-agent.*' | wc -l)
	_run=$_work/run-agent.$_n
	case "$AMP_AGENT_WRAPPER" in
	valgrind*) printf '#!/bin/sh\nexec %s --log-file=%s "%s" "$@"\n' "$AMP_AGENT_WRAPPER" \
		"$_work/report-valgrind.%p" "$_agent" >"$_run" ;;
	*) printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$AMP_AGENT_WRAPPER" "$_agent" >"$_run" ;;
	esac
	chmod +x "$_run"
	printf -v "$2" '%s' "$_run"
}

# amp_no_reports WORK [FILE...]: fails, printing them, if the agent left a sanitizer or valgrind report in
# WORK (amp_agent_setup) or in one of the FILEs (its captured output).
amp_no_reports() {
	local work=$1 f found=0
	shift
	case "${AMP_AGENT_WRAPPER:-}" in valgrind*)
		# with -q its logs are empty, but a log per run shows that the agent did run under it
		compgen -G "$work/report-valgrind.*" >/dev/null || { echo "the agent never ran under valgrind"; found=1; } ;;
	esac
	for f in "$work"/report-*; do
		[ -s "$f" ] || continue
		echo "--- $(basename "$f"):"
		head -n 80 "$f"
		found=1
	done
	for f in "$@"; do
		{ [ -f "$f" ] && grep -qE "$AMP_REPORT_PATTERN" "$f"; } || continue
		echo "--- $(basename "$f"):"
		grep -E -A 30 -m 1 "$AMP_REPORT_PATTERN" "$f"
		found=1
	done
	return "$found"
}
