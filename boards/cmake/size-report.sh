#!/bin/sh
# Size report of one build: text/data/bss of each agent module (from its object file), of each origin of
# the linked binary (our modules, each library archive, the C runtime; from the link map) and the size
# of the stripped binary. Called by the CMake target `size-report` (boards/cmake/AmpSizeReport.cmake).
# Usage: size-report.sh SIZE STRIP BINARY MAP OUT TITLE ARCHIVE...
set -eu
size=$1 strip=$2 binary=$3 map=$4 out=$5 title=$6
shift 6
# readelf of the same toolchain tells which output sections are code, data or bss.
readelf=$(printf '%s' "$size" | sed 's/size$/readelf/')
command -v "$readelf" >/dev/null 2>&1 || readelf=readelf

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

{
	echo "== amp-agent size report: $title"
	echo
	echo "Agent modules (object files; bss is where the Kconfig-sized buffers live):"
	printf '%9s %9s %9s  %s\n' text data bss module
	"$size" "$@" | awk 'NR > 1 && $1 ~ /^[0-9]+$/ {
		name = $6; sub(/\.c\.o$/, "", name); sub(/\.o$/, "", name)
		printf "%9d %9d %9d  %s\n", $1, $2, $3, name
		t += $1; d += $2; b += $3
	} END { printf "%9d %9d %9d  %s\n", t, d, b, "(all modules)" }'
	echo

	# Output sections of the binary: name and class (text, data, bss), as size(1) counts them.
	"$readelf" -SW "$binary" | awk '
		/^ *\[ *[0-9]+\]/ {
			sub(/^ *\[ *[0-9]+\] */, "")
			name = $1; type = $2; flags = $7
			if (flags !~ /A/) next
			cls = type == "NOBITS" ? "bss" : flags ~ /W/ ? "data" : "text"
			print name, cls
		}' >"$tmp/sections"

	echo "Binary by origin (link map; shared libraries are not in it):"
	printf '%9s %9s %9s  %s\n' text data bss origin
	awk -v sections="$tmp/sections" '
		BEGIN { while ((getline line < sections) > 0) { split(line, f, " "); cls[f[1]] = f[2] } }
		/^Linker script and memory map/ { on = 1; next }
		!on { next }
		# an output section starts in column 0
		/^\.[^ ]/ { out = $1; pending = ""; next }
		# an input section: " .name addr size file", or " .name" with the rest on the next line
		/^ [.A-Za-z_]/ && $1 !~ /^\*/ {
			if (NF >= 4 && $2 ~ /^0x/) { add($1, $3, $4) ; pending = "" }
			else if (NF == 1) pending = $1
			else pending = ""
			next
		}
		pending != "" && /^ +0x/ { if (NF >= 3) add(pending, $2, $3); pending = ""; next }
		{ pending = "" }
		# mawk has no strtonum
		function hex(s,    i, n) {
			s = tolower(s); sub(/^0x/, "", s); n = 0
			for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
			return n
		}
		function add(section, hexsize, file,    n, origin, c) {
			c = cls[out]
			if (c == "" || file ~ /^\(/) return
			n = hex(hexsize)
			if (n == 0) return
			origin = file
			# tables the linker makes (dynamic linking, PLT/GOT, unwind index) it files under the first object
			if (section ~ /^\.(dyn|interp|gnu\.hash|hash|gnu\.version|plt|got|rela?\.|eh_frame_hdr|iplt|igot)/)
				origin = "linker-made (dynamic linking, PLT/GOT, unwind index)"
			else if (origin ~ /^lib(ampcore|ampport_posix)\.a\(/) {
				sub(/^[^(]*\(/, "", origin); sub(/\.c\.o\)$/, "", origin); sub(/\)$/, "", origin)
				origin = "amp: " origin
			} else if (origin ~ /\.a\(/) {
				sub(/\(.*$/, "", origin); sub(/^.*\//, "", origin)
			} else {
				sub(/^.*\//, "", origin)
				if (origin ~ /^main\.c\.o$/) origin = "amp: main"
				else if (origin ~ /^crt|\.o$/) origin = "C runtime start-up (crt*.o)"
				else origin = "linker-made (" origin ")"
			}
			sum[origin, c] += n; seen[origin] = 1
		}
		END {
			for (o in seen) {
				printf "%9d %9d %9d  %s\n", sum[o, "text"], sum[o, "data"], sum[o, "bss"], o
				if (o ~ /^amp: /) { at += sum[o, "text"]; ad += sum[o, "data"]; ab += sum[o, "bss"] }
			}
			printf "%9d %9d %9d  %s\n", at, ad, ab, "(amp: all of our code)"
		}' "$map" | sort -k1,1nr -k4
	echo

	cp "$binary" "$tmp/amp-agent"
	"$strip" "$tmp/amp-agent"
	echo "Binary (size(1)):"
	"$size" "$binary" | awk 'NR == 2 { printf "%9d %9d %9d  text data bss\n", $1, $2, $3 }'
	printf '%9d bytes stripped (%s on disk unstripped)\n' "$(wc -c <"$tmp/amp-agent")" "$(wc -c <"$binary")"
	if "$readelf" -lW "$binary" | grep -q 'INTERP'; then
		echo "dynamically linked; needs: $("$readelf" -dW "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
	else
		echo "statically linked: loads no shared library"
	fi
} >"$out"
cat "$out"
