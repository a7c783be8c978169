# The VTL1 test image (tests/guests/vtl1/): a freestanding position-independent program
# that vtl0test and bench copy into memory and start as VTL1. Built as a PIE linked at 0
# and refused if any run-time relocation remains, then flattened and embedded in the EFI
# programs by tests/guests/vtl1_blob.S (.incbin).
VTL1_SRCS := tests/guests/vtl1/entry.S tests/guests/vtl1/main.c tests/guests/vtl1/cmd.c \
        tests/guests/vtl1/exception.c tests/guests/vtl1/irq.c \
        tests/guests/vtl1/intercept.c tests/guests/vtl1/prot.c
VTL1_OBJS := $(patsubst %,$(B)/vtl1/%.o,$(basename $(VTL1_SRCS)))
VTL1_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -nostdinc -isystem $(GCC_INC) \
        -fpie -fvisibility=hidden -mno-red-zone -mgeneral-regs-only -fno-stack-protector \
        -fno-asynchronous-unwind-tables -fcf-protection=none -fno-common \
        -fno-tree-loop-distribute-patterns -I. -DVTL1_IMAGE

$(B)/vtl1/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC.vtl1 $<"
	@$(CC) $(VTL1_CFLAGS) -MMD -MP -c $< -o $@
$(B)/vtl1/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS.vtl1 $<"
	@$(CC) $(VTL1_CFLAGS) -D__ASSEMBLY__ -MMD -MP -c $< -o $@

$(B)/vtl1/vtl1.elf: $(VTL1_OBJS) tests/guests/vtl1/vtl1.ld
	@echo "  LD.vtl1 $@"
	@$(LD) -pie --no-dynamic-linker -z norelro -z noexecstack --no-warn-rwx-segments -nostdlib \
	  -T tests/guests/vtl1/vtl1.ld $(VTL1_OBJS) -o $@
	@! readelf -rW $@ | grep R_X86_64 || \
	  (echo "$@: run-time relocations: the image must be position independent"; rm -f $@; false)
	@! nm -u $@ | grep . || (echo "$@: undefined symbols"; rm -f $@; false)
$(B)/vtl1/vtl1.bin: $(B)/vtl1/vtl1.elf
	@echo "  BIN     $@"
	@$(OBJCOPY) -O binary -j .text -j .rodata $< $@

$(B)/efi/tests/guests/vtl1_blob.o: $(B)/vtl1/vtl1.bin
$(B)/efi/tests/guests/vtl1_blob.o: EFI_CFLAGS += -DVTL1_BIN_PATH=\"$(B)/vtl1/vtl1.bin\"
