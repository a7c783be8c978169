#!/bin/bash
# SPDX-License-Identifier: MIT
#
# install-deps.sh [--check]: installs the Debian 12 packages that building and testing
# vtlvisor need (TEST-PLATFORM.md). Idempotent: only missing packages are installed.
#   --check   only report what is missing (exit 1 if anything is)
# As root: apt-get update + apt-get install of the missing packages. Otherwise: prints the
# command to run as root and exits 1.
set -euo pipefail

PACKAGES=(
	# build
	build-essential binutils gnu-efi
	# emulators and firmware
	bochs bochsbios vgabios bochs-term ovmf qemu-system-x86
	# boot media
	mtools dosfstools
	# unit tests, fuzzing, static analysis
	libcmocka-dev clang llvm libclang-rt-14-dev cppcheck clang-format clang-tidy
	# ACPI tables (iasl -d), the Linux guest: Debian's cloud kernel (the meta-package follows
	# the current ABI, linux-image-6.1.0-NN-cloud-amd64; its postinst also writes an unused
	# /boot/initrd.img-*), busybox-static + cpio for tools/mkinitramfs.sh
	acpica-tools linux-image-cloud-amd64 busybox-static cpio
	# what the tools/*.sh scripts call: timeout, setsid, script, awk, sed, grep
	coreutils util-linux bsdutils mawk sed grep
)

check_only=0
case ${1:-} in
--check) check_only=1 ;;
"") ;;
*)
	echo "usage: install-deps.sh [--check]" >&2
	exit 2
	;;
esac
command -v dpkg-query >/dev/null || {
	echo "install-deps.sh: no dpkg-query: this script expects Debian 12 (bookworm)" >&2
	exit 2
}

missing=()
for p in "${PACKAGES[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#PACKAGES[@]} packages are installed"
	exit 0
fi
echo "install-deps: missing: ${missing[*]}"
[ "$check_only" = 0 ] || exit 1

cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: not root; run as root:"
	echo "  $cmd"
	exit 1
fi
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"

# Check again: a package that could not be installed is an error.
still=()
for p in "${missing[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || still+=("$p")
done
if [ ${#still[@]} -gt 0 ]; then
	echo "install-deps: still missing after apt-get install: ${still[*]}" >&2
	exit 1
fi
echo "install-deps: installed ${missing[*]}"
