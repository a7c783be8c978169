# vtlvisor top-level Makefile.
#
#   make            build build/vtlvisor.efi and the test guests
#   make test       unit tests + every emulator scenario; ends with "N passed, N failed"
#   make run        boot vtlvisor in Bochs with the demo guest, both consoles shown
#   make run-linux  boot vtlvisor + Debian's cloud kernel (2 CPUs) in Bochs, consoles shown
#   make linux      the Linux guest's files: kernel, initramfs, acpi_tables.efi (build/linux/)
#   make bench      path lengths and exits per operation, native vs under vtlvisor
#   make check      clang-format, cppcheck, layering rules
#   make unit       host unit tests only (ASan/UBSan)
#   make fuzz       the libFuzzer targets, FUZZ_SECONDS each (default 60)
#   make deps       install the Debian packages everything needs (root)
#
# Layers (DESIGN.md section 2) build into their own archives, linked from the top down:
# lib, drivers and mm are strictly ordered, so an upward call from them fails to link.

SHELL := /bin/bash
B := build
CC := gcc
LD := ld
OBJCOPY := objcopy
HOST_CC ?= gcc

GCC_INC := $(shell $(CC) -print-file-name=include)
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wpointer-arith -Wvla -Wno-unused-parameter
# The core: freestanding, linked at a fixed high virtual address (linker.ld).
CORE_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -nostdinc -isystem $(GCC_INC) \
        -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
        -fno-stack-protector -fno-omit-frame-pointer -fno-common -I. -DVTLVISOR_CORE
CORE_ASFLAGS := -I. -DVTLVISOR_CORE -D__ASSEMBLY__
# COUNT_INSNS=1 (with B= another directory): the instruction-counting build `make bench`
# runs (arch/x86/insn_count.h); its loader also takes insn_trace=1 (boot/config.c).
ifneq ($(COUNT_INSNS),)
CORE_CFLAGS += -DVTLV_COUNT_INSNS
CORE_ASFLAGS += -DVTLV_COUNT_INSNS
EFI_LOADER_FLAGS := -DVTLV_COUNT_INSNS
endif
# The UEFI loader and EFI test programs (GNU-EFI recipe, TEST-PLATFORM.md).
EFI_CFLAGS := -std=gnu11 -O2 -g $(WARN) -Wno-missing-prototypes -Wno-strict-prototypes \
        -I/usr/include/efi -I/usr/include/efi/x86_64 -I. -fpic -ffreestanding \
        -fno-stack-protector -fshort-wchar -mno-red-zone -maccumulate-outgoing-args \
        -mgeneral-regs-only -DEFI_FUNCTION_WRAPPER -DVTLVISOR_EFI
EFI_LDFLAGS := -shared -Bsymbolic -nostdlib -znocombreloc -T /usr/lib/elf_x86_64_efi.lds \
        /usr/lib/crt0-efi-x86_64.o
EFI_LIBS := -L/usr/lib -lefi -lgnuefi
EFI_SECTIONS := -j .text -j .sdata -j .data -j .rodata -j .dynamic -j .dynsym -j .rel \
        -j .rela -j .rel.* -j .rela.* -j .reloc
# Host unit tests: glibc, cmocka, ASan + UBSan.
HOST_CFLAGS := -std=gnu11 -O1 -g $(WARN) -Wno-missing-prototypes -I. -DVTLVISOR_HOST \
        -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_LDLIBS := -lcmocka

LAYERS := hyperv vtl arch mm drivers lib
layer_dir = $(if $(filter arch,$(1)),arch/x86,$(1))
layer_srcs = $(wildcard $(call layer_dir,$(1))/*.c) $(wildcard $(call layer_dir,$(1))/*.S)
layer_objs = $(patsubst %,$(B)/core/%.o,$(basename $(call layer_srcs,$(1))))

all: $(B)/vtlvisor.efi guests

# ---- core ------------------------------------------------------------------------------
$(B)/core/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CORE_CFLAGS) -MMD -MP -c $< -o $@
$(B)/core/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(CORE_ASFLAGS) -MMD -MP -c $< -o $@

define layer_archive
$(B)/lib$(1).a: $(call layer_objs,$(1))
	@mkdir -p $$(dir $$@)
	@rm -f $$@
	@ar rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call layer_archive,$(l))))

# arch, vtl and hyperv call each other only through the interfaces DESIGN.md allows; the
# three lower layers are linked strictly in order after them. Two passes: the second adds
# the symbol table (tools/gen-ksyms.sh) in the last section, so no other address moves.
CORE_LINK = $(LD) -nostdlib -static -z max-page-size=4096 -T linker.ld \
	  --whole-archive $(B)/libarch.a --no-whole-archive \
	  --start-group $(B)/libhyperv.a $(B)/libvtl.a $(B)/libarch.a --end-group \
	  $(B)/libmm.a $(B)/libdrivers.a $(B)/liblib.a
$(B)/core.elf: linker.ld tools/gen-ksyms.sh $(foreach l,$(LAYERS),$(B)/lib$(l).a)
	@echo "  LD      $@"
	@tools/gen-ksyms.sh /dev/null > $(B)/ksyms0.S
	@$(CC) $(CORE_ASFLAGS) -c $(B)/ksyms0.S -o $(B)/ksyms0.o
	@$(CORE_LINK) $(B)/ksyms0.o -o $(B)/core.pass1.elf
	@tools/gen-ksyms.sh $(B)/core.pass1.elf > $(B)/ksyms.S
	@$(CC) $(CORE_ASFLAGS) -c $(B)/ksyms.S -o $(B)/ksyms.o
	@$(CORE_LINK) $(B)/ksyms.o -o $@
	@! nm -u $@ | grep . || (echo "core.elf has undefined symbols"; false)
	@cmp -s <(nm -n $(B)/core.pass1.elf | grep -v ' ksym_\| __core_end') <(nm -n $@ | grep -v ' ksym_\| __core_end') || \
	  (echo "core.elf: the symbol table moved code"; rm -f $@; false)

# ---- loader ----------------------------------------------------------------------------
LOADER_SRCS := $(wildcard boot/*.c) $(wildcard boot/*.S) lib/printf.c lib/string.c \
        drivers/uart16550.c mm/pt.c mm/phys.c arch/x86/paging_host.c arch/x86/vmx_caps.c
LOADER_OBJS := $(patsubst %,$(B)/efi/%.o,$(basename $(LOADER_SRCS)))

$(B)/efi/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC.efi  $<"
	@$(CC) $(EFI_CFLAGS) $(EFI_LOADER_FLAGS) -MMD -MP -c $< -o $@
$(B)/efi/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS.efi  $<"
	@$(CC) $(EFI_CFLAGS) $(EFI_LOADER_FLAGS) -D__ASSEMBLY__ -MMD -MP -c $< -o $@
$(B)/efi/boot/core_blob.o: $(B)/core.elf
$(B)/efi/boot/core_blob.o: EFI_CFLAGS += -DCORE_ELF_PATH=\"$(B)/core.elf\"

# Every EFI program links this way. An undefined symbol in a -shared link would become a
# PLT jump into nowhere at run time (gnu-efi has memset/memcpy but not memcmp...): refuse it.
define efi_link
	@mkdir -p $(dir $@)
	@echo "  LD.efi  $@"
	@$(LD) $(EFI_LDFLAGS) $^ -o $@ $(EFI_LIBS)
	@! nm -u $@ | grep . || (echo "$@: undefined symbols (gnu-efi lacks them)"; rm -f $@; false)
endef

$(B)/vtlvisor.so: $(LOADER_OBJS)
	$(efi_link)
%.efi: %.so
	@echo "  EFI     $@"
	@$(OBJCOPY) $(EFI_SECTIONS) --target efi-app-x86_64 --subsystem=10 $< $@

# ---- test guests (VTL0 EFI programs) -----------------------------------------------------
-include $(wildcard tests/guests/*.mk)
guests: $(GUEST_EFIS)

# ---- the Linux guest (tests/linux/linux.mk: make linux) ----------------------------------
-include $(wildcard tests/linux/*.mk)

# ---- host unit tests ---------------------------------------------------------------------
UNIT_TESTS :=
-include $(wildcard tests/unit/*.mk)
$(B)/host/%: ; @true
# One compiler call builds a test from all its sources, so -MMD would keep only the last
# source's headers: a separate -MM pass lists them all (a header change rebuilds the test).
define unit_rule
$(B)/host/$(1): $($(1)_SRCS)
	@mkdir -p $$(dir $$@)
	@echo "  HOSTCC  $$@"
	@$(HOST_CC) $(HOST_CFLAGS) $($(1)_CFLAGS) -MM -MP -MT $$@ $$(filter %.c,$$^) > $$@.d
	@$(HOST_CC) $(HOST_CFLAGS) $($(1)_CFLAGS) $$(filter %.c,$$^) -o $$@ $(HOST_LDLIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))

unit: $(addprefix $(B)/host/,$(UNIT_TESTS))
	@tools/run-unit.sh $(addprefix $(B)/host/,$(UNIT_TESTS))

# ---- fuzzers (clang's libFuzzer, ASan + UBSan) ------------------------------------------------
# make fuzz: each target for FUZZ_SECONDS (default 60) on its corpus in build/fuzz/; make test
# runs them for a bounded time (tools/run-tests.sh).
FUZZ_CC := clang
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(WARN) -Wno-missing-prototypes -I. -DVTLVISOR_HOST \
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_TARGETS := fuzz_ept_prot fuzz_prot_call
fuzz_ept_prot_SRCS := tests/fuzz/fuzz_ept_prot.c arch/x86/ept_prot.c arch/x86/ept_format.c \
        mm/mirror.c mm/pt.c mm/phys.c
fuzz_prot_call_SRCS := tests/fuzz/fuzz_prot_call.c $(TEST_EXIT_COMMON)
define fuzz_rule
$(B)/fuzz/$(1): $($(1)_SRCS)
	@mkdir -p $$(dir $$@)
	@echo "  FUZZCC  $$@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -MM -MP -MT $$@ $$(filter %.c,$$^) > $$@.d
	@$(FUZZ_CC) $(FUZZ_CFLAGS) $$(filter %.c,$$^) -o $$@
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rule,$(t))))

fuzz-build: $(addprefix $(B)/fuzz/,$(FUZZ_TARGETS))
fuzz: fuzz-build
	@tools/run-fuzz.sh $(or $(FUZZ_SECONDS),60) $(addprefix $(B)/fuzz/,$(FUZZ_TARGETS))

# ---- scenarios, run, check ----------------------------------------------------------------
deps:
	tools/install-deps.sh

# make test / make run install what is missing first (as root), or say exactly how.
deps-ok:
	@tools/install-deps.sh --check >/dev/null 2>&1 || tools/install-deps.sh

test: deps-ok
	@$(MAKE) --no-print-directory all linux
	@tools/run-tests.sh

run: deps-ok
	@$(MAKE) --no-print-directory all
	tools/run-bochs.sh --cpus 2 --demo

# LINUX_ARGS: more kernel command-line words, e.g. LINUX_ARGS="loglevel=7 hvload.rounds=100".
run-linux: deps-ok
	@$(MAKE) --no-print-directory all linux
	tools/run-linux.sh $(LINUX_ARGS)

# The host microbenchmark of the protection engine: optimised, no sanitizers.
BENCH_HOST_SRCS := tests/bench/bench_ept_prot.c arch/x86/ept_prot.c arch/x86/ept_format.c \
        mm/mirror.c mm/pt.c mm/phys.c
$(B)/bench/bench_ept_prot: $(BENCH_HOST_SRCS)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) -std=gnu11 -O2 -g $(WARN) -Wno-missing-prototypes -I. -DVTLVISOR_HOST \
		-MM -MP -MT $@ $(filter %.c,$^) > $@.d
	@$(HOST_CC) -std=gnu11 -O2 -g $(WARN) -Wno-missing-prototypes -I. -DVTLVISOR_HOST \
		$(filter %.c,$^) -o $@

bench: deps-ok
	@$(MAKE) --no-print-directory all $(B)/bench/bench_ept_prot
	@tools/bench.sh

check:
	tools/check.sh

clean:
	rm -rf $(B)

.PHONY: all guests unit fuzz fuzz-build deps deps-ok test run run-linux bench check clean
-include $(shell find $(B) -name '*.d' 2>/dev/null)
