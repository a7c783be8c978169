/* SPDX-License-Identifier: MIT */
/*
 * Every privileged x86 instruction the project executes, as static inline functions.
 * Host unit tests define VTLVISOR_HOST and get tests/unit/fake_intrin.h instead, which
 * models ports, MSRs and the VMCS in memory.
 */
#ifndef ARCH_X86_INTRIN_H
#define ARCH_X86_INTRIN_H

#include "lib/types.h"
#include "lib/compiler.h"

#ifdef VTLVISOR_HOST
#include "tests/unit/fake_intrin.h"
#else

static inline void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(u16 port, u16 v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outl(u16 port, u32 v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline u8 inb(u16 port)
{
	u8 v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline u16 inw(u16 port)
{
	u16 v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline u32 inl(u16 port)
{
	u32 v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}
static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}
/* WRMSR of an MSR with no effect on memory ordering (the SYSCALL MSRs, KERNEL_GS_BASE,
 * TSC_AUX): no memory clobber, so the compiler keeps what it loaded across it. */
static inline void wrmsr_relaxed(u32 msr, u64 v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}
static inline void cpuid_count(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}
#define DEFINE_CR_ACCESS(n)                                                \
	static inline u64 read_cr##n(void)                                 \
	{                                                                  \
		u64 v;                                                     \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));          \
		return v;                                                  \
	}                                                                  \
	static inline void write_cr##n(u64 v)                              \
	{                                                                  \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); \
	}
DEFINE_CR_ACCESS(0)
DEFINE_CR_ACCESS(2)
DEFINE_CR_ACCESS(3)
DEFINE_CR_ACCESS(4)
DEFINE_CR_ACCESS(8) /* the local APIC's TPR[7:4] (SDM vol.3 11.8.6.5) */
#undef DEFINE_CR_ACCESS
static inline u64 read_dr7(void)
{
	u64 v;
	__asm__ volatile("mov %%dr7, %0" : "=r"(v));
	return v;
}
static inline u64 read_rflags(void)
{
	u64 v;
	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}
static inline u64 rdtsc(void)
{
	u32 lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}
static inline void xsetbv(u32 idx, u64 v)
{
	__asm__ volatile("xsetbv" : : "c"(idx), "a"((u32)v), "d"((u32)(v >> 32)));
}
static inline u64 xgetbv(u32 idx)
{
	u32 lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(idx));
	return ((u64)hi << 32) | lo;
}
/*
 * The guest's XMM0-XMM5 while the hypervisor runs: the core never touches SSE registers
 * (-mgeneral-regs-only), so after a VM exit they still hold the guest's values. For the
 * TLFS's XMM fast hypercalls; MOVDQU needs CR4.OSFXSR (#UD otherwise).
 */
#define XMM_ACCESS(n)                                                            \
	case n:                                                                  \
		if (write)                                                       \
			__asm__ volatile("movdqu %0, %%xmm" #n : : "m"(*buf));   \
		else                                                             \
			__asm__ volatile("movdqu %%xmm" #n ", %0" : "=m"(*buf)); \
		break
static inline void xmm_access(u32 n, u8 (*buf)[16], bool write)
{
	switch (n) {
		XMM_ACCESS(0);
		XMM_ACCESS(1);
		XMM_ACCESS(2);
		XMM_ACCESS(3);
		XMM_ACCESS(4);
		XMM_ACCESS(5);
	default:
		break;
	}
}
#undef XMM_ACCESS
struct dtr_reg {
	u16 limit;
	u64 base;
} __attribute__((packed));
static inline void sgdt(struct dtr_reg *d)
{
	__asm__ volatile("sgdt %0" : "=m"(*d));
}
static inline void sidt(struct dtr_reg *d)
{
	__asm__ volatile("sidt %0" : "=m"(*d));
}
static inline void lgdt(const struct dtr_reg *d)
{
	__asm__ volatile("lgdt %0" : : "m"(*d));
}
static inline void lidt(const struct dtr_reg *d)
{
	__asm__ volatile("lidt %0" : : "m"(*d));
}
static inline void ltr(u16 sel)
{
	__asm__ volatile("ltr %0" : : "r"(sel));
}
#define DEFINE_SEG_READ(name, insn)               \
	static inline u16 name(void)              \
	{                                         \
		u16 v;                            \
		__asm__ volatile(insn : "=r"(v)); \
		return v;                         \
	}
DEFINE_SEG_READ(read_cs, "mov %%cs, %0")
DEFINE_SEG_READ(read_ss, "mov %%ss, %0")
DEFINE_SEG_READ(read_ds, "mov %%ds, %0")
DEFINE_SEG_READ(read_es, "mov %%es, %0")
DEFINE_SEG_READ(read_fs, "mov %%fs, %0")
DEFINE_SEG_READ(read_gs, "mov %%gs, %0")
DEFINE_SEG_READ(read_tr, "str %0")
DEFINE_SEG_READ(read_ldtr, "sldt %0")
#undef DEFINE_SEG_READ
static inline void cli(void)
{
	__asm__ volatile("cli" ::: "memory");
}
static inline void hlt(void)
{
	__asm__ volatile("hlt" ::: "memory");
}
static inline void wbinvd(void)
{
	__asm__ volatile("wbinvd" ::: "memory");
}

/* VMX instructions (SDM vol.3 chapter 31). Each returns 0 on success, -1 VMfailInvalid,
 * -2 VMfailValid (error number in VMCS field VM_INSTRUCTION_ERROR). */
/* CF and ZF come out as flag outputs: a caller that ignores the result pays nothing for it
 * (no SETcc). The memory clobber: VMXON, VMCLEAR and VMPTRLD hand memory to the CPU or take
 * it back. */
#define VMX_RESULT(insn, ...)                                                                 \
	({                                                                                    \
		bool _cf, _zf;                                                                \
		__asm__ volatile(insn : "=@ccc"(_cf), "=@ccz"(_zf) : __VA_ARGS__ : "memory"); \
		_cf ? -1 : (_zf ? -2 : 0);                                                    \
	})
static inline int vmxon(u64 pa)
{
	return VMX_RESULT("vmxon %2", "m"(pa));
}
static inline int vmclear(u64 pa)
{
	return VMX_RESULT("vmclear %2", "m"(pa));
}
static inline int vmptrld(u64 pa)
{
	return VMX_RESULT("vmptrld %2", "m"(pa));
}
static inline void vmxoff(void)
{
	__asm__ volatile("vmxoff" ::: "cc", "memory");
}
/* No memory clobber: the VMCS is not memory to the compiler (SDM vol.3 25.11.1: software
 * reaches it only through VMREAD and VMWRITE), and the entry (VMLAUNCH, VMRESUME) is in
 * vmx_run.S, behind a call. */
static inline int vmwrite(u64 field, u64 v)
{
	bool cf, zf;
	__asm__ volatile("vmwrite %3, %2" : "=@ccc"(cf), "=@ccz"(zf) : "r"(field), "rm"(v));
	return cf ? -1 : (zf ? -2 : 0);
}
static inline u64 vmread(u64 field)
{
	u64 v;
	__asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"(field) : "cc");
	return v;
}
struct invept_desc {
	u64 eptp;
	u64 rsvd;
};
static inline int invept(u64 type, u64 eptp)
{
	struct invept_desc d = { eptp, 0 };
	return VMX_RESULT("invept %3, %2", "r"(type), "m"(d));
}
struct invvpid_desc {
	u64 vpid;
	u64 gva;
};
static inline int invvpid(u64 type, u16 vpid, u64 gva)
{
	struct invvpid_desc d = { vpid, gva };
	return VMX_RESULT("invvpid %3, %2", "r"(type), "m"(d));
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

#endif /* VTLVISOR_HOST */
#endif
