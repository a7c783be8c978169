// SPDX-License-Identifier: MIT
/*
 * Loading the VTL1 test image and enabling VTL1 (tests/guests/vsm.h). The region layout is
 * vtl1_abi.h's. The image runs on VTL0's page tables (its initial CR3 is VTL0's: the region
 * is identity mapped like all firmware memory), with a GDT, TSS and IDT of its own.
 */
#include <efi.h>
#include <efilib.h>

#include "lib/errno.h"
#include "tests/guests/cpu.h"
#include "tests/guests/vsm.h"

#define MSR_EFER 0xc0000080u
#define MSR_PAT 0x277u
#define HC_FILL 0xcc /* INT3: a page that never became a hypercall page traps */

/* The flat image (vtl1_blob.S). */
extern const u8 vsm_vtl1_image[], vsm_vtl1_image_end[];

/* Descriptors of the image's GDT (SDM vol. 3 3.4.5, 7.2.3): flat 64-bit code and data. */
#define GDT_CODE64 0x00af9b000000ffffull
#define GDT_DATA 0x00cf93000000ffffull
#define IDT_GATE_INTERRUPT 0x8e

static u64 gdt_of(const struct vsm *v, u32 vp)
{
	return v->base + VTL1_OFF_GDT + (u64)VTL1_GDT_STRIDE * vp;
}

/* VP vp's GDT and its (all-zero) 64-bit TSS, the descriptor marked busy as TR will be. */
static void build_gdt(const struct vsm *v, u32 vp)
{
	volatile u64 *g = (volatile u64 *)gdt_of(v, vp);
	u64 tss = gdt_of(v, vp) + VTL1_TSS_OFF;

	g[0] = 0;
	g[1] = GDT_CODE64;
	g[2] = GDT_DATA;
	g[3] = VTL1_TSS_LIMIT | (tss & 0xffffff) << 16 | (u64)VSM_AR_TSS64 << 40 |
	       ((tss >> 24) & 0xff) << 56;
	g[4] = tss >> 32;
	/* I/O map base beyond the limit: no I/O permission bitmap (SDM vol. 3 8.7). */
	*(volatile u16 *)(tss + 0x66) = VTL1_TSS_LIMIT + 1;
}

/* An interrupt gate (SDM vol. 3 6.14.1) to handler h. */
static void idt_gate(const struct vsm *v, u32 vec, u64 h)
{
	volatile u32 *idt = (volatile u32 *)(v->base + VTL1_OFF_IDT);

	idt[4 * vec] = (u32)(h & 0xffff) | (u32)VTL1_SEL_CODE << 16;
	idt[4 * vec + 1] = (u32)(h & 0xffff0000) | IDT_GATE_INTERRUPT << 8;
	idt[4 * vec + 2] = (u32)(h >> 32);
	idt[4 * vec + 3] = 0;
}

/* Gates to the image's exception stubs and to its interrupt stubs (VTL1_VEC_*); the other
 * vectors stay not present (the region is zeroed). */
static void build_idt(const struct vsm *v, const struct vtl1_header *h)
{
	for (u32 vec = 0; vec < VTL1_ISR_COUNT; vec++)
		idt_gate(v, vec, v->base + h->isr_off + (u64)VTL1_ISR_STRIDE * vec);
	for (u32 i = 0; i < VTL1_VEC_COUNT; i++)
		idt_gate(v, VTL1_VEC_FIRST + i, v->base + h->irq_off + (u64)VTL1_ISR_STRIDE * i);
	idt_gate(v, VTL1_VEC_INTERCEPT, v->base + h->icpt_off);
}

static struct hv_segment seg(u64 base, u32 limit, u16 sel, u16 ar)
{
	return (struct hv_segment){
		.base = base, .limit = limit, .selector = sel, .attributes = ar
	};
}

void vsm_context(const struct vsm *v, u32 vp, struct hv_initial_vp_context *c)
{
	struct hv_segment data = seg(0, 0xffffffff, VTL1_SEL_DATA, VSM_AR_DATA);

	__builtin_memset(c, 0, sizeof(*c));
	c->rip = v->base + VTL1_OFF_IMAGE;
	c->rsp = vsm_stack_top(v, vp);
	c->rflags = 0x2; /* bit 1 is always set; IF clear */
	c->cs = seg(0, 0xffffffff, VTL1_SEL_CODE, VSM_AR_CODE64);
	c->ds = c->es = c->fs = c->gs = c->ss = data;
	c->tr = seg(gdt_of(v, vp) + VTL1_TSS_OFF, VTL1_TSS_LIMIT, VTL1_SEL_TSS, VSM_AR_TSS64);
	c->ldtr = seg(0, 0, 0, 0); /* unusable */
	c->idtr.limit = VTL1_IDT_LIMIT;
	c->idtr.base = v->base + VTL1_OFF_IDT;
	c->gdtr.limit = VTL1_GDT_LIMIT;
	c->gdtr.base = gdt_of(v, vp);
	c->efer = cpu_rdmsr(MSR_EFER);
	c->cr0 = read_cr0();
	c->cr3 = read_cr3();
	c->cr4 = read_cr4();
	c->pat = cpu_rdmsr(MSR_PAT);
}

static void fill_mailbox(struct vsm *v)
{
	struct vtl1_mailbox *mb = v->mb;
	u64 cr3 = read_cr3();

	mb->vp_count = v->vps;
	mb->base = v->base;
	mb->code_offsets = v->code_offsets;
	mb->guest_os_id = 0x8001000000000000ull | 0x7631; /* open source, "v1" */
	/* The PML4 copy: the same mappings under another CR3 value (flags bits kept). */
	__builtin_memcpy((void *)(v->base + VTL1_OFF_PML4),
			 (const void *)(cr3 & 0x000ffffffffff000ull), PAGE_SIZE);
	mb->own_cr3 = (v->base + VTL1_OFF_PML4) | (cr3 & 0xfff);
	for (u32 vp = 0; vp < v->vps; vp++) {
		struct hv_enable_vp_vtl *in = (struct hv_enable_vp_vtl *)mb->enable_in[vp];

		in->partition_id = HV_PARTITION_ID_SELF;
		in->vp_index = vp;
		in->target_vtl = 1;
		vsm_context(v, vp, &in->ctx);
	}
	mb->magic = VTL1_MAGIC;
}

int vsm_setup(struct vsm *v, const volatile u8 *hc_page, u32 vps, u64 code_offsets)
{
	u64 size = (u64)(vsm_vtl1_image_end - vsm_vtl1_image);
	const struct vtl1_header *h = (const struct vtl1_header *)(vsm_vtl1_image + 8);
	EFI_PHYSICAL_ADDRESS base = 0, io = 0;

	if (size < 8 + sizeof(*h) || size > VTL1_IMAGE_MAX || h->magic != VTL1_MAGIC ||
	    h->version != VTL1_ABI_VERSION)
		return -EINVAL;
	/* Loader code: executable in the firmware's page tables, kept after ExitBootServices. */
	if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderCode,
					(UINTN)(VTL1_REGION_SIZE / PAGE_SIZE), &base)))
		return -ENOMEM;
	if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
					(UINTN)2, &io))) {
		uefi_call_wrapper(BS->FreePages, 2, base, (UINTN)(VTL1_REGION_SIZE / PAGE_SIZE));
		return -ENOMEM;
	}
	v->hc_page = hc_page;
	v->io = io;
	v->base = base;
	v->mb = (struct vtl1_mailbox *)(base + VTL1_OFF_MAILBOX);
	v->vps = vps < VTL1_MAX_VPS ? vps : VTL1_MAX_VPS;
	v->code_offsets = code_offsets;
	__builtin_memset((void *)base, 0, VTL1_REGION_SIZE);
	__builtin_memcpy((void *)base, vsm_vtl1_image, size);
	__builtin_memset((void *)(base + VTL1_OFF_HCPAGE), HC_FILL, PAGE_SIZE);
	for (u32 vp = 0; vp < v->vps; vp++)
		build_gdt(v, vp);
	build_idt(v, h);
	fill_mailbox(v);
	return 0;
}

u64 vsm_hypercall(const struct vsm *v, u64 control, u64 in, u64 out)
{
	register u64 r8 __asm__("r8") = out;
	u64 rax;

	__asm__ volatile("call *%[page]"
			 : "=a"(rax), "+c"(control), "+d"(in), "+r"(r8)
			 : [page] "r"(v->hc_page)
			 : "r9", "r10", "r11", "cc", "memory");
	return rax;
}

u64 vsm_get_regs(const struct vsm *v, u8 input_vtl, const u32 *names, u32 n, u64 *values)
{
	volatile u64 *h = (volatile u64 *)v->io;
	volatile u32 *in_names = (volatile u32 *)(v->io + 16);
	volatile u64 *out = (volatile u64 *)(v->io + PAGE_SIZE);
	u64 rax;

	/* Header: PartitionId, VpIndex, HV_INPUT_VTL, 3 reserved bytes (reference 1.7). */
	h[0] = HV_PARTITION_ID_SELF;
	h[1] = HV_VP_INDEX_SELF | (u64)input_vtl << 32;
	for (u32 i = 0; i < n && i < 16; i++) {
		in_names[i] = names[i];
		out[2 * i] = out[2 * i + 1] = 0xeeeeeeeeeeeeeeeeull;
	}
	rax = vsm_hypercall(v, HVCALL_GET_VP_REGISTERS | HV_CONTROL_REP_COUNT(n), v->io,
			    v->io + PAGE_SIZE);
	for (u32 i = 0; i < n && i < 16; i++)
		values[i] = out[2 * i];
	return rax;
}

u64 vsm_set_regs(const struct vsm *v, u8 input_vtl, const u32 *names, const u64 *values, u32 n)
{
	volatile u64 *h = (volatile u64 *)v->io;

	/* The header, then 32-byte elements: name, 12 reserved bytes, the value (reference
	 * 1.7). */
	h[0] = HV_PARTITION_ID_SELF;
	h[1] = HV_VP_INDEX_SELF | (u64)input_vtl << 32;
	for (u32 i = 0; i < n && i < 16; i++) {
		h[2 + 4 * i] = names[i];
		h[3 + 4 * i] = 0;
		h[4 + 4 * i] = values[i];
		h[5 + 4 * i] = 0;
	}
	return vsm_hypercall(v, HVCALL_SET_VP_REGISTERS | HV_CONTROL_REP_COUNT(n), v->io, 0);
}

u64 vsm_enable_partition(const struct vsm *v, u64 partition_id, u8 vtl, u8 flags)
{
	struct hv_enable_partition_vtl *in = (struct hv_enable_partition_vtl *)v->io;

	__builtin_memset(in, 0, sizeof(*in));
	in->partition_id = partition_id;
	in->target_vtl = vtl;
	in->flags = flags;
	return vsm_hypercall(v, HVCALL_ENABLE_PARTITION_VTL, v->io, 0);
}

u64 vsm_enable_vp(const struct vsm *v, u64 partition_id, u32 vp_index, u8 vtl,
		  const struct hv_initial_vp_context *ctx)
{
	struct hv_enable_vp_vtl *in = (struct hv_enable_vp_vtl *)v->io;

	__builtin_memset(in, 0, sizeof(*in));
	in->partition_id = partition_id;
	in->vp_index = vp_index;
	in->target_vtl = vtl;
	in->ctx = *ctx;
	return vsm_hypercall(v, HVCALL_ENABLE_VP_VTL, v->io, 0);
}

u64 vsm_enable_self(const struct vsm *v, u32 vp)
{
	struct hv_initial_vp_context ctx;
	u64 rax = vsm_enable_partition(v, HV_PARTITION_ID_SELF, 1, 0);

	if (HV_RESULT_STATUS(rax) != HV_STATUS_SUCCESS)
		return rax;
	vsm_context(v, vp, &ctx);
	rax = vsm_enable_vp(v, HV_PARTITION_ID_SELF, HV_VP_INDEX_SELF, 1, &ctx);
	return HV_RESULT_STATUS(rax) == HV_STATUS_SUCCESS ? 0 : rax;
}
