#!/bin/bash
# SPDX-License-Identifier: MIT
#
# mkesp.sh DIR [options] FILE...
#
# Fills DIR (created, emptied first) so that it can be served as a FAT disk by Bochs
# (ata0-master: mode=vvfat) or QEMU (fat: drive / tools/run-qemu.sh image): the given files
# at the root, a startup.nsh for the UEFI shell and, optionally, \EFI\BOOT\BOOTX64.EFI.
#
#   FILE                 copied to DIR/<basename FILE>
#   FILE=NAME            copied to DIR/NAME (NAME may contain '/': "linux/vmlinuz.efi")
#   --startup "a;b;c"    startup.nsh lines, separated by ';'
#   --startup-file F     startup.nsh copied from F (line ends converted to CRLF)
#   --boot FILE          also copy FILE to \EFI\BOOT\BOOTX64.EFI (the firmware then runs it
#                        first, and falls back to the shell + startup.nsh when it returns)
#   --no-shutdown        do not end startup.nsh with "reset -s"
#
# Without --startup/--startup-file, startup.nsh is "fs0:", then every *.efi FILE in the order
# given. Unless --no-shutdown, a final "reset -s" powers the machine off once the last
# program returns, so a run whose programs all return ends by itself instead of waiting
# at the shell prompt until the timeout.
#
# How OVMF gets there (measured, Bochs 2.7 + OVMF 2022.11): BDS first tries the disk
# (\EFI\BOOT\BOOTX64.EFI), then starts the built-in UEFI shell, which maps the disk as FS0:
# and runs FS0:\startup.nsh after a "Press ESC in 5 seconds" countdown. The countdown is
# emulated time: its wall-clock cost depends on Bochs' ips setting (see run-bochs.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n '3,20s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

dir=
startup=
startup_file=
boot=
shutdown=1
files=()
while [ $# -gt 0 ]; do
	case $1 in
	--startup) [ $# -ge 2 ] || usage; startup=$2; shift 2 ;;
	--startup=*) startup=${1#*=}; shift ;;
	--startup-file) [ $# -ge 2 ] || usage; startup_file=$2; shift 2 ;;
	--boot) [ $# -ge 2 ] || usage; boot=$2; shift 2 ;;
	--no-shutdown) shutdown=0; shift ;;
	-h | --help) usage ;;
	-*) die "unknown option $1" ;;
	*)
		if [ -z "$dir" ]; then dir=$1; else files+=("$1"); fi
		shift
		;;
	esac
done
[ -n "$dir" ] || usage
[ -z "$startup" ] || [ -z "$startup_file" ] || die "--startup and --startup-file exclude each other"

case $(abspath "$dir") in
/ | "$VTL_ROOT" | "$HOME") die "refusing to use $dir as an ESP directory" ;;
esac
# Only an empty directory or one this script made before (it has a startup.nsh) is emptied.
if [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ] && [ ! -f "$dir/startup.nsh" ]; then
	die "$dir is not empty and holds no startup.nsh: not an ESP made by mkesp.sh"
fi
mkdir -p "$dir"
find "$dir" -mindepth 1 -delete

efis=()
for f in ${files[@]+"${files[@]}"}; do
	src=${f%%=*}
	if [ "$src" = "$f" ]; then name=$(basename "$f"); else name=${f#*=}; fi
	[ -f "$src" ] || die "no such file: $src"
	mkdir -p "$dir/$(dirname "$name")"
	cp "$src" "$dir/$name"
	case $name in *.efi | *.EFI) efis+=("${name//\//\\}") ;; esac
done
if [ -n "$boot" ]; then
	[ -f "$boot" ] || die "no such file: $boot"
	mkdir -p "$dir/EFI/BOOT"
	cp "$boot" "$dir/EFI/BOOT/BOOTX64.EFI"
fi

# The UEFI shell reads ASCII or UCS-2 scripts; CRLF line ends are the safe choice.
{
	if [ -n "$startup_file" ]; then
		[ -f "$startup_file" ] || die "no such file: $startup_file"
		sed -e 's/\r$//' "$startup_file"
	elif [ -n "$startup" ]; then
		tr ';' '\n' <<<"$startup" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d'
	else
		echo "fs0:"
		for e in ${efis[@]+"${efis[@]}"}; do echo "$e"; done
	fi
	if [ "$shutdown" = 1 ]; then echo "reset -s"; fi
} | sed -e 's/$/\r/' >"$dir/startup.nsh"
