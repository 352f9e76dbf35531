#!/bin/sh
# The committed boards/<board>/full.config files: complete .config files (every Kconfig symbol) made by
# kconfiglib from each board's defconfig, for builds without Python (Buildroot: -DAMP_CONFIG_FILE=...).
#   board-configs.sh write   regenerate them (after a Kconfig or defconfig change; commit the result)
#   board-configs.sh check   fail when one is stale, or when CMake's header (KconfigHeader.cmake) for it
#                            differs by a byte from the header kconfiglib writes
set -eu
cd "$(dirname "$0")/.."
mode=${1:-check}
python=${AMP_KCONFIG_PYTHON:-/usr/bin/python3}   # Debian's, which has python3-kconfiglib
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

for defconfig in boards/*/defconfig; do
	board=$(basename "$(dirname "$defconfig")")
	full=boards/$board/full.config
	cp "$defconfig" "$tmp/$board.config"
	KCONFIG_CONFIG="$tmp/$board.config" "$python" -m genconfig --header-path "$tmp/$board.kconfiglib.h" \
		--config-out "$tmp/$board.config" Kconfig >/dev/null
	case $mode in
	write)
		cp "$tmp/$board.config" "$full"
		echo "wrote $full"
		;;
	check)
		if ! cmp -s "$tmp/$board.config" "$full"; then
			echo "FAIL - $full is stale (Kconfig or $defconfig changed): run 'make board-configs' and commit it"
			diff -u "$full" "$tmp/$board.config" | head -20 || true
			status=1
			continue
		fi
		cmake -DCONFIG="$full" -DHEADER="$tmp/$board.cmake.h" -P boards/cmake/KconfigHeader.cmake
		if cmp -s "$tmp/$board.kconfiglib.h" "$tmp/$board.cmake.h"; then
			echo "ok   - $full is current and CMake's header for it is kconfiglib's, byte for byte"
		else
			echo "FAIL - the header KconfigHeader.cmake writes for $full differs from kconfiglib's:"
			diff -u "$tmp/$board.kconfiglib.h" "$tmp/$board.cmake.h" | head -20 || true
			status=1
		fi
		;;
	*)
		echo "usage: $0 write|check" >&2
		exit 2
		;;
	esac
done
exit "$status"
