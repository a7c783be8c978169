#!/bin/bash
# SPDX-License-Identifier: MIT
#
# insn-profile.sh [--no-boot] [ROW ...]: where the hypervisor instructions of single VM
# exits go, per function. Builds the instruction-counting build (build/count, as
# tools/bench.sh does), boots build/guests/bench.efi under it once in Bochs (1 CPU) with
# insn_trace=1, so that after each BENCH row the hypervisor logs the RIP traces of the last
# four exits (arch/x86/insn_trace.c), then prints for each ROW (a BENCH row name; default
# modify-prot-1page modify-prot-16pages hypercall-mem-1rep cpuid), per exit of the row's
# last iteration (as many as its "per exit" column shows, up to four):
#
#   - its length, against the BENCH column (which adds the VMRESUME and takes off the
#     counting's extra: length = column + extra - 1);
#   - the functions by instructions executed in them (exclusive), with how often their
#     first instruction ran (calls, jumps back to it included);
#   - the instructions run more than once (loops; each iteration of a REP string
#     instruction is single-stepped and counts one);
#   - the path: the functions in execution order with their run lengths, a block of runs
#     repeated straight away written once with its count ("[...] x3").
#
# Symbols from build/count/core.elf (nm). The run's files stay in build/insn-profile/:
# com1.txt (BENCH lines), com3.txt (the log with the traces), bochs.log, run.txt.
#   --no-boot   only analyse the files of the last run (after changing ROWs)
# Environment: ITRACE_PATH_MAX (default 400) items of the path shown per exit.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$VTL_ROOT" || die "cannot cd to $VTL_ROOT"
out=build/insn-profile
elf=build/count/core.elf

boot=1
rows=()
for a in "$@"; do
	case $a in
	--no-boot) boot=0 ;;
	-h | --help)
		sed -n '3,25s/^# \{0,1\}//p' "$0" >&2
		exit 2
		;;
	-*) die "unknown option '$a'" ;;
	*) rows+=("$a") ;;
	esac
done
[ ${#rows[@]} -gt 0 ] || rows=(modify-prot-1page modify-prot-16pages hypercall-mem-1rep cpuid)

if [ "$boot" = 1 ]; then
	rm -rf "$out"
	mkdir -p "$out"
	if ! make --no-print-directory B=build/count COUNT_INSNS=1 build/count/vtlvisor.efi \
		>"$out/make.txt" 2>&1 ||
		! make --no-print-directory build/guests/bench.efi >>"$out/make.txt" 2>&1; then
		echo "insn-profile: the build failed; see $out/make.txt" >&2
		exit 1
	fi
	tools/mkesp.sh "$out/esp" build/count/vtlvisor.efi build/guests/bench.efi \
		--startup "fs0:;vtlvisor.efi console=com3 insn_trace=1;bench.efi" >/dev/null
	echo "insn-profile: booting bench.efi under the counting build (about a minute)" >&2
	tools/run-bochs.sh --esp "$out/esp" --cpus 1 --com1 "$out/com1.txt" \
		--com3 "$out/com3.txt" --log "$out/bochs.log" --timeout 900 >"$out/run.txt" 2>&1
fi
for f in com1.txt com3.txt; do
	[ -f "$out/$f" ] || die "$out/$f missing: run without --no-boot"
done
if ! grep -aq '^BENCH done' "$out/com1.txt"; then
	echo "insn-profile: the run did not finish; see $out/ (run.txt, com1.txt, bochs.log)" >&2
	exit 1
fi
[ -f "$elf" ] || die "$elf missing"

# Function symbols, by address: "ADDR NAME" (the core lies in the top 2 GiB: the tool keeps
# each address's low 32 bits, which awk's doubles hold exactly).
nm -n --defined-only "$elf" | awk '$2 ~ /^[tTwW]$/ { print $1, $2, $3 }' >"$out/syms.txt"
tr -d '\r' <"$out/com1.txt" >"$out/com1.clean"
tr -d '\r' <"$out/com3.txt" >"$out/com3.clean"
awk -v rows="${rows[*]}" -v path_max="${ITRACE_PATH_MAX:-400}" -f tools/insn-profile.awk \
	"$out/syms.txt" "$out/com1.clean" "$out/com3.clean"
