GUEST_EFIS += $(B)/guests/triplefault.efi
$(B)/guests/triplefault.so: $(B)/efi/tests/guests/triplefault.o
	$(efi_link)
