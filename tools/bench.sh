#!/bin/bash
# SPDX-License-Identifier: MIT
#
# bench.sh: `make bench`. Boots tests/guests/bench.efi twice in Bochs, at the same time:
# natively (the baseline) and under vtlvisor, then prints one table: emulated TSC ticks per
# operation (a path length: Bochs' TSC follows emulated instructions) and VM exits per
# operation. The table also goes to build/bench/bench.md. Numbers are comparable only
# within one run of this script (same Bochs, same ips).
set -uo pipefail
cd "$(dirname "$0")/.."
out=build/bench
rm -rf "$out" && mkdir -p "$out/native" "$out/vtlvisor"

tools/mkesp.sh "$out/native/esp" build/guests/bench.efi --startup "fs0:;bench.efi" >/dev/null
tools/mkesp.sh "$out/vtlvisor/esp" build/vtlvisor.efi build/guests/bench.efi \
	--startup "fs0:;vtlvisor.efi console=com3;bench.efi" >/dev/null
for run in native vtlvisor; do
	tools/run-bochs.sh --esp "$out/$run/esp" --cpus 1 --com1 "$out/$run/com1.txt" \
		--com3 "$out/$run/com3.txt" --log "$out/$run/bochs.log" --timeout 300 \
		>"$out/$run/run.txt" 2>&1 &
done
wait
for run in native vtlvisor; do
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
	echo "| operation | native ticks/op | under vtlvisor ticks/op | VM exits/op | INVEPTs/op | added by vtlvisor |"
	echo "|---|---:|---:|---:|---:|---:|"
	for op in $ops; do
		n=$(field native "$op" 3)
		v=$(field vtlvisor "$op" 3)
		e=$(field vtlvisor "$op" 4)
		i=$(field vtlvisor "$op" 5)
		if [ -n "$n" ]; then d=$((v - n)); else n="-"; d="-"; fi
		echo "| $op | $n | $v | $e | $i | $d |"
	done
} | tee "$out/bench.md"
echo
echo "bench: ticks are Bochs TSC ticks (emulated instructions at ips=10M); tables in $out/bench.md"
