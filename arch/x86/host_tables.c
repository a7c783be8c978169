/* SPDX-License-Identifier: MIT */
/* Host GDT, TSS and IDT (SDM vol.3 3.4.5, 6.14, 8.7). */
#define LOG_MODULE "cpu"
#include "arch/x86/insn_count.h"
#include "arch/x86/percpu.h"
#include "mm/pool.h"
#include "lib/errno.h"
#include "lib/string.h"

u64 host_idt[512] ALIGNED(16); /* 256 16-byte gates; written once by the BSP */
extern const u64 exception_stubs[32];
extern const u8 exception_stub_spurious[];

/* 64-bit code and flat data descriptors (SDM vol.3 3.4.5): P, DPL 0, accessed. */
#define GDT_CODE64 0x00af9b000000ffffULL
#define GDT_DATA 0x00cf93000000ffffULL

int pcpu_init_tables(struct pcpu *p)
{
	u64 tss = (u64)(uintptr_t)&p->tss;
	u64 limit = sizeof(p->tss) - 1;

	memset(p->gdt, 0, sizeof(p->gdt));
	p->gdt[HOST_CS / 8] = GDT_CODE64;
	p->gdt[HOST_DS / 8] = GDT_DATA;
	/* 16-byte available 64-bit TSS descriptor, type 9 (SDM vol.3 8.2.3). */
	p->gdt[HOST_TR / 8] = (limit & 0xffff) | ((tss & 0xffffff) << 16) | (0x89ULL << 40) |
			      ((limit & 0xf0000) << 32) | ((tss >> 24 & 0xff) << 56);
	p->gdt[HOST_TR / 8 + 1] = tss >> 32;
	memset(&p->tss, 0, sizeof(p->tss));
	p->tss.iomap_base = sizeof(p->tss);
	for (int i = 0; i < 3; i++) {
		u64 stack = pool_alloc_pages(IST_STACK_SIZE / PAGE_SIZE);
		if (!stack)
			return -ENOMEM;
		p->tss.ist[i] = stack + IST_STACK_SIZE;
	}
	return 0;
}

static void set_gate(int vec, u64 handler, int ist)
{
	/* 64-bit interrupt gate, type 0xE, P, DPL 0 (SDM vol.3 6.14.1). */
	host_idt[vec * 2] = (handler & 0xffff) | ((u64)HOST_CS << 16) | ((u64)ist << 32) |
			    (0x8eULL << 40) | ((handler >> 16 & 0xffff) << 48);
	host_idt[vec * 2 + 1] = handler >> 32;
}

void idt_init(void)
{
	for (int v = 0; v < 256; v++)
		set_gate(v, (u64)(uintptr_t)exception_stub_spurious, 0);
	for (int v = 0; v < 32; v++)
		set_gate(v, exception_stubs[v],
			 v == 2	 ? IST_NMI :
			 v == 8	 ? IST_DF :
			 v == 18 ? IST_MC :
				   0);
#ifdef VTLV_COUNT_INSNS
	set_gate(1, (u64)(uintptr_t)insn_count_db, 0); /* the single steps of the exit path */
#endif
}
