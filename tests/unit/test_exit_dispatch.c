// SPDX-License-Identifier: MIT
/*
 * arch/x86/vmexit.c: the dispatch table (which reasons stop the VP, the handlers reading
 * the exit qualification / instruction length, the counters), what vmx_run.S relies on (a
 * function in every row, the fast-exit budget, the work word), the helpers the handlers
 * share, the small handlers of exit_misc.c and hyperv/hypercall.c, and the run loop against
 * a scripted vmx_run (tests/unit/fake_vmx.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/apic.h"
#include "arch/x86/core.h"
#include "arch/x86/dbgcon.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmexit.h"
#include "lib/log.h"
#include "tests/unit/fake_vmx.h"

static struct vcpu vp;
static struct pcpu pc;

/* ---- log capture --------------------------------------------------------------------- */

static char logbuf[32768];
static size_t loglen;

static void log_sink(const char *s, size_t n)
{
	if (loglen + n >= sizeof(logbuf))
		n = sizeof(logbuf) - 1 - loglen;
	memcpy(logbuf + loglen, s, n);
	loglen += n;
	logbuf[loglen] = 0;
}

static void assert_log_has(const char *needle)
{
	if (!strstr(logbuf, needle))
		fail_msg("log lacks \"%s\"; log:\n%s", needle, logbuf);
}

static int setup(void **state)
{
	fake_vcpu_setup(&vp, &pc);
	loglen = 0;
	logbuf[0] = 0;
	log_init(log_sink, NULL);
	log_set_level(LOG_DEBUG);
	return 0;
}

/* ---- helpers --------------------------------------------------------------------------- */

static u64 total_vmcs_writes(void)
{
	u64 n = 0;

	for (size_t i = 0; i < FAKE_VMCS_FIELDS; i++)
		n += fake_vmcs_writes[i];
	return n;
}

static u64 total_exit_counts(void)
{
	u64 n = 0;

	for (size_t i = 0; i < EXIT_REASON_MAX; i++)
		n += vp.exit_count[i];
	return n;
}

static void stage_exit(u64 qual, u32 len)
{
	fake_vmcs_set(VMCS_EXIT_QUALIFICATION, qual);
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, len);
}

#define GP_INFO 0x80000b0dULL /* valid, hardware exception, error code, vector 13 */
#define UD_INFO 0x80000306ULL /* valid, hardware exception, vector 6 */

/* ---- dispatch: reasons that stop the VP ---------------------------------------------------- */

static void test_unhandled_reasons_stop(void **state)
{
	/* Exits the table has no row for: SDM vol.3 appendix C reasons we never enable. */
	static const u32 reasons[] = { EXIT_EXTERNAL_INTR, EXIT_HLT,   EXIT_IO,
				       EXIT_DR_ACCESS,	   EXIT_PAUSE, EXIT_ENTRY_FAIL_GUEST,
				       EXIT_REASON_MAX - 1 };

	stage_exit(0x1234, 2);
	for (size_t i = 0; i < ARRAY_SIZE(reasons); i++) {
		assert_int_equal(vmexit_dispatch(&vp, reasons[i]), EXIT_STOP);
		assert_int_equal(vp.exits, i + 1);
		assert_int_equal(vp.exit_count[reasons[i]], 1);
	}
	assert_int_equal(total_exit_counts(), ARRAY_SIZE(reasons));
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP);
	assert_int_equal(total_vmcs_writes(), 0);
	assert_int_equal(fake_vmcs_errors, 0);
}

static void test_reason_beyond_table_stops(void **state)
{
	/* 16-bit basic reasons past the table, and junk in bits 30:16 of the field. */
	assert_int_equal(vmexit_dispatch(&vp, EXIT_REASON_MAX), EXIT_STOP);
	assert_int_equal(vmexit_dispatch(&vp, 0xffff), EXIT_STOP);
	assert_int_equal(vp.exits, 2);
	assert_int_equal(total_exit_counts(), 0);
	assert_int_equal(total_vmcs_writes(), 0);
}

static void test_entry_failure_bit_stops(void **state)
{
	vp.regs.gpr[RAX] = 1;
	vp.regs.gpr[RBX] = 0x5555;
	stage_exit(0, 2);
	/* SDM vol.3 28.2.1: bit 31 = VM-entry failure; even a handled basic reason stops. */
	assert_int_equal(vmexit_dispatch(&vp, EXIT_REASON_ENTRY_FAIL | EXIT_CPUID), EXIT_STOP);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_REASON_ENTRY_FAIL | EXIT_ENTRY_FAIL_GUEST),
			 EXIT_STOP);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_REASON_ENTRY_FAIL | EXIT_ENTRY_FAIL_MSR),
			 EXIT_STOP);
	assert_int_equal(vp.exits, 3);
	/* The handler did not run: no CPUID, no register or RIP change. */
	assert_int_equal(fake_cpuid_calls, 0);
	assert_int_equal(vp.regs.gpr[RAX], 1);
	assert_int_equal(vp.regs.gpr[RBX], 0x5555);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP);
	assert_int_equal(total_vmcs_writes(), 0);
}

/* ---- dispatch: the rows get their exit information ----------------------------------------- */

static void test_cpuid_row_gets_instruction_length(void **state)
{
	fake_cpuid_set(0, 0, 0x16, 0x756e6547, 0x6c65746e, 0x49656e69);
	vp.regs.gpr[RAX] = 0;
	stage_exit(0, 2);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_CPUID), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP + 2);
	assert_int_equal(vp.regs.gpr[RAX], 0x16);
	assert_int_equal(vp.regs.gpr[RBX], 0x756e6547);

	/* Lengths are taken fresh at every exit. */
	vp.regs.gpr[RAX] = 0;
	stage_exit(0, 5);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_CPUID), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP + 7);
	assert_int_equal(vp.exits, 2);
	assert_int_equal(vp.exit_count[EXIT_CPUID], 2);
	assert_int_equal(fake_vmcs_errors, 0);
}

static void test_cr_row_gets_qualification(void **state)
{
	u64 cr4 = FAKE_GUEST_CR4 | CR4_OSXSAVE;

	/* SDM table 28-3: CR4 (bits 3:0 = 4), MOV to CR (bits 5:4 = 0), from RBX (11:8 = 3). */
	vp.regs.gpr[RBX] = cr4;
	stage_exit(4 | (0 << 4) | (RBX << 8), 3);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_CR_ACCESS), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_CR4_SHADOW), cr4);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_CR4), cr4 | CR4_VMXE);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP + 3);
	assert_int_equal(fake_vmcs_write_count(VMCS_ENTRY_INTR_INFO), 0);
	assert_int_equal(vp.exit_count[EXIT_CR_ACCESS], 1);
}

static void test_ept_violation_row_gets_qualification(void **state)
{
	fake_vmcs_set(VMCS_GUEST_PHYS_ADDR, 0xfee00000);
	stage_exit(0x182, 0);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_EPT_VIOLATION), EXIT_STOP);
	assert_log_has("EPT violation at GPA 0xfee00000 (write, qualification 0x182)");
	assert_int_equal(vp.exit_count[EXIT_EPT_VIOLATION], 1);
}

static void park_deliver_sipi_9a(volatile s32 *vector)
{
	/* What apic_icr_write() does for the sender: it sees the VP parked. */
	assert_true(vp.parked);
	*vector = 0x9a;
}

static void test_init_parks_until_sipi(void **state)
{
	stage_exit(0x9a, 0);
	/* A SIPI exit cannot happen (no VP is ever in wait-for-SIPI): ignored. */
	assert_int_equal(vmexit_dispatch(&vp, EXIT_SIPI), EXIT_RESUME);
	assert_int_equal(total_vmcs_writes(), 0);
	assert_int_equal(fake_park_count, 0);

	vp.work.nmi_root = 1; /* the wake-up NMI */
	fake_park_fn = park_deliver_sipi_9a;
	assert_int_equal(vmexit_dispatch(&vp, EXIT_INIT), EXIT_RESUME);
	assert_int_equal(fake_park_count, 1);
	assert_false(vp.parked);
	assert_int_equal(vp.work.nmi_root, 0);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_CTLS) & ENTRY_IA32E_GUEST, 0);
	/* SDM vol.3 9.4.4: CS = vector << 8, base vector << 12, IP 0, real mode. */
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_CS_SEL), 0x9a00);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_CS_BASE), 0x9a000);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), 0);
	assert_int_equal(fake_vmcs_get(VMCS_CR0_SHADOW) & CR0_PE, 0);
	assert_int_equal(vp.exit_count[EXIT_SIPI], 1);
	assert_int_equal(vp.exit_count[EXIT_INIT], 1);
	assert_int_equal(fake_vmcs_errors, 0);
}

static void test_counters_per_reason(void **state)
{
	fake_msr_set(MSR_IA32_FEATURE_CONTROL, 5);
	stage_exit(0, 2);
	vp.regs.gpr[RAX] = 0;
	assert_int_equal(vmexit_dispatch(&vp, EXIT_CPUID), EXIT_RESUME);
	vp.regs.gpr[RAX] = 0;
	assert_int_equal(vmexit_dispatch(&vp, EXIT_CPUID), EXIT_RESUME);
	vp.regs.gpr[RCX] = MSR_IA32_FEATURE_CONTROL;
	assert_int_equal(vmexit_dispatch(&vp, EXIT_RDMSR), EXIT_RESUME);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_WBINVD), EXIT_RESUME);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_HLT), EXIT_STOP);
	assert_int_equal(vp.exits, 5);
	assert_int_equal(vp.exit_count[EXIT_CPUID], 2);
	assert_int_equal(vp.exit_count[EXIT_RDMSR], 1);
	assert_int_equal(vp.exit_count[EXIT_WBINVD], 1);
	assert_int_equal(vp.exit_count[EXIT_HLT], 1);
	assert_int_equal(total_exit_counts(), 5);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP + 8);
}

/* ---- the small handlers ------------------------------------------------------------------- */

static void test_vmx_instructions_raise_ud(void **state)
{
	static const u32 reasons[] = { EXIT_GETSEC,  EXIT_VMCLEAR, EXIT_VMLAUNCH, EXIT_VMPTRLD,
				       EXIT_VMPTRST, EXIT_VMREAD,  EXIT_VMRESUME, EXIT_VMWRITE,
				       EXIT_VMXOFF,  EXIT_VMXON,   EXIT_INVEPT,	  EXIT_INVVPID,
				       EXIT_VMFUNC };

	stage_exit(0, 3);
	for (size_t i = 0; i < ARRAY_SIZE(reasons); i++) {
		fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
		assert_int_equal(vmexit_dispatch(&vp, reasons[i]), EXIT_RESUME);
		/* SDM vol.2 ch.31: without VMX they #UD; a fault does not advance RIP. */
		assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), UD_INFO);
		assert_int_equal(vp.exit_count[reasons[i]], 1);
	}
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP);
	assert_int_equal(fake_vmcs_write_count(VMCS_ENTRY_EXCEPTION_ERRCODE), 0);
	assert_int_equal(fake_vmcs_write_count(VMCS_ENTRY_INTR_INFO), ARRAY_SIZE(reasons));
}

static void test_invd_and_wbinvd_write_back(void **state)
{
	stage_exit(0, 2);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_INVD), EXIT_RESUME);
	assert_int_equal(fake_wbinvd_count, 1);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP + 2);
	stage_exit(0, 3);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_WBINVD), EXIT_RESUME);
	assert_int_equal(fake_wbinvd_count, 2);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP + 5);
	assert_int_equal(fake_vmcs_write_count(VMCS_ENTRY_INTR_INFO), 0);
}

static void test_fatal_exits_stop(void **state)
{
	assert_int_equal(vmexit_dispatch(&vp, EXIT_TRIPLE_FAULT), EXIT_STOP);
	assert_log_has("triple-faulted");
	fake_vmcs_set(VMCS_GUEST_PHYS_ADDR, 0x12345000);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_EPT_MISCONFIG), EXIT_STOP);
	assert_log_has("EPT misconfiguration at GPA 0x12345000");
	assert_int_equal(total_vmcs_writes(), 0);
}

static void test_vmcall(void **state)
{
	/* CPL 0, long mode: every call answers HV_STATUS_INVALID_HYPERCALL_CODE (2). */
	vp.regs.gpr[RAX] = 0x10001;
	stage_exit(0, 3);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_VMCALL), EXIT_RESUME);
	assert_int_equal(vp.regs.gpr[RAX], 2);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP + 3);
	assert_int_equal(fake_vmcs_write_count(VMCS_ENTRY_INTR_INFO), 0);

	/* CPL 3 (SS.DPL = 3): #UD, RAX and RIP untouched. */
	vp.regs.gpr[RAX] = 0x10001;
	fake_vmcs_set(VMCS_GUEST_SS_AR, 0xc0f3);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_VMCALL), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), UD_INFO);
	assert_int_equal(vp.regs.gpr[RAX], 0x10001);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP + 3);

	/* Real mode (CR0.PE = 0 as the guest sees it, so no IA-32e mode either): #UD. */
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	fake_vmcs_set(VMCS_GUEST_SS_AR, 0x93);
	fake_vmcs_set(VMCS_CR0_SHADOW, 0x10);
	fake_vmcs_set(VMCS_GUEST_EFER, 0);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_VMCALL), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), UD_INFO);
	assert_int_equal(vp.regs.gpr[RAX], 0x10001);
}

/* ---- helpers of vmexit.c ------------------------------------------------------------------- */

static void test_skip_instr_ends_sti_and_movss_blocking(void **state)
{
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, 4);
	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY,
		      INTR_BLOCK_STI | INTR_BLOCK_MOV_SS | INTR_BLOCK_NMI);
	vcpu_skip_instr(&vp);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP + 4);
	/* SDM vol.3 27.3.1.5: NMI blocking stays. */
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_INTERRUPTIBILITY), INTR_BLOCK_NMI);

	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, 0);
	memset(fake_vmcs_writes, 0, sizeof(fake_vmcs_writes));
	vcpu_skip_instr(&vp);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP + 8);
	assert_int_equal(fake_vmcs_write_count(VMCS_GUEST_INTERRUPTIBILITY), 0);
}

static void test_inject_exception(void **state)
{
	vcpu_inject_gp(&vp);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), GP_INFO);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_EXCEPTION_ERRCODE), 0);
	assert_int_equal(fake_vmcs_write_count(VMCS_ENTRY_EXCEPTION_ERRCODE), 1);

	vcpu_inject_exception(&vp, VEC_PF, true, 0x1234);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x80000b0e);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_EXCEPTION_ERRCODE), 0x1234);

	vcpu_inject_ud(&vp);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), UD_INFO);
	assert_int_equal(fake_vmcs_write_count(VMCS_ENTRY_EXCEPTION_ERRCODE), 2);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP);
}

static void test_cpl_and_real_mode(void **state)
{
	assert_int_equal(vcpu_cpl(), 0);
	fake_vmcs_set(VMCS_GUEST_SS_AR, 0xc0f3);
	assert_int_equal(vcpu_cpl(), 3);
	fake_vmcs_set(VMCS_GUEST_SS_AR, 0xc0b3);
	assert_int_equal(vcpu_cpl(), 1);
	assert_false(vcpu_real_mode());
	fake_vmcs_set(VMCS_CR0_SHADOW, FAKE_GUEST_CR0 & ~CR0_PE & ~CR0_PG);
	assert_true(vcpu_real_mode());
}

static void test_exit_names(void **state)
{
	assert_string_equal(vmexit_name(EXIT_CPUID), "CPUID");
	assert_string_equal(vmexit_name(EXIT_CR_ACCESS), "CR access");
	assert_string_equal(vmexit_name(EXIT_HLT), "HLT");
	assert_string_equal(vmexit_name(EXIT_ENTRY_FAIL_GUEST),
			    "VM-entry failure: invalid guest state");
	assert_string_equal(vmexit_name(EXIT_REASON_MAX - 1), "unexpected exit");
	assert_string_equal(vmexit_name(0xffff), "unexpected exit");
}

/* ---- vcpu_stop / vcpu_dump ----------------------------------------------------------------- */

static void test_stop_dumps_and_halts(void **state)
{
	vp.index = 3;
	pc.index = 5;
	vp.regs.gpr[RAX] = 0xaaaa5555;
	fake_halt_arm();
	if (setjmp(fake_halt_jmp) == 0) {
		vcpu_stop(&vp, "because");
		fail_msg("vcpu_stop returned");
	}
	assert_int_equal(fake_halt_count, 1);
	assert_int_equal(vp.state, VCPU_STOPPED);
	assert_log_has("VP 3 STOPPED on CPU 5: because.");
	assert_log_has("RIP 0000000000401000");
	assert_log_has("RAX 00000000aaaa5555");
	assert_log_has("CS   sel");
	/* The dump reads only fields the VMCS has. */
	assert_int_equal(fake_vmcs_errors, 0);
	assert_int_equal(total_vmcs_writes(), 0);
}

/* ---- the run loop --------------------------------------------------------------------------- */

static void guest_cpuid_leaf_hv(struct vcpu_regs *r)
{
	r->gpr[RAX] = 0x40000000;
	r->gpr[RCX] = 0;
}

static void run_until_halt(void)
{
	fake_halt_arm();
	if (setjmp(fake_halt_jmp) == 0) {
		vcpu_run_loop(&vp);
		fail_msg("vcpu_run_loop returned");
	}
}

static void test_run_first_launch_fails_invalid(void **state)
{
	vp.launched = false;
	fake_vmx_script_add(-1, 0, 0, 0, NULL);
	assert_int_equal(vcpu_run_loop(&vp), -1);
	assert_int_equal(fake_vmx_runs, 1);
	assert_int_equal(fake_vmx_launched[0], 0);
	assert_false(vp.launched);
	assert_int_equal(vp.exits, 0);
	assert_log_has("VMLAUNCH failed (VMfailInvalid, VM-instruction error 0)");
}

static void test_run_first_launch_fails_valid(void **state)
{
	vp.launched = false;
	fake_vmcs_set(VMCS_VM_INSTRUCTION_ERROR, 7);
	fake_vmx_script_add(-2, 0, 0, 0, NULL);
	assert_int_equal(vcpu_run_loop(&vp), -1);
	assert_false(vp.launched);
	assert_log_has("VMLAUNCH failed (VMfailValid, VM-instruction error 7)");
}

static void test_run_first_entry_invalid_guest_state(void **state)
{
	vp.launched = false;
	fake_vmx_script_add(0, EXIT_REASON_ENTRY_FAIL | EXIT_ENTRY_FAIL_GUEST, 3, 0, NULL);
	assert_int_equal(vcpu_run_loop(&vp), -1);
	assert_false(vp.launched);
	assert_int_equal(vp.exits, 0);
	assert_int_equal(fake_halt_count, 0);
	assert_log_has("first VM entry failed: VM-entry failure: invalid guest state "
		       "(exit qualification 3)");
	assert_log_has("guest state:");
}

static void test_run_loop_handles_then_stops(void **state)
{
	vp.launched = false;
	fake_vmx_script_add(0, EXIT_CPUID, 0, 2, guest_cpuid_leaf_hv);
	fake_vmx_script_add(0, EXIT_HLT, 0, 1, NULL);
	run_until_halt();
	assert_int_equal(fake_vmx_runs, 2);
	assert_int_equal(fake_vmx_launched[0], 0); /* VMLAUNCH */
	assert_int_equal(fake_vmx_launched[1], 1); /* then VMRESUME */
	assert_true(vp.launched);
	assert_int_equal(vp.regs.gpr[RBX], 0x7263694d); /* "Micr" */
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP + 2);
	assert_int_equal(vp.exits, 2);
	assert_int_equal(vp.state, VCPU_STOPPED);
	assert_int_equal(fake_halt_count, 1);
	assert_log_has("STOPPED on CPU 0: HLT (exit reason 12)");
}

static void test_run_loop_resume_failure_stops(void **state)
{
	fake_vmx_script_add(0, EXIT_WBINVD, 0, 2, NULL);
	fake_vmx_script_add(-2, 0, 0, 0, NULL);
	fake_vmcs_set(VMCS_VM_INSTRUCTION_ERROR, 13);
	run_until_halt();
	assert_int_equal(fake_vmx_runs, 2);
	assert_int_equal(fake_vmx_launched[1], 1);
	assert_int_equal(vp.state, VCPU_STOPPED);
	assert_log_has("VMRESUME failed (VMfailValid, VM-instruction error 13)");
	assert_log_has("STOPPED on CPU 0: VM entry failed");
}

static void test_run_loop_later_entry_failure_stops(void **state)
{
	fake_vmx_script_add(0, EXIT_REASON_ENTRY_FAIL | EXIT_ENTRY_FAIL_MSR, 1, 0, NULL);
	run_until_halt();
	assert_int_equal(vp.state, VCPU_STOPPED);
	assert_log_has("VM-entry failure: MSR loading (exit reason 34, VM-entry failure)");
}

/* ---- NMIs: exits, host NMIs, injection and the NMI window ------------------------------------ */

#define NMI_INFO 0x80000202ULL /* valid, NMI, vector 2 (SDM vol.3 25.8.3) */

static void test_run_loop_delivers_host_nmi(void **state)
{
	/* An NMI the host took in root operation belongs to the guest. */
	vp.work.nmi_root = 1;
	fake_vmx_script_add(0, EXIT_WBINVD, 0, 2, NULL);
	fake_vmx_script_add(0, EXIT_HLT, 0, 1, NULL);
	run_until_halt();
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), NMI_INFO);
	assert_int_equal(fake_vmcs_write_count(VMCS_ENTRY_INTR_INFO), 1);
	assert_int_equal(vp.work.nmi_root, 0);
	assert_false(vp.work.nmi_for_guest);
}

/* ---- what vmx_run.S relies on: the table, the fast-exit budget, the work word --------------- */

static void test_every_row_has_a_function(void **state)
{
	/* vmx_run.S calls vmexit_fns[reason] without a test: no row may be empty, and a row
	 * without a handler stops the VP. */
	for (u32 r = 0; r < EXIT_REASON_MAX; r++) {
		assert_non_null(vmexit_fns[r]);
		if (vmexit_fns[r] == exit_unexpected)
			assert_int_equal(vmexit_fns[r](&vp), EXIT_STOP);
	}
	assert_ptr_equal(vmexit_fns[EXIT_HLT], exit_unexpected);
	assert_ptr_equal(vmexit_fns[EXIT_IO], exit_unexpected);
	assert_ptr_equal(vmexit_fns[EXIT_CPUID], exit_cpuid);
	assert_ptr_equal(vmexit_fns[EXIT_VMCALL], hv_exit_vmcall);
	assert_ptr_equal(vmexit_fns[EXIT_PREEMPT_TIMER], exit_preempt_timer);
}

static void cpuid_exit(void)
{
	fake_vmcs_set(VMCS_EXIT_REASON, EXIT_CPUID);
	stage_exit(0, 2);
	vp.regs.gpr[RAX] = 0;
	assert_int_equal(vcpu_exit(&vp), 0);
}

static void test_fast_exit_budget(void **state)
{
	/* Every exit through vcpu_exit hands vmx_run.S a new budget of exits it may handle
	 * alone: as many as there are, a few on the console's VP, none while timed. */
	vp.launched = true;
	vp.fast_exits_left = -1;
	cpuid_exit();
	assert_int_equal(vp.fast_exits_left, 0x7fffffff);

	vp.console = true;
	dbgcon_next_poll = ~0ULL; /* no poll due by the clock */
	cpuid_exit();
	assert_int_equal(vp.fast_exits_left, VCPU_CONSOLE_FAST_EXITS);

	dbgcon_timing = true;
	cpuid_exit();
	dbgcon_timing = false;
	assert_int_equal(vp.fast_exits_left, 0);
	assert_int_equal(vp.exit_count[EXIT_CPUID], 3);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP + 6);
}

static void test_console_polled_after_its_timer(void **state)
{
	/* The console VP's preemption-timer exit asks for a poll before the entry; on any
	 * other VP the exit does nothing. */
	vp.launched = true;
	dbgcon_next_poll = ~0ULL;
	fake_vmcs_set(VMCS_EXIT_REASON, EXIT_PREEMPT_TIMER);
	assert_int_equal(exit_preempt_timer(&vp), EXIT_RESUME);
	assert_int_equal(vp.work.any, 0);

	vp.console = true;
	assert_int_equal(exit_preempt_timer(&vp), EXIT_RESUME);
	assert_int_equal(vp.work.local, VCPU_LOCAL_CONSOLE);
	vcpu_entry_slow(&vp); /* what vmx_run.S calls when the work word is not 0 */
	assert_int_equal(vp.work.any, 0);
	assert_int_equal(vp.in_guest, 1);
}

static void test_entry_work_reaches_its_handlers(void **state)
{
	/* A flush request or a stale EPT from another CPU makes the entry catch up. */
	fake_ept_syncs = 0;
	vp.work.tlb_flush = 1;
	vcpu_entry_slow(&vp);
	assert_int_equal(fake_ept_syncs, 1);
	vp.work.tlb_flush = 0;
	vp.work.ept_stale = 1;
	vcpu_entry_slow(&vp);
	assert_int_equal(fake_ept_syncs, 2);
	vp.work.ept_stale = 0;
	vcpu_entry_slow(&vp);
	assert_int_equal(fake_ept_syncs, 2);
	/* The kick's NMI is the hypervisor's; an NMI taken in root without a kick the guest's. */
	vp.work.nmi_root = 1;
	vcpu_entry_slow(&vp);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), NMI_INFO);
	assert_int_equal(vp.work.any, 0);
}

static void guest_clears_blocking(struct vcpu_regs *r)
{
	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, 0);
}

static void test_blocked_nmi_waits_for_nmi_window(void **state)
{
	vp.work.nmi_root = 1;
	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, INTR_BLOCK_NMI);
	fake_vmcs_set(VMCS_PROC_CTLS, PROC_USE_MSR_BITMAPS | PROC_SECONDARY);
	fake_vmx_script_add(0, EXIT_WBINVD, 0, 2, NULL);
	fake_vmx_script_add(0, EXIT_NMI_WINDOW, 0, 0, guest_clears_blocking);
	fake_vmx_script_add(0, EXIT_HLT, 0, 1, NULL);
	run_until_halt();
	/* After the first exit: NMI-window exiting requested (SDM vol.3 25.6.2); after the
	 * window exit: turned off again and the NMI injected. */
	assert_int_equal(fake_vmcs_write_count(VMCS_PROC_CTLS), 2);
	assert_int_equal(fake_vmcs_get(VMCS_PROC_CTLS), PROC_USE_MSR_BITMAPS | PROC_SECONDARY);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), NMI_INFO);
	assert_int_equal(fake_vmcs_write_count(VMCS_ENTRY_INTR_INFO), 1);
	assert_int_equal(vp.exit_count[EXIT_NMI_WINDOW], 1);
	assert_false(vp.work.nmi_for_guest);
	assert_int_equal(vp.work.nmi_root, 0);
}

static void test_nmi_held_while_window_closed(void **state)
{
	static const u32 blocks[] = { INTR_BLOCK_NMI, INTR_BLOCK_MOV_SS, INTR_BLOCK_STI };

	for (size_t i = 0; i < ARRAY_SIZE(blocks); i++) {
		setup(NULL);
		vp.work.nmi_root = 1;
		fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, blocks[i]);
		fake_vmx_script_add(0, EXIT_NMI_WINDOW, 0, 0, NULL); /* keeps the blocking */
		fake_vmx_script_add(0, EXIT_HLT, 0, 1, NULL);
		run_until_halt();
		assert_int_equal(fake_vmcs_write_count(VMCS_ENTRY_INTR_INFO), 0);
		assert_true(vp.work.nmi_for_guest);
		assert_int_equal(fake_vmcs_get(VMCS_PROC_CTLS) & PROC_NMI_WINDOW, PROC_NMI_WINDOW);
	}
}

static void test_nmi_held_behind_pending_event(void **state)
{
	vp.work.nmi_root = 1;
	fake_vmx_script_add(0, EXIT_VMXON, 0, 4, NULL); /* injects #UD */
	fake_vmx_script_add(0, EXIT_HLT, 0, 1, NULL);
	run_until_halt();
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), UD_INFO);
	assert_int_equal(fake_vmcs_write_count(VMCS_ENTRY_INTR_INFO), 1);
	assert_true(vp.work.nmi_for_guest);
}

static void test_nmi_exit_passes_nmi_to_guest(void **state)
{
	fake_vmcs_set(VMCS_EXIT_INTR_INFO, NMI_INFO);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_EXCEPTION_NMI), EXIT_RESUME);
	/* SDM vol.3 27.5.5 / 6.7.1: NMIs stay blocked after an NMI exit until an IRET. */
	assert_int_equal(fake_nmi_unblock_count, 1);
	assert_true(vp.work.nmi_for_guest);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP);

	/* Kick bits waiting do not make an NMI a kick's: only one of ours on its way does. */
	vp.work.nmi_for_guest = 0;
	vp.work.kick = VCPU_KICK_INIT;
	assert_int_equal(vmexit_dispatch(&vp, EXIT_EXCEPTION_NMI), EXIT_RESUME);
	assert_true(vp.work.nmi_for_guest);
	assert_int_equal(fake_nmi_unblock_count, 2);
}

static void test_nmi_exit_of_a_served_kick_is_not_the_guests(void **state)
{
	/* The kick was served at an exit of the VP's own before its NMI came (kick bits
	 * already 0): the NMI is still the hypervisor's. Linux said "NMI received for
	 * unknown reason" when it was passed on. */
	vp.kick_nmi_inflight = 1;
	vp.work.kick = 0;
	fake_vmcs_set(VMCS_EXIT_INTR_INFO, NMI_INFO);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_EXCEPTION_NMI), EXIT_RESUME);
	assert_false(vp.work.nmi_for_guest);
	assert_int_equal(vp.kick_nmi_inflight, 0);
	/* The next one is the guest's. */
	assert_int_equal(vmexit_dispatch(&vp, EXIT_EXCEPTION_NMI), EXIT_RESUME);
	assert_true(vp.work.nmi_for_guest);
}

static void test_kick_nmi_sent_once_while_in_flight(void **state)
{
	struct vcpu t = { .apic_id = 3 };
	const u64 nmi_icr = (3ULL << 32) | (ICR_MODE_NMI << 8) | ICR_LEVEL_ASSERT;

	fake_msr_set(MSR_IA32_APIC_BASE, APIC_BASE_X2APIC);
	fake_msr_set(MSR_X2APIC_ICR, 0);
	vcpu_kick_nmi(&t);
	assert_int_equal(fake_msr_get(MSR_X2APIC_ICR), nmi_icr);
	/* A second kick while the first NMI is on its way relies on that one. */
	vcpu_kick_nmi(&t);
	assert_int_equal(fake_msr_slot(MSR_X2APIC_ICR, false)->writes, 1);
	/* The VP takes it: the kick's; any later NMI is not. */
	assert_true(vcpu_nmi_is_kick(&t));
	assert_false(vcpu_nmi_is_kick(&t));
	vcpu_kick_nmi(&t);
	assert_int_equal(fake_msr_slot(MSR_X2APIC_ICR, false)->writes, 2);
	assert_int_equal(fake_msr_bad, 0);
}

static void test_exception_exit_stops(void **state)
{
	/* The exception bitmap is 0: a #PF exit would be a hypervisor bug. */
	fake_vmcs_set(VMCS_EXIT_INTR_INFO, 0x80000b0e);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_EXCEPTION_NMI), EXIT_STOP);
	fake_vmcs_set(VMCS_EXIT_INTR_INFO, 0);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_EXCEPTION_NMI), EXIT_STOP);
	assert_int_equal(fake_nmi_unblock_count, 0);
	assert_false(vp.work.nmi_for_guest);
}

static void test_kick_nmi_is_not_the_guests(void **state)
{
	/* A kick (here a plain wake-up) whose NMI the root handler took as ours: nothing for
	 * the guest. */
	vp.work.kick = VCPU_KICK_WAKE;
	fake_vmx_script_add(0, EXIT_WBINVD, 0, 2, NULL);
	fake_vmx_script_add(0, EXIT_HLT, 0, 1, NULL);
	run_until_halt();
	assert_int_equal(vp.work.kick, 0);
	assert_false(vp.work.nmi_for_guest);
	assert_int_equal(fake_vmcs_write_count(VMCS_ENTRY_INTR_INFO), 0);
}

static void test_root_nmi_of_the_guest_is_injected(void **state)
{
	/* The root handler (exception.c) marks the guest's NMIs only. */
	vp.work.nmi_root = 1;
	fake_vmx_script_add(0, EXIT_WBINVD, 0, 2, NULL);
	fake_vmx_script_add(0, EXIT_HLT, 0, 1, NULL);
	run_until_halt();
	assert_int_equal(vp.work.nmi_root, 0);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), NMI_INFO);
	assert_false(vp.work.nmi_for_guest);
}

static void test_kick_nmi_request_injects(void **state)
{
	/* The debug console's "give the guest an NMI". */
	vp.work.kick = VCPU_KICK_NMI;
	fake_vmx_script_add(0, EXIT_WBINVD, 0, 2, NULL);
	fake_vmx_script_add(0, EXIT_HLT, 0, 1, NULL);
	run_until_halt();
	assert_int_equal(vp.work.kick, 0);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), NMI_INFO);
	assert_false(vp.work.nmi_for_guest);
}

static void test_kick_init_emulates_init(void **state)
{
	vp.work.nmi_root = 1; /* a guest NMI taken in root: the INIT discards it */
	fake_park_fn = park_deliver_sipi_9a;
	fake_vmx_script_add(0, EXIT_EXCEPTION_NMI, 0, 0, NULL);
	fake_vmx_script_add(0, EXIT_HLT, 0, 1, NULL);
	fake_vmcs_set(VMCS_EXIT_INTR_INFO, NMI_INFO);
	vp.work.kick = VCPU_KICK_INIT;
	run_until_halt();
	assert_int_equal(fake_park_count, 1);
	assert_int_equal(vp.work.kick, 0);
	assert_false(vp.work.nmi_for_guest);
	assert_int_equal(fake_vmcs_write_count(VMCS_ENTRY_INTR_INFO), 1); /* cleared by INIT */
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_CS_SEL), 0x9a00);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), 0);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_unhandled_reasons_stop),
		T(test_reason_beyond_table_stops),
		T(test_entry_failure_bit_stops),
		T(test_cpuid_row_gets_instruction_length),
		T(test_cr_row_gets_qualification),
		T(test_ept_violation_row_gets_qualification),
		T(test_init_parks_until_sipi),
		T(test_counters_per_reason),
		T(test_vmx_instructions_raise_ud),
		T(test_invd_and_wbinvd_write_back),
		T(test_fatal_exits_stop),
		T(test_vmcall),
		T(test_skip_instr_ends_sti_and_movss_blocking),
		T(test_inject_exception),
		T(test_cpl_and_real_mode),
		T(test_exit_names),
		T(test_stop_dumps_and_halts),
		T(test_run_first_launch_fails_invalid),
		T(test_run_first_launch_fails_valid),
		T(test_run_first_entry_invalid_guest_state),
		T(test_run_loop_handles_then_stops),
		T(test_run_loop_resume_failure_stops),
		T(test_run_loop_later_entry_failure_stops),
		T(test_run_loop_delivers_host_nmi),
		T(test_every_row_has_a_function),
		T(test_fast_exit_budget),
		T(test_console_polled_after_its_timer),
		T(test_entry_work_reaches_its_handlers),
		T(test_blocked_nmi_waits_for_nmi_window),
		T(test_nmi_held_while_window_closed),
		T(test_nmi_held_behind_pending_event),
		T(test_nmi_exit_passes_nmi_to_guest),
		T(test_nmi_exit_of_a_served_kick_is_not_the_guests),
		T(test_kick_nmi_sent_once_while_in_flight),
		T(test_root_nmi_of_the_guest_is_injected),
		T(test_exception_exit_stops),
		T(test_kick_nmi_is_not_the_guests),
		T(test_kick_nmi_request_injects),
		T(test_kick_init_emulates_init),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
