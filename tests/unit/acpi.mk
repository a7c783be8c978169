# Host unit test of the ACPI tables acpi_tables.efi installs for Linux guests
# (tests/guests/acpi_build.c); it runs `iasl -d` (acpica-tools) on every table.
UNIT_TESTS += test_acpi_build
test_acpi_build_SRCS := tests/unit/test_acpi_build.c tests/guests/acpi_build.c
