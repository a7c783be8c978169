#!/bin/bash
# SPDX-License-Identifier: MIT
#
# check-serial.sh EXPECT_FILE TRANSCRIPT...
#
# Checks serial transcripts against an expectation file (format: tests/scenarios/README.md).
# A TRANSCRIPT is ALIAS=FILE (e.g. guest=build/scenarios/x/com1.txt) or a plain FILE, whose
# alias is its name without directory and extension. Checks apply to the first transcript
# until an "in ALIAS" line switches. Transcripts are compared line by line after removing
# \r, terminal escape sequences and other control characters.
#
# Prints one line per check ("  ok   ..." or "  FAIL ..." plus context) and exits 1 if any
# check failed, 2 on a usage error or an unreadable expectation file.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -ge 2 ] || die "usage: check-serial.sh EXPECT_FILE TRANSCRIPT... (TRANSCRIPT: [ALIAS=]FILE)"
expect_file=$1
shift
[ -r "$expect_file" ] || die "cannot read $expect_file"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-serial.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT

declare -A file_of=() # alias -> cleaned copy ("" when the transcript is missing)
declare -A src_of=()  # alias -> the file named on the command line
declare -A last_of=() # alias -> line of the last expect/then match (for "then")
current=
for t in "$@"; do
	if [[ $t =~ ^([A-Za-z0-9_.-]+)=(.*)$ ]]; then
		alias=${BASH_REMATCH[1]}
		f=${BASH_REMATCH[2]}
	else
		f=$t
		alias=$(basename "$f")
		alias=${alias%.*}
	fi
	src_of[$alias]=$f
	last_of[$alias]=0
	if [ -r "$f" ]; then
		file_of[$alias]=$tmp/$alias
		strip_term <"$f" >"$tmp/$alias"
	else
		file_of[$alias]=
	fi
	[ -n "$current" ] || current=$alias
done

failed=0
passed=0
ok() {
	printf '  ok   [%s] %s\n' "$current" "$1"
	passed=$((passed + 1))
}
fail() {
	printf '  FAIL [%s] %s\n' "$current" "$1"
	shift
	local l
	for l in "$@"; do printf '         | %s\n' "$l"; done
	failed=$((failed + 1))
}
# context FILE: the last 3 lines of FILE, shortened, as separate words of "ctx".
context_tail() {
	local n
	n=$(wc -l <"$1")
	ctx=("transcript has $n line(s); the last ones:")
	while IFS= read -r l; do ctx+=("${l:0:160}"); done < <(tail -n 3 "$1")
}
# count_matches FILE REGEX: prints the number of matching lines; status 2 on a bad regex.
count_matches() {
	LC_ALL=C grep -a -c -E -e "$2" "$1" 2>/dev/null
	[ $? -le 1 ]
}

lineno=0
while IFS= read -r raw || [ -n "$raw" ]; do
	lineno=$((lineno + 1))
	line=${raw%$'\r'}
	line=${line#"${line%%[![:space:]]*}"}  # leading blanks
	line=${line%"${line##*[![:space:]]}"}  # trailing blanks
	[ -n "$line" ] && [ "${line:0:1}" != "#" ] || continue
	kw=${line%%[[:space:]]*}
	rest=${line#"$kw"}
	rest=${rest#"${rest%%[![:space:]]*}"}
	n=
	case $kw in
	expect-count | expect-min | expect-max)
		n=${rest%%[[:space:]]*}
		rest=${rest#"$n"}
		rest=${rest#"${rest%%[![:space:]]*}"}
		is_uint "$n" || { fail "$expect_file:$lineno: $kw needs a count: $line"; continue; }
		;;
	esac
	if [ "$kw" = in ]; then
		[ -n "${src_of[$rest]+set}" ] || { current=$rest; fail "$expect_file:$lineno: no transcript called '$rest' (have: ${!src_of[*]})"; continue; }
		current=$rest
		continue
	fi
	case $kw in
	expect | then | reject | expect-count | expect-min | expect-max) ;;
	*) fail "$expect_file:$lineno: unknown check '$kw'"; continue ;;
	esac
	[ -n "$rest" ] || { fail "$expect_file:$lineno: $kw without a regex"; continue; }
	f=${file_of[$current]-}
	if [ -z "$f" ]; then
		fail "$kw $n${n:+ }$rest" "transcript ${src_of[$current]-} is missing"
		continue
	fi
	what="$kw $n${n:+ }$rest"
	case $kw in
	expect | then)
		start=1
		[ "$kw" = "then" ] && start=$((last_of[$current] + 1))
		hit=$(LC_ALL=C grep -a -n -m1 -E -e "$rest" < <(tail -n +"$start" "$f") 2>/dev/null)
		st=$?
		if [ $st -eq 2 ]; then
			fail "$what" "bad regular expression"
		elif [ $st -eq 0 ]; then
			last_of[$current]=$((start - 1 + ${hit%%:*}))
			ok "$what"
		else
			context_tail "$f"
			[ "$kw" = "then" ] && ctx=("no match after line $((start - 1)) (the previous expect/then match)" "${ctx[@]}")
			fail "$what" "${ctx[@]}"
		fi
		;;
	reject)
		hit=$(LC_ALL=C grep -a -n -m1 -E -e "$rest" "$f" 2>/dev/null)
		st=$?
		if [ $st -eq 2 ]; then
			fail "$what" "bad regular expression"
		elif [ $st -eq 0 ]; then
			# The lines after the match too: a kernel WARNING says where only there.
			ctx=("line ${hit%%:*}: ${hit#*:}")
			while IFS= read -r l; do ctx+=("${l:0:160}"); done < <(tail -n +$((${hit%%:*} + 1)) "$f" | head -n 15)
			fail "$what" "${ctx[@]}"
		else
			ok "$what"
		fi
		;;
	expect-count | expect-min | expect-max)
		if ! c=$(count_matches "$f" "$rest"); then
			fail "$what" "bad regular expression"
			continue
		fi
		case $kw in
		expect-count) [ "$c" -eq "$n" ] ;;
		expect-min) [ "$c" -ge "$n" ] ;;
		expect-max) [ "$c" -le "$n" ] ;;
		esac
		if [ $? -eq 0 ]; then
			ok "$what"
		else
			ctx=("found $c matching line(s)")
			while IFS= read -r l; do ctx+=("${l:0:160}"); done < <(LC_ALL=C grep -a -n -m5 -E -e "$rest" "$f")
			[ "$c" -gt 0 ] || { context_tail "$f"; ctx=("found 0 matching lines" "${ctx[@]}"); }
			fail "$what" "${ctx[@]}"
		fi
		;;
	esac
done <"$expect_file"

if [ $((passed + failed)) -eq 0 ]; then
	echo "  FAIL $expect_file holds no checks"
	exit 1
fi
[ "$failed" -eq 0 ]
