#!/bin/bash
# SPDX-License-Identifier: MIT
#
# run-unit.sh BIN...: runs host unit-test binaries (cmocka) and counts their test cases.
#
# Each binary's output (stdout + stderr) is kept in BIN.log. Test cases are counted from
# cmocka's summary lines ("[  PASSED  ] N test(s).", "[  FAILED  ] N test(s), listed
# below:", "[  SKIPPED ] N test(s)."); a binary that crashes (a group without its
# "N test(s) run." line), exits non-zero with no failure counted, prints no summary at all,
# or runs past UNIT_TIMEOUT seconds (default 600) counts as one more failure.
#
# Prints one line per binary, the failing binaries' failed tests and log tails, and last
# "unit: N passed, N failed[, N skipped]". Exit status 1 if anything failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

timeout_s=${UNIT_TIMEOUT:-600}
total_pass=0
total_fail=0
total_skip=0

# cmocka's default output format (what the parser reads), whatever the caller's environment.
unset CMOCKA_XML_FILE
export CMOCKA_MESSAGE_OUTPUT=STDOUT
# Make sanitizer reports end the process with a message (they are failures).
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

for bin in "$@"; do
	name=$(basename "$bin")
	log=$bin.log
	if [ ! -x "$bin" ]; then
		echo "  FAIL $name: not found or not executable"
		total_fail=$((total_fail + 1))
		continue
	fi
	start=$(now_ms)
	timeout -k 5 "$timeout_s" "$bin" </dev/null >"$log" 2>&1
	st=$?
	secs=$(fmt_secs $(($(now_ms) - start)))
	# started done passed failed skipped
	read -r started ndone pass fail skip < <(LC_ALL=C awk '
		/^\[==========\] Running [0-9]+ test/ { s++ }
		/^\[==========\] [0-9]+ test\(s\) run\./ { d++ }
		/^\[  PASSED  \] [0-9]+ test/ { p += $4 }
		/^\[  FAILED  \] [0-9]+ test\(s\), listed below/ { f += $4 }
		/^\[  SKIPPED \] [0-9]+ test/ { k += $4 }
		END { printf "%d %d %d %d %d\n", s, d, p, f, k }' "$log")
	why=()
	if [ "$st" -eq 124 ] || [ "$st" -eq 137 ]; then
		why+=("timed out after ${timeout_s} s")
		fail=$((fail + 1))
	elif [ "$started" -eq 0 ]; then
		why+=("no cmocka summary (exit status $st)")
		fail=$((fail + 1))
	elif [ "$ndone" -lt "$started" ]; then
		why+=("crashed: $((started - ndone)) group(s) did not finish (exit status $st)")
		fail=$((fail + 1))
	elif [ "$st" -ne 0 ] && [ "$fail" -eq 0 ]; then
		why+=("exit status $st with no failed test reported")
		fail=$((fail + 1))
	fi
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	total_skip=$((total_skip + skip))
	counts="$pass passed, $fail failed"
	[ "$skip" -eq 0 ] || counts="$counts, $skip skipped"
	if [ "$fail" -eq 0 ]; then
		echo "  ok   $name: $counts (${secs}s)"
		continue
	fi
	echo "  FAIL $name: $counts (${secs}s)${why[0]+: ${why[0]}}"
	LC_ALL=C grep -a -E '^\[  FAILED  \] [^0-9]' "$log" | sort -u | sed 's/^/         | /'
	echo "         | --- last 15 lines of $log:"
	tail -n 15 "$log" | sed 's/^/         | /'
done

summary="unit: $total_pass passed, $total_fail failed"
[ "$total_skip" -eq 0 ] || summary="$summary, $total_skip skipped"
echo "$summary"
[ "$total_fail" -eq 0 ]
