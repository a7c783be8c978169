#!/bin/bash
# SPDX-License-Identifier: MIT
#
# mkinitramfs.sh OUT: builds the Linux test guest's initramfs (cpio newc, gzip) into OUT
# (build/linux/initrd.img): Debian's busybox-static with a link for each applet, /init
# (tests/linux/init) and /bin/hvload (tests/linux/hvload.c, gcc -static -pthread).
# The kernel unpacks it over its built-in initramfs, which already has /dev/console.
# Needs the packages busybox-static, cpio, gcc, libc6-dev (tools/install-deps.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: mkinitramfs.sh OUT.img"
out=$(abspath "$1")
busybox=${VTL_BUSYBOX:-/bin/busybox}
[ -x "$busybox" ] || die "no $busybox: install busybox-static (tools/install-deps.sh)"
! LC_ALL=C readelf -l "$busybox" | grep -q 'INTERP' ||
	die "$busybox is dynamically linked: install busybox-static, not busybox"
command -v cpio >/dev/null || die "no cpio: install cpio (tools/install-deps.sh)"

work=$(mktemp -d "${TMPDIR:-/tmp}/mkinitramfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,tmp} "$(dirname "$out")"

cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
install -m 0755 "$VTL_ROOT/tests/linux/init" "$root/init"
gcc -static -O2 -pthread -Wall -Wextra -Werror -o "$root/bin/hvload" \
	"$VTL_ROOT/tests/linux/hvload.c" || die "building hvload failed (gcc, libc6-dev)"

# Reproducible archive: fixed owner and times, sorted names, no gzip timestamp.
find "$root" -exec touch -h -d @0 {} +
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9 -n >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out ($(du -k "$out" | cut -f1) KiB: busybox $("$busybox" | head -n 1 | cut -d' ' -f2), /init, hvload)"
