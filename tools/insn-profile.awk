# SPDX-License-Identifier: MIT
#
# insn-profile.awk: the analysis behind tools/insn-profile.sh (POSIX awk: mawk will do).
# Files, in order: the symbols ("ADDR TYPE NAME" from nm -n), COM1 (the BENCH lines), the
# hypervisor's log (the ITRACE dumps, format in arch/x86/insn_trace.c). Variables: rows
# (the BENCH row names wanted, blank-separated), path_max (runs of the path per exit).
#
# Dump d belongs to the d-th measured BENCH row (bench.c reads CPUID 0x40000102 subleaf 2
# once per row, before printing it). A trace entry is the RIP after one counted
# instruction, so instruction i ran at entry i - 1; instruction 0, the one after count_on
# in vmx_exit_stub, has no entry before it (vmx_run.S). Addresses are kept as offsets from
# CORE_VIRT_BASE (boot/bootinfo.h): the core is linked in the top 2 GiB.

function hexval(s, i, c, v) {
	v = 0
	s = tolower(s)
	for (i = 1; i <= length(s); i++) {
		c = index("0123456789abcdef", substr(s, i, 1))
		if (!c)
			return -1
		v = v * 16 + c - 1
	}
	return v
}
# An address as its offset from CORE_VIRT_BASE: below 2^31, so that awk turns it into an
# exact integer string as an array subscript (mawk writes larger numbers with CONVFMT).
function low32(s) {
	return hexval(length(s) > 8 ? substr(s, length(s) - 7) : s) - 2147483648
}
function shex(s) {
	return substr(s, 1, 1) == "-" ? -hexval(substr(s, 2)) : hexval(s)
}
# The function holding address a: the last symbol at or below it (binary search).
function sym(a, lo, hi, mid) {
	if (a in symcache)
		return symcache[a]
	lo = 1
	hi = nsym
	if (!nsym || a < saddr[1])
		return symcache[a] = 0
	while (lo < hi) {
		mid = int((lo + hi + 1) / 2)
		if (saddr[mid] <= a)
			lo = mid
		else
			hi = mid - 1
	}
	return symcache[a] = lo
}
function fname(f) {
	return f + 0 ? sname[f] : "?"
}

FILENAME == ARGV[1] {
	a = low32($1)
	if (nsym && saddr[nsym] == a) { # an alias: keep a global name over a local one
		if ($2 ~ /^[TW]$/ && stype[nsym] ~ /^[tw]$/) {
			sname[nsym] = $3
			stype[nsym] = $2
		}
		next
	}
	nsym++
	saddr[nsym] = a
	stype[nsym] = $2
	sname[nsym] = $3
	if ($3 == "vmx_exit_stub")
		stub = nsym
	next
}
FILENAME == ARGV[2] {
	if ($1 == "BENCH" && NF == 7 && $3 ~ /^[0-9]+$/) {
		rowidx[$2] = nrows + 0
		rowline[$2] = $0
		each[$2] = $7
		nrows++
	}
	next
}
BEGIN {
	nw = split(rows, wanted, " ")
}
# wantdump is filled once COM1 is read, at the log's first line.
FNR == 1 && FILENAME == ARGV[3] {
	for (w = 1; w <= nw; w++)
		if (wanted[w] in rowidx)
			wantdump[rowidx[wanted[w]]] = 1
}

# The log: "[I cpu0 itrace] ITRACE ..." / "... ITR ...".
{
	sub(/^.*\] /, "")
	if ($1 == "ITRACE" && $3 == "end") {
		ndumps++
		cur = ""
	} else if ($1 == "ITRACE" && $3 == "exit") {
		cur = ($2 in wantdump) ? $2 SUBSEP substr($4, 2) : ""
		if (cur != "") {
			tlen[cur] = $6
			tlost[cur] = $8
			tn[cur] = 0
		}
	} else if ($1 == "ITR" && cur != "") {
		for (t = 2; t <= NF; t++) {
			if (!tn[cur]) {
				v = low32($t)
				tr[cur, tn[cur]++] = v
				continue
			}
			k = split($t, part, "*")
			d = shex(part[1])
			reps = k > 1 ? part[2] + 0 : 1
			for (r = 0; r < reps; r++) {
				v += d
				tr[cur, tn[cur]++] = v
			}
		}
	}
}

# Insertion sort of keys[1..n] by val[], largest first; equal values by key (address order).
function sort_desc(keys, n, val, i, j, t) {
	for (i = 2; i <= n; i++) {
		t = keys[i]
		for (j = i - 1; j >= 1 && (val[keys[j]] < val[t] ||
					   val[keys[j]] == val[t] && keys[j] + 0 > t + 0); j--)
			keys[j + 1] = keys[j]
		keys[j + 1] = t
	}
}

function profile(key, back, bench, n, lost, ntr, i, a, f, nruns, nf, nh, total, keys, fcount,
		 fcalls, hcount, runf, runn, hkeys, extra) {
	n = tlen[key] + 0
	lost = tlost[key] + 0
	ntr = tn[key] + 0
	printf "\n-- exit -%d of the last iteration: %d instructions", back, n
	if (bench != "") {
		extra = n + 1 - bench
		printf " (BENCH column %d: + the VMRESUME - the counting's extra of %d)", bench, extra
	}
	print ""
	if (ntr != n - lost)
		printf "   DECODE MISMATCH: %d trace entries for %d - %d lost\n", ntr, n, lost
	# instruction 0, then instruction i at entry i - 1
	if (!lost) {
		fcount[stub]++
		runf[1] = stub
		runn[1] = 1
		nruns = 1
	} else {
		printf "   truncated: the first %d instructions are lost\n", lost + 1
		fcount["lost"] = lost + 1
	}
	for (i = 0; i + 1 < ntr; i++) {
		a = tr[key, i]
		f = sym(a)
		fcount[f]++
		if (f && a == saddr[f])
			fcalls[f]++
		hcount[a]++
		if (nruns && runf[nruns] == f) {
			runn[nruns]++
		} else {
			runf[++nruns] = f
			runn[nruns] = 1
		}
	}
	nf = 0
	total = 0
	for (f in fcount) {
		keys[++nf] = f
		total += fcount[f]
	}
	sort_desc(keys, nf, fcount)
	printf "   %7s %6s %6s  %s\n", "insns", "share", "calls", "function (exclusive)"
	for (i = 1; i <= nf; i++) {
		f = keys[i]
		printf "   %7d %5.1f%% %6s  %s\n", fcount[f], 100 * fcount[f] / (total ? total : 1),
		       (f in fcalls) ? fcalls[f] : "-", f == "lost" ? "(lost)" : fname(f)
	}
	printf "   %7d        sum of the table = the exit's length %d: %s\n", total, n,
	       total == n ? "ok" : "MISMATCH"
	nh = 0
	for (a in hcount)
		if (hcount[a] > 1)
			hkeys[++nh] = a
	sort_desc(hkeys, nh, hcount)
	print "   instructions run more than once" (nh ? ", the most run first:" : ": none")
	for (i = 1; i <= nh && i <= 12; i++) {
		a = hkeys[i] + 0
		f = sym(a)
		printf "   %7d  ffffffff8%07x %s+%#x\n", hcount[hkeys[i]], a, fname(f), a - saddr[f]
	}
	print "   path (functions in execution order, instructions in each run; [...] xN: repeated):"
	path_print(runf, runn, nruns)
}

# Runs i.. and j.. the same for p runs.
function same(runf, runn, i, j, p, t) {
	for (t = 0; t < p; t++)
		if (runf[i + t] != runf[j + t] || runn[i + t] != runn[j + t])
			return 0
	return 1
}
function path_item(s) {
	if (shown++ >= path_max)
		return
	if (length(pline) + length(s) > 100) {
		print pline
		pline = "     "
	}
	pline = pline s
}
# The runs; a block of up to 16 runs repeated straight away is written once with its count
# (the longest stretch covered wins: a page-table walk's levels, a per-page loop).
function path_print(runf, runn, nruns, i, p, r, bp, br, t, s) {
	pline = "     "
	shown = 0
	for (i = 1; i <= nruns; i += bp * br) {
		bp = 1
		br = 1
		for (p = 1; p <= 16 && i + 2 * p - 1 <= nruns; p++) {
			for (r = 1; i + (r + 1) * p - 1 <= nruns && same(runf, runn, i, i + r * p, p); r++)
				;
			if (r > 1 && r * p > br * bp) {
				bp = p
				br = r
			}
		}
		for (t = 0; t < bp; t++) {
			s = (br > 1 && !t ? "[" : "") fname(runf[i + t]) " " runn[i + t]
			if (br > 1 && t == bp - 1)
				s = s "] x" br
			path_item(s ((t < bp - 1 ? i + t + 1 : i + bp * br) <= nruns ? ", " : ""))
		}
	}
	if (shown > path_max)
		pline = pline sprintf("... (%d more; ITRACE_PATH_MAX)", shown - path_max)
	print pline
}

END {
	if (ndumps != nrows)
		printf "insn-profile: %d trace dumps for %d BENCH rows: the rows may not match\n",
		       ndumps, nrows
	for (w = 1; w <= nw; w++) {
		row = wanted[w]
		if (!(row in rowidx)) {
			printf "\n== %s: no such BENCH row in this run\n", row
			continue
		}
		printf "\n== %s (dump %d)\n%s\n", row, rowidx[row], rowline[row]
		m = each[row] == "-" ? 0 : split(each[row], val, "+")
		if (!m)
			print "   no exits in its last iteration"
		for (back = m; back >= 1; back--) {
			key = rowidx[row] SUBSEP back
			if (!(key in tlen)) {
				printf "\n-- exit -%d: no trace (was the run booted with insn_trace=1?)\n",
				       back
				continue
			}
			profile(key, back, val[m - back + 1])
		}
	}
}
