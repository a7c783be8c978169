# The Linux guest (tests/scenarios/bochs-linux-2cpu, make run-linux): Debian's cloud kernel
# (package linux-image-cloud-amd64, an EFI program) copied to build/linux/vmlinuz.efi, and
# the initramfs of tools/mkinitramfs.sh. `make linux` builds both and acpi_tables.efi.
# LINUX_KERNEL=/path/to/vmlinuz picks another kernel; the default is the newest installed
# /boot/vmlinuz-*-cloud-amd64.
LINUX_KERNEL ?= $(lastword $(shell ls -v /boot/vmlinuz-*-cloud-amd64 2>/dev/null))

# Checked on every make: a kernel update must not leave an old copy behind.
$(B)/linux/vmlinuz.efi: FORCE
	@test -n "$(LINUX_KERNEL)" || { echo "no /boot/vmlinuz-*-cloud-amd64: make deps" \
		"installs linux-image-cloud-amd64 (or set LINUX_KERNEL=...)"; exit 1; }
	@mkdir -p $(dir $@)
	@cmp -s $(LINUX_KERNEL) $@ || { echo "  CP      $(LINUX_KERNEL) -> $@"; \
		cp $(LINUX_KERNEL) $@; }

$(B)/linux/initrd.img: tools/mkinitramfs.sh tools/lib.sh tests/linux/init tests/linux/hvload.c
	@echo "  INITRD  $@"
	@tools/mkinitramfs.sh $@

linux: $(B)/linux/vmlinuz.efi $(B)/linux/initrd.img $(B)/guests/acpi_tables.efi
.PHONY: linux FORCE
FORCE:
