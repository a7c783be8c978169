/* SPDX-License-Identifier: MIT */
/*
 * Platform reset, for the debug console's `reboot` and the TLFS RESET MSR (the root
 * partition owns the machine, so resetting it resets the machine).
 */
#include "arch/x86/intrin.h"
#include "arch/x86/reset.h"

/* PCI reset control (0xCF9: bit 1 system reset, bit 2 reset CPU), then the keyboard
 * controller's pulse-reset command (0xFE), then port 0x92's fast reset (bit 0). */
void platform_reset(void)
{
	outb(0xcf9, 0x02);
	outb(0xcf9, 0x06);
	for (int i = 0; i < 100000 && (inb(0x64) & 2); i++)
		cpu_relax();
	outb(0x64, 0xfe);
	outb(0x92, inb(0x92) | 1);
}
