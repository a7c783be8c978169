GUEST_EFIS += $(B)/guests/bench.efi
$(B)/guests/bench.so: $(B)/efi/tests/guests/bench.o $(B)/efi/tests/guests/idt.o $(B)/efi/lib/printf.o $(B)/efi/lib/string.o
	$(efi_link)
