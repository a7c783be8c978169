#!/bin/bash
# SPDX-License-Identifier: MIT
#
# console-drive.sh [options] SCRIPT
# console-drive.sh --free-port
#
# Plays a serial console over TCP: connects to 127.0.0.1:PORT (a Bochs UART in socket-server
# mode: run-bochs.sh --com3-socket PORT), records every byte received into the transcript
# and runs SCRIPT, which waits for text and sends bytes. Only bash (/dev/tcp), coreutils
# and grep: nothing to install.
#
#   --port PORT          the TCP port (required unless --free-port)
#   --transcript FILE    every byte received, raw (default: console.txt)
#   --log FILE           what the driver did, with times (default: stderr)
#   --connect-timeout S  keep trying to connect for S seconds: Bochs opens the port only
#                        once its own start-up is done (default 120)
#   --hold S             after the script, keep the connection (and the recording) until
#                        the peer closes it, at most S seconds; 0 = no limit (default 0).
#                        Bochs must never lose its client: see "Disconnecting" below
#   --free-port          print a TCP port of 127.0.0.1 that nothing uses (in any state,
#                        TIME_WAIT included) and exit
#
# SCRIPT: one command per line; blank lines and lines starting with # are skipped; leading
# blanks are ignored; the argument is the rest of the line, taken as written (a trailing
# \r of a CRLF file is dropped; write \x20 for a significant trailing blank).
#   timeout S        the limit of the following wait/expect commands (default 60 s)
#   wait REGEX       wait until REGEX (grep -E) matches the text received after the end of
#                    the previous wait/expect match; on timeout: FAIL, stop sending, exit 1
#   expect REGEX     the same, but on timeout only note FAIL and go on (exit 1 at the end)
#   send TEXT        send TEXT; escapes: \r \n \t \e (ESC) \0 \\ \xNN (any byte)
#   line TEXT        send TEXT then \r (a console command line)
#   repeat N TEXT    send TEXT (escapes allowed) N times
#   noise N [SEED]   send N pseudo-random bytes 0x01..0xff, never \r, \n or 0x1d (the same
#                    bytes for the same SEED, default 1)
#   sleep S          sleep S seconds (fractions allowed)
#   say TEXT         write TEXT to the log only
# Matching ignores control characters other than \n and \t (so \r never gets in the way,
# and the prompt "vtl> ", which has no newline after it, is matched as soon as it arrives).
# A match never spans lines; ^ also matches where the previous match ended.
#
# Disconnecting: Bochs 2.7 accepts one client per run and never notices that it left: its
# next write to the UART raises SIGPIPE (fatal, unless started by run-bochs.sh, which has
# it ignored) and from then on the UART receives a NUL byte whenever the guest reads it.
# So the driver stays connected until the peer closes (Bochs exits) or --hold runs out,
# also after a failure.
#
# Exit status: 0 every wait/expect matched, 1 one did not, 2 usage error, 3 could not
# connect. The last line of the log says which.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n '3,49s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

# free_port: a port of 127.0.0.1 that no TCP socket uses, from a random point of
# 20000..59999 (so that parallel runs rarely pick the same one).
free_port() {
	local used p i
	used=$(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk 'NR > 1 { split($2, a, ":"); print a[2] }' | sort -u)
	p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
	for ((i = 0; i < 40000; i++)); do
		grep -qx "$(printf '%04X' "$p")" <<<"$used" || {
			echo "$p"
			return 0
		}
		p=$((p + 1 > 59999 ? 20000 : p + 1))
	done
	return 1
}

port=
transcript=console.txt
logf=
connect_timeout=120
hold=0
script=
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage ;;
	--free-port)
		free_port
		exit
		;;
	--*=*) set -- "${1%%=*}" "${1#*=}" "${@:2}"; continue ;;
	--port | --transcript | --log | --connect-timeout | --hold)
		[ $# -ge 2 ] || die "$1 needs a value"
		case $1 in
		--port) port=$2 ;;
		--transcript) transcript=$2 ;;
		--log) logf=$2 ;;
		--connect-timeout) connect_timeout=$2 ;;
		--hold) hold=$2 ;;
		esac
		shift 2
		;;
	--*) die "unknown option $1 (try --help)" ;;
	*)
		[ -z "$script" ] || die "one SCRIPT only"
		script=$1
		shift
		;;
	esac
done
[ -n "$script" ] || usage
[ -r "$script" ] || die "cannot read $script"
is_uint "$port" && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || die "--port must be a TCP port"
is_uint "$connect_timeout" || die "--connect-timeout must be a number of seconds"
is_uint "$hold" || die "--hold must be a number of seconds"
mkdir -p "$(dirname "$transcript")" && : >"$transcript" || die "cannot write $transcript"
if [ -n "$logf" ]; then
	mkdir -p "$(dirname "$logf")" && exec 4>"$logf" || die "cannot write $logf"
else
	exec 4>&2
fi

t0=$(now_ms)
log() {
	local ms=$(($(now_ms) - t0))
	printf '%4d.%d %s\n' $((ms / 1000)) $(((ms % 1000) / 100)) "$*" >&4
}

reader=
cleanup() {
	[ -z "$reader" ] || kill "$reader" 2>/dev/null
	exec 3>&- 2>/dev/null
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM HUP

# Connect: Bochs listens only after loading its plugins and ROMs.
connected=0
while :; do
	if exec 3<>"/dev/tcp/127.0.0.1/$port"; then
		connected=1
		break
	fi 2>/dev/null
	[ $(($(now_ms) - t0)) -lt $((connect_timeout * 1000)) ] || break
	sleep 0.2
done
if [ "$connected" = 0 ]; then
	log "RESULT: could not connect to 127.0.0.1:$port within $connect_timeout s"
	echo "console-drive: could not connect to 127.0.0.1:$port within $connect_timeout s" >&2
	exit 3
fi
log "connected to 127.0.0.1:$port; transcript $transcript"
cat <&3 >>"$transcript" &
reader=$!

# The received text without control characters (except \n, \t): deleting single bytes keeps
# the cleaned text of a prefix a prefix of the cleaned text, so offsets stay valid.
clean() {
	LC_ALL=C tr -d '\000-\010\013-\037\177' <"$transcript"
}

cursor=0   # offset in the cleaned text where the next wait/expect starts looking
wait_to=60 # seconds
failures=0
# match REGEX: true (and the cursor moved past the match) when REGEX matches after cursor.
match() {
	local hit off
	hit=$(clean | tail -c +$((cursor + 1)) | LC_ALL=C grep -a -b -o -m1 -E -e "$1" 2>/dev/null |
		head -n 1)
	[ -n "$hit" ] || return 1
	off=${hit%%:*}
	hit=${hit#*:}
	cursor=$((cursor + off + $(LC_ALL=C printf '%s' "$hit" | wc -c)))
	return 0
}
# wait_for REGEX: 0 matched, 1 timeout, 2 the peer closed the connection first.
wait_for() {
	local end=$(($(now_ms) + wait_to * 1000)) alive=1
	while :; do
		match "$1" && return 0
		[ "$alive" = 1 ] || return 2
		kill -0 "$reader" 2>/dev/null || alive=0 # one more look at what it left
		[ "$alive" = 0 ] || [ "$(now_ms)" -lt "$end" ] || return 1
		sleep 0.2
	done
}
# unescape TEXT: the bytes of TEXT as \xNN escapes (a printf format).
unescape() {
	local s=$1 out='' c n
	local LC_ALL=C
	while [ -n "$s" ]; do
		c=${s:0:1}
		s=${s:1}
		if [ "$c" != '\' ] || [ -z "$s" ]; then
			out+=$(printf '\\x%02x' "'$c")
			continue
		fi
		c=${s:0:1}
		s=${s:1}
		case $c in
		r) out+='\x0d' ;;
		n) out+='\x0a' ;;
		t) out+='\x09' ;;
		e) out+='\x1b' ;;
		0) out+='\x00' ;;
		'\') out+='\x5c' ;;
		x)
			n=${s:0:2}
			[[ $n =~ ^[0-9A-Fa-f]{2}$ ]] || return 1
			out+="\\x$n"
			s=${s:2}
			;;
		*) return 1 ;;
		esac
	done
	printf '%s' "$out"
}
# send_fmt FMT: writes the bytes (a printf format of \xNN escapes) to the connection.
send_fmt() {
	# shellcheck disable=SC2059
	printf "$1" >&3 2>/dev/null
}
# Shows sent bytes readably in the log: printable ASCII as is, the rest as \xNN.
show_fmt() {
	local f=$1 out='' h
	while [ -n "$f" ]; do
		h=${f:2:2}
		f=${f:4}
		if [ $((16#$h)) -ge 32 ] && [ $((16#$h)) -lt 127 ] && [ "$h" != 5c ]; then
			out+=$(printf "\\x$h")
		else
			out+="\\x$h"
		fi
	done
	[ ${#out} -le 200 ] || out="${out:0:200}... ($((${#1} / 4)) bytes)"
	printf '%s' "$out"
}

stopped=0 # a wait failed: nothing more is sent
lineno=0
while IFS= read -r raw || [ -n "$raw" ]; do
	lineno=$((lineno + 1))
	line=${raw%$'\r'}
	line=${line#"${line%%[![:space:]]*}"}
	[ -n "$line" ] && [ "${line:0:1}" != "#" ] || continue
	cmd=${line%%[[:space:]]*}
	arg=${line#"$cmd"}
	arg=${arg#[[:space:]]}
	where="$script:$lineno"
	[ "$stopped" = 0 ] || break
	case $cmd in
	timeout)
		is_uint "$arg" || { log "$where: timeout needs seconds: $line"; failures=$((failures + 1)); stopped=1; continue; }
		wait_to=$arg
		;;
	wait | expect)
		[ -n "$arg" ] || { log "$where: $cmd needs a regex"; failures=$((failures + 1)); stopped=1; continue; }
		wait_for "$arg"
		st=$?
		if [ $st -eq 0 ]; then
			log "ok   $cmd $arg"
			continue
		fi
		failures=$((failures + 1))
		why="timeout after $wait_to s"
		[ $st -eq 2 ] && why="the peer closed the connection"
		log "FAIL $cmd $arg ($where): $why; the last text received:"
		clean | tail -c +$((cursor + 1)) | tail -n 5 | cut -c1-160 | sed 's/^/       | /' >&4
		[ "$cmd" = expect ] && [ $st -eq 1 ] || stopped=1
		;;
	send | line | repeat)
		n=1
		if [ "$cmd" = repeat ]; then
			n=${arg%%[[:space:]]*}
			arg=${arg#"$n"}
			arg=${arg#[[:space:]]}
			is_uint "$n" || { log "$where: repeat needs a count: $line"; failures=$((failures + 1)); stopped=1; continue; }
		fi
		if ! fmt=$(unescape "$arg"); then
			log "$where: bad escape in: $arg"
			failures=$((failures + 1))
			stopped=1
			continue
		fi
		[ "$cmd" = line ] && fmt+='\x0d'
		all=
		for ((i = 0; i < n; i++)); do all+=$fmt; done
		if send_fmt "$all"; then
			log "send $(show_fmt "$all")"
		else
			log "FAIL $cmd ($where): the connection is gone"
			failures=$((failures + 1))
			stopped=1
		fi
		;;
	noise)
		read -r n seed <<<"$arg"
		is_uint "$n" && is_uint "${seed:-1}" || { log "$where: noise N [SEED]: $line"; failures=$((failures + 1)); stopped=1; continue; }
		RANDOM=${seed:-1}
		all=
		while [ $((${#all} / 4)) -lt "$n" ]; do
			b=$((RANDOM % 255 + 1))
			case $b in 10 | 13 | 29) continue ;; esac
			all+=$(printf '\\x%02x' "$b")
		done
		send_fmt "$all" && log "send noise $n bytes: $(show_fmt "$all")" ||
			{ log "FAIL noise ($where): the connection is gone"; failures=$((failures + 1)); stopped=1; }
		;;
	sleep)
		[[ $arg =~ ^[0-9]+(\.[0-9]+)?$ ]] || { log "$where: sleep needs seconds: $line"; failures=$((failures + 1)); stopped=1; continue; }
		sleep "$arg"
		;;
	say) log "-- $arg" ;;
	*)
		log "$where: unknown command '$cmd'"
		failures=$((failures + 1))
		stopped=1
		;;
	esac
done <"$script"

# Stay connected until the peer closes (see "Disconnecting" above).
msg=""
[ "$hold" = 0 ] || msg=" (at most $hold s)"
log "script done ($failures failure(s)); recording until the peer closes$msg"
end=$(($(now_ms) + hold * 1000))
while kill -0 "$reader" 2>/dev/null; do
	[ "$hold" = 0 ] || [ "$(now_ms)" -lt "$end" ] || { log "--hold $hold s is over: disconnecting"; break; }
	sleep 0.2
done
kill -0 "$reader" 2>/dev/null || log "the peer closed the connection"
if [ "$failures" -eq 0 ]; then
	log "RESULT: PASS"
	exit 0
fi
log "RESULT: FAIL ($failures failure(s))"
exit 1
