GUEST_EFIS += $(B)/guests/triplefault.efi
$(B)/guests/triplefault.so: $(B)/efi/tests/guests/triplefault.o
	@mkdir -p $(dir $@)
	@echo "  LD.efi  $@"
	@$(LD) $(EFI_LDFLAGS) $^ -o $@ $(EFI_LIBS)
