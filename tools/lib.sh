# SPDX-License-Identifier: MIT
# Shared helpers for the tools/*.sh scripts (bash only; sourced, not executed).

# The repository root: the parent of the directory holding this file.
VTL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VTL_PROG=$(basename "$0")

# Firmware and ROMs (Debian 12 packages ovmf, vgabios, bochsbios).
VTL_OVMF=${VTL_OVMF:-/usr/share/ovmf/OVMF.fd}
VTL_VGABIOS=${VTL_VGABIOS:-/usr/share/vgabios/vgabios.bin}

die() {
	echo "$VTL_PROG: $*" >&2
	exit 2
}

warn() {
	echo "$VTL_PROG: $*" >&2
}

# now_ms: wall clock in milliseconds.
now_ms() {
	local s
	s=$(date +%s%N)
	echo $((s / 1000000))
}

# fmt_secs MS: "12.3" (seconds with one decimal).
fmt_secs() {
	local ms=$1
	printf '%d.%d' $((ms / 1000)) $(((ms % 1000) / 100))
}

# is_uint VALUE: true if VALUE is a non-empty string of decimal digits.
is_uint() {
	[[ $1 =~ ^[0-9]+$ ]]
}

# abspath PATH: absolute path of PATH (which need not exist yet).
abspath() {
	case $1 in
	/*) echo "$1" ;;
	*) echo "$PWD/$1" ;;
	esac
}

# strip_term: stdin to stdout without \r, ANSI/VT100 escape sequences and other control
# characters that the UEFI console sends to the serial port (tabs and newlines stay).
strip_term() {
	LC_ALL=C sed -u -e 's/\r//g' \
		-e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' -e 's/\x1b[()][0-9A-Za-z]//g' \
		-e 's/\x1b[=>78cDEHM]//g' -e 's/[\x00-\x08\x0b-\x1f\x7f]//g'
}

# filter_bochs_stdout: Bochs' stdout minus its banner and the built-in debugger's chatter,
# leaving what the guest wrote to port 0xE9.
filter_bochs_stdout() {
	LC_ALL=C sed -u -E \
		-e '/^={10,}$/d' -e '/^ +(Bochs x86 Emulator|Built from|Timestamp:)/d' \
		-e '/^Next at t=[0-9]+$/d' \
		-e 's/\([0-9]+\)(\.\[[0-9]+\])? \[0x[0-9a-f]+\] [0-9a-f]{4}:[0-9a-f]+ .*$//' \
		-e 's/<bochs:[0-9]+> ?//g' \
		-e '/^$/d'
}

# kvm_nested_ok: true when /dev/kvm is usable and the host is Intel with nested VMX on.
kvm_nested_ok() {
	local nested
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	grep -q '^vendor_id.*GenuineIntel' /proc/cpuinfo || return 1
	grep -qw vmx /proc/cpuinfo || return 1
	nested=$(cat /sys/module/kvm_intel/parameters/nested 2>/dev/null) || return 1
	[ "$nested" = Y ] || [ "$nested" = 1 ]
}

# OVMF's exception handler prints this dump and then loops forever: a run that shows it will
# not end by itself.
VTL_FW_EXCEPTION_RE='^!!!! X64 Exception Type|^!!!! IA32 Exception Type'

# wait_or_kill PID SECS [REGEX FILE...]: waits for the background child PID (SECS 0 =
# forever). Past SECS, or 3 s after a line matching REGEX (ERE) shows up in one of the
# FILEs, it sends SIGTERM, then SIGKILL 3 s later. Returns 0 if PID ended by itself, 124 on
# timeout, 125 when stopped because of REGEX; WOK_MATCH then holds the matching line.
WOK_MATCH=
wait_or_kill() {
	local pid=$1 secs=$2 re=${3:-} rc=0 t0 now seen=0
	shift 3 2>/dev/null || shift $#
	t0=$(now_ms)
	WOK_MATCH=
	while kill -0 "$pid" 2>/dev/null; do
		now=$(now_ms)
		if [ "$secs" -gt 0 ] && [ $((now - t0)) -ge $((secs * 1000)) ]; then
			rc=124
			break
		fi
		if [ -n "$re" ] && [ $# -gt 0 ]; then
			if [ "$seen" = 0 ]; then
				WOK_MATCH=$(LC_ALL=C grep -a -h -m1 -E -e "$re" "$@" 2>/dev/null | head -n 1 | tr -d '\r')
				[ -z "$WOK_MATCH" ] || seen=$now
			elif [ $((now - seen)) -ge 3000 ]; then
				rc=125
				break
			fi
		fi
		sleep 0.25
	done
	if [ "$rc" != 0 ]; then
		kill "$pid" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.3
		done
		kill -9 "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return $rc
}
