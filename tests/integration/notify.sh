#!/usr/bin/env bash
# systemd's notify protocol end to end: the agent in its run mode, pushing to a real Prometheus over
# TLS, tells a stand-in service manager (notify_check.py, a unix datagram socket) READY=1, WATCHDOG=1
# within the watchdog period and STOPPING=1; a board's RSS budget is checked when one is given.
# Usage: tests/integration/notify.sh BUILD_DIR [RSS_BUDGET_KB]   (BUILD_DIR/emulated for a cross build)
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
agent=$(cd "${1:-$repo/build}" && pwd)/amp-agent
budget=${2:-}
. "$here/lib.sh"

work=$(mktemp -d /tmp/amp-notify.XXXXXX)
trap 'amp_cleanup; [ -n "${AMP_KEEP:-}" ] || rm -rf "$work"' EXIT
[ -x "$agent" ] || { echo "no agent at $agent"; exit 1; }
amp_agent_setup "$work" agent
amp_make_certs "$work"
port=$(amp_free_port)
amp_start_prometheus "$work" "$port" 120 || exit 1

cat >"$work/agent.ini" <<INI
[agent]
interval = 10s
instance = notify-test
job = amp-agent-notify
procfs = $repo/tests/fixtures/proc
sysfs = $repo/tests/fixtures/sys
log_level = info

[remote_write]
url = https://localhost:$port/api/v1/write
ca_file = $work/ca.pem
remote_timeout = 10s
INI
chmod 600 "$work/agent.ini"

"$AMP_PY" "$here/notify_check.py" --agent "$agent" --config "$work/agent.ini" --work "$work" \
	${budget:+--rss-budget-kb "$budget"}
rc=$?
# the run mode really pushed: the first collection reached Prometheus
series=$(amp_query "$work" "$port" 'count(node_load1{job="amp-agent-notify"})' | awk '{print $2}')
if [ "${series:-0}" -ge 1 ]; then
	echo "ok   - the agent's loop pushed to Prometheus while notifying"
else
	echo "FAIL - nothing from the agent's loop reached Prometheus"
	rc=1
fi
if amp_no_reports "$work"; then
	echo "ok   - no sanitizer or valgrind report from the agent"
else
	echo "FAIL - a sanitizer or valgrind report from the agent"
	rc=1
fi
[ "$rc" -eq 0 ] && echo "notify: all checks passed" || echo "notify: FAILED"
exit "$rc"
