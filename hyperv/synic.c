/* SPDX-License-Identifier: MIT */
/*
 * The synthetic interrupt controller (hyperv/synic.h; TLFS "Inter-Partition
 * Communication"). Each VP's SynIC at each VTL has its own lock: the VP itself takes it
 * for its MSRs, other VPs take it to post messages and signal events to it.
 */
#define LOG_MODULE "hv"
#include "hyperv/synic.h"
#include "arch/x86/apic.h"
#include "arch/x86/ept.h"
#include "arch/x86/intr_inject.h"
#include "arch/x86/vcpu.h"
#include "arch/x86/vp_vtl_apic.h"
#include "boot/bootinfo.h"
#include "hyperv/hv.h"
#include "hyperv/stimer.h"
#include "lib/log.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "mm/phys.h"
#include "mm/pool.h"

/* Guest messages waiting for their slot: one page of 16 messages per VP and VTL, taken
 * when the message page is first enabled (TLFS: 16 message buffers per port). */
#define HV_MSGQ_LEN (PAGE_SIZE / sizeof(struct hv_message))

struct hv_synic {
	spinlock_t lock;
	u64 scontrol, siefp, simp;
	u64 sint[HV_SINT_COUNT];
	u64 sim_pa, sief_pa; /* the overlay pages (host-physical), kept once taken */
	u64 queue_pa;	     /* HV_MSGQ_LEN queued messages, in the order of order[] */
	u8 order[HV_MSGQ_LEN], sint_of[HV_MSGQ_LEN];
	u32 queued;
};

static struct hv_synic hv_synics[BOOTINFO_MAX_CPUS][HV_MAX_VTLS];

static struct hv_synic *synic_of(u32 vp, u32 vtl)
{
	return &hv_synics[vp][vtl];
}

static int synic_page_apply(struct vcpu *v, u64 *page_pa, u64 old, u64 val);

void hv_synic_init(void)
{
	for (u32 vp = 0; vp < BOOTINFO_MAX_CPUS; vp++) {
		for (u32 vtl = 0; vtl < HV_MAX_VTLS; vtl++) {
			struct hv_synic *s = synic_of(vp, vtl);
			spin_lock(&s->lock);
			s->scontrol = s->siefp = s->simp = 0;
			for (u32 i = 0; i < HV_SINT_COUNT; i++)
				s->sint[i] = HV_SINT_DEFAULT; /* TLFS "SINTx Registers" */
			s->queued = 0;
			spin_unlock(&s->lock);
		}
	}
}

void hv_synic_reset(struct vcpu *v)
{
	for (u32 vp = 0; vp < vcpu_count(); vp++) {
		for (u32 vtl = 0; vtl < HV_MAX_VTLS; vtl++) {
			struct hv_synic *s = synic_of(vp, vtl);
			spin_lock(&s->lock);
			synic_page_apply(v, &s->sim_pa, s->simp, 0);
			synic_page_apply(v, &s->sief_pa, s->siefp, 0);
			s->simp = s->siefp = 0;
			spin_unlock(&s->lock);
		}
	}
	hv_synic_init();
}

static struct hv_message *sim_slot(const struct hv_synic *s, u32 sint)
{
	return (struct hv_message *)phys_to_virt(s->sim_pa) + sint;
}

/*
 * Raises SINT sint of VP vp (TLFS: an edge-triggered interrupt; lost when masked; polling
 * sources get no interrupt). Under the SynIC's lock.
 */
static void synic_raise(u32 vp, const struct hv_synic *s, u32 sint, bool local)
{
	u64 r = s->sint[sint];
	struct vcpu *t = vcpu_get(vp);
	u32 vtl = (u32)(s - hv_synics[vp]); /* synic_of() */

	if (r & (HV_SINT_MASKED | HV_SINT_POLLING))
		return;
	if (vtl) /* a higher VTL's SynIC interrupts its own local APIC (vp_vtl_apic.h) */
		local ? vp_vtl_apic_raise(t, vtl, (u8)r, r & HV_SINT_AUTO_EOI) :
			vp_vtl_apic_post_sint(t, vtl, (u8)r, r & HV_SINT_AUTO_EOI);
	else if (r & HV_SINT_AUTO_EOI)
		vcpu_post_interrupt(t, (u8)r); /* injected: never in the APIC's ISR */
	else
		apic_send_fixed(t->apic_id, (u8)r);
}

static bool synic_can_receive_messages(const struct hv_synic *s)
{
	return (s->scontrol & HV_SCONTROL_ENABLE) && (s->simp & HV_SYNIC_PAGE_ENABLE);
}

/*
 * Puts msg into the free slot of sint, or marks the slot "message pending" (TLFS: the
 * guest then writes EOM). Returns whether it was delivered. Under the SynIC's lock.
 */
static bool synic_try_deliver(u32 vp, struct hv_synic *s, u32 sint, const struct hv_message *msg,
			      bool local)
{
	struct hv_message *slot = sim_slot(s, sint);

	if (__atomic_load_n(&slot->type, __ATOMIC_ACQUIRE) != HVMSG_NONE) {
		__atomic_or_fetch(&slot->flags, HV_MESSAGE_FLAG_PENDING, __ATOMIC_SEQ_CST);
		/* The guest may have freed the slot before it saw the flag: look again. */
		if (__atomic_load_n(&slot->type, __ATOMIC_SEQ_CST) != HVMSG_NONE)
			return false;
	}
	/* Everything but the type first: the guest takes a slot as full by its type. */
	slot->payload_size = msg->payload_size;
	slot->flags = 0;
	slot->reserved = 0;
	slot->sender = msg->sender;
	memcpy(slot->payload, msg->payload, msg->payload_size);
	__atomic_store_n(&slot->type, msg->type, __ATOMIC_RELEASE);
	synic_raise(vp, s, sint, local);
	return true;
}

u16 hv_synic_post(u32 vp, u32 vtl, u32 sint, const struct hv_message *msg)
{
	struct hv_synic *s = synic_of(vp, vtl);
	u16 st = HV_STATUS_SUCCESS;

	spin_lock(&s->lock);
	if (!synic_can_receive_messages(s))
		st = HV_STATUS_INVALID_SYNIC_STATE;
	else if (!synic_try_deliver(vp, s, sint, msg, true))
		st = HV_STATUS_INSUFFICIENT_BUFFERS;
	spin_unlock(&s->lock);
	return st;
}

/* Delivers the oldest queued guest message of every SINT whose slot is free (after EOM,
 * or when the message page comes on). Under the SynIC's lock. */
static void synic_drain_queue(u32 vp, struct hv_synic *s)
{
	struct hv_message *q = phys_to_virt(s->queue_pa);
	u32 tried = 0; /* SINTs whose slot is known busy */

	for (u32 i = 0; i < s->queued;) {
		u32 slot = s->order[i], sint = s->sint_of[slot];
		if ((tried & (1u << sint)) || !synic_try_deliver(vp, s, sint, &q[slot], false)) {
			tried |= 1u << sint; /* keep per-SINT order: nothing newer goes first */
			i++;
			continue;
		}
		memmove(&s->order[i], &s->order[i + 1], s->queued - i - 1);
		s->queued--;
	}
}

/* A free queue entry (page slot) or -1. */
static int queue_free_slot(const struct hv_synic *s)
{
	u32 used = 0;

	for (u32 i = 0; i < s->queued; i++)
		used |= 1u << s->order[i];
	for (u32 i = 0; i < HV_MSGQ_LEN; i++)
		if (!(used & (1u << i)))
			return (int)i;
	return -1;
}

static int synic_page_apply(struct vcpu *v, u64 *page_pa, u64 old, u64 val)
{
	if (hv_overlay_maps(old, val)) {
		/* One overlay per GPA: a page another overlay already uses is refused. */
		if (ept_is_overlay(hv_active_vtl(v), val & ~0xfffULL))
			return -1;
		if (!*page_pa && !(*page_pa = pool_alloc_pages(1))) {
			pr_err("VP %u: out of hypervisor memory for a SynIC page; refusing the MSR "
			       "write (#GP)\n",
			       v->index);
			return -1;
		}
		/* TLFS: the pages are cleared when they come on. */
		memset(phys_to_virt(*page_pa), 0, PAGE_SIZE);
	}
	if (hv_overlay_apply(v, old, val, *page_pa, PT_R | PT_W)) {
		pr_err("VP %u: cannot map a SynIC page at GPA %#llx (no room for another overlay, "
		       "or no memory for a page table); refusing the MSR write (#GP)\n",
		       v->index, (unsigned long long)(val & ~0xfffULL));
		return -1;
	}
	return 0;
}

/* A GPA that can hold a SynIC page: memory of the partition (MSR write #GP otherwise). */
static bool synic_gpa_ok(u64 val)
{
	return !(val & HV_SYNIC_PAGE_ENABLE) || hv_gpa_is_ram(val & ~0xfffULL);
}

int hv_synic_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	struct hv_synic *s = synic_of(v->index, hv_active_vtl(v));

	switch (msr) {
	case HV_MSR_SCONTROL:
		*val = s->scontrol;
		return 0;
	case HV_MSR_SVERSION:
		*val = HV_SYNIC_VERSION;
		return 0;
	case HV_MSR_SIEFP:
		*val = s->siefp;
		return 0;
	case HV_MSR_SIMP:
		*val = s->simp;
		return 0;
	case HV_MSR_EOM: /* write-only: reads return 0 (TLFS "EOM Register") */
		*val = 0;
		return 0;
	default:
		if (msr >= HV_MSR_SINT0 && msr <= HV_MSR_SINT15) {
			*val = s->sint[msr - HV_MSR_SINT0];
			return 0;
		}
		return -1;
	}
}

int hv_synic_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	u32 vtl = hv_active_vtl(v);
	struct hv_synic *s = synic_of(v->index, vtl);
	int r = 0;
	bool eom = false;

	spin_lock(&s->lock);
	switch (msr) {
	case HV_MSR_SCONTROL: /* 63:1 RsvdP */
		s->scontrol = (val & HV_SCONTROL_ENABLE) | (s->scontrol & ~HV_SCONTROL_ENABLE);
		break;
	case HV_MSR_SVERSION: /* read-only */
		r = -1;
		break;
	case HV_MSR_SIEFP:
		val = (val & ~HV_SYNIC_PAGE_RSVDP) | (s->siefp & HV_SYNIC_PAGE_RSVDP);
		if (!synic_gpa_ok(val) || synic_page_apply(v, &s->sief_pa, s->siefp, val))
			r = -1;
		else
			s->siefp = val;
		break;
	case HV_MSR_SIMP:
		val = (val & ~HV_SYNIC_PAGE_RSVDP) | (s->simp & HV_SYNIC_PAGE_RSVDP);
		/* The queue page before the message page: nothing to undo if it fails. */
		if ((val & HV_SYNIC_PAGE_ENABLE) && !s->queue_pa &&
		    !(s->queue_pa = pool_alloc_pages(1))) {
			pr_err("VP %u: out of hypervisor memory for the SynIC message queue; "
			       "refusing the MSR write (#GP)\n",
			       v->index);
			r = -1;
			break;
		}
		if (!synic_gpa_ok(val) || synic_page_apply(v, &s->sim_pa, s->simp, val)) {
			r = -1;
			break;
		}
		s->simp = val;
		eom = true; /* queued messages may go now */
		break;
	case HV_MSR_EOM: /* RsvdZ: any write is the trigger */
		eom = true;
		break;
	default: {
		if (msr < HV_MSR_SINT0 || msr > HV_MSR_SINT15) {
			r = -1;
			break;
		}
		/* TLFS: vectors 16-255 are valid; another one (unmasked) is a #GP. */
		if (!(val & HV_SINT_MASKED) && (val & HV_SINT_VECTOR) < 16) {
			r = -1;
			break;
		}
		u64 *sint = &s->sint[msr - HV_MSR_SINT0];
		*sint = (val & HV_SINT_WRITABLE) | (*sint & ~HV_SINT_WRITABLE);
		break;
	}
	}
	if (eom && synic_can_receive_messages(s) && s->queued)
		synic_drain_queue(v->index, s);
	spin_unlock(&s->lock);
	if (eom && synic_can_receive_messages(s))
		hv_stimer_retry(v); /* timer messages that found their slot busy */
	return r;
}

/* Connection ID -> (VP, SINT), see synic.h; -1 when no such connection exists. */
static int conn_target(u32 conn, u32 *vp, u32 *sint)
{
	if (conn < HV_SYNIC_CONN_BASE)
		return -1;
	conn -= HV_SYNIC_CONN_BASE;
	if (conn / HV_SINT_COUNT >= vcpu_count())
		return -1;
	*vp = conn / HV_SINT_COUNT;
	*sint = conn % HV_SINT_COUNT;
	return 0;
}

static u32 rd32(const u8 *p)
{
	u32 x;
	memcpy(&x, p, 4);
	return x;
}

/*
 * HvCallPostMessage (reference 1.7): +0 ConnectionId, +4 reserved, +8 MessageType
 * (non-zero, MSB clear: the hypervisor's own types are not for guests), +12 PayloadSize
 * (<= 240), +16 payload. Queued when the slot is busy; 16 messages per target at most.
 */
u16 hv_synic_post_message(struct vcpu *v, const u8 *in)
{
	u32 conn = rd32(in), type = rd32(in + 8), size = rd32(in + 12), vp, sint;
	u32 vtl = hv_active_vtl(v);

	if (rd32(in + 4) || !type || (type & 0x80000000u) || size > HV_MESSAGE_PAYLOAD)
		return HV_STATUS_INVALID_PARAMETER;
	if (conn_target(conn, &vp, &sint))
		return HV_STATUS_INVALID_CONNECTION_ID;
	struct hv_synic *s = synic_of(vp, vtl);
	struct hv_message msg = { .type = type, .payload_size = (u8)size };
	memcpy(msg.payload, in + 16, size);

	u16 st = HV_STATUS_SUCCESS;
	spin_lock(&s->lock);
	if (!synic_can_receive_messages(s)) {
		st = HV_STATUS_INVALID_SYNIC_STATE;
	} else if (!s->queued && synic_try_deliver(vp, s, sint, &msg, false)) {
		/* delivered at once */
	} else {
		int slot = queue_free_slot(s);
		if (slot < 0) {
			st = HV_STATUS_INSUFFICIENT_BUFFERS;
		} else {
			struct hv_message *q = phys_to_virt(s->queue_pa);
			q[slot] = msg;
			s->sint_of[slot] = (u8)sint;
			s->order[s->queued++] = (u8)slot;
			synic_drain_queue(vp, s); /* older ones of this SINT first */
		}
	}
	spin_unlock(&s->lock);
	return st;
}

/*
 * HvCallSignalEvent (reference 1.7): +0 ConnectionId, +4 FlagNumber (u16), +6 reserved.
 * Sets the flag in the target's event-flags page; raises the SINT only when the flag was
 * clear (TLFS "Event Flag Delivery"). A masked SINT: HV_STATUS_INVALID_SYNIC_STATE.
 */
u16 hv_synic_signal_event(struct vcpu *v, const u8 *in)
{
	u32 conn = rd32(in), flag = (u32)in[4] | ((u32)in[5] << 8), vp, sint;
	u32 vtl = hv_active_vtl(v);

	if (in[6] || in[7])
		return HV_STATUS_INVALID_PARAMETER;
	if (conn_target(conn, &vp, &sint))
		return HV_STATUS_INVALID_CONNECTION_ID;
	if (flag >= HV_EVENT_FLAGS_PER_SINT)
		return HV_STATUS_INVALID_PARAMETER;
	struct hv_synic *s = synic_of(vp, vtl);
	u16 st = HV_STATUS_SUCCESS;

	spin_lock(&s->lock);
	if (!(s->scontrol & HV_SCONTROL_ENABLE) || !(s->siefp & HV_SYNIC_PAGE_ENABLE) ||
	    ((s->sint[sint] & HV_SINT_MASKED) && !(s->sint[sint] & HV_SINT_POLLING))) {
		st = HV_STATUS_INVALID_SYNIC_STATE;
	} else {
		u8 *flags = (u8 *)phys_to_virt(s->sief_pa) + sint * (HV_EVENT_FLAGS_PER_SINT / 8);
		u8 bit = (u8)(1u << (flag % 8));
		if (!(__atomic_fetch_or(&flags[flag / 8], bit, __ATOMIC_SEQ_CST) & bit))
			synic_raise(vp, s, sint, false);
	}
	spin_unlock(&s->lock);
	return st;
}
