/* SPDX-License-Identifier: MIT */
/*
 * MSR bitmap (SDM vol.3 25.6.9): four 1 KiB bitmaps: reads of 0-0x1fff, reads of
 * 0xc0000000-0xc0001fff, then writes of the same two ranges. A set bit makes the access exit.
 */
#include "arch/x86/msr_bitmap.h"
#include "arch/x86/apic.h"
#include "arch/x86/msr.h"
#include "mm/phys.h"
#include "mm/pool.h"

bool msr_bitmap_intercept(u8 *bitmap, u32 msr, bool read, bool write)
{
	u32 base, bit;

	if (msr <= 0x1fff) {
		base = 0;
		bit = msr;
	} else if (msr >= 0xc0000000 && msr <= 0xc0001fff) {
		base = 1024;
		bit = msr - 0xc0000000;
	} else {
		return false; /* always exits */
	}
	if (read)
		bitmap[base + bit / 8] |= (u8)(1u << (bit % 8));
	if (write)
		bitmap[base + 2048 + bit / 8] |= (u8)(1u << (bit % 8));
	return true;
}

u64 msr_bitmap_create(void)
{
	u64 pa = pool_alloc_pages(1);
	u8 *bm;

	if (!pa)
		return 0;
	bm = phys_to_virt(pa);
	/* VMX is hidden from the guest: its control and capability MSRs. */
	msr_bitmap_intercept(bm, MSR_IA32_FEATURE_CONTROL, true, true);
	for (u32 m = MSR_IA32_VMX_FIRST; m <= MSR_IA32_VMX_LAST; m++)
		msr_bitmap_intercept(bm, m, true, true);
	/* x2APIC ICR writes are watched for SIPIs (arch/x86/apic.c). */
	msr_bitmap_intercept(bm, MSR_X2APIC_ICR, false, true);
	/* EFER writes keep EFER.LMA and the IA-32e entry control consistent. */
	msr_bitmap_intercept(bm, MSR_IA32_EFER, false, true);
	/* Private per VTL, kept in the vcpu so that a VTL switch need not read them
	 * (vcpu.h, vp_vtl.h): operating systems write them once per CPU. */
	static const u32 tracked[] = { MSR_IA32_STAR, MSR_IA32_LSTAR, MSR_IA32_CSTAR,
				       MSR_IA32_FMASK, MSR_IA32_TSC_AUX };
	for (u32 i = 0; i < sizeof(tracked) / sizeof(tracked[0]); i++)
		msr_bitmap_intercept(bm, tracked[i], false, true);
	/* The other MSRs a higher VTL may lock (TLFS HvRegisterCrInterceptControl, secure
	 * register intercepts): their writes are offered to it first (exit_msr.c). Written
	 * once per CPU by operating systems, like the tracked ones. */
	static const u32 lockable[] = { MSR_IA32_APIC_BASE, MSR_IA32_SYSENTER_CS,
					MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
					MSR_IA32_MISC_ENABLE };
	for (u32 i = 0; i < sizeof(lockable) / sizeof(lockable[0]); i++)
		msr_bitmap_intercept(bm, lockable[i], false, true);
	return pa;
}

u64 msr_bitmap_create_higher_vtl(u64 base_pa)
{
	u64 pa = pool_alloc_pages(1);

	if (!pa)
		return 0;
	u8 *bm = phys_to_virt(pa);
	__builtin_memcpy(bm, phys_to_virt(base_pa), 4096);
	msr_bitmap_intercept(bm, MSR_IA32_APIC_BASE, true, true);
	msr_bitmap_intercept(bm, MSR_IA32_TSC_DEADLINE, true, true);
	for (u32 m = 0x800; m <= 0x8ff; m++)
		msr_bitmap_intercept(bm, m, true, true);
	return pa;
}
