#!/bin/bash
# SPDX-License-Identifier: MIT
#
# run-qemu.sh [options]: boot OVMF in QEMU from a directory holding an ESP (see
# tools/mkesp.sh), headless, until the guest powers off or resets, or the timeout.
#
#   --esp DIR          the ESP directory (copied into a FAT image with mtools)
#   --cpus N           processors, 1..8 (default 1)
#   --mem MB           guest memory (default 512)
#   --accel A          auto (default), kvm or tcg. auto picks KVM with "-cpu host,+vmx" only
#                      when /dev/kvm is usable and the host is Intel with kvm_intel nested=Y;
#                      otherwise TCG "-cpu max", where CPUID.1:ECX.VMX reads 0
#   --timeout S        wall-clock limit in seconds, 0 = none (default 300)
#   --com1 FILE        COM1 (0x3F8) output: the guest's serial console
#   --com2 FILE        COM2 (0x2F8) output: the hypervisor console
#   --com3 FILE        COM3 (0x3E8) output
#   --e9 FILE          bytes written to port 0xE9 (isa-debugcon)
#   --log FILE         QEMU's own messages (stderr) and the accelerator line
#   --live             show the consoles on the terminal while the run goes on
#   --keep DIR         keep the work directory (FAT image) in DIR
#   --stop-on REGEX    end the run 3 s after a line matching REGEX (ERE) appears in a
#                      transcript (default: OVMF's exception dump, after which it hangs);
#                      "" disables
#   --qemu-extra ARG   one more QEMU argument (repeatable)
#
# Exit status: 0 when the run ended by itself (power off; a reset or triple fault also ends
# it, -no-reboot; --stop-on), 124 on timeout, 2 on a usage error, 3 when QEMU failed to start.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n '3,28s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

cpus=1
mem=512
accel=auto
timeout=300
esp=
com1=
com2=
com3=
e9=
log=
live=0
keep=
extra=()
stop_on=$VTL_FW_EXCEPTION_RE
while [ $# -gt 0 ]; do
	opt=$1
	case $opt in
	--live) live=1; shift; continue ;;
	-h | --help) usage ;;
	--*=*) set -- "${opt%%=*}" "${opt#*=}" "${@:2}"; opt=$1 ;;
	esac
	[ $# -ge 2 ] || { [ "${opt#--}" != "$opt" ] && die "$opt needs a value"; usage; }
	case $opt in
	--cpus) cpus=$2 ;;
	--mem) mem=$2 ;;
	--accel) accel=$2 ;;
	--timeout) timeout=$2 ;;
	--esp) esp=$2 ;;
	--com1) com1=$2 ;;
	--com2) com2=$2 ;;
	--com3) com3=$2 ;;
	--e9) e9=$2 ;;
	--log) log=$2 ;;
	--keep) keep=$2 ;;
	--stop-on) stop_on=$2 ;;
	--qemu-extra) extra+=("$2") ;;
	*) die "unknown option $opt (try --help)" ;;
	esac
	shift 2
done

is_uint "$cpus" && [ "$cpus" -ge 1 ] && [ "$cpus" -le 8 ] || die "--cpus must be 1..8"
is_uint "$mem" && [ "$mem" -ge 64 ] || die "--mem must be a number of MB >= 64"
is_uint "$timeout" || die "--timeout must be a number of seconds"
[ -n "$esp" ] || die "--esp DIR is required"
[ -d "$esp" ] || die "no such directory: $esp"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing (tools/install-deps.sh)"
[ -f "$VTL_OVMF" ] || die "no $VTL_OVMF (package ovmf)"

case $accel in
auto) if kvm_nested_ok; then accel=kvm; else accel=tcg; fi ;;
kvm) kvm_nested_ok || warn "KVM asked for, but nested VMX is not available: it may fail" ;;
tcg) ;;
*) die "--accel must be auto, kvm or tcg" ;;
esac
if [ "$accel" = kvm ]; then
	accel_args=(-accel kvm -cpu host,+vmx)
else
	accel_args=(-accel tcg -cpu max)
fi

if [ -n "$keep" ]; then
	mkdir -p "$keep" || die "cannot create $keep"
	work=$(cd "$keep" && pwd)
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/run-qemu.XXXXXX") || die "mktemp failed"
fi
com1=$(abspath "${com1:-$work/com1.txt}")
com2=$(abspath "${com2:-$work/com2.txt}")
com3=$(abspath "${com3:-$work/com3.txt}")
e9=$(abspath "${e9:-$work/e9.txt}")
log=$(abspath "${log:-$work/qemu.log}")
for f in "$com1" "$com2" "$com3" "$e9" "$log"; do
	mkdir -p "$(dirname "$f")" && : >"$f" || die "cannot write $f"
done

qemu_pid=
show_pids=()
cleanup() {
	local p
	[ -z "$qemu_pid" ] || kill "$qemu_pid" 2>/dev/null
	for p in ${show_pids[@]+"${show_pids[@]}"}; do kill "$p" 2>/dev/null; done
	[ -n "$keep" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# A FAT image holding a copy of the ESP (QEMU's fat:rw: driver would write into the
# directory itself). Sparse: twice the content, at least 64 MiB.
img=$work/esp.img
kb=$(du -sk "$esp" | cut -f1)
kb=$((kb * 2 < 65536 ? 65536 : kb * 2))
if command -v mkfs.fat >/dev/null && command -v mcopy >/dev/null; then
	rm -f "$img"
	mkfs.fat -C -n VTLESP "$img" "$kb" >/dev/null || die "mkfs.fat failed"
	if [ -n "$(ls -A "$esp")" ]; then
		MTOOLS_SKIP_CHECK=1 mcopy -s -Q -i "$img" "$esp"/* ::/ || die "mcopy failed"
	fi
	drive=(-drive "file=$img,format=raw,if=ide,index=0,media=disk")
else
	warn "mkfs.fat/mcopy missing: using QEMU's fat: driver on $esp"
	drive=(-drive "file=fat:rw:$esp,format=raw,if=ide,index=0,media=disk,snapshot=on")
fi

echo "run-qemu: accelerator $accel (${accel_args[*]})" | tee "$log"
start=$(now_ms)
qemu-system-x86_64 -machine pc "${accel_args[@]}" -smp "$cpus" -m "$mem" \
	-bios "$VTL_OVMF" "${drive[@]}" -nic none -display none -monitor none -parallel none \
	-chardev "file,id=com1,path=$com1" -serial chardev:com1 \
	-chardev "file,id=com2,path=$com2" -serial chardev:com2 \
	-chardev "file,id=com3,path=$com3" -serial chardev:com3 \
	-chardev "file,id=e9,path=$e9" -device isa-debugcon,iobase=0xe9,chardev=e9 \
	-no-reboot ${extra[@]+"${extra[@]}"} </dev/null >>"$log" 2>&1 &
qemu_pid=$!

if [ "$live" = 1 ]; then
	show() { # show FILE PREFIX
		tail --pid="$qemu_pid" -s 0.2 -n +1 -F "$1" 2>/dev/null | strip_term |
			while IFS= read -r line || [ -n "$line" ]; do
				[[ $line =~ ^[[:space:]]*$ ]] || printf '%s %s\n' "$2" "$line"
			done &
		show_pids+=($!)
	}
	show "$com1" "[guest]"
	show "$com2" "[hv]"
	show "$e9" "[e9]"
fi

wait_or_kill "$qemu_pid" "$timeout" "$stop_on" "$com1" "$com2" "$com3" "$e9"
wst=$?
qemu_pid=
elapsed=$(($(now_ms) - start))
for p in ${show_pids[@]+"${show_pids[@]}"}; do wait "$p" 2>/dev/null; done
show_pids=()

if [ "$wst" = 124 ]; then
	status=124
	how="TIMEOUT after $timeout s"
elif [ "$wst" = 125 ]; then
	status=0
	how="stopped: the machine hangs after \"$WOK_MATCH\""
elif [ -s "$com1" ] || [ -s "$e9" ]; then
	status=0
	how="ended by itself"
else
	status=3
	how="QEMU produced no output; its messages:"
	tail -n 15 "$log" >&2
fi
echo "run-qemu: $how; $accel, $cpus cpu(s), $(fmt_secs "$elapsed") s wall" | tee -a "$log"
[ -z "$keep" ] || echo "run-qemu: work directory kept in $work"
exit $status
