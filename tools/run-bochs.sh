#!/bin/bash
# SPDX-License-Identifier: MIT
#
# run-bochs.sh [options]: boot OVMF in Bochs 2.7 (the only emulator here with VMX) from a
# directory served as a FAT disk, headless, until the guest powers off or the timeout.
#
#   --esp DIR          directory served as the FAT disk (see tools/mkesp.sh)
#   --cpus N           processors, 1..8 (default 1)
#   --mem MB           guest memory (default 512)
#   --cpu-model M      Bochs CPU model (default corei7_skylake_x: VMX + EPT)
#   --ips N            emulated instructions per emulated second (default 10000000)
#   --timeout S        wall-clock limit in seconds, 0 = none (default 600, --demo 1800)
#   --com1 FILE        COM1 (0x3F8) output: the guest's serial console
#   --com2 FILE        COM2 (0x2F8) output: the hypervisor console
#   --com3 FILE        COM3 (0x3E8) output (a UART the firmware does not touch)
#   --com3-socket PORT COM3 is a TCP server on 127.0.0.1:PORT ("auto": a free port, printed)
#                      instead of a file: Bochs waits for one client (console-drive.sh,
#                      nc 127.0.0.1 PORT) before it runs a single instruction. The client
#                      writes the --com3 transcript; once it leaves, COM3 is dead for the run
#   --e9 FILE          bytes written to port 0xE9
#   --log FILE         the Bochs log (VM-entry failures are written there in words)
#   --hv comN          which UART --demo/--live shows as [hv] (default com2)
#   --live             show the consoles on the terminal while the run goes on
#   --demo             ESP with build/vtlvisor.efi (console=com3) + build/guests/vtl0test.efi,
#                      --live, --hv com3
#   --keep DIR         keep the work directory (bochsrc, Bochs stdout/stderr) in DIR
#   --stop-on REGEX    end the run 3 s after a line matching REGEX (ERE) appears in a
#                      transcript (default: OVMF's exception dump, after which it hangs);
#                      "" disables
#   --bochsrc-extra L  one more bochsrc line (repeatable)
#
# Exit status: 0 when the run ended by itself (power off, "Shutdown" to port 0x8900, triple
# fault or another Bochs panic, --stop-on: judge the run by its transcripts), 124 on
# timeout, 2 on a usage error, 3 when Bochs did not start. Bochs' own exit status (always 1)
# is ignored.
# The last line printed says how the run ended and how long it took.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n '3,36s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

cpus=1
mem=512
model=corei7_skylake_x
ips=10000000
timeout=
esp=
com1=
com2=
com3=
com3_socket=
e9=
log=
hv=com2
live=0
demo=0
keep=
extra=()
stop_on=$VTL_FW_EXCEPTION_RE
while [ $# -gt 0 ]; do
	opt=$1
	case $opt in
	--live) live=1; shift; continue ;;
	--demo) demo=1; live=1; shift; continue ;;
	-h | --help) usage ;;
	--*=*) set -- "${opt%%=*}" "${opt#*=}" "${@:2}"; opt=$1 ;;
	esac
	[ $# -ge 2 ] || { [ "${opt#--}" != "$opt" ] && die "$opt needs a value"; usage; }
	case $opt in
	--cpus) cpus=$2 ;;
	--mem) mem=$2 ;;
	--cpu-model) model=$2 ;;
	--ips) ips=$2 ;;
	--timeout) timeout=$2 ;;
	--esp) esp=$2 ;;
	--com1) com1=$2 ;;
	--com2) com2=$2 ;;
	--com3) com3=$2 ;;
	--com3-socket) com3_socket=$2 ;;
	--e9) e9=$2 ;;
	--log) log=$2 ;;
	--hv) hv=$2 ;;
	--keep) keep=$2 ;;
	--stop-on) stop_on=$2 ;;
	--bochsrc-extra) extra+=("$2") ;;
	*) die "unknown option $opt (try --help)" ;;
	esac
	shift 2
done

is_uint "$cpus" && [ "$cpus" -ge 1 ] && [ "$cpus" -le 8 ] || die "--cpus must be 1..8"
is_uint "$mem" && [ "$mem" -ge 64 ] || die "--mem must be a number of MB >= 64"
is_uint "$ips" && [ "$ips" -ge 1000000 ] || die "--ips must be >= 1000000"
[ -n "$timeout" ] || timeout=$((demo ? 1800 : 600))
is_uint "$timeout" || die "--timeout must be a number of seconds"
case $hv in com1 | com2 | com3) ;; *) die "--hv must be com1, com2 or com3" ;; esac
if [ "$com3_socket" = auto ]; then
	com3_socket=$("$VTL_ROOT/tools/console-drive.sh" --free-port) || die "no free TCP port"
fi
if [ -n "$com3_socket" ]; then
	is_uint "$com3_socket" && [ "$com3_socket" -ge 1024 ] && [ "$com3_socket" -le 65535 ] ||
		die "--com3-socket must be a TCP port 1024..65535 or auto"
fi
command -v bochs >/dev/null || die "bochs is not installed (tools/install-deps.sh)"
[ -f "$VTL_OVMF" ] || die "no $VTL_OVMF (package ovmf)"
[ -f "$VTL_VGABIOS" ] || die "no $VTL_VGABIOS (package vgabios)"

if [ -n "$keep" ]; then
	mkdir -p "$keep" || die "cannot create $keep"
	work=$(cd "$keep" && pwd)
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/run-bochs.XXXXXX") || die "mktemp failed"
fi

if [ "$demo" = 1 ]; then
	[ -z "$esp" ] || die "--demo builds its own ESP: drop --esp"
	for f in build/vtlvisor.efi build/guests/vtl0test.efi; do
		[ -f "$VTL_ROOT/$f" ] || die "$f is missing: run make first"
	done
	# The hypervisor console goes to COM3: OVMF copies its own console (and so every
	# guest line) to COM1 and COM2, which would make [hv] a copy of [guest].
	esp=$work/esp
	"$VTL_ROOT/tools/mkesp.sh" "$esp" "$VTL_ROOT/build/vtlvisor.efi" \
		"$VTL_ROOT/build/guests/vtl0test.efi" \
		--startup "fs0:;vtlvisor.efi console=com3;vtl0test.efi" || die "mkesp.sh failed"
	hv=com3
fi
[ -n "$esp" ] || die "--esp DIR is required (or --demo)"
[ -d "$esp" ] || die "no such directory: $esp"
esp=$(cd "$esp" && pwd)

# Outputs nobody asked for go to the work directory.
com1=$(abspath "${com1:-$work/com1.txt}")
com2=$(abspath "${com2:-$work/com2.txt}")
com3=$(abspath "${com3:-$work/com3.txt}")
e9=$(abspath "${e9:-$work/e9.txt}")
log=$(abspath "${log:-$work/bochs.log}")
for f in "$com1" "$com2" "$com3" "$e9" "$log"; do
	mkdir -p "$(dirname "$f")" && : >"$f" || die "cannot write $f"
done

# bochsrc. Every line below was checked with Debian's Bochs 2.7 (TEST-PLATFORM.md):
# - romimage: the 2 MiB OVMF.fd (code + vars); Bochs maps it below 4 GiB from its size.
# - cpu: count=N gives N processors (SMP build); ips + clock sync=none make time follow the
#   instruction count, so runs are deterministic; reset_on_triple_fault=0 + panic fatal
#   turn a triple fault into a stop with the CPU state in the log.
# - clock time0 fixed (2000-01-01) so the RTC does not vary between runs either.
# - display rfb with timeout=0: headless, no client awaited; it takes the first free TCP
#   port from 5900 up, so parallel runs do not collide.
# - vvfat: the ESP directory as a FAT disk; writes go to the journal, never to the dir.
# - port_e9_hack: 0xE9 bytes go to Bochs' stdout (filtered into the --e9 file).
# - com3 socket-server: Bochs binds without SO_REUSEADDR, so a port that a finished run left
#   in TIME_WAIT cannot be bound for a minute ("bind() or listen() failed": a panic at tick 0);
#   it then blocks in accept() during its init, before the first instruction.
com3_line="com3: enabled=1, mode=file, dev=\"$com3\""
[ -z "$com3_socket" ] || com3_line="com3: enabled=1, mode=socket-server, dev=127.0.0.1:$com3_socket"
rc=$work/bochsrc
cat >"$rc" <<EOF
romimage: file="$VTL_OVMF"
vgaromimage: file="$VTL_VGABIOS"
memory: guest=$mem, host=$mem
cpu: model=$model, count=$cpus, ips=$ips, reset_on_triple_fault=0
clock: sync=none, time0=946684800
display_library: rfb, options="timeout=0"
pci: enabled=1, chipset=i440fx
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-master: type=disk, path="$esp", mode=vvfat, journal="$work/vvfat.journal"
boot: disk
com1: enabled=1, mode=file, dev="$com1"
com2: enabled=1, mode=file, dev="$com2"
$com3_line
port_e9_hack: enabled=1
speaker: enabled=0
log: "$log"
logprefix: %t%e%d
panic: action=fatal
error: action=report
info: action=report
debug: action=ignore
EOF
for l in ${extra[@]+"${extra[@]}"}; do echo "$l" >>"$rc"; done
# Debian's Bochs has the debugger built in: without an rc file holding "c" it waits at a
# prompt before the first instruction.
echo c >"$work/debug.rc"

bochs_pid=
show_pids=()
cleanup() {
	local p
	[ -z "$bochs_pid" ] || kill "$bochs_pid" 2>/dev/null
	for p in ${show_pids[@]+"${show_pids[@]}"}; do kill "$p" 2>/dev/null; done
	[ -n "$keep" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

start=$(now_ms)
# With a COM3 socket, Bochs inherits SIGPIPE ignored: Bochs 2.7 writes to the socket without
# MSG_NOSIGNAL and would die silently at the first COM3 byte after its client went away.
# It then runs on; the UART reads NUL bytes (read() at EOF) and its output is lost.
(
	[ -z "$com3_socket" ] || trap '' PIPE
	cd "$work" && exec bochs -q -f "$rc" -rc "$work/debug.rc" </dev/null \
		>"$work/stdout.txt" 2>"$work/stderr.txt"
) &
bochs_pid=$!
[ -z "$com3_socket" ] ||
	echo "run-bochs: COM3 is tcp 127.0.0.1:$com3_socket; Bochs waits for a client to connect"

if [ "$live" = 1 ]; then
	show() { # show FILE PREFIX [FILTER]
		tail --pid="$bochs_pid" -s 0.2 -n +1 -F "$1" 2>/dev/null | ${3:-strip_term} |
			while IFS= read -r line || [ -n "$line" ]; do
				[[ $line =~ ^[[:space:]]*$ ]] || printf '%s %s\n' "$2" "$line"
			done &
		show_pids+=($!)
	}
	hvfile=$com2
	[ "$hv" = com1 ] && hvfile=$com1
	[ "$hv" = com3 ] && hvfile=$com3
	[ "$hvfile" = "$com1" ] || show "$com1" "[guest]"
	show "$hvfile" "[hv]"
	show "$work/stdout.txt" "[e9]" filter_bochs_stdout
fi

wait_or_kill "$bochs_pid" "$timeout" "$stop_on" "$com1" "$com2" "$com3" "$work/stdout.txt"
wst=$?
bochs_pid=
elapsed=$(($(now_ms) - start))

filter_bochs_stdout <"$work/stdout.txt" >"$e9"
if [ "$live" = 1 ]; then
	# tail --pid notices the exit within its 0.2 s poll and prints what is left.
	for p in "${show_pids[@]}"; do wait "$p" 2>/dev/null; done
	show_pids=()
fi

# How did it end? The Bochs log says it in words.
ticks=$(grep -o -m1 -E '^[0-9]+' <(tac "$log" 2>/dev/null) || true)
ticks=$((10#${ticks:-0}))
reason=$(grep -E -m1 '^[0-9]+p\[' "$log" 2>/dev/null | sed -E 's/^[0-9]+p\[[A-Z0-9 ]*\] (>>PANIC<< )?//')
if [ "$wst" = 124 ]; then
	status=124
	how="TIMEOUT after ${timeout} s"
elif [ "$wst" = 125 ]; then
	status=0
	how="stopped: the machine hangs after \"$WOK_MATCH\""
elif [ -n "$reason" ]; then
	status=0
	how="ended: $reason"
elif grep -q 'quit_sim called' "$log" 2>/dev/null && [ "$ticks" -gt 0 ]; then
	status=0
	how="ended: bochs quit"
elif [ "$ticks" -gt 0 ]; then
	status=3
	how="Bochs died without a word at tick $ticks (killed by a signal?)"
else
	status=3
	how="Bochs did not start"
	tail -n 15 "$work/stderr.txt" >&2
fi
echo "run-bochs: $how; $cpus cpu(s), $((ticks / 1000000)) M ticks, $(fmt_secs "$elapsed") s wall"
[ -z "$keep" ] || echo "run-bochs: work directory kept in $work"
exit $status
