#!/bin/bash
# SPDX-License-Identifier: MIT
#
# symbolize.sh [ELF] < log > annotated-log
#
# Copies a log (a serial transcript, a panic dump) and appends " <function+0xoff file:line>"
# after every hypervisor-core address 0xffffffff8xxxxxxx, using addr2line -f -i on ELF
# (default build/core.elf, linked at 0xffffffff80000000). When code was inlined, the
# enclosing (symbol) function and the call site in it come first, then
# "[inlined: f file:line, called from g file:line ...]" from the innermost function, where
# the address really is, outwards. Addresses that resolve to nothing, and ones already
# followed by " <", are left alone.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

elf=${1:-$VTL_ROOT/build/core.elf}
[ $# -le 1 ] || die "usage: symbolize.sh [ELF] < log"
[ -r "$elf" ] || die "cannot read $elf (make builds build/core.elf)"
command -v addr2line >/dev/null || die "addr2line is missing (package binutils)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/symbolize.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/in"

re='0[xX][fF]{8}8[0-9a-fA-F]{7}'
LC_ALL=C grep -a -o -E "$re" "$tmp/in" | tr 'A-FX' 'a-fx' | sort -u >"$tmp/addrs"
if [ ! -s "$tmp/addrs" ]; then
	cat "$tmp/in"
	exit 0
fi

# Function symbols: name -> start address.
declare -A sym=()
while read -r a t n; do
	case $t in [tTwW]) [ -n "${sym[$n]+x}" ] || sym[$n]=$a ;; esac
done < <(nm --defined-only "$elf" 2>/dev/null)

# One addr2line run for every address: "-a" prints each address before its frames
# (function name line + file:line line, innermost first).
root_re="^${VTL_ROOT//./\\.}/"
declare -A note=()
cur=
frames=()
flush() {
	[ -n "$cur" ] || return 0
	local n=${#frames[@]} outer fn loc off extra="" i
	[ "$n" -ge 2 ] || return 0
	outer=$((n - 2))
	fn=${frames[$outer]}
	loc=${frames[$((outer + 1))]}
	[ "$fn" != "??" ] || return 0
	if [ -n "${sym[$fn]+x}" ]; then
		off=$(printf '+0x%x' $((16#${cur#0x} - 16#${sym[$fn]})))
	else
		off=
	fi
	for ((i = 0; i < outer; i += 2)); do
		extra="$extra${extra:+, called from }${frames[$i]} ${frames[$((i + 1))]}"
	done
	note[$cur]=" <$fn$off $loc${extra:+ [inlined: $extra]}>"
}
while IFS= read -r l; do
	if [[ $l =~ ^0x[0-9a-f]{16}$ ]]; then
		flush
		cur=$l
		frames=()
	else
		l=${l% (discriminator *)}
		[[ $l =~ $root_re ]] && l=${l#"$VTL_ROOT/"}
		frames+=("$l")
	fi
done < <(addr2line -a -f -i -e "$elf" $(cat "$tmp/addrs"))
flush

# Rewrite the text: each address not already annotated gets its note.
while IFS= read -r line || [ -n "$line" ]; do
	out=
	rest=$line
	while [[ $rest =~ ($re)(.*)$ ]]; do
		a=${BASH_REMATCH[1]}
		after=${BASH_REMATCH[2]}
		out+=${rest%"$a$after"}$a
		k=${a,,}
		if [ -n "${note[$k]+x}" ] && [ "${after:0:2}" != " <" ]; then out+=${note[$k]}; fi
		rest=$after
	done
	printf '%s%s\n' "$out" "$rest"
done <"$tmp/in"
