#!/bin/bash
# SPDX-License-Identifier: MIT
#
# bench.sh: `make bench`. Boots tests/guests/bench.efi in Bochs three times: natively (the
# baseline) and under vtlvisor at the same time, then under vtlvisor's instruction-counting
# build (arch/x86/insn_count.h: made here with COUNT_INSNS=1 in build/count). Prints one
# table: emulated TSC ticks per operation (Bochs' TSC follows emulated instructions), VM
# exits and INVEPTs per operation, and from the counting run the exact number of hypervisor
# instructions per operation and per exit of its last iteration. The table also goes to
# build/bench/bench.md. Numbers are comparable only within one run of this script.
set -uo pipefail
cd "$(dirname "$0")/.."
out=build/bench
host_bench=$out/bench_ept_prot
[ -x "$host_bench" ] || { echo "bench: $host_bench missing (make bench builds it)" >&2; exit 1; }
find "$out" -mindepth 1 -maxdepth 1 ! -name 'bench_ept_prot*' -exec rm -rf {} + 2>/dev/null
mkdir -p "$out/native" "$out/vtlvisor" "$out/count"

if ! make --no-print-directory B=build/count COUNT_INSNS=1 build/count/vtlvisor.efi >"$out/count/make.txt" 2>&1; then
	echo "bench: the instruction-counting build failed; see $out/count/make.txt" >&2
	exit 1
fi
tools/mkesp.sh "$out/native/esp" build/guests/bench.efi --startup "fs0:;bench.efi" >/dev/null
tools/mkesp.sh "$out/vtlvisor/esp" build/vtlvisor.efi build/guests/bench.efi \
	--startup "fs0:;vtlvisor.efi console=com3;bench.efi" >/dev/null
tools/mkesp.sh "$out/count/esp" build/count/vtlvisor.efi build/guests/bench.efi \
	--startup "fs0:;vtlvisor.efi console=com3;bench.efi" >/dev/null
boot() {
	tools/run-bochs.sh --esp "$out/$1/esp" --cpus 1 --com1 "$out/$1/com1.txt" \
		--com3 "$out/$1/com3.txt" --log "$out/$1/bochs.log" --timeout 300 \
		>"$out/$1/run.txt" 2>&1
}
boot native & boot vtlvisor & wait # two cores
boot count
for run in native vtlvisor count; do
	if ! grep -aq '^BENCH done' "$out/$run/com1.txt"; then
		echo "bench: the $run run did not finish; see $out/$run/ (run.txt, com1.txt, bochs.log)" >&2
		exit 1
	fi
done

field() { # run name column
	tr -d '\r' <"$out/$1/com1.txt" | awk -v n="$2" -v c="$3" '$1 == "BENCH" && $2 == n { v = $c } END { print v }'
}
ops=$(tr -d '\r' <"$out/vtlvisor/com1.txt" | awk '$1 == "BENCH" && NF == 5 { print $2 }' | awk '!s[$0]++')
{
	echo "| operation | native ticks/op | under vtlvisor ticks/op | VM exits/op | INVEPTs/op | added by vtlvisor | hypervisor instructions/op | per exit, last iteration (up to four) |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	for op in $ops; do
		n=$(field native "$op" 3)
		v=$(field vtlvisor "$op" 3)
		e=$(field vtlvisor "$op" 4)
		i=$(field vtlvisor "$op" 5)
		c=$(field count "$op" 6)
		x=$(field count "$op" 7)
		if [ -n "$n" ]; then d=$((v - n)); else n="-"; d="-"; fi
		echo "| $op | $n | $v | $e | $i | $d | ${c:--} | ${x:--} |"
	done
} | tee "$out/bench.md"
# The host microbenchmark of the protection engine (tests/bench/bench_ept_prot.c), with
# its baseline that rebuilds the view from the mirror on every change.
echo
if "$host_bench" >"$out/host.txt" 2>&1 && grep -q '^BENCH-HOST done' "$out/host.txt"; then
	{
		echo
		echo "Protection engine on the host (mirror + EPT view, in place; baseline in the same run):"
		echo
		grep '^BENCH-HOST' "$out/host.txt" | grep -v done | sed 's/^BENCH-HOST /- /'
	} | tee -a "$out/bench.md"
else
	echo "bench: the host engine benchmark failed; see $out/host.txt" >&2
	exit 1
fi
echo
echo "bench: ticks are Bochs TSC ticks (emulated instructions at ips=10M); instructions are"
echo "bench: counted exactly by single-stepping the exit path (the counting build); tables in $out/bench.md"
