#!/bin/bash
# SPDX-License-Identifier: MIT
#
# run-tests.sh: the `make test` driver.
#   1. the host unit tests (`make unit`), counted per test case;
#   2. the libFuzzer targets (`make fuzz`), FUZZ_SECONDS (default 20) each, a case each;
#   3. every emulator scenario in tests/scenarios/*.scenario, JOBS (default 2) at a time.
# The last line printed is exactly "N passed, N failed" (unit test cases + scenarios), with
# ", N skipped" added only when something was skipped; the exit status is 1 if anything
# failed.
#
# Environment:
#   UNIT=0            skip the unit tests
#   FUZZ=0            skip the fuzzers; FUZZ_SECONDS=n runs each for n seconds
#   SCENARIOS="a b"   run only these scenarios; SCENARIOS=none runs none
#   JOBS=N            scenarios run in parallel (default 2: one Bochs per host core)
#   VTL_TIMEOUT_SCALE, VERBOSE: passed on to tools/run-scenario.sh
set -uo pipefail
. "$(dirname "$0")/lib.sh"

jobs_max=${JOBS:-2}
is_uint "$jobs_max" && [ "$jobs_max" -ge 1 ] || die "JOBS must be a positive number"

passed=0
failed=0
skipped=0
failures=()
skips=()
start_all=$(now_ms)

# ---- 1. unit tests ---------------------------------------------------------------------
if [ "${UNIT:-1}" != 0 ]; then
	echo "== unit tests"
	out=$(mktemp "${TMPDIR:-/tmp}/run-tests-unit.XXXXXX") || die "mktemp failed"
	make --no-print-directory -C "$VTL_ROOT" unit 2>&1 | tee "$out"
	line=$(grep -E '^unit: [0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	rm -f "$out"
	if [[ $line =~ ^unit:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)? ]]; then
		passed=$((passed + BASH_REMATCH[1]))
		failed=$((failed + BASH_REMATCH[2]))
		skipped=$((skipped + ${BASH_REMATCH[4]:-0}))
		[ "${BASH_REMATCH[2]}" -eq 0 ] || failures+=("unit tests: ${BASH_REMATCH[2]} failed")
	else
		echo "  FAIL unit tests did not build or run (no summary line from tools/run-unit.sh)"
		failed=$((failed + 1))
		failures+=("unit tests: did not build or run")
	fi
fi

# ---- 2. fuzzers, for a bounded time ------------------------------------------------------
if [ "${FUZZ:-1}" != 0 ]; then
	echo "== fuzzers (${FUZZ_SECONDS:-20} s each)"
	out=$(mktemp "${TMPDIR:-/tmp}/run-tests-fuzz.XXXXXX") || die "mktemp failed"
	make --no-print-directory -C "$VTL_ROOT" fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-20}" 2>&1 | tee "$out"
	line=$(grep -E '^fuzz: [0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	rm -f "$out"
	if [[ $line =~ ^fuzz:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
		passed=$((passed + BASH_REMATCH[1]))
		failed=$((failed + BASH_REMATCH[2]))
		[ "${BASH_REMATCH[2]}" -eq 0 ] || failures+=("fuzzers: ${BASH_REMATCH[2]} found something")
	else
		echo "  FAIL the fuzzers did not build or run (no summary line from tools/run-fuzz.sh)"
		failed=$((failed + 1))
		failures+=("fuzzers: did not build or run")
	fi
fi

# ---- 3. scenarios ----------------------------------------------------------------------
names=()
if [ "${SCENARIOS:-}" = none ]; then
	:
elif [ -n "${SCENARIOS:-}" ]; then
	for n in $SCENARIOS; do names+=("$n"); done # a name or a path to a .scenario file
else
	for f in "$VTL_ROOT"/tests/scenarios/*.scenario; do
		[ -e "$f" ] || continue
		names+=("$(basename "$f" .scenario)")
	done
fi

declare -A name_of=() # pid -> scenario
declare -A out_of=()  # pid -> captured output
capdir=
kill_running() {
	local p
	for p in "${!name_of[@]}"; do kill -TERM -- "-$p" 2>/dev/null; done
	[ -z "$capdir" ] || rm -rf "$capdir"
}
trap kill_running EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# collect: waits for one scenario to end, prints its output, counts its result.
collect() {
	local pid st name
	wait -n -p pid "${!name_of[@]}"
	st=$?
	name=${name_of[$pid]}
	cat "${out_of[$pid]}"
	case $st in
	0) passed=$((passed + 1)) ;;
	77)
		skipped=$((skipped + 1))
		skips+=("$name")
		;;
	*)
		failed=$((failed + 1))
		failures+=("scenario $name")
		grep -q -E "^(PASS|FAIL|SKIP) $name" "${out_of[$pid]}" ||
			echo "FAIL $name (run-scenario.sh exited with status $st and printed no result)"
		;;
	esac
	unset "name_of[$pid]" "out_of[$pid]"
}

if [ ${#names[@]} -gt 0 ]; then
	echo "== scenarios (${#names[@]}, $jobs_max at a time)"
	capdir=$(mktemp -d "${TMPDIR:-/tmp}/run-tests.XXXXXX") || die "mktemp failed"
	for n in "${names[@]}"; do
		while [ ${#name_of[@]} -ge "$jobs_max" ]; do collect; done
		sname=$(basename "$n" .scenario)
		# setsid: each scenario in its own process group, so that stopping it stops its
		# emulator too.
		setsid "$VTL_ROOT/tools/run-scenario.sh" "$n" </dev/null >"$capdir/$sname.out" 2>&1 &
		name_of[$!]=$sname
		out_of[$!]=$capdir/$sname.out
	done
	while [ ${#name_of[@]} -gt 0 ]; do collect; done
fi

# ---- summary ---------------------------------------------------------------------------
echo "== done in $(fmt_secs $(($(now_ms) - start_all))) s"
for s in ${skips[@]+"${skips[@]}"}; do echo "  SKIPPED: scenario $s (not counted as passed)"; done
for f in ${failures[@]+"${failures[@]}"}; do echo "  FAILED: $f"; done
summary="$passed passed, $failed failed"
[ "$skipped" -eq 0 ] || summary="$summary, $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ]
