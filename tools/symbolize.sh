#!/bin/bash
# SPDX-License-Identifier: MIT
#
# symbolize.sh [ELF] < log > annotated-log
#
# Copies a log (a serial transcript, a panic dump) and appends " <function+0xoff file:line>"
# after every hypervisor-core address 0xffffffff8xxxxxxx, using addr2line -f -i on ELF
# (default build/core.elf, linked at 0xffffffff80000000): function+offset comes from the
# closest function symbol, file:line is where the address really is; when that code was
# inlined, "(in f, inlined into g at file:line, ...)" follows. Addresses outside every
# symbol, and ones already followed by " <", are left alone.
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

# Function symbols, sorted by address (nm -n), for "symbol+offset".
sym_addr=()
sym_name=()
while read -r a t n; do
	case $t in [tTwW]) sym_addr+=($((16#$a - 16#ffffffff80000000))) && sym_name+=("$n") ;; esac
done < <(nm -n --defined-only "$elf" 2>/dev/null)

# sym_of OFF (address - 0xffffffff80000000): sets SYM to "name+0xoff" of the closest
# function symbol at or below it, or "" if there is none.
sym_of() {
	local lo=0 hi=$((${#sym_addr[@]} - 1)) mid
	SYM=
	[ "$hi" -ge 0 ] && [ "$1" -ge "${sym_addr[0]}" ] || return 0
	while [ "$lo" -lt "$hi" ]; do
		mid=$(((lo + hi + 1) / 2))
		if [ "${sym_addr[$mid]}" -le "$1" ]; then lo=$mid; else hi=$((mid - 1)); fi
	done
	SYM=$(printf '%s+0x%x' "${sym_name[$lo]}" $(($1 - sym_addr[lo])))
}

# One addr2line run for every address: "-a" prints each address before its frames, one
# (function, file:line) pair per frame, innermost (where the address is) first; later
# frames are the functions it was inlined into, with the call site.
root_re="^${VTL_ROOT//./\\.}/"
declare -A note=()
cur=
frames=()
flush() {
	[ -n "$cur" ] || return 0
	local n=${#frames[@]} i text
	sym_of $((16#${cur#0x} - 16#ffffffff80000000))
	if [ "$n" -lt 2 ] || [ "${frames[0]}" = "??" ]; then
		[ -z "$SYM" ] || note[$cur]=" <$SYM>"
		return 0
	fi
	text=${SYM:-${frames[0]}}
	[ "${frames[1]}" = "??:?" ] || [ "${frames[1]}" = "??:0" ] || text="$text ${frames[1]}"
	if [ "$n" -gt 2 ]; then
		text="$text (in ${frames[0]}"
		for ((i = 2; i + 1 < n; i += 2)); do
			text="$text, inlined into ${frames[$i]} at ${frames[$((i + 1))]}"
		done
		text="$text)"
	fi
	note[$cur]=" <$text>"
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
done < <(addr2line -a -f -i -e "$elf" <"$tmp/addrs")
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
