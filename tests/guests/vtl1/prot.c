// SPDX-License-Identifier: MIT
/*
 * VTL1 image: memory protections and GPA intercepts (reference 3.8, 3.9; prot_abi.h). The
 * commands that set up VTL1's SynIC, write VsmPartitionConfig and call
 * HvCallModifyVtlProtectionMask, and the handler of VTL1_PROT_VEC: VTL1's SINT0, where the
 * hypervisor posts a GPA intercept when VTL0 touches a page in a way VTL1 forbids. The
 * handler runs in the interrupt entry (EntryReason 2, irq.c) that the message causes,
 * before VTL0 runs again; VTL0 then retries its instruction, or goes on after it.
 */
#include "arch/x86/intrin.h"
#include "tests/guests/vtl1/prot_abi.h"
#include "tests/guests/vtl1/vtl1.h"

#define HVCALL_MODIFY_VTL_PROTECTION_MASK 0x000cull
#define HVCALL_SET_VP_REGISTERS 0x0051ull
#define HV_REP_COUNT(n) ((u64)(n) << 32)
#define HV_PARTITION_ID_SELF (~0ull)
#define HV_VP_INDEX_SELF 0xfffffffeu
#define HV_INPUT_VTL0 0x10 /* UseTargetVtl, VTL0 */
#define HV_REG_VSM_PARTITION_CONFIG 0x000d0007u
/* SynIC (reference 2.1, 2.2). */
#define HV_MSR_SCONTROL 0x40000080u
#define HV_MSR_SIMP 0x40000083u
#define HV_MSR_EOM 0x40000084u
#define HV_MSR_SINT0 0x40000090u
#define HVMSG_GPA_INTERCEPT 0x80000001u
#define HV_MESSAGE_FLAG_PENDING 0x1
/* The GPA intercept (reference 3.9.4), offsets in the message (16-byte header first). */
#define MSG_FLAGS 5
#define MSG_ACCESS (16 + 0x05)
#define MSG_RIP (16 + 0x18)
#define MSG_GPA (16 + 0x38)
#define IDT_GATE_INTERRUPT 0x8e

static struct vtl1_prot *prot_area(void)
{
	return (struct vtl1_prot *)vtl1_mailbox()->prot;
}

static u64 prot_page(u64 off)
{
	return vtl1_mailbox()->prot + off;
}

static u64 hcall(u64 control, u64 in)
{
	return vtl1_call_page(vtl1_region(VTL1_OFF_HCPAGE), control, in, 0);
}

/* HvCallModifyVtlProtectionMask with its input at in (a page of its own). */
static u64 modify(u64 in, u64 partition, u64 word, const volatile u64 *gpn, u32 n)
{
	volatile u64 *h = (volatile u64 *)in;

	h[0] = partition;
	h[1] = word; /* MapFlags, TargetVtl, 3 bytes reserved */
	for (u32 i = 0; i < n; i++)
		h[2 + i] = gpn[i];
	return hcall(HVCALL_MODIFY_VTL_PROTECTION_MASK | HV_REP_COUNT(n), in);
}

/* SetVpRegisters of one register, VP SELF, with HV_INPUT_VTL input_vtl (reference 1.7:
 * 32-byte elements, name, 12 bytes reserved, a 128-bit value). */
static u64 set_reg(u64 in, u8 input_vtl, u32 name, u64 val)
{
	volatile u64 *h = (volatile u64 *)in;

	h[0] = HV_PARTITION_ID_SELF;
	h[1] = HV_VP_INDEX_SELF | (u64)input_vtl << 32;
	h[2] = name;
	h[3] = 0;
	h[4] = val;
	h[5] = 0;
	return hcall(HVCALL_SET_VP_REGISTERS | HV_REP_COUNT(1), in);
}

/* ---- the intercept handler ---- */

void vtl1_prot_interrupt(struct vtl1_frame *f);
/* The gate of VTL1_PROT_VEC: every GPR kept (the frame of entry.S's stubs). */
__asm__(".text\n"
	".globl vtl1_prot_stub\n"
	".hidden vtl1_prot_stub\n"
	"vtl1_prot_stub:\n"
	"	push $0\n"
	"	push $0xe5\n"
	"	push %rax\n	push %rcx\n	push %rdx\n	push %rbx\n	push %rbp\n"
	"	push %rsi\n	push %rdi\n	push %r8\n	push %r9\n	push %r10\n"
	"	push %r11\n	push %r12\n	push %r13\n	push %r14\n	push %r15\n"
	"	mov %rsp, %rdi\n"
	"	cld\n"
	"	call vtl1_prot_interrupt\n"
	"	pop %r15\n	pop %r14\n	pop %r13\n	pop %r12\n	pop %r11\n"
	"	pop %r10\n	pop %r9\n	pop %r8\n	pop %rdi\n	pop %rsi\n"
	"	pop %rbp\n	pop %rbx\n	pop %rdx\n	pop %rcx\n	pop %rax\n"
	"	add $16, %rsp\n"
	"	iretq\n");
extern char vtl1_prot_stub[] __attribute__((visibility("hidden")));
_Static_assert(VTL1_PROT_VEC == 0xe5, "vtl1_prot_stub pushes the vector");

/* What an access of type access (0 read, 1 write, 2 execute) needs. */
static u64 needs(u8 access)
{
	return access == 2 ? VTL1_PROT_R | VTL1_PROT_X :
	       access == 1 ? VTL1_PROT_R | VTL1_PROT_W :
			     VTL1_PROT_R;
}

static void resolve(struct vtl1_cpu *c, struct vtl1_prot_vp *pv, struct vtl1_prot_rec *r)
{
	u64 in = prot_page(VTL1_PROT_OFF_IRQ_IN(c->vp)), rip, gpa, gpn;
	u8 access = r->msg[MSG_ACCESS];

	__builtin_memcpy(&rip, r->msg + MSG_RIP, 8);
	__builtin_memcpy(&gpa, r->msg + MSG_GPA, 8);
	r->resolve_rax = 0;
	if (pv->policy & VTL1_PROT_SKIP) {
		r->resolve_rax = set_reg(in, HV_INPUT_VTL0, HV_REG_RIP, rip + pv->skip_len);
	} else if (pv->policy & VTL1_PROT_GRANT) {
		gpn = gpa >> 12;
		pv->flags |= needs(access);
		r->flags_after = pv->flags;
		r->resolve_rax = modify(in, HV_PARTITION_ID_SELF, pv->flags, &gpn, 1);
	}
	if (r->resolve_rax == HV_REP_COUNT(1))
		r->resolve_rax = 0; /* success, its one rep */
	else if (pv->policy & (VTL1_PROT_SKIP | VTL1_PROT_GRANT))
		pv->resolve_fail++;
	if ((pv->policy & VTL1_PROT_STOP) && pv->stop_addr)
		*(volatile u32 *)pv->stop_addr = 1;
}

void vtl1_prot_interrupt(struct vtl1_frame *f)
{
	struct vtl1_cpu *c = vtl1_cpu_of((u64)f);
	struct vtl1_prot *p = prot_area();

	if (!c || !p) /* not on one of our stacks, or no area: nothing can be reported */
		for (;;)
			__asm__ volatile("cli; hlt");
	struct vtl1_prot_vp *pv = &p->vp[c->vp];
	volatile u8 *slot = (volatile u8 *)prot_page(VTL1_PROT_OFF_SIMP(c->vp)); /* SINT0 */
	u64 recover = c->recover;
	u32 type = *(volatile u32 *)slot;

	c->recover = 0;
	if (type == HVMSG_GPA_INTERCEPT) {
		struct vtl1_prot_rec *r = &pv->log[pv->count % VTL1_PROT_LOG];

		for (u32 i = 0; i < VTL1_PROT_MSG_BYTES; i++)
			r->msg[i] = slot[i];
		r->vtl0_rax = *(volatile u64 *)(vtl1_assist(c->vp) + ASSIST_RET_RAX);
		r->flags_after = 0;
		resolve(c, pv, r);
		__atomic_store_n(&pv->count, pv->count + 1, __ATOMIC_RELEASE);
	} else {
		pv->other++;
	}
	/* The slot is free; a message waiting for it comes after an EOM (TLFS SynIC). */
	__atomic_store_n((volatile u32 *)slot, 0, __ATOMIC_SEQ_CST);
	if (slot[MSG_FLAGS] & HV_MESSAGE_FLAG_PENDING) {
		pv->eom++;
		if (!vtl1_try_wrmsr(c, HV_MSR_EOM, 0))
			pv->faults |= 1;
	}
	if (!vtl1_try_wrmsr(c, VTL1_X2APIC_EOI, 0))
		pv->faults |= 2;
	c->recover = recover;
}

/* ---- the commands ---- */

/* An interrupt gate for vector vec to h in VTL1's own IDT, with its current CS. */
static void gate(u32 vec, u64 h)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) idtr;
	u16 cs;

	__asm__ volatile("sidt %0" : "=m"(idtr));
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	volatile u32 *g = (volatile u32 *)(idtr.base + 16ull * vec);
	g[0] = (u32)(h & 0xffff) | (u32)cs << 16;
	g[1] = (u32)(h & 0xffff0000) | IDT_GATE_INTERRUPT << 8;
	g[2] = (u32)(h >> 32);
	g[3] = 0;
}

static void prot_setup(struct vtl1_cpu *c)
{
	u64 v = 0, simp = prot_page(VTL1_PROT_OFF_SIMP(c->vp)), faults = 0;

	__asm__ volatile("cli" ::: "memory");
	if (!vtl1_try_rdmsr(c, VTL1_MSR_APIC_BASE, &v) ||
	    (!(v & VTL1_APIC_BASE_EXTD) &&
	     !vtl1_try_wrmsr(c, VTL1_MSR_APIC_BASE, v | VTL1_APIC_BASE_EN | VTL1_APIC_BASE_EXTD)))
		faults |= 1;
	vtl1_try_rdmsr(c, VTL1_MSR_APIC_BASE, &c->out[4]);
	if (!vtl1_try_rdmsr(c, VTL1_X2APIC_SVR, &v) ||
	    (!(v & 0x100) && !vtl1_try_wrmsr(c, VTL1_X2APIC_SVR, VTL1_SVR_RESET)))
		faults |= 2;
	if (!vtl1_try_wrmsr(c, VTL1_X2APIC_TPR, 0))
		faults |= 4;
	gate(VTL1_PROT_VEC, (u64)vtl1_prot_stub);
	if (!vtl1_try_wrmsr(c, HV_MSR_SCONTROL, 1))
		faults |= 8;
	if (!vtl1_try_wrmsr(c, HV_MSR_SIMP, simp | 1))
		faults |= 16;
	if (!vtl1_try_wrmsr(c, HV_MSR_SINT0, VTL1_PROT_VEC))
		faults |= 32;
	if (!vtl1_try_rdmsr(c, HV_MSR_SCONTROL, &c->out[1]) ||
	    !vtl1_try_rdmsr(c, HV_MSR_SIMP, &c->out[2]) ||
	    !vtl1_try_rdmsr(c, HV_MSR_SINT0, &c->out[3]))
		faults |= 64;
	c->out[0] = faults;
}

static void prot_config(struct vtl1_cpu *c)
{
	u64 in = prot_page(VTL1_PROT_OFF_CMD_IN(c->vp));

	if (!(c->arg[1] & 1))
		c->out[0] = set_reg(in, 0, HV_REG_VSM_PARTITION_CONFIG, c->arg[0]);
	c->out[1] = vtl1_get_reg(c, VTL1_CMD_IO, HV_REG_VSM_PARTITION_CONFIG, 0, &c->out[2]);
}

static void prot_modify(struct vtl1_cpu *c)
{
	u64 in = prot_page(VTL1_PROT_OFF_CMD_IN(c->vp)), t0;
	u32 n = (u32)c->arg[1] & 0xffff;

	if (n > VTL1_PROT_MAX_PAGES) {
		c->status |= VTL1_ERR_BAD_CMD;
		return;
	}
	t0 = rdtsc();
	c->out[0] = modify(in, (c->arg[1] >> 63) ? 0 : HV_PARTITION_ID_SELF, c->arg[0],
			   (const volatile u64 *)c->arg[2], n);
	c->out[1] = c->arg[3] ? *(volatile u64 *)c->arg[3] : 0;
	c->out[2] = rdtsc() - t0;
}

/*
 * PROT_REFLECT's loop (the asm below): its state on VTL1's own stack, which VTL0 does not
 * touch; every other register is VTL0's after each return.
 */
struct prot_reflect {
	volatile u32 *cmd; /* +0 */
	u64 target;	   /* +8: the return stub */
	u64 *counter;	   /* +16 */
	u64 hc_page;	   /* +24 */
	u64 control;	   /* +32 */
	u64 in;		   /* +40 */
	u64 toggle;	   /* +48: MapFlags ^= toggle after each call */
	u64 bad;	   /* +56: the RAXs with a status other than success, OR'ed */
};
_Static_assert(__builtin_offsetof(struct prot_reflect, bad) == 56, "vtl1_prot_reflect");
_Static_assert(VTL1_CMD_PROT_REFLECT == 67, "vtl1_prot_reflect compares cmd with it");
void vtl1_prot_reflect(struct prot_reflect *r);
__asm__(".text\n"
	".globl vtl1_prot_reflect\n"
	".hidden vtl1_prot_reflect\n"
	"vtl1_prot_reflect:\n"
	"	push %rbx\n	push %rbp\n	push %r12\n	push %r13\n	push %r14\n	push %r15\n"
	"	push %rdi\n"
	"2:	mov (%rsp), %rax\n"
	"	mov 32(%rax), %rcx\n"
	"	mov 40(%rax), %rdx\n"
	"	xor %r8d, %r8d\n"
	"	call *24(%rax)\n"
	"	mov (%rsp), %rdx\n"
	"	test %ax, %ax\n"
	"	jz 3f\n"
	"	or %rax, 56(%rdx)\n"
	"3:	mov 40(%rdx), %rax\n"
	"	mov 48(%rdx), %rcx\n"
	"	xor %rcx, 8(%rax)\n"
	"	mov $1, %ecx\n"
	"	call *8(%rdx)\n"
	"	mov (%rsp), %rdx\n"
	"	mov 16(%rdx), %rax\n"
	"	incq (%rax)\n"
	"	mov (%rdx), %rax\n"
	"	cmpl $67, (%rax)\n"
	"	je 2b\n"
	"	pop %rdi\n"
	"	pop %r15\n	pop %r14\n	pop %r13\n	pop %r12\n	pop %rbp\n	pop %rbx\n"
	"	ret\n");

/* The state both loops (PROT_REFLECT, PROT_STORM) start from: calls of reps pages from this
 * VP's command input page, whose header (SELF, arg[0]) is written here. */
static struct prot_reflect prot_loop(struct vtl1_cpu *c, u32 reps, u64 toggle)
{
	u64 in = prot_page(VTL1_PROT_OFF_CMD_IN(c->vp));
	volatile u64 *h = (volatile u64 *)in;

	h[0] = HV_PARTITION_ID_SELF;
	h[1] = c->arg[0];
	return (struct prot_reflect){
		.cmd = &c->cmd,
		.target = c->ret_target,
		.counter = &c->counter,
		.hc_page = vtl1_region(VTL1_OFF_HCPAGE),
		.control = HVCALL_MODIFY_VTL_PROTECTION_MASK | HV_REP_COUNT(reps),
		.in = in,
		.toggle = toggle,
	};
}

static void prot_reflect(struct vtl1_cpu *c)
{
	u32 n = (u32)c->arg[1] & 0xffff;
	const volatile u64 *gpn = (const volatile u64 *)c->arg[2];

	if (!n || n > VTL1_PROT_MAX_PAGES) {
		c->status |= VTL1_ERR_BAD_CMD;
		return;
	}
	struct prot_reflect r = prot_loop(c, n, (c->arg[0] & 0xff) ^ VTL1_PROT_R);
	volatile u64 *h = (volatile u64 *)r.in;
	for (u32 i = 0; i < n; i++)
		h[2 + i] = gpn[i];
	vtl1_prot_reflect(&r);
	c->out[0] = r.bad;
}

/*
 * PROT_STORM's loop: PROT_REFLECT's, with the call's one GPN taken from a list at each call
 * and an intercept's entry (EntryReason 2) told apart from a VTL call. Its state is on
 * VTL1's own stack, like PROT_REFLECT's.
 */
struct prot_storm {
	struct prot_reflect r;	 /* +0..+56, control: one rep */
	volatile u32 *reason;	 /* +64: EntryReason in this VP's assist page */
	const volatile u64 *gpn; /* +72: the pages */
	u64 mask;		 /* +80: their number - 1 */
	u64 calls;		 /* +88: the calls made */
};
_Static_assert(__builtin_offsetof(struct prot_storm, reason) == 64 &&
		       __builtin_offsetof(struct prot_storm, calls) == 88,
	       "vtl1_prot_storm");
_Static_assert(VTL1_CMD_PROT_STORM == 68, "vtl1_prot_storm compares cmd with it");
_Static_assert(VTL1_REASON_INTERRUPT == 2, "vtl1_prot_storm compares EntryReason with it");
void vtl1_prot_storm(struct prot_storm *s);
__asm__(".text\n"
	".globl vtl1_prot_storm\n"
	".hidden vtl1_prot_storm\n"
	"vtl1_prot_storm:\n"
	"	push %rbx\n	push %rbp\n	push %r12\n	push %r13\n	push %r14\n	push %r15\n"
	"	push %rdi\n"
	"	jmp 4f\n"
	/* A VTL call: the GPN of page (calls / 2) & mask into the input, the call. */
	"2:	mov (%rsp), %rax\n"
	"	mov 88(%rax), %rcx\n"
	"	shr $1, %rcx\n"
	"	and 80(%rax), %rcx\n"
	"	mov 72(%rax), %rdx\n"
	"	mov (%rdx,%rcx,8), %rcx\n"
	"	mov 40(%rax), %rdx\n"
	"	mov %rcx, 16(%rdx)\n"
	"	mov 32(%rax), %rcx\n"
	"	xor %r8d, %r8d\n"
	"	call *24(%rax)\n"
	"	mov (%rsp), %rdx\n"
	"	test %ax, %ax\n"
	"	jz 3f\n"
	"	or %rax, 56(%rdx)\n"
	"3:	incq 88(%rdx)\n"
	"	mov 40(%rdx), %rax\n"
	"	mov 48(%rdx), %rcx\n"
	"	xor %rcx, 8(%rax)\n"
	/* A fast return; back at the next VTL call, or at an intercept's entry. */
	"4:	mov (%rsp), %rdx\n"
	"	mov $1, %ecx\n"
	"	call *8(%rdx)\n"
	"5:	mov (%rsp), %rax\n"
	"	mov 64(%rax), %rax\n"
	"	cmpl $2, (%rax)\n"
	"	je 6f\n"
	"	mov (%rsp), %rdx\n"
	"	mov 16(%rdx), %rax\n"
	"	incq (%rax)\n"
	"	mov (%rdx), %rax\n"
	"	cmpl $68, (%rax)\n"
	"	je 2b\n"
	"	pop %rdi\n"
	"	pop %r15\n	pop %r14\n	pop %r13\n	pop %r12\n	pop %rbp\n	pop %rbx\n"
	"	ret\n"
	/* An intercept's entry: with IF set its interrupt came in at the entry, else it comes
	 * in this window (irq.c); then a normal return, RAX and RCX VTL0's again. */
	"6:	pushfq\n"
	"	sti\n"
	"	nop\n"
	"	popfq\n"
	"	mov (%rsp), %rax\n"
	"	xor %ecx, %ecx\n"
	"	call *8(%rax)\n"
	"	jmp 5b\n");

static void prot_storm(struct vtl1_cpu *c)
{
	u32 n = (u32)c->arg[1] & 0xffff;

	if (!n || (n & (n - 1)) || n > VTL1_PROT_MAX_PAGES) {
		c->status |= VTL1_ERR_BAD_CMD;
		return;
	}
	struct prot_storm s = {
		.r = prot_loop(c, 1, (c->arg[0] ^ c->arg[3]) & 0xffffffffu),
		.reason = (volatile u32 *)(vtl1_assist(c->vp) + ASSIST_ENTRY_REASON),
		.gpn = (const volatile u64 *)c->arg[2],
		.mask = n - 1,
	};
	vtl1_prot_storm(&s);
	c->out[0] = s.r.bad;
	c->out[1] = s.calls;
}

bool vtl1_prot_command(struct vtl1_cpu *c)
{
	if (c->cmd < VTL1_CMD_PROT_FIRST || c->cmd > VTL1_CMD_PROT_LAST)
		return false;
	for (u32 i = 0; i < VTL1_OUT_COUNT; i++)
		c->out[i] = 0;
	if (!prot_area()) {
		c->status |= VTL1_ERR_BAD_CMD;
		return true;
	}
	switch (c->cmd) {
	case VTL1_CMD_PROT_SETUP:
		prot_setup(c);
		break;
	case VTL1_CMD_PROT_CONFIG:
		prot_config(c);
		break;
	case VTL1_CMD_PROT_MODIFY:
		prot_modify(c);
		break;
	case VTL1_CMD_PROT_REFLECT:
		prot_reflect(c);
		break;
	default:
		prot_storm(c);
	}
	return true;
}
