/* SPDX-License-Identifier: MIT */
/*
 * Secure register intercepts (hyperv/intercept.h; TLFS reference 3.9; docs/VSM.md): the
 * four registers that set them, their effect on the lower VTL's VMCS, and the intercept
 * itself, asked for by the exit handlers through vcpu_reg_write_hook.
 */
#define LOG_MODULE "vsm"
#include "hyperv/intercept.h"
#include "arch/x86/apic.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmcs.h"
#include "arch/x86/vmexit.h"
#include "arch/x86/vp_vtl_apic.h"
#include "hyperv/hv.h"
#include "hyperv/synic.h"
#include "lib/log.h"
#include "lib/string.h"
#include "vtl/vtl.h"

/* TLFS register names of what the messages report (reference 3.3). */
#define HV_REG_CR0 0x00040000u
#define HV_REG_CR4 0x00040003u
#define HV_REG_XFEM 0x00040005u /* XCR0 */
#define HV_REG_LDTR 0x00060006u
#define HV_REG_TR 0x00060007u
#define HV_REG_IDTR 0x00070000u
#define HV_REG_GDTR 0x00070001u

/*
 * The instance v's caller VTL keeps for the VTL below it, as Get/SetVpRegisters name it
 * (hv_target_vtl has checked vtl <= v's VTL): vtl is the caller's own VTL (how Hyper-V's
 * clients write it: OpenHCL refuses any other target, LVBS writes it with HV_INPUT_VTL 0)
 * or the lower VTL itself. NULL and *st for what is refused.
 */
static struct vtl_reg_intercepts *instance(struct vcpu *v, const struct vcpu *t, u32 vtl,
					   u32 *lower, u16 *st)
{
	u32 own = v->active_vtl;

	*st = HV_STATUS_ACCESS_DENIED;
	/* Only a VTL above another locks its registers (VTL0 has none to lock), and only on
	 * its own VP: the lower VTL's VMCS is current on that VP's CPU alone. */
	if (own == 0 || t != v)
		return NULL;
	*lower = vtl == own ? own - 1 : vtl;
	return &vtl_vp_state(v, own)->intercepts[*lower];
}

u16 hv_intercept_register_get(struct vcpu *v, const struct vcpu *t, u32 vtl, u32 name, u64 *val)
{
	u32 lower;
	u16 st;
	const struct vtl_reg_intercepts *ri = instance(v, t, vtl, &lower, &st);

	if (!ri)
		return st;
	switch (name) {
	case HV_REG_CR_INTERCEPT_CONTROL:
		*val = ri->control;
		break;
	case HV_REG_CR_INTERCEPT_CR0_MASK:
		*val = ri->cr0_mask;
		break;
	case HV_REG_CR_INTERCEPT_CR4_MASK:
		*val = ri->cr4_mask;
		break;
	default:
		*val = ri->misc_enable_mask;
	}
	return HV_STATUS_SUCCESS;
}

/*
 * The lower VTL's VMCS as ri asks (v's CPU): CR0/CR4 bits owned where a watched bit may
 * change, descriptor-table exiting while a table register is locked. The MSR writes exit
 * anyway (msr_bitmap.c). -1 when that VMCS cannot be reached (never entered).
 */
static int apply(struct vcpu *v, u32 lower, const struct vtl_reg_intercepts *ri)
{
	if (vtl_vmcs_peek(v, lower, true))
		return -1;
	vmcs_set_cr_intercepts(v, (ri->control & HV_ICPT_CR0_WRITE) ? ri->cr0_mask : 0,
			       (ri->control & HV_ICPT_CR4_WRITE) ? ri->cr4_mask : 0);
	if (vmcs_desc_table_exiting_available())
		vmcs_set_desc_table_exiting(ri->control & HV_ICPT_TABLES);
	vtl_vmcs_peek(v, lower, false);
	return 0;
}

u16 hv_intercept_register_set(struct vcpu *v, const struct vcpu *t, u32 vtl, u32 name, u64 val)
{
	u32 lower;
	u16 st;
	struct vtl_reg_intercepts *ri = instance(v, t, vtl, &lower, &st), next;

	if (!ri)
		return st;
	next = *ri;
	switch (name) {
	case HV_REG_CR_INTERCEPT_CONTROL:
		/* Reserved and unsupported bits are refused, not ignored: a VTL must never
		 * believe a register is locked when it is not. */
		if ((val & ~HV_ICPT_SUPPORTED) ||
		    ((val & HV_ICPT_TABLES) && !vmcs_desc_table_exiting_available()))
			return HV_STATUS_INVALID_PARAMETER;
		next.control = val;
		break;
	/* The masks take any value (LVBS writes ~(a few CR4 bits)): a bit the register does
	 * not have changes only in a write the CPU would refuse, which is then intercepted. */
	case HV_REG_CR_INTERCEPT_CR0_MASK:
		next.cr0_mask = val;
		break;
	case HV_REG_CR_INTERCEPT_CR4_MASK:
		next.cr4_mask = val;
		break;
	default:
		next.misc_enable_mask = val;
	}
	if (apply(v, lower, &next))
		return HV_STATUS_INVALID_VP_STATE;
	*ri = next;
	return HV_STATUS_SUCCESS;
}

/* Does ri intercept w? *name: the register the message names (0 for an MSR). */
static bool wanted(const struct vtl_reg_intercepts *ri, const struct vcpu_reg_write *w, u32 *name)
{
	static const struct {
		u32 name;
		u64 bit;
	} regs[] = {
		[VCPU_REG_CR0] = { HV_REG_CR0, HV_ICPT_CR0_WRITE },
		[VCPU_REG_CR4] = { HV_REG_CR4, HV_ICPT_CR4_WRITE },
		[VCPU_REG_XCR0] = { HV_REG_XFEM, HV_ICPT_XCR0_WRITE },
		[VCPU_REG_GDTR] = { HV_REG_GDTR, HV_ICPT_GDTR_WRITE },
		[VCPU_REG_IDTR] = { HV_REG_IDTR, HV_ICPT_IDTR_WRITE },
		[VCPU_REG_LDTR] = { HV_REG_LDTR, HV_ICPT_LDTR_WRITE },
		[VCPU_REG_TR] = { HV_REG_TR, HV_ICPT_TR_WRITE },
	};
	u64 bit;

	*name = 0;
	if (w->reg != VCPU_REG_MSR) {
		if (w->reg >= sizeof(regs) / sizeof(regs[0]))
			return false;
		*name = regs[w->reg].name;
		/* CR0/CR4: only a write that changes a watched bit (reference 3.9.3). */
		if (w->reg == VCPU_REG_CR0)
			return (ri->control & HV_ICPT_CR0_WRITE) &&
			       ((w->old ^ w->val) & ri->cr0_mask);
		if (w->reg == VCPU_REG_CR4)
			return (ri->control & HV_ICPT_CR4_WRITE) &&
			       ((w->old ^ w->val) & ri->cr4_mask);
		return ri->control & regs[w->reg].bit;
	}
	switch (w->msr) {
	case MSR_IA32_MISC_ENABLE:
		return (ri->control & HV_ICPT_MISC_ENABLE_WRITE) &&
		       ((w->old ^ w->val) & ri->misc_enable_mask);
	case MSR_IA32_LSTAR:
		bit = HV_ICPT_LSTAR_WRITE;
		break;
	case MSR_IA32_STAR:
		bit = HV_ICPT_STAR_WRITE;
		break;
	case MSR_IA32_CSTAR:
		bit = HV_ICPT_CSTAR_WRITE;
		break;
	case MSR_IA32_APIC_BASE:
		bit = HV_ICPT_APIC_BASE_WRITE;
		break;
	case MSR_IA32_EFER:
		bit = HV_ICPT_EFER_WRITE;
		break;
	case MSR_IA32_SYSENTER_CS:
		bit = HV_ICPT_SYSENTER_CS_WRITE;
		break;
	case MSR_IA32_SYSENTER_EIP:
		bit = HV_ICPT_SYSENTER_EIP_WRITE;
		break;
	case MSR_IA32_SYSENTER_ESP:
		bit = HV_ICPT_SYSENTER_ESP_WRITE;
		break;
	case MSR_IA32_FMASK:
		bit = HV_ICPT_SFMASK_WRITE;
		break;
	case MSR_IA32_TSC_AUX:
		bit = HV_ICPT_TSC_AUX_WRITE;
		break;
	default:
		return false;
	}
	return ri->control & bit;
}

void hv_intercept_header(struct vcpu *v, u8 access, bool len_valid,
			 struct hv_x64_intercept_message_header *h)
{
	u32 vtl = v->active_vtl, tpr = 0;
	const struct vlapic *l = vp_vtl_apic(v, vtl);
	u64 cr0 = vmcs_guest_cr0(v);
	u32 cs_ar = (u32)vmread(VMCS_GUEST_CS_AR);
	u16 exec = (u16)(vcpu_cpl() << HV_X64_EXEC_CPL_SHIFT);

	if (l)
		tpr = l->tpr;
	else if (apic_read_tpr(&tpr)) /* VTL0's is the physical APIC's */
		tpr = 0;
	exec |= (cr0 & CR0_PE) ? HV_X64_EXEC_CR0_PE : 0;
	exec |= (cr0 & CR0_AM) ? HV_X64_EXEC_CR0_AM : 0;
	exec |= (vmread(VMCS_GUEST_EFER) & EFER_LMA) ? HV_X64_EXEC_EFER_LMA : 0;
	exec |= (vmread(VMCS_GUEST_DR7) & 0xff) ? HV_X64_EXEC_DEBUG_ACTIVE : 0;
	exec |= (vmread(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID) ?
			HV_X64_EXEC_INTERRUPTION_PENDING :
			0;
	exec |= (u16)((vtl & 0xf) << HV_X64_EXEC_VTL_SHIFT);
	exec |= (vmread(VMCS_GUEST_INTERRUPTIBILITY) & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS)) ?
			HV_X64_EXEC_INTERRUPT_SHADOW :
			0;
	h->vp_index = v->index;
	h->instruction_length_cr8 =
		(u8)((len_valid ? vmread(VMCS_EXIT_INSTR_LEN) & 0xf : 0) | ((tpr >> 4) & 0xf) << 4);
	h->access_type = access;
	h->execution_state = exec;
	/* As GetVpRegisters gives a segment: an unusable one reads not present. */
	h->cs = (struct hv_x64_segment_register){
		.base = vmread(VMCS_GUEST_CS_BASE),
		.limit = (u32)vmread(VMCS_GUEST_CS_LIMIT),
		.selector = (u16)vmread(VMCS_GUEST_CS_SEL),
		.attributes = (u16)((cs_ar & AR_UNUSABLE) ? (cs_ar & 0xf07f) : (cs_ar & 0xf0ff)),
	};
	h->rip = vmread(VMCS_GUEST_RIP);
	h->rflags = vmread(VMCS_GUEST_RFLAGS);
}

/* The message for w (name: its register, 0 for an MSR). */
static void message(struct vcpu *v, const struct vcpu_reg_write *w, u32 name,
		    struct hv_message *msg)
{
	memset(msg, 0, sizeof(*msg));
	if (w->reg == VCPU_REG_MSR) {
		struct hv_x64_msr_intercept_message m = { .msr_number = w->msr,
							  .rdx = v->regs.gpr[RDX],
							  .rax = v->regs.gpr[RAX] };
		hv_intercept_header(v, HV_INTERCEPT_ACCESS_WRITE, true, &m.header);
		msg->type = HVMSG_X64_MSR_INTERCEPT;
		msg->payload_size = sizeof(m);
		memcpy(msg->payload, &m, sizeof(m));
		return;
	}
	struct hv_x64_register_intercept_message m = { .register_name = name };
	hv_intercept_header(v, HV_INTERCEPT_ACCESS_WRITE, true, &m.header);
	m.flags = w->mem_op ? HV_REGISTER_INTERCEPT_MEMORY_OP : 0;
	/* The value as SetVpRegisters takes the register: GDTR/IDTR an HV_X64_TABLE_REGISTER
	 * (limit in 63:48 of the first half, the base in the second); LDTR/TR the selector
	 * LLDT/LTR names (the descriptor is read only when the load is done). */
	if (w->reg == VCPU_REG_GDTR || w->reg == VCPU_REG_IDTR) {
		m.value[0] = (u64)w->limit << 48;
		m.value[1] = w->val;
	} else {
		m.value[0] = w->val;
	}
	msg->type = HVMSG_X64_REGISTER_INTERCEPT;
	msg->payload_size = sizeof(m);
	memcpy(msg->payload, &m, sizeof(m));
}

/* The VTL above v's running one that intercepts w (the nearest: reference 3.9.1, lower
 * VTLs are asked before higher), or 0; *name as wanted() gives it. */
static u32 intercepting_vtl(const struct vcpu *v, const struct vcpu_reg_write *w, u32 *name)
{
	u32 lower = v->active_vtl;

	for (u32 vtl = lower + 1; vtl <= VTL_MAX; vtl++) {
		const struct vtl_reg_intercepts *ri = &vtl_vp_state(v, vtl)->intercepts[lower];
		if ((vtl_vp_enabled(v) & (1u << vtl)) && ri->control && wanted(ri, w, name))
			return vtl;
	}
	return 0;
}

bool hv_reg_write_locked(const struct vcpu *v, const struct vcpu_reg_write *w)
{
	u32 name;

	return intercepting_vtl(v, w, &name) != 0;
}

bool hv_reg_write_intercept(struct vcpu *v, const struct vcpu_reg_write *w)
{
	u32 name, vtl = intercepting_vtl(v, w, &name);
	struct hv_message msg;

	if (!vtl)
		return false;
	message(v, w, name, &msg);
	/* Its intercept page or its SINT0 slot. A busy slot is marked "message pending" and
	 * the message dropped: the instruction runs again and intercepts again once the slot
	 * is free (OpenHCL's way; never two messages for one attempt). Without a SynIC to hear
	 * it the lock still holds: the VTL stays at the instruction. */
	(void)hv_intercept_deliver(v, vtl, &msg);
	return true;
}

u16 hv_intercept_deliver(struct vcpu *v, u32 vtl, const struct hv_message *msg)
{
	const u64 *cfg = vtl_partition_config(vtl);
	u8 *page = hv_vp_assist_page(v, vtl);

	if (cfg && (*cfg & HV_PARTITION_CONFIG_INTERCEPT_PAGE) && page) {
		memcpy(page + HV_VP_ASSIST_INTERCEPT_MESSAGE, msg, sizeof(*msg));
		vtl_intercept_pending(v, vtl);
		return HV_STATUS_SUCCESS;
	}
	u16 st = hv_synic_post(v->index, vtl, HV_INTERCEPT_SINT, msg);
	struct vtl_vp *s = vtl_vp_state(v, vtl);
	if (st == HV_STATUS_INVALID_SYNIC_STATE && !s->intercepts_lost++)
		pr_warn("VP %u: VTL%u intercepts VTL%u (message %#x) but its SynIC cannot take "
			"the message (SCONTROL or SIMP off): VTL%u stays at RIP %#llx. Turn VTL%u's "
			"SynIC and SINT0 on before locking registers or protecting memory.\n",
			v->index, vtl, v->active_vtl, msg->type, v->active_vtl,
			(unsigned long long)vmread(VMCS_GUEST_RIP), vtl);
	return st;
}
