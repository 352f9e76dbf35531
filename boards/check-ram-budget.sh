#!/bin/sh
# Fails when a board's agent needs more fixed RAM (.data + .bss, by the toolchain's size(1)) than the
# RAM_KIB of boards/<board>/budget. Usage: boards/check-ram-budget.sh BOARD BUILD_DIR
set -eu
board=$1 build=$2
budget_file=$(dirname "$0")/$board/budget
[ -f "$budget_file" ] || { echo "ok   - $board has no memory budget"; exit 0; }
budget=$(sed -n 's/^RAM_KIB=//p' "$budget_file")
size=$(sed -n 's/^AMP_SIZE:FILEPATH=//p' "$build/CMakeCache.txt")
used=$("$size" -B "$build/amp-agent" | awk 'NR == 2 { print int(($2 + $3 + 1023) / 1024) }')
if [ "$used" -le "$budget" ]; then
	echo "ok   - $board: the agent's fixed RAM (.data + .bss) is $used KiB, within its budget of $budget KiB"
else
	echo "FAIL - $board: the agent's fixed RAM (.data + .bss) is $used KiB, over its budget of $budget KiB ($budget_file)"
	exit 1
fi
