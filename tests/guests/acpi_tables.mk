# acpi_tables.efi: installs ACPI tables describing the Bochs machine before a real guest
# (Linux) starts; tests/guests/acpi.h. acpi_build.c is also linked into a host unit test.
GUEST_EFIS += $(B)/guests/acpi_tables.efi
$(B)/guests/acpi_tables.so: $(B)/efi/tests/guests/acpi_tables.o \
		$(B)/efi/tests/guests/acpi_build.o $(B)/efi/tests/guests/mp.o \
		$(B)/efi/lib/printf.o $(B)/efi/lib/string.o
	$(efi_link)
