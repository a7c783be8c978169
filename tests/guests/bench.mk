GUEST_EFIS += $(B)/guests/bench.efi
$(B)/guests/bench.so: $(B)/efi/tests/guests/bench.o $(B)/efi/tests/guests/idt.o \
        $(B)/efi/tests/guests/vsm_setup.o $(B)/efi/tests/guests/vsm_call.o \
        $(B)/efi/tests/guests/vtl1_blob.o $(B)/efi/lib/printf.o $(B)/efi/lib/string.o
	$(efi_link)
