#!/bin/bash
# SPDX-License-Identifier: MIT
# gen-ksyms.sh ELF > ksyms.S: the core's function symbols as an assembly table (section
# .ksyms: count, sorted {address, name offset} pairs, names), for symbolized backtraces in
# the hypervisor's own crash reports (arch/x86/ksyms.c). ELF = /dev/null gives an empty one.
set -euo pipefail
elf=${1:?usage: gen-ksyms.sh ELF}
syms=$(if [ "$elf" != /dev/null ]; then nm -n --defined-only "$elf" | awk '$2 ~ /^[tT]$/ { print $1, $3 }'; fi)
echo '	.section .ksyms, "a"'
echo '	.balign 8'
echo '	.globl ksym_count, ksym_table, ksym_names'
echo "ksym_count: .quad $(printf '%s' "$syms" | grep -c . || true)"
echo 'ksym_table:'
off=0
while read -r addr name; do
	[ -n "$addr" ] || continue
	echo "	.quad 0x$addr, $off"
	off=$((off + ${#name} + 1))
done <<<"$syms"
echo 'ksym_names:'
while read -r addr name; do
	[ -n "$addr" ] || continue
	echo "	.asciz \"$name\""
done <<<"$syms"
echo '	.section .note.GNU-stack, "", @progbits'
