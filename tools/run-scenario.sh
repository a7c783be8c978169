#!/bin/bash
# SPDX-License-Identifier: MIT
#
# run-scenario.sh NAME|FILE.scenario
#
# Runs one emulator scenario (format: tests/scenarios/README.md): builds its ESP under
# build/scenarios/NAME/, boots it in Bochs or QEMU, checks the transcripts against
# NAME.expect and prints "PASS NAME (Ns)", "FAIL NAME (Ns)" followed by the failed checks
# and the tails of the transcripts, or "SKIP NAME: reason" when the emulator it needs
# cannot run here. With CONSOLE_SCRIPT, tools/console-drive.sh plays that script on COM3
# (a TCP socket: run-bochs.sh --com3-socket) while Bochs runs.
#
# Exit status: 0 pass, 1 fail, 77 skip, 2 usage error.
# Environment: VTL_TIMEOUT_SCALE=N multiplies every scenario's TIMEOUT (slow machines);
# VERBOSE=1 prints the check lines of passing scenarios too.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: run-scenario.sh NAME|FILE.scenario"
arg=$1
case $arg in
*/* | *.scenario) file=$arg ;;
*) file=$VTL_ROOT/tests/scenarios/$arg.scenario ;;
esac
[ -f "$file" ] || die "no scenario file $file"
file=$(abspath "$file")
name=$(basename "$file" .scenario)
sdir=$(dirname "$file")

# Defaults, then the scenario file (sourced: plain VAR=value lines).
EMULATOR=bochs
CPUS=1
MEM=512
TIMEOUT=300
IPS=
CPU_MODEL=
ACCEL=auto
FILES=
STARTUP=
STARTUP_FILE=
SHUTDOWN=1
HV_UART=com2
STOP_ON=
EXPECT_END=poweroff
EXPECT=$sdir/$name.expect
CONSOLE_SCRIPT=
CONSOLE_UART=com3
# shellcheck disable=SC1090
. "$file" || die "$file: error while reading it"

out=$VTL_ROOT/build/scenarios/$name
rm -rf "$out"
mkdir -p "$out" || die "cannot create $out"
start=$(now_ms)

skip() {
	echo "SKIP $name: $*"
	echo "SKIP $name: $*" >"$out/result.txt"
	exit 77
}
# Scenario errors (a missing file, a bad value) are failures, not skips.
setup_fail() {
	echo "FAIL $name (0.0s)"
	echo "  FAIL scenario setup: $*"
	echo "FAIL $name: $*" >"$out/result.txt"
	exit 1
}

case $EMULATOR in
bochs)
	command -v bochs >/dev/null || skip "bochs is not installed (tools/install-deps.sh)"
	;;
qemu)
	command -v qemu-system-x86_64 >/dev/null ||
		skip "qemu-system-x86_64 is not installed (tools/install-deps.sh)"
	case $ACCEL in
	kvm) kvm_nested_ok || skip "needs KVM with nested VMX (Intel host, kvm_intel nested=Y); this machine has none" ;;
	auto | tcg) ;;
	*) setup_fail "ACCEL must be auto, tcg or kvm, not '$ACCEL'" ;;
	esac
	;;
*) setup_fail "EMULATOR must be bochs or qemu, not '$EMULATOR'" ;;
esac
is_uint "$TIMEOUT" || setup_fail "TIMEOUT must be a number of seconds"
TIMEOUT=$((TIMEOUT * ${VTL_TIMEOUT_SCALE:-1}))
case $HV_UART in com1 | com2 | com3) ;; *) setup_fail "HV_UART must be com1, com2 or com3" ;; esac
case $EXPECT_END in poweroff | any | timeout) ;; *) setup_fail "EXPECT_END must be poweroff, any or timeout" ;; esac
[ -f "$EXPECT" ] || setup_fail "no expectation file $EXPECT"
# A console scenario: tools/console-drive.sh plays CONSOLE_SCRIPT on the UART, a TCP socket.
if [ -n "$CONSOLE_SCRIPT" ]; then
	case $CONSOLE_SCRIPT in /*) ;; *) CONSOLE_SCRIPT=$sdir/$CONSOLE_SCRIPT ;; esac
	[ -f "$CONSOLE_SCRIPT" ] || setup_fail "no console script $CONSOLE_SCRIPT"
	[ "$EMULATOR" = bochs ] || setup_fail "CONSOLE_SCRIPT needs EMULATOR=bochs"
	[ "$CONSOLE_UART" = com3 ] || setup_fail "CONSOLE_UART must be com3 (the only UART run-bochs.sh puts on a socket)"
fi

# The ESP: FILES are relative to the repository root (or absolute), SRC=NAME renames.
esp_args=()
for f in $FILES; do
	src=${f%%=*}
	case $src in /*) ;; *) src=$VTL_ROOT/$src ;; esac
	[ -f "$src" ] || setup_fail "missing $src (did make build it?)"
	case $f in *=*) esp_args+=("$src=${f#*=}") ;; *) esp_args+=("$src") ;; esac
done
[ -n "$STARTUP" ] && esp_args+=(--startup "$STARTUP")
if [ -n "$STARTUP_FILE" ]; then
	case $STARTUP_FILE in /*) ;; *) STARTUP_FILE=$sdir/$STARTUP_FILE ;; esac
	esp_args+=(--startup-file "$STARTUP_FILE")
fi
[ "$SHUTDOWN" = 1 ] || esp_args+=(--no-shutdown)
"$VTL_ROOT/tools/mkesp.sh" "$out/esp" ${esp_args[@]+"${esp_args[@]}"} >"$out/mkesp.txt" 2>&1 ||
	setup_fail "mkesp.sh: $(cat "$out/mkesp.txt")"

# The run.
common=(--esp "$out/esp" --cpus "$CPUS" --mem "$MEM" --timeout "$TIMEOUT"
	--stop-on "$VTL_FW_EXCEPTION_RE${STOP_ON:+|$STOP_ON}"
	--com1 "$out/com1.txt" --com2 "$out/com2.txt" --com3 "$out/com3.txt" --e9 "$out/e9.txt")
if [ "$EMULATOR" = bochs ]; then
	logname=bochs.log
	args=("${common[@]}" --log "$out/$logname")
	[ -z "$IPS" ] || args+=(--ips "$IPS")
	[ -z "$CPU_MODEL" ] || args+=(--cpu-model "$CPU_MODEL")
	if [ -n "$CONSOLE_SCRIPT" ]; then
		port=$("$VTL_ROOT/tools/console-drive.sh" --free-port) || setup_fail "no free TCP port"
		"$VTL_ROOT/tools/run-bochs.sh" "${args[@]}" --com3-socket "$port" >"$out/run.txt" 2>&1 &
		bochs_job=$!
		# The driver records COM3 into com3.txt; it ends when Bochs closes the socket.
		"$VTL_ROOT/tools/console-drive.sh" --port "$port" --transcript "$out/$CONSOLE_UART.txt" \
			--log "$out/console-log.txt" --connect-timeout 60 "$CONSOLE_SCRIPT" \
			>"$out/console-drive.txt" 2>&1 &
		drive_job=$!
		wait "$bochs_job"
		run_status=$?
		wait_or_kill "$drive_job" 15
		drive_result=$(grep -E 'RESULT: ' "$out/console-log.txt" 2>/dev/null | tail -n 1)
	else
		"$VTL_ROOT/tools/run-bochs.sh" "${args[@]}" >"$out/run.txt" 2>&1
		run_status=$?
	fi
else
	logname=qemu.log
	"$VTL_ROOT/tools/run-qemu.sh" "${common[@]}" --accel "$ACCEL" --log "$out/$logname" \
		>"$out/run.txt" 2>&1
	run_status=$?
fi

# The checks: how the run ended, then the expectation file.
{
	end=$(grep -E '^run-(bochs|qemu): ' "$out/run.txt" | tail -n 1)
	# run-bochs says "ended: ACPI control: soft power off" or "ended: Shutdown port: ...";
	# run-qemu "ended by itself"; "stopped: ..." means a hang was cut short (--stop-on).
	case $EXPECT_END:$run_status in
	poweroff:0)
		if [[ $end =~ ended:\ (ACPI\ control:\ soft\ power\ off|Shutdown\ port)|ended\ by\ itself ]]; then
			echo "  ok   [run] ended by powering off"
		else
			echo "  FAIL [run] ended by powering off"
			echo "         | $end"
		fi
		;;
	any:0 | any:124 | timeout:124) echo "  ok   [run] ended as expected ($EXPECT_END)" ;;
	*)
		echo "  FAIL [run] ended as expected ($EXPECT_END), exit status $run_status"
		echo "         | ${end:-$(tail -n 3 "$out/run.txt")}"
		;;
	esac
	console=()
	if [ -n "$CONSOLE_SCRIPT" ]; then
		console=("console=$out/$CONSOLE_UART.txt" "console-log=$out/console-log.txt")
		what="[console] $(basename "$CONSOLE_SCRIPT"): every wait/expect matched"
		if [[ $drive_result == *"RESULT: PASS"* ]]; then
			echo "  ok   $what"
		else
			echo "  FAIL $what"
			grep -E '^ *[0-9.]+ (FAIL|RESULT)|^       \|' "$out/console-log.txt" 2>/dev/null |
				head -n 30 | sed 's/^ */         | /'
			[ -n "$drive_result" ] || echo "         | no result: $(tail -n 2 "$out/console-drive.txt")"
		fi
	fi
	"$VTL_ROOT/tools/check-serial.sh" "$EXPECT" "guest=$out/com1.txt" "hv=$out/$HV_UART.txt" \
		"com1=$out/com1.txt" "com2=$out/com2.txt" "com3=$out/com3.txt" "e9=$out/e9.txt" \
		"log=$out/$logname" ${console[@]+"${console[@]}"} 2>&1
} >"$out/checks.txt"
secs=$(fmt_secs $(($(now_ms) - start)))

if ! grep -q '^  FAIL' "$out/checks.txt"; then
	echo "PASS $name (${secs}s)"
	echo "PASS $name (${secs}s)" >"$out/result.txt"
	[ "${VERBOSE:-0}" = 0 ] || cat "$out/checks.txt"
	exit 0
fi

{
	echo "FAIL $name (${secs}s)"
	grep -A8 '^  FAIL' "$out/checks.txt" | grep -E '^  FAIL|^         \|' | head -n 60
	echo "  --- $(grep -E '^run-(bochs|qemu): ' "$out/run.txt" | tail -n 1)"
	if [ "$EMULATOR" = bochs ] && [ -s "$out/bochs.log" ]; then
		echo "  --- VMX / VMFAIL / panic lines of $out/bochs.log:"
		# Not the configuration dump at tick 0; not OVMF's harmless MSR probes.
		LC_ALL=C grep -a -E -v '^0+[a-z]\[|RDMSR: (Read|Unknown register 0x17)' "$out/bochs.log" |
			LC_ALL=C grep -a -E -e 'VMX|PANIC|[Tt]riple|exception\(\)|^[0-9]+e\[CPU' \
				-e '(VMFAIL|VMABORT|VMENTER|VMEXIT|VMLAUNCH|VMRESUME|VMXON|VMPTRLD|VMCLEAR|VMREAD|VMWRITE|INVEPT|INVVPID|VMCALL|VMFUNC)' |
			head -n 40 | sed 's/^/  | /'
	fi
	for t in com1 "$HV_UART" e9; do
		[ -s "$out/$t.txt" ] || continue
		[ "$t" != com1 ] || [ "$HV_UART" != com1 ] || [ -z "${shown_com1-}" ] || continue
		shown_com1=1
		case $t in com1) label="guest (com1)" ;; e9) label="port 0xE9" ;; *) label="hv ($t)" ;; esac
		echo "  --- last 30 lines of $label, $out/$t.txt:"
		strip_term <"$out/$t.txt" | grep -v '^[[:space:]]*$' | tail -n 30 | sed 's/^/  | /'
	done
	if [ -n "$CONSOLE_SCRIPT" ] && [ -s "$out/console-log.txt" ]; then
		echo "  --- last 30 lines of the console driver's log, $out/console-log.txt:"
		tail -n 30 "$out/console-log.txt" | cut -c1-200 | sed 's/^/  | /'
	fi
} | tee "$out/result.txt"
exit 1
