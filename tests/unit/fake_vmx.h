/* SPDX-License-Identifier: MIT */
/*
 * Host stand-ins for the core symbols a unit test cannot link: the assembly ones
 * (msr_read_safe/msr_write_safe, vmx_run, vmx_exit_stub), cpu_halt_forever, and data the
 * core defines in files the test leaves out (struct core core, host_idt). All weak, so a test
 * that links the real file gets the real one. The CPU state they act on is the fake of
 * tests/unit/fake_intrin.h.
 */
#ifndef TESTS_UNIT_FAKE_VMX_H
#define TESTS_UNIT_FAKE_VMX_H

#include <setjmp.h>

#include "arch/x86/vcpu.h"
#include "lib/types.h"

/*
 * cpu_halt_forever(): with fake_halt_armed, disarms and longjmps to fake_halt_jmp with 1;
 * otherwise the test failed to expect a halt: it prints and aborts. Use:
 *
 *	fake_halt_arm();
 *	if (setjmp(fake_halt_jmp) == 0) {
 *		...code that must end in cpu_halt_forever()...
 *		fail();
 *	}
 *	assert_int_equal(fake_halt_count, 1);
 */
extern jmp_buf fake_halt_jmp;
extern bool fake_halt_armed;
extern u32 fake_halt_count;
void fake_halt_arm(void);

/*
 * vmx_run(): each call takes the next step of the script. A step's ret is what vmx_run
 * returns (0: a VM exit, -1 VMfailInvalid, -2 VMfailValid); with ret == 0 the exit
 * reason, qualification and instruction length are stored in the fake VMCS first, and
 * guest(), if set, runs to play the guest (change registers or VMCS fields). A call past
 * the end of the script is a test bug: longjmp to fake_halt_jmp with 2 when armed, else
 * abort.
 */
struct fake_vmx_step {
	int ret;
	u32 reason;
	u64 qual;
	u32 len;
	void (*guest)(struct vcpu_regs *regs);
};

#define FAKE_VMX_MAX_STEPS 32

extern struct fake_vmx_step fake_vmx_script[FAKE_VMX_MAX_STEPS];
extern u32 fake_vmx_nsteps;			  /* steps in the script */
extern u32 fake_vmx_runs;			  /* vmx_run calls so far */
extern int fake_vmx_launched[FAKE_VMX_MAX_STEPS]; /* the launched argument of each call */

/* Empties the script and the halt state (the CPU fakes have their own resets). */
void fake_vmx_script_reset(void);
void fake_vmx_script_add(int ret, u32 reason, u64 qual, u32 len,
			 void (*guest)(struct vcpu_regs *regs));

/*
 * vcpu_park_wait() (exception_stubs.S: halts until *vector >= 0): calls fake_park_fn, which
 * plays the CPU that sends the SIPI (stores a vector), and counts the call. Returning with
 * *vector still < 0 would hang a real CPU: longjmp to fake_halt_jmp with 3 when armed,
 * else abort.
 */
extern void (*fake_park_fn)(volatile s32 *vector);
extern u32 fake_park_count;

/* cpu_unblock_nmi() (exception_stubs.S: IRET to itself): counts its calls. */
extern u32 fake_nmi_unblock_count;

/* vcpu_count()/vcpu_get() (core_main.c): the VPs of the fake machine. */
#define FAKE_MAX_VCPUS 8
extern struct vcpu *fake_vcpus[FAKE_MAX_VCPUS];
extern u32 fake_nvcpus;

/*
 * The machine and VP the exit tests start from: VMX fixed bits of a typical Intel CPU (CR0
 * fixed0 PE|NE|PG, fixed1 all 32 bits; CR4 fixed0 VMXE, fixed1 0x3727ff: no UMIP, LA57,
 * SMXE, bit 19, PKE), INVVPID single-context, and a 64-bit guest at CPL 0: CR0 0x80050033,
 * CR4 PAE|PGE|OSFXSR|OSXMMEXCPT (real CR4 with VMXE), EFER SCE|LME|LMA|NXE, CS.L = 1,
 * RIP FAKE_GUEST_RIP, the IA-32e entry control on, launched, the only VP (fake_vcpus[0],
 * APIC ID 0). Resets every CPU fake, the script, the park hook and the NMI-unblock count
 * first; the VMCS write counters start at 0 after it.
 */
#define FAKE_CR0_FIXED0 0x80000021ULL
#define FAKE_CR0_FIXED1 0xffffffffULL
#define FAKE_CR4_FIXED0 0x2000ULL
#define FAKE_CR4_FIXED1 0x3727ffULL
extern u32 fake_platform_resets;   /* platform_reset() calls */
#define FAKE_GUEST_GPA 0x100000ULL /* fake_guest_mem: hypercall input/output pages */
#define FAKE_GUEST_RIP 0x401000ULL
#define FAKE_GUEST_RSP 0x7ff000ULL
#define FAKE_GUEST_CR0 0x80050033ULL
#define FAKE_GUEST_CR3 0x200000ULL
#define FAKE_GUEST_CR4 0x6a0ULL
#define FAKE_GUEST_EFER 0xd01ULL
#define FAKE_GUEST_CS_AR_64 0xa09bULL /* present code, L = 1 */
#define FAKE_GUEST_SS_AR 0xc093ULL    /* DPL 0 */
#define FAKE_VPID 7

struct pcpu;
void fake_vcpu_setup(struct vcpu *v, struct pcpu *p);

/*
 * A WRMSR / RDMSR exit of v as the guest causes it (ECX, EDX:EAX; instruction length 2),
 * through vmexit_dispatch; the dispatch result is returned (the read's value in *val).
 * fake_gp_injected(): the exit left a #GP (error code 0) to inject.
 */
int fake_wrmsr_exit(struct vcpu *v, u32 msr, u64 val);
/*
 * The partition's memory as the TLFS code sees it: RAM below FAKE_POOL_PA, the hypervisor
 * pool there (pool_mem, host memory standing in for it, handed to the page allocator) and
 * one MMIO page at FAKE_MMIO_PAGE; MAXPHYADDR 40. Returns pool_init's result.
 */
#define FAKE_POOL_PA 0x40000000ULL
#define FAKE_MMIO_PAGE 0xfee00000ULL
int fake_partition_memory(u8 *pool_mem, u64 pool_size);
/*
 * Two VPs (vp and vp1, at VTL0, sharing pc's CPU) of a partition whose RAM ends where the
 * pool, the rest of mem after ram_bytes, begins; no VTL above 0 yet, every TLFS privilege,
 * no overlays, several VMCSs per VP, the VMX capabilities VSM needs (external-interrupt and
 * NMI exiting, the preemption timer, acknowledge on exit, CR8 exiting), the private MSRs 0.
 * The VSM tests' common setup (test_vsm.c, test_intercept.c).
 */
void fake_two_vps_setup(struct vcpu *vp, struct vcpu *vp1, struct pcpu *pc, u8 *mem,
			size_t ram_bytes, size_t mem_bytes);
int fake_rdmsr_exit(struct vcpu *v, u32 msr, u64 *val);
bool fake_gp_injected(void);

/* ept_sync_before_entry calls (the EPT change code is not linked here). */
extern u32 fake_ept_syncs;

/* The protections' calls (ept.h), recorded: enable, the last modify's list and value;
 * stop_at: the page a modify stops at with stop_err (~0: none); fault: ept_prot_fault's
 * answer. Zero them (and set stop_at = ~0) in a test's setup. */
struct fake_prot {
	bool on;
	u8 default_val, val;
	u32 calls, n, stop_at, local_flushes;
	int stop_err, fault;
	u64 gpn[512];
};
extern struct fake_prot fake_prot;
/* VTL0's view gives the page of gpa perm (PT_R...) instead of RWX, until the next
 * fake_vcpu_setup (at most 4 pages). */
void fake_view_limit(u64 gpa, u8 perm);

#endif
