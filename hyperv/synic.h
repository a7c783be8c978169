/* SPDX-License-Identifier: MIT */
/*
 * The synthetic interrupt controller (TLFS "Inter-Partition Communication", reference 2.1,
 * 2.2): per VP and per VTL, SCONTROL, SVERSION, SIEFP, SIMP, EOM and SINT0-15, the message
 * page (16 slots of 256 bytes) and the event-flags page (16 x 2048 flags), both overlay
 * pages owned by the hypervisor. Messages come from HvCallPostMessage and from the
 * synthetic timers; event flags from HvCallSignalEvent.
 *
 * A SINT's interrupt is a fixed interrupt on the target CPU's real local APIC (the root
 * partition owns its APICs): it obeys the guest's TPR, IF and EOI like any device's. An
 * AutoEOI SINT is injected through the VMCS instead, so it never sits in the APIC's ISR
 * and needs no EOI (arch/x86/intr_inject.c).
 *
 * Routing (no ports to create: there is one partition and no VMM): connection ID
 * HV_SYNIC_CONN_BASE + 16 * VP index + SINT reaches that VP's SINT, for messages and for
 * event flags 0-2047 alike. Every other connection ID is HV_STATUS_INVALID_CONNECTION_ID.
 */
#ifndef HYPERV_SYNIC_H
#define HYPERV_SYNIC_H

#include "lib/types.h"

struct vcpu;

#define HV_MSR_SCONTROL 0x40000080
#define HV_MSR_SVERSION 0x40000081
#define HV_MSR_SIEFP 0x40000082
#define HV_MSR_SIMP 0x40000083
#define HV_MSR_EOM 0x40000084
#define HV_MSR_SINT0 0x40000090
#define HV_MSR_SINT15 0x4000009f
#define HV_SINT_COUNT 16

#define HV_SYNIC_VERSION 1
#define HV_SCONTROL_ENABLE (1ULL << 0) /* 63:1 RsvdP */
#define HV_SYNIC_PAGE_ENABLE (1ULL << 0)
#define HV_SYNIC_PAGE_RSVDP 0xffeULL /* SIEFP/SIMP bits 11:1 */
#define HV_SINT_VECTOR 0xffULL
#define HV_SINT_MASKED (1ULL << 16)
#define HV_SINT_AUTO_EOI (1ULL << 17)
#define HV_SINT_POLLING (1ULL << 18)
/* The bits a guest sets; 15:8 and 63:19 are RsvdP (kept as they were). */
#define HV_SINT_WRITABLE (HV_SINT_VECTOR | HV_SINT_MASKED | HV_SINT_AUTO_EOI | HV_SINT_POLLING)
#define HV_SINT_DEFAULT HV_SINT_MASKED

#define HV_SYNIC_CONN_BASE 0x10000u
#define HV_EVENT_FLAGS_PER_SINT 2048u

/* HV_MESSAGE (TLFS datatypes/hv_message): a 16-byte header and 240 bytes of payload. */
#define HV_MESSAGE_PAYLOAD 240
#define HV_MESSAGE_FLAG_PENDING 1u /* another message waits: write EOM when done */
#define HVMSG_NONE 0u
#define HVMSG_TIMER_EXPIRED 0x80000010u
struct hv_message {
	u32 type; /* HVMSG_NONE: the slot is free */
	u8 payload_size;
	u8 flags;
	u16 reserved;
	u64 sender; /* port ID or origination ID; 0 here */
	u8 payload[HV_MESSAGE_PAYLOAD];
};
_Static_assert(sizeof(struct hv_message) == 256, "TLFS HV_MESSAGE is 256 bytes");

/* HV_TIMER_MESSAGE_PAYLOAD (TLFS datatypes/hv_timer_message_payload). */
struct hv_timer_message_payload {
	u32 timer_index;
	u32 reserved;
	u64 expiration_time; /* when it was due, reference time */
	u64 delivery_time;   /* when the message was written */
};
_Static_assert(sizeof(struct hv_timer_message_payload) == 24, "TLFS timer message payload");

/* MSR access (privilege AccessSynicRegs checked by the caller): 0, or -1 for #GP. */
int hv_synic_msr_read(struct vcpu *v, u32 msr, u64 *val);
int hv_synic_msr_write(struct vcpu *v, u32 msr, u64 val);

/*
 * Writes msg into the SINT's slot of VP vp's message page at VTL vtl if the slot is free
 * and raises the SINT; if the slot is busy, marks it "message pending" so the guest
 * writes EOM, and returns HV_STATUS_INSUFFICIENT_BUFFERS (the caller keeps the message and
 * retries: hv_stimer_retry after EOM). HV_STATUS_INVALID_SYNIC_STATE when the SynIC or
 * its message page is off. On vp's own CPU only (its timers): it is not kicked.
 */
u16 hv_synic_post(u32 vp, u32 vtl, u32 sint, const struct hv_message *msg);
/* The hypercalls (hyperv/hypercall.c calls them with their 256- and 8-byte inputs). */
u16 hv_synic_post_message(struct vcpu *v, const u8 *in);
u16 hv_synic_signal_event(struct vcpu *v, const u8 *in);
/* The state of VP creation: everything off, SINTs masked, queues empty. hv_synic_init at
 * takeover, before any VP runs; hv_synic_reset (RESET MSR) also removes the overlays. */
void hv_synic_init(void);
void hv_synic_reset(struct vcpu *v);

#endif
