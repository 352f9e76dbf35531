#!/usr/bin/env bash
# Compatibility with node_exporter: Debian's prometheus-node-exporter and `amp-agent --print` read the same
# fixture roots (procfs, sysfs, a textfile directory) and every series both emit must agree in name, labels
# and value. Collectors that node_exporter 1.5 feeds from system calls or the host's mounts (uname, os, time,
# timex, filesystem) are compared in a second run on this host. Generic: it compares whatever collectors
# this build has and whatever fixtures exist. Usage: tests/integration/compat.sh BUILD_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$repo/build}" && pwd)
agent=$build/amp-agent
. "$here/lib.sh"

work=$(mktemp -d /tmp/amp-compat.XXXXXX)
trap 'amp_cleanup; [ -n "${AMP_KEEP:-}" ] || rm -rf "$work"' EXIT

ne=$(command -v prometheus-node-exporter || command -v node_exporter) ||
	{ echo "compat: prometheus-node-exporter is not installed (make deps)"; exit 1; }
[ -x "$agent" ] || { echo "compat: no agent at $agent"; exit 1; }
amp_agent_setup "$work" agent
header=$build/generated/amp_config.h
[ -f "$header" ] || { echo "compat: no $header"; exit 1; }

procfs=$repo/tests/fixtures/proc
sysfs=$repo/tests/fixtures/sys
textfiles=$repo/tests/fixtures/textfile/compat
[ -d "$sysfs" ] || { mkdir -p "$work/empty-sys"; sysfs=$work/empty-sys; }

# The collectors this build has, by node_exporter's names (Kconfig CONFIG_COLLECTOR_<NAME>).
compiled=$(sed -n 's/^#define CONFIG_COLLECTOR_\([A-Z0-9_]*\) 1$/\1/p' "$header" | tr 'A-Z' 'a-z')
live_only="uname os time timex filesystem"
fixture_cols="" live_cols=""
for c in $compiled; do
	case " $live_only " in
	*" $c "*) live_cols="$live_cols $c" ;;
	*) fixture_cols="$fixture_cols $c" ;;
	esac
done

# run_node_exporter NAME ARGS...: one scrape of a node_exporter started with ARGS, into $work/NAME.ne.
run_node_exporter() {
	local name=$1 port pid
	shift
	port=$(amp_free_port)
	timeout 60 "$ne" --web.listen-address="127.0.0.1:$port" --collector.disable-defaults \
		--no-collector.netdev.netlink --path.udev.data="$work/no-udev" "$@" >"$work/$name.ne.log" 2>&1 &
	pid=$!
	amp_pids+=("$pid")
	amp_wait_port "$port" 20 || { echo "compat: node_exporter did not start:"; cat "$work/$name.ne.log"; return 1; }
	curl -sS --fail --max-time 20 "http://127.0.0.1:$port/metrics" >"$work/$name.ne" ||
		{ echo "compat: scraping node_exporter failed"; return 1; }
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# run_agent NAME PROCFS SYSFS TEXTFILE_DIR OFF...: amp-agent --print with those roots and collectors OFF turned off.
run_agent() {
	local name=$1 p=$2 s=$3 t=$4 c
	shift 4
	{
		printf '[agent]\ninstance = compat\nprocfs = %s\nsysfs = %s\nlog_level = warn\n' "$p" "$s"
		[ -n "$t" ] && printf '[textfile]\ndirectory = %s\n' "$t"
		printf '[collectors]\n'
		for c in "$@"; do printf '%s = false\n' "$c"; done
		printf '[remote_write]\nurl = http://127.0.0.1:9/api/v1/write\n'
	} >"$work/$name.ini"
	timeout 60 "$agent" -c "$work/$name.ini" --print >"$work/$name.amp" 2>"$work/$name.amp.log" ||
		{ echo "compat: amp-agent --print failed:"; cat "$work/$name.amp.log"; amp_no_reports "$work"; return 1; }
}

flags() {
	local c
	for c in "$@"; do printf -- '--collector.%s\n' "$c"; done
}

runs=""
if [ -n "${fixture_cols// /}" ]; then
	textfile_flag=()
	textfile_dir=""
	case " $fixture_cols " in
	*" textfile "*) textfile_flag=(--collector.textfile.directory="$textfiles"); textfile_dir=$textfiles ;;
	esac
	# shellcheck disable=SC2046,SC2086
	run_node_exporter fixture $(flags $fixture_cols) --path.procfs="$procfs" --path.sysfs="$sysfs" \
		"${textfile_flag[@]}" || exit 1
	# shellcheck disable=SC2086
	run_agent fixture "$procfs" "$sysfs" "$textfile_dir" $live_cols || exit 1
	runs="$runs fixture"
fi
if [ -n "${live_cols// /}" ]; then
	# shellcheck disable=SC2046,SC2086
	run_node_exporter live $(flags $live_cols) || exit 1
	# shellcheck disable=SC2086
	run_agent live /proc /sys "" $fixture_cols || exit 1
	runs="$runs live"
fi

"$AMP_PY" - "$work" $runs <<'PY'
"""Compares node_exporter's scrape with amp-agent --print: (name, labels, value) of every series both emit."""
import math
import re
import sys

work, runs = sys.argv[1], sys.argv[2:]

# Labels amp-agent adds to every series (node_exporter's are added by the scraping Prometheus).
AGENT_LABELS = {"instance", "job"}
# node_exporter's own families: not host metrics.
META = re.compile(r"^(go_|process_|promhttp_|node_scrape_collector_|node_exporter_build_info$)")
# Live run only: values that change between the two scrapes; presence and labels are compared.
TIME_VARYING = {
    "node_time_seconds",
    "node_timex_offset_seconds",
    "node_timex_frequency_adjustment_ratio",
    "node_timex_maxerror_seconds",
    "node_timex_estimated_error_seconds",
    "node_filesystem_free_bytes",
    "node_filesystem_avail_bytes",
    "node_filesystem_files_free",
}
NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[ \t]*([a-zA-Z_][a-zA-Z0-9_]*)[ \t]*=[ \t]*\"")


def parse(path):
    """Text format 0.0.4 -> {(name, ((label, value), ...)): value}; empty label values are absent labels."""
    out = {}
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            body = line.lstrip(" \t")
            if not body or body.startswith("#"):
                continue
            m = NAME.match(body)
            if not m:
                raise SystemExit(f"{path}:{lineno}: cannot parse: {line!r}")
            name, i, labels = m.group(0), m.end(), {}
            rest = body[i:].lstrip(" \t")
            if rest.startswith("{"):
                rest = rest[1:]
                while True:
                    rest = rest.lstrip(" \t")
                    if rest.startswith("}"):
                        rest = rest[1:]
                        break
                    lm = LABEL.match(rest)
                    if not lm:
                        raise SystemExit(f"{path}:{lineno}: bad labels: {line!r}")
                    j, value = lm.end(), []
                    while rest[j] != '"':
                        if rest[j] == "\\":
                            j += 1
                            value.append({"n": "\n", "\\": "\\", '"': '"'}[rest[j]])
                        else:
                            value.append(rest[j])
                        j += 1
                    labels[lm.group(1)] = "".join(value)
                    rest = rest[j + 1:].lstrip(" \t")
                    if rest.startswith(","):
                        rest = rest[1:]
            fields = rest.split()
            key = (name, tuple(sorted((k, v) for k, v in labels.items() if v != "" and k not in AGENT_LABELS)))
            if key in out:
                raise SystemExit(f"{path}:{lineno}: series twice: {fmt(key)}")
            out[key] = float(fields[0])
    return out


def fmt(key):
    name, labels = key
    inner = ",".join(f'{k}="{v}"' for k, v in labels).replace("\n", "\\n")
    return f"{name}{{{inner}}}" if labels else name


def same(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b)) + 1e-12


passed = failed = 0
for run in runs:
    ne = parse(f"{work}/{run}.ne")
    amp = parse(f"{work}/{run}.amp")
    claimed = {k[0] for k in amp}
    print(f"# {run}: node_exporter {len(ne)} series, amp-agent {len(amp)} series")
    for key in sorted(set(ne) & set(amp)):
        if run == "live" and key[0] in TIME_VARYING:
            passed += 1
            continue
        if same(ne[key], amp[key]):
            passed += 1
        else:
            failed += 1
            print(f"FAIL {run}: {fmt(key)}: node_exporter {ne[key]!r}, amp-agent {amp[key]!r}")
    for key in sorted(k for k in set(ne) - set(amp) if not META.match(k[0])):
        if key[0] in claimed:
            failed += 1
            print(f"FAIL {run}: {fmt(key)} {ne[key]!r}: node_exporter has it, amp-agent (which emits {key[0]}) does not")
        else:
            print(f"not emitted by amp-agent ({run}): {fmt(key)} {ne[key]!r}")
    for key in sorted(set(amp) - set(ne)):
        print(f"only amp-agent ({run}): {fmt(key)} {amp[key]!r}")
print(f"compat: {passed} passed, {failed} failed")
sys.exit(1 if failed or not passed else 0)
PY
rc=$?
if ! amp_no_reports "$work" "$work"/*.amp.log; then
	echo "compat: FAIL - a sanitizer or valgrind report from the agent"
	rc=1
fi
exit "$rc"
