#!/bin/bash
# SPDX-License-Identifier: MIT
#
# run-linux.sh [--cpus N] [--no-hv] [--timeout S] [KERNEL-ARG...]: boots Debian's cloud
# kernel with the test initramfs in Bochs, interactively (`make run-linux`). The UEFI shell
# runs vtlvisor.efi console=com3, acpi_tables.efi, then vmlinuz.efi; the hypervisor console
# ([hv], COM3) and Linux's console ([guest], COM1: the firmware, the kernel, /init's
# LINUX-* lines) are shown on the terminal while it runs, and kept in build/run-linux/
# (com1.txt, com3.txt, bochs.log). /init powers the machine off when it is done (about
# 1-2 minutes); Ctrl-C stops it earlier.
#
#   --cpus N      processors (default 2)
#   --no-hv       without vtlvisor: the same kernel on the bare (emulated) machine
#   --timeout S   wall-clock limit (default 1800)
#   KERNEL-ARG    appended to the kernel command line, e.g. loglevel=7 hvload.rounds=100
# Needs `make all linux` first (make run-linux does it).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cpus=2
hv=1
timeout=1800
args=()
while [ $# -gt 0 ]; do
	case $1 in
	--cpus) [ $# -ge 2 ] || die "--cpus needs a value"; cpus=$2; shift 2 ;;
	--no-hv) hv=0; shift ;;
	--timeout) [ $# -ge 2 ] || die "--timeout needs a value"; timeout=$2; shift 2 ;;
	-h | --help) sed -n '3,18s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	--*) die "unknown option $1 (try --help)" ;;
	*) args+=("$1"); shift ;;
	esac
done

b=$VTL_ROOT/build
files=("$b/guests/acpi_tables.efi" "$b/linux/vmlinuz.efi" "$b/linux/initrd.img")
[ "$hv" = 0 ] || files=("$b/vtlvisor.efi" "${files[@]}")
for f in "${files[@]}"; do
	[ -f "$f" ] || die "${f#"$VTL_ROOT"/} is missing: run make all linux (or make run-linux)"
done

# The kernel command line of tests/scenarios/bochs-linux-2cpu.scenario, plus the arguments.
cmdline="initrd=\\initrd.img console=ttyS0 loglevel=4 panic=0 clearcpuid=avx512f${args[*]:+ ${args[*]}}"
startup="fs0:"
[ "$hv" = 0 ] || startup="$startup;vtlvisor.efi console=com3"
startup="$startup;acpi_tables.efi;vmlinuz.efi $cmdline"

out=$b/run-linux
mkdir -p "$out"
"$VTL_ROOT/tools/mkesp.sh" "$out/esp" "${files[@]}" --startup "$startup"
echo "run-linux: $cpus CPU(s), $([ "$hv" = 1 ] && echo "under vtlvisor" || echo "no hypervisor");" \
	"kernel: vmlinuz.efi $cmdline"
echo "run-linux: transcripts in ${out#"$VTL_ROOT"/}/ (com1.txt guest, com3.txt hypervisor, bochs.log)"
exec "$VTL_ROOT/tools/run-bochs.sh" --esp "$out/esp" --cpus "$cpus" --timeout "$timeout" --live \
	--hv com3 --com1 "$out/com1.txt" --com2 "$out/com2.txt" --com3 "$out/com3.txt" \
	--e9 "$out/e9.txt" --log "$out/bochs.log"
