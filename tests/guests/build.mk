# The VTL0 test guest (UEFI application), built with the loader's GNU-EFI recipe.
# Included by the top-level Makefile: `make build/guests/vtl0test.efi`.
VTL0TEST_SRCS := tests/guests/vtl0test.c tests/guests/report.c tests/guests/mp.c \
        tests/guests/cpuid_check.c tests/guests/hv_check.c tests/guests/synic_check.c tests/guests/idt.c \
        tests/guests/pool_check.c tests/guests/vsm_check.c tests/guests/vsm_vtl1_check.c \
        tests/guests/vsm_mp_check.c tests/guests/vsm_irq_check.c tests/guests/vsm_intercept_check.c \
        tests/guests/vsm_prot_check.c tests/guests/vsm_setup.c \
        tests/guests/vsm_call.S \
        tests/guests/vtl1_blob.S \
        tests/guests/ap_restart.c tests/guests/busy.c tests/guests/ap_trampoline.S \
        lib/printf.c lib/string.c
VTL0TEST_OBJS := $(patsubst %,$(B)/efi/%.o,$(basename $(VTL0TEST_SRCS)))

GUEST_EFIS += $(B)/guests/vtl0test.efi

$(B)/guests/vtl0test.so: $(VTL0TEST_OBJS)
	$(efi_link)
