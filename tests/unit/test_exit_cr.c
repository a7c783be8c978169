// SPDX-License-Identifier: MIT
/*
 * Control-register exits (arch/x86/exit_cr.c, with the real vmcs_set_guest_cr0/cr4 and
 * vmcs_load_pdptes of arch/x86/vmcs.c): MOV to CR0/CR4 and LMSW, their #GP conditions, the
 * EFER.LMA / IA-32e entry-control side effects, the real-vs-shadow values and the PAE
 * PDPTE loads from guest memory (a host buffer reached through mm_set_phys_offset).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/core.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmexit.h"
#include "mm/phys.h"
#include "tests/unit/fake_vmx.h"

static struct vcpu vp;
static struct pcpu pc;

/* Guest-physical [0, GUEST_MEM_SIZE) is this buffer. */
#define GUEST_MEM_SIZE (64 * 1024)
static u8 guest_mem[GUEST_MEM_SIZE] __attribute__((aligned(4096)));

#define CR_LEN 3
#define GP_INFO 0x80000b0dULL
#define CR4_UMIP (1ULL << 11)
#define CR4_LA57 (1ULL << 12)
#define CR4_PKE (1ULL << 22)
#define CS_AR_32 0xc09bULL /* present code, D = 1, L = 0: compatibility mode under LMA */
#define CR0_AM (1ULL << 18)
#define CR0_EM (1ULL << 2)
#define CR0_TS (1ULL << 3)
#define VMCS_GUEST_PDPTE(i) (VMCS_GUEST_PDPTE0 + 2 * (i))

static int setup(void **state)
{
	fake_vcpu_setup(&vp, &pc);
	memset(guest_mem, 0, sizeof(guest_mem));
	mm_set_phys_offset((s64)(uintptr_t)guest_mem);
	return 0;
}

/* Exit qualification for control-register accesses (SDM vol.3 table 28-3). */
static u64 qual(unsigned cr, unsigned type, unsigned gpr, unsigned lmsw_src)
{
	return cr | (type << 4) | (gpr << 8) | ((u64)lmsw_src << 16);
}

static int cr_exit(u64 q)
{
	fake_vmcs_set(VMCS_EXIT_QUALIFICATION, q);
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, CR_LEN);
	return vmexit_dispatch(&vp, EXIT_CR_ACCESS);
}

static void mov_to_cr(unsigned cr, u64 val)
{
	vp.regs.gpr[RDX] = val;
	assert_int_equal(cr_exit(qual(cr, 0, RDX, 0)), EXIT_RESUME);
}

static void lmsw(unsigned src)
{
	assert_int_equal(cr_exit(qual(0, 3, 0, src)), EXIT_RESUME);
}

/* The write was refused: #GP(0), RIP unchanged, no CR/EFER/control state written. */
static void assert_gp(void)
{
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), GP_INFO);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_EXCEPTION_ERRCODE), 0);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP);
	assert_int_equal(fake_vmcs_write_count(VMCS_GUEST_CR0), 0);
	assert_int_equal(fake_vmcs_write_count(VMCS_CR0_SHADOW), 0);
	assert_int_equal(fake_vmcs_write_count(VMCS_GUEST_CR4), 0);
	assert_int_equal(fake_vmcs_write_count(VMCS_CR4_SHADOW), 0);
	assert_int_equal(fake_vmcs_write_count(VMCS_GUEST_EFER), 0);
	assert_int_equal(fake_vmcs_write_count(VMCS_ENTRY_CTLS), 0);
	assert_int_equal(fake_invvpid_count, 0);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	memset(fake_vmcs_writes, 0, sizeof(fake_vmcs_writes));
}

static void assert_done(void)
{
	assert_int_equal(fake_vmcs_write_count(VMCS_ENTRY_INTR_INFO), 0);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP + CR_LEN);
	assert_int_equal(fake_vmcs_errors, 0);
}

static void assert_no_pdpte_load(void)
{
	for (int i = 0; i < 4; i++)
		assert_int_equal(fake_vmcs_write_count(VMCS_GUEST_PDPTE(i)), 0);
}

/* A 32-bit protected-mode guest without paging (what firmware or a boot loader runs). */
static void set_protected_no_paging(u64 cr4, u64 efer)
{
	fake_vmcs_set(VMCS_CR0_SHADOW, CR0_PE | CR0_ET);
	fake_vmcs_set(VMCS_GUEST_CR0, CR0_PE | CR0_ET | CR0_NE);
	fake_vmcs_set(VMCS_CR4_SHADOW, cr4);
	fake_vmcs_set(VMCS_GUEST_CR4, cr4 | CR4_VMXE);
	fake_vmcs_set(VMCS_GUEST_EFER, efer);
	fake_vmcs_set(VMCS_GUEST_CS_AR, CS_AR_32);
	vp.entry_ctls &= ~ENTRY_IA32E_GUEST;
	fake_vmcs_set(VMCS_ENTRY_CTLS, vp.entry_ctls);
}

/* ---- MOV to CR0: IA-32e mode transitions (SDM vol.3 9.8.5) ------------------------------------ */

static void test_cr0_pg_with_lme_enters_long_mode(void **state)
{
	set_protected_no_paging(CR4_PAE, EFER_SCE | EFER_LME);
	mov_to_cr(0, CR0_PG | CR0_PE | CR0_ET);
	assert_done();
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_EFER), EFER_SCE | EFER_LME | EFER_LMA);
	assert_int_equal(vp.entry_ctls & ENTRY_IA32E_GUEST, ENTRY_IA32E_GUEST);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_CTLS), vp.entry_ctls);
	assert_int_equal(fake_vmcs_get(VMCS_CR0_SHADOW), CR0_PG | CR0_PE | CR0_ET);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_CR0), CR0_PG | CR0_PE | CR0_ET | CR0_NE);
	/* IA-32e paging has no PDPTE registers. */
	assert_no_pdpte_load();
	/* SDM vol.3 4.10.4.1: a paging-mode change flushes this VPID. */
	assert_int_equal(fake_invvpid_count, 1);
	assert_int_equal(fake_invvpid_last_type, INVVPID_SINGLE);
	assert_int_equal(fake_invvpid_last_vpid, FAKE_VPID);
}

static void test_cr0_pg_with_lme_without_pae_faults(void **state)
{
	set_protected_no_paging(0, EFER_SCE | EFER_LME);
	mov_to_cr(0, CR0_PG | CR0_PE | CR0_ET);
	assert_gp();
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_EFER), EFER_SCE | EFER_LME);
	assert_int_equal(vp.entry_ctls & ENTRY_IA32E_GUEST, 0);
	assert_int_equal(fake_vmcs_get(VMCS_CR0_SHADOW), CR0_PE | CR0_ET);
}

static void test_cr0_clear_pg_in_64bit_mode_faults(void **state)
{
	mov_to_cr(0, FAKE_GUEST_CR0 & ~CR0_PG);
	assert_gp();
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_EFER), FAKE_GUEST_EFER);
	assert_int_equal(vp.entry_ctls & ENTRY_IA32E_GUEST, ENTRY_IA32E_GUEST);
}

static void test_cr0_clear_pg_in_compat_mode_leaves_long_mode(void **state)
{
	fake_vmcs_set(VMCS_GUEST_CS_AR, CS_AR_32);
	mov_to_cr(0, FAKE_GUEST_CR0 & ~CR0_PG);
	assert_done();
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_EFER), FAKE_GUEST_EFER & ~EFER_LMA);
	assert_int_equal(vp.entry_ctls & ENTRY_IA32E_GUEST, 0);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_CTLS), vp.entry_ctls);
	assert_int_equal(fake_vmcs_get(VMCS_CR0_SHADOW), FAKE_GUEST_CR0 & ~CR0_PG);
	/* Unrestricted guest: the real CR0 may have PG = 0 too (SDM vol.3 27.3.1.1). */
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_CR0), FAKE_GUEST_CR0 & ~CR0_PG);
	assert_int_equal(fake_invvpid_count, 1);
}

/* ---- MOV to CR0: invalid values (SDM vol.2 MOV CR, #GP) -------------------------------------- */

static void test_cr0_pg_without_pe_faults(void **state)
{
	set_protected_no_paging(0, 0);
	mov_to_cr(0, CR0_PG | CR0_ET);
	assert_gp();
}

static void test_cr0_nw_without_cd_faults(void **state)
{
	set_protected_no_paging(0, 0);
	mov_to_cr(0, CR0_NW | CR0_PE | CR0_ET);
	assert_gp();
	/* Both together are valid (caches off). */
	mov_to_cr(0, CR0_CD | CR0_NW | CR0_PE | CR0_ET);
	assert_done();
	assert_int_equal(fake_vmcs_get(VMCS_CR0_SHADOW), CR0_CD | CR0_NW | CR0_PE | CR0_ET);
}

static void test_cr0_high_bits_fault(void **state)
{
	mov_to_cr(0, FAKE_GUEST_CR0 | (1ULL << 32));
	assert_gp();
	mov_to_cr(0, FAKE_GUEST_CR0 | (1ULL << 63));
	assert_gp();
}

/* ---- MOV to CR0: real value vs shadow (SDM vol.3 25.6.6, A.7) -------------------------------- */

static void test_cr0_real_honours_fixed_bits(void **state)
{
	set_protected_no_paging(0, 0);
	/* Pretend AM cannot be 1 in VMX operation, to see fixed1 applied. */
	core.caps.cr0_fixed1 = FAKE_CR0_FIXED1 & ~CR0_AM;
	/* Real mode with caches off: PE/PG may be 0 (unrestricted), NE is forced to 1. */
	mov_to_cr(0, CR0_CD | CR0_NW | CR0_AM | CR0_ET);
	assert_done();
	assert_int_equal(fake_vmcs_get(VMCS_CR0_SHADOW), CR0_CD | CR0_NW | CR0_AM | CR0_ET);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_CR0), CR0_CD | CR0_NW | CR0_ET | CR0_NE);
}

static void test_cr0_ne_clear_stays_set_in_real_cr0(void **state)
{
	mov_to_cr(0, FAKE_GUEST_CR0 & ~CR0_NE);
	assert_done();
	assert_int_equal(fake_vmcs_get(VMCS_CR0_SHADOW), FAKE_GUEST_CR0 & ~CR0_NE);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_CR0), FAKE_GUEST_CR0);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_EFER), FAKE_GUEST_EFER);
	/* PG, PE, WP unchanged: no flush. */
	assert_int_equal(fake_invvpid_count, 0);
}

static void test_cr0_wp_change_flushes(void **state)
{
	core.caps.ept_vpid = EPTCAP_INVVPID | EPTCAP_INVVPID_ALL; /* no single-context */
	mov_to_cr(0, FAKE_GUEST_CR0 & ~CR0_WP);
	assert_done();
	assert_int_equal(fake_invvpid_count, 1);
	assert_int_equal(fake_invvpid_last_type, INVVPID_ALL);
}

static void test_no_flush_without_invvpid(void **state)
{
	core.caps.invvpid = false;
	mov_to_cr(0, FAKE_GUEST_CR0 & ~CR0_WP);
	mov_to_cr(4, FAKE_GUEST_CR4 | CR4_OSXSAVE);
	assert_int_equal(fake_invvpid_count, 0);
}

/* ---- LMSW (SDM vol.2 LMSW) --------------------------------------------------------------- */

static void test_lmsw_cannot_clear_pe(void **state)
{
	/* Source 0: MP, EM, TS cleared; PE stays. */
	lmsw(0);
	assert_done();
	assert_int_equal(fake_vmcs_get(VMCS_CR0_SHADOW), FAKE_GUEST_CR0 & ~CR0_MP);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_EFER), FAKE_GUEST_EFER);
}

static void test_lmsw_loads_low_four_bits(void **state)
{
	lmsw(0xe); /* MP, EM, TS; PE 0 in the source */
	assert_done();
	assert_int_equal(fake_vmcs_get(VMCS_CR0_SHADOW), FAKE_GUEST_CR0 | CR0_MP | CR0_EM | CR0_TS);
	/* Only bits 3:0 of the source count. */
	fake_vmcs_set(VMCS_GUEST_RIP, FAKE_GUEST_RIP);
	lmsw(0xfff0 | 0x1);
	assert_int_equal(fake_vmcs_get(VMCS_CR0_SHADOW),
			 (FAKE_GUEST_CR0 | CR0_MP | CR0_EM | CR0_TS) & ~(CR0_MP | CR0_EM | CR0_TS));
}

static void test_lmsw_sets_pe_from_real_mode(void **state)
{
	fake_vmcs_set(VMCS_CR0_SHADOW, CR0_ET);
	fake_vmcs_set(VMCS_GUEST_CR0, CR0_ET | CR0_NE);
	fake_vmcs_set(VMCS_GUEST_EFER, 0);
	fake_vmcs_set(VMCS_CR4_SHADOW, 0);
	lmsw(1);
	assert_done();
	assert_int_equal(fake_vmcs_get(VMCS_CR0_SHADOW), CR0_ET | CR0_PE);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_CR0), CR0_ET | CR0_PE | CR0_NE);
}

/* ---- MOV to CR4 (SDM vol.3 2.5; vol.2 MOV CR) ---------------------------------------------- */

static void test_cr4_vmxe_faults(void **state)
{
	mov_to_cr(4, FAKE_GUEST_CR4 | CR4_VMXE);
	assert_gp();
}

static void test_cr4_clear_pae_in_long_mode_faults(void **state)
{
	mov_to_cr(4, FAKE_GUEST_CR4 & ~CR4_PAE);
	assert_gp();
	/* Compatibility mode is IA-32e mode too. */
	fake_vmcs_set(VMCS_GUEST_CS_AR, CS_AR_32);
	mov_to_cr(4, FAKE_GUEST_CR4 & ~CR4_PAE);
	assert_gp();
}

static void test_cr4_unsupported_bits_fault(void **state)
{
	static const u64 bad[] = { CR4_UMIP, CR4_LA57,	 CR4_SMXE,   1ULL << 15, 1ULL << 19,
				   CR4_PKE,  1ULL << 23, 1ULL << 31, 1ULL << 32, 1ULL << 63 };

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		mov_to_cr(4, FAKE_GUEST_CR4 | bad[i]);
		assert_gp();
	}
}

static void test_cr4_real_keeps_vmxe(void **state)
{
	mov_to_cr(4, FAKE_GUEST_CR4 | CR4_OSXSAVE);
	assert_done();
	assert_int_equal(fake_vmcs_get(VMCS_CR4_SHADOW), FAKE_GUEST_CR4 | CR4_OSXSAVE);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_CR4), FAKE_GUEST_CR4 | CR4_OSXSAVE | CR4_VMXE);
	assert_int_equal(fake_invvpid_count, 1);
	assert_no_pdpte_load();
}

static void test_cr4_pcide(void **state)
{
	/* 0 -> 1 needs IA-32e mode and CR3[11:0] = 0 (SDM vol.3 4.10.1). */
	fake_vmcs_set(VMCS_GUEST_CR3, FAKE_GUEST_CR3 | 0x5);
	mov_to_cr(4, FAKE_GUEST_CR4 | CR4_PCIDE);
	assert_gp();
	fake_vmcs_set(VMCS_GUEST_CR3, FAKE_GUEST_CR3);
	mov_to_cr(4, FAKE_GUEST_CR4 | CR4_PCIDE);
	assert_done();
	assert_int_equal(fake_vmcs_get(VMCS_CR4_SHADOW), FAKE_GUEST_CR4 | CR4_PCIDE);

	/* Already 1: CR3[11:0] (the PCID) may be anything. */
	fake_vmcs_set(VMCS_GUEST_CR3, FAKE_GUEST_CR3 | 0x5);
	mov_to_cr(4, FAKE_GUEST_CR4 | CR4_PCIDE | CR4_OSXSAVE);
	assert_int_equal(fake_vmcs_get(VMCS_CR4_SHADOW), FAKE_GUEST_CR4 | CR4_PCIDE | CR4_OSXSAVE);
	assert_int_equal(fake_vmcs_write_count(VMCS_ENTRY_INTR_INFO), 0);

	/* Outside IA-32e mode: #GP. */
	memset(fake_vmcs_writes, 0, sizeof(fake_vmcs_writes));
	fake_invvpid_count = 0;
	fake_vmcs_set(VMCS_GUEST_RIP, FAKE_GUEST_RIP);
	set_protected_no_paging(CR4_PAE, 0);
	fake_vmcs_set(VMCS_GUEST_CR3, 0);
	mov_to_cr(4, CR4_PAE | CR4_PCIDE);
	assert_gp();
}

/* ---- PAE paging: PDPTEs from guest memory (SDM vol.3 4.4.1, 27.3.2.4) ---------------------- */

static const u64 pdptes[4] = { 0x1001, 0x2001, 0x0, 0x123456789001ULL };

static void put_pdpt(u64 pa)
{
	memcpy(guest_mem + pa, pdptes, sizeof(pdptes));
	/* Poison around it: a wrong base shows up as a wrong value. */
	memset(guest_mem + pa - 32, 0xee, 32);
	memset(guest_mem + pa + 32, 0xee, 32);
}

static void assert_pdptes_loaded(void)
{
	for (int i = 0; i < 4; i++) {
		assert_int_equal(fake_vmcs_get(VMCS_GUEST_PDPTE(i)), pdptes[i]);
		assert_int_equal(fake_vmcs_write_count(VMCS_GUEST_PDPTE(i)), 1);
	}
}

static void test_pae_paging_on_via_cr0_loads_pdptes(void **state)
{
	/* PAE CR3: the PDPT is 32-byte aligned; bits 4:0 (PWT, PCD, ignored) do not count. */
	put_pdpt(0x3020);
	set_protected_no_paging(CR4_PAE, 0);
	fake_vmcs_set(VMCS_GUEST_CR3, 0x3020 | 0x18);
	mov_to_cr(0, CR0_PG | CR0_PE | CR0_ET);
	assert_done();
	assert_pdptes_loaded();
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_EFER), 0);
	assert_int_equal(vp.entry_ctls & ENTRY_IA32E_GUEST, 0);
}

static void test_pae_paging_on_via_cr4_loads_pdptes(void **state)
{
	/* From 32-bit paging to PAE paging. */
	put_pdpt(0x5fe0);
	set_protected_no_paging(0, 0);
	fake_vmcs_set(VMCS_CR0_SHADOW, CR0_PG | CR0_PE | CR0_ET);
	fake_vmcs_set(VMCS_GUEST_CR3, 0x5fe0);
	mov_to_cr(4, CR4_PAE);
	assert_done();
	assert_pdptes_loaded();
	assert_int_equal(fake_vmcs_get(VMCS_CR4_SHADOW), CR4_PAE);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_CR4), CR4_PAE | CR4_VMXE);
}

static void test_no_pdptes_without_pae_paging(void **state)
{
	/* Paging off, PAE on: nothing to load. */
	put_pdpt(0x3000);
	set_protected_no_paging(CR4_PAE, 0);
	fake_vmcs_set(VMCS_GUEST_CR3, 0x3000);
	mov_to_cr(0, CR0_PE | CR0_ET | CR0_CD);
	assert_done();
	assert_no_pdpte_load();
	/* 32-bit paging (PAE off). */
	fake_vmcs_set(VMCS_GUEST_RIP, FAKE_GUEST_RIP);
	set_protected_no_paging(0, 0);
	mov_to_cr(0, CR0_PG | CR0_PE | CR0_ET);
	assert_done();
	assert_no_pdpte_load();
}

/* ---- the source operand's width ------------------------------------------------------------- */

static void test_source_is_32_bit_outside_64bit_mode(void **state)
{
	/* SDM vol.2 MOV CR: outside 64-bit mode the operand is 32 bits; the upper half of
	 * the GPR (undefined after a mode switch) is ignored, not a reserved-bit #GP. */
	set_protected_no_paging(0, 0);
	mov_to_cr(0, 0xdeadbeef00000000ULL | CR0_CD | CR0_PE | CR0_ET);
	assert_done();
	assert_int_equal(fake_vmcs_get(VMCS_CR0_SHADOW), CR0_CD | CR0_PE | CR0_ET);
	fake_vmcs_set(VMCS_GUEST_RIP, FAKE_GUEST_RIP);
	mov_to_cr(4, 0xffffffff00000000ULL | CR4_PAE);
	assert_done();
	assert_int_equal(fake_vmcs_get(VMCS_CR4_SHADOW), CR4_PAE);
	/* Compatibility mode (IA-32e, CS.L = 0) too. */
	setup(NULL);
	fake_vmcs_set(VMCS_GUEST_CS_AR, CS_AR_32);
	mov_to_cr(4, 0x100000000ULL | FAKE_GUEST_CR4 | CR4_OSXSAVE);
	assert_done();
	assert_int_equal(fake_vmcs_get(VMCS_CR4_SHADOW), FAKE_GUEST_CR4 | CR4_OSXSAVE);
}

static void test_source_is_64_bit_in_64bit_mode(void **state)
{
	/* In 64-bit mode bits 63:32 are the value: set ones are a #GP (CR0, CR4). */
	mov_to_cr(4, 0x100000000ULL | FAKE_GUEST_CR4);
	assert_gp();
}

/* ---- the qualification decode ---------------------------------------------------------------- */

static void test_source_register_rsp_from_vmcs(void **state)
{
	vp.regs.gpr[RSP_UNUSED] = 0xbad;
	fake_vmcs_set(VMCS_GUEST_RSP, FAKE_GUEST_CR4 | CR4_OSXSAVE);
	assert_int_equal(cr_exit(qual(4, 0, RSP_UNUSED, 0)), EXIT_RESUME);
	assert_done();
	assert_int_equal(fake_vmcs_get(VMCS_CR4_SHADOW), FAKE_GUEST_CR4 | CR4_OSXSAVE);
}

static void test_source_register_r15(void **state)
{
	vp.regs.gpr[R15] = FAKE_GUEST_CR4 | CR4_OSXSAVE;
	assert_int_equal(cr_exit(qual(4, 0, R15, 0)), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_CR4_SHADOW), FAKE_GUEST_CR4 | CR4_OSXSAVE);
}

/* MOV to/from CR3 exit only where the CPU forces CR3 exiting (no TRUE controls). */
static void test_cr3_moves_are_emulated(void **state)
{
	vp.regs.gpr[RAX] = 0x1000;
	assert_int_equal(cr_exit(qual(3, 0, RAX, 0)), EXIT_RESUME); /* MOV to CR3 */
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_CR3), 0x1000);
	vp.regs.gpr[RBX] = 0;
	assert_int_equal(cr_exit(qual(3, 1, RBX, 0)), EXIT_RESUME); /* MOV from CR3 */
	assert_int_equal(vp.regs.gpr[RBX], 0x1000);
	/* An address beyond MAXPHYADDR is a #GP and changes nothing. */
	vp.regs.gpr[RAX] = 1ULL << 62;
	assert_int_equal(cr_exit(qual(3, 0, RAX, 0)), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_CR3), 0x1000);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x80000b0d);
}

/* CLTS exits only while TS is owned and set (a higher VTL watches TS, secure register
 * intercepts): it clears TS and nothing else. */
static void test_clts_clears_ts(void **state)
{
	fake_vmcs_set(VMCS_GUEST_CR0, fake_vmcs_get(VMCS_GUEST_CR0) | CR0_TS);
	fake_vmcs_set(VMCS_CR0_SHADOW, FAKE_GUEST_CR0 | CR0_TS);
	assert_int_equal(cr_exit(qual(0, 2, 0, 0)), EXIT_RESUME);
	assert_done();
	assert_int_equal(fake_vmcs_get(VMCS_CR0_SHADOW), FAKE_GUEST_CR0);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_CR0) & CR0_TS, 0);
}

static void test_unexpected_cr_accesses_stop(void **state)
{
	vp.regs.gpr[RAX] = 0x1000;
	assert_int_equal(cr_exit(qual(8, 0, RAX, 0)), EXIT_STOP); /* MOV to CR8 */
	assert_int_equal(cr_exit(qual(0, 1, RAX, 0)), EXIT_STOP); /* MOV from CR0 */
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP);
	assert_int_equal(fake_vmcs_write_count(VMCS_ENTRY_INTR_INFO), 0);
	assert_int_equal(fake_vmcs_write_count(VMCS_CR0_SHADOW), 0);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_cr3_moves_are_emulated),
		T(test_cr0_pg_with_lme_enters_long_mode),
		T(test_cr0_pg_with_lme_without_pae_faults),
		T(test_cr0_clear_pg_in_64bit_mode_faults),
		T(test_cr0_clear_pg_in_compat_mode_leaves_long_mode),
		T(test_cr0_pg_without_pe_faults),
		T(test_cr0_nw_without_cd_faults),
		T(test_cr0_high_bits_fault),
		T(test_cr0_real_honours_fixed_bits),
		T(test_cr0_ne_clear_stays_set_in_real_cr0),
		T(test_cr0_wp_change_flushes),
		T(test_no_flush_without_invvpid),
		T(test_lmsw_cannot_clear_pe),
		T(test_lmsw_loads_low_four_bits),
		T(test_lmsw_sets_pe_from_real_mode),
		T(test_cr4_vmxe_faults),
		T(test_cr4_clear_pae_in_long_mode_faults),
		T(test_cr4_unsupported_bits_fault),
		T(test_cr4_real_keeps_vmxe),
		T(test_cr4_pcide),
		T(test_pae_paging_on_via_cr0_loads_pdptes),
		T(test_pae_paging_on_via_cr4_loads_pdptes),
		T(test_no_pdptes_without_pae_paging),
		T(test_source_is_32_bit_outside_64bit_mode),
		T(test_source_is_64_bit_in_64bit_mode),
		T(test_source_register_rsp_from_vmcs),
		T(test_source_register_r15),
		T(test_clts_clears_ts),
		T(test_unexpected_cr_accesses_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
