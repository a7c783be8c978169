#!/bin/bash
# SPDX-License-Identifier: MIT
#
# check.sh [format] [cppcheck] [layers]: the static checks behind `make check`.
# With no argument all three run. Nothing is ever rewritten: the script only reports.
#
#   format    clang-format --dry-run --Werror (the repository's .clang-format) on every
#             C file and header of the project; lists the files that deviate, with the
#             number of places and the first line. Fix one with `clang-format -i FILE`.
#   cppcheck  cppcheck (warning, performance, portability) on the core, the loader and
#             their headers, as the core is built (-I. -DVTLVISOR_CORE).
#   layers    the include rules of DESIGN.md section 2 (see rule_* below).
#
# Prints one line per problem, then a summary per check; the last line is
# "check: N passed, N failed". Exit status 1 if any check failed (a missing tool is a
# failure: run `make deps`), 2 on a usage error.
# Environment: VERBOSE=1 prints every clang-format warning instead of the first line only.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$VTL_ROOT" || die "cannot cd to $VTL_ROOT"

# Directories holding the project's own C code (build/ and the firmware headers are not ours).
SRC_DIRS=(lib drivers mm arch boot hyperv vtl tests)
# What cppcheck analyses (the brief of `make check`: the code that runs on the machine).
CPPCHECK_DIRS=(lib drivers mm arch/x86 hyperv vtl boot)
# Headers a freestanding core may take from the compiler (-nostdinc -isystem gcc/include).
FREESTANDING_HDRS="float.h iso646.h limits.h stdalign.h stdarg.h stdatomic.h stdbool.h \
stddef.h stdint.h stdnoreturn.h"

want_format=0
want_cppcheck=0
want_layers=0
[ $# -gt 0 ] || set -- format cppcheck layers
for a in "$@"; do
	case $a in
	format) want_format=1 ;;
	cppcheck) want_cppcheck=1 ;;
	layers) want_layers=1 ;;
	-h | --help)
		sed -n '3,18s/^# \{0,1\}//p' "$0" >&2
		exit 2
		;;
	*) die "unknown check '$a' (format, cppcheck, layers)" ;;
	esac
done

passed=0
failed=0
summary=()
result() { # result NAME OK|FAIL TEXT
	if [ "$2" = OK ]; then
		passed=$((passed + 1))
		summary+=("  ok   $1: $3")
	else
		failed=$((failed + 1))
		summary+=("  FAIL $1: $3")
	fi
}

# Existing directories only (vtl/ may be empty or absent early on).
existing() {
	local d
	for d in "$@"; do [ -d "$d" ] && echo "$d"; done
}

# ---- 1. formatting ---------------------------------------------------------------------
check_format() {
	local cf dirs files f out n first bad=0 places=0
	echo "== format (clang-format --dry-run --Werror, .clang-format)"
	cf=$(command -v clang-format || command -v clang-format-14 || true)
	if [ -z "$cf" ]; then
		echo "  clang-format is not installed (make deps)"
		result format FAIL "clang-format missing"
		return
	fi
	[ -f .clang-format ] || { result format FAIL "no .clang-format at the repository root"; return; }
	mapfile -t dirs < <(existing "${SRC_DIRS[@]}")
	mapfile -t files < <(find "${dirs[@]}" -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort)
	for f in "${files[@]}"; do
		out=$("$cf" --dry-run --Werror --style=file "$f" 2>&1)
		[ -n "$out" ] || continue
		n=$(grep -c 'error:\|warning:' <<<"$out")
		first=$(grep -m1 -o -E '^[^:]+:[0-9]+:[0-9]+' <<<"$out" | sed 's/.*:\([0-9]*\):[0-9]*$/\1/')
		bad=$((bad + 1))
		places=$((places + n))
		printf '  %-40s %4d place(s), first at line %s\n' "$f" "$n" "${first:-?}"
		[ "${VERBOSE:-0}" = 0 ] || printf '    | %s\n' "${out//$'\n'/$'\n'    | }"
	done
	if [ "$bad" = 0 ]; then
		result format OK "${#files[@]} files as .clang-format wants them"
	else
		result format FAIL "$bad of ${#files[@]} files deviate ($places places; clang-format -i FILE fixes one)"
	fi
}

# ---- 2. cppcheck -----------------------------------------------------------------------
check_cppcheck() {
	local dirs out st n
	echo "== cppcheck"
	if ! command -v cppcheck >/dev/null; then
		echo "  cppcheck is not installed (make deps)"
		result cppcheck FAIL "cppcheck missing"
		return
	fi
	# Suppressions, each for a reason:
	#  - missingIncludeSystem: <efi.h> and the compiler's headers are not analysed;
	#  - comparePointers on linker-made bounds (the .ex_table section, the embedded core
	#    image): the two symbols delimit one object that C cannot describe;
	#  - zerodivcond in lib/printf.c: the base is 8, 10 or 16 by construction.
	mapfile -t dirs < <(existing "${CPPCHECK_DIRS[@]}")
	out=$(cppcheck --enable=warning,performance,portability --error-exitcode=1 \
		--inline-suppr --quiet --std=c11 --platform=unix64 -I. -DVTLVISOR_CORE \
		--suppress=missingIncludeSystem \
		--suppress=comparePointers:arch/x86/exception.c \
		--suppress=comparePointers:boot/core_load.c \
		--suppress=zerodivcond:lib/printf.c \
		--template='{file}:{line}: {severity}: {message} [{id}]' \
		"${dirs[@]}" 2>&1)
	st=$?
	[ -z "$out" ] || printf '  %s\n' "${out//$'\n'/$'\n'  }"
	n=$(grep -c -E '^[^ ]+:[0-9]+: ' <<<"$out")
	if [ "$st" = 0 ] && [ "$n" = 0 ]; then
		result cppcheck OK "no findings in ${CPPCHECK_DIRS[*]}"
	else
		result cppcheck FAIL "$n finding(s) (exit status $st)"
	fi
}

# ---- 3. layering -----------------------------------------------------------------------
# includes FILE: one "LINE KIND PATH" per #include ("q" for "...", "a" for <...>).
includes() {
	LC_ALL=C awk '
		match($0, /^[ \t]*#[ \t]*include[ \t]*["<][^">]+[">]/) {
			s = substr($0, RSTART, RLENGTH)
			kind = (index(s, "<") ? "a" : "q")
			sub(/^[^"<]*["<]/, "", s)
			sub(/[">]$/, "", s)
			print FNR, kind, s
		}' "$1"
}

layer_problems=0
layer_fail() {
	echo "  $1: $2"
	layer_problems=$((layer_problems + 1))
}

# is_freestanding HDR: one of the compiler's freestanding headers.
is_freestanding() {
	local h
	for h in $FREESTANDING_HDRS; do [ "$1" = "$h" ] && return 0; done
	return 1
}

# rule_includes DIR DESC ALLOWED...: every "..." include of a C/H/S file under DIR is in one
# of the ALLOWED folders (ending in /) or is one of the ALLOWED headers; <...> includes are
# freestanding compiler headers only.
rule_includes() {
	local dir=$1 desc=$2 f line kind path p ok
	shift 2
	[ -d "$dir" ] || return 0
	while IFS= read -r f; do
		while read -r line kind path; do
			if [ "$kind" = a ]; then
				is_freestanding "$path" ||
					layer_fail "$f:$line" "$dir/ may include only freestanding compiler headers, not <$path>"
				continue
			fi
			ok=0
			for p in "$@"; do
				case $p in
				*/) [[ $path == "$p"* ]] && ok=1 ;; # a folder
				*) [ "$path" = "$p" ] && ok=1 ;;     # one header
				esac
			done
			[ "$ok" = 1 ] || layer_fail "$f:$line" "$desc, not \"$path\""
		done < <(includes "$f")
	done < <(find "$dir" -type f \( -name '*.c' -o -name '*.h' -o -name '*.S' \) | LC_ALL=C sort)
}

# rule_no_boot DIR: the core shares only boot/bootinfo.h with the loader (DESIGN.md 2), and
# includes nothing from tests/ (arch/x86/intrin.h's host fake under VTLVISOR_HOST excepted).
rule_no_boot() {
	local dir=$1 f line kind path
	[ -d "$dir" ] || return 0
	while IFS= read -r f; do
		while read -r line kind path; do
			[ "$kind" = q ] || continue
			case $path in
			boot/bootinfo.h) ;;
			boot/*) layer_fail "$f:$line" "the core may include only boot/bootinfo.h from boot/, not \"$path\"" ;;
			tests/unit/fake_intrin.h) [ "$f" = arch/x86/intrin.h ] ||
				layer_fail "$f:$line" "only arch/x86/intrin.h may include the host fake \"$path\"" ;;
			tests/*) layer_fail "$f:$line" "core code must not include \"$path\"" ;;
			esac
		done < <(includes "$f")
	done < <(find "$dir" -type f \( -name '*.c' -o -name '*.h' -o -name '*.S' \) | LC_ALL=C sort)
}

# rule_no_asm DIR: no inline assembly (it goes through arch/ interfaces).
rule_no_asm() {
	local dir=$1 hits
	[ -d "$dir" ] || return 0
	hits=$(grep -r -n -E --include='*.c' --include='*.h' \
		'(^|[^A-Za-z0-9_])(__asm__|__asm|asm)([ \t]+(volatile|__volatile__|goto))*[ \t]*\(' "$dir")
	[ -z "$hits" ] && return 0
	while IFS= read -r h; do
		layer_fail "${h%%:*}:$(cut -d: -f2 <<<"$h")" "$dir/ must not contain inline asm (use an arch/ interface)"
	done <<<"$hits"
}

check_layers() {
	echo "== layers (DESIGN.md section 2)"
	layer_problems=0
	rule_includes lib "lib/ includes only lib/ headers" lib/
	rule_includes drivers "drivers/ includes only lib/, drivers/ and arch/x86/intrin.h" \
		lib/ drivers/ arch/x86/intrin.h
	rule_includes mm "mm/ includes only lib/ and mm/ headers" lib/ mm/
	local d
	for d in arch/x86 vtl hyperv; do rule_no_boot "$d"; done
	rule_no_asm vtl
	if [ "$layer_problems" = 0 ]; then
		result layers OK "lib, drivers, mm include only downwards; vtl has no inline asm; the core shares only bootinfo.h with boot/"
	else
		result layers FAIL "$layer_problems include/asm rule violation(s)"
	fi
}

[ "$want_format" = 0 ] || check_format
[ "$want_cppcheck" = 0 ] || check_cppcheck
[ "$want_layers" = 0 ] || check_layers

echo "== summary"
for s in "${summary[@]}"; do echo "$s"; done
echo "check: $passed passed, $failed failed"
[ "$failed" = 0 ]
