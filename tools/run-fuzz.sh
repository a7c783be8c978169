#!/bin/bash
# SPDX-License-Identifier: MIT
#
# run-fuzz.sh SECONDS TARGET...: runs each libFuzzer target (tests/fuzz/) for SECONDS on its
# corpus directory (build/fuzz/<target>.corpus, kept between runs). Prints per target
# "  ok   <name>: N runs in S s" or "  FAIL <name>: ..." with the crash file, and last
# "fuzz: N passed, N failed" (a target is one case). Exit status 1 if one found something.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

secs=${1:?usage: run-fuzz.sh SECONDS TARGET...}
shift
is_uint "$secs" || die "SECONDS must be a number"
passed=0
failed=0
for t in "$@"; do
	name=$(basename "$t")
	corpus=$t.corpus
	log=$t.log
	mkdir -p "$corpus"
	# -rss_limit_mb: the model and the arena are static; 2 GiB is plenty. Crashes land in
	# build/fuzz/ as crash-<hash>; rerun one with: build/fuzz/<target> <file>.
	if (cd "$(dirname "$t")" && "./$name" -max_total_time="$secs" -max_len=4096 \
		-rss_limit_mb=2048 -print_final_stats=1 "$name.corpus" >"$name.log" 2>&1); then
		runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$')
		echo "  ok   $name: ${runs:-?} inputs in $secs s, nothing found (corpus $(ls "$corpus" | wc -l) files)"
		passed=$((passed + 1))
	else
		echo "  FAIL $name: see $log"
		grep -E 'fuzz_|ERROR|SUMMARY|Test unit written' "$log" | head -n 8 | sed 's/^/         | /'
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
