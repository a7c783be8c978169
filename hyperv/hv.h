/* SPDX-License-Identifier: MIT */
/*
 * The Hyper-V interface the guest sees (TLFS): CPUID leaves 0x40000000-0x4000000A, the
 * synthetic MSRs, and the hypercall engine. Facts: ../shared/reference/tlfs-vsm.md.
 */
#ifndef HYPERV_HV_H
#define HYPERV_HV_H

#include "arch/x86/vcpu.h"
#include "boot/bootinfo.h"
#include "lib/types.h"

struct vcpu;

#define VTLVISOR_VERSION_MAJOR 0
#define VTLVISOR_VERSION_MINOR 1

/* HV_STATUS values (TLFS "Hypercall status codes", reference 1.4). */
#define HV_STATUS_SUCCESS 0x0000
#define HV_STATUS_INVALID_HYPERCALL_CODE 0x0002
#define HV_STATUS_INVALID_HYPERCALL_INPUT 0x0003
#define HV_STATUS_INVALID_ALIGNMENT 0x0004
#define HV_STATUS_INVALID_PARAMETER 0x0005
#define HV_STATUS_ACCESS_DENIED 0x0006
#define HV_STATUS_INSUFFICIENT_MEMORY 0x000b
#define HV_STATUS_INVALID_PARTITION_ID 0x000d
#define HV_STATUS_INVALID_CONNECTION_ID 0x0012
#define HV_STATUS_INSUFFICIENT_BUFFERS 0x0013
#define HV_STATUS_INVALID_PARTITION_STATE 0x0007
#define HV_STATUS_INVALID_VP_INDEX 0x000e
#define HV_STATUS_INVALID_VP_STATE 0x0015
#define HV_STATUS_INVALID_SYNIC_STATE 0x0018
#define HV_STATUS_INVALID_REGISTER_VALUE 0x0050
#define HV_STATUS_INVALID_VTL_STATE 0x0051
#define HV_STATUS_VTL_ALREADY_ENABLED 0x0086
#define HV_VP_INDEX_SELF 0xfffffffeu
#define HV_PARTITION_ID_SELF 0xffffffffffffffffULL

/* Synthetic MSRs (reference 2.1). */
#define HV_MSR_GUEST_OS_ID 0x40000000
#define HV_MSR_HYPERCALL 0x40000001
#define HV_MSR_VP_INDEX 0x40000002
#define HV_MSR_VP_RUNTIME 0x40000010 /* read-only, 100 ns the VP has run */
#define HV_MSR_GUEST_IDLE 0x400000f0 /* a read idles the VP until an interrupt */
#define HV_PRIV_ACCESS_GUEST_IDLE (1u << 10)
#define HV_FEATURE_GUEST_IDLE (1u << 5) /* CPUID 0x40000003 EDX */
#define HV_MSR_EOI 0x40000070
#define HV_MSR_ICR 0x40000071
#define HV_MSR_TPR 0x40000072
#define HV_MSR_VP_ASSIST_PAGE 0x40000073
#define HV_MSR_RESET 0x40000003		 /* bit 0: reset the partition (here: the machine) */
#define HV_MSR_TSC_FREQUENCY 0x40000022	 /* read-only, Hz */
#define HV_MSR_APIC_FREQUENCY 0x40000023 /* read-only, Hz of the APIC timer's input */
#define HV_MSR_CRASH_P0 0x40000100	 /* P0-P4: 0x40000100-0x40000104 */
#define HV_MSR_CRASH_CTL 0x40000105
#define HV_CRASH_PARAMS 5
#define HV_CRASH_CTL_NOTIFY (1ULL << 63)
#define HV_CRASH_CTL_MESSAGE (1ULL << 62) /* P3 = GPA of a message, P4 = its length */
#define HV_CRASH_CTL_SUPPORTED (HV_CRASH_CTL_NOTIFY | HV_CRASH_CTL_MESSAGE)
/* Writable besides those: 61 NoCrashDump, 60:58 pre-OS id (OVMM), accepted and ignored. */
#define HV_CRASH_CTL_WRITABLE (0x3fULL << 58)
#define HV_FEATURE_CRASH_MSRS (1u << 10)    /* CPUID 0x40000003 EDX */
#define HV_FEATURE_FREQUENCY_MSRS (1u << 8) /* CPUID 0x40000003 EDX */
#define HV_PRIV_ACCESS_FREQUENCY_MSRS (1u << 11)
#define HV_PRIV_ACCESS_RESET_REG (1u << 7)
#define HV_VP_ASSIST_ENABLE (1ULL << 0)
#define HV_VP_ASSIST_RSVDP 0xffeULL /* bits 11:1, preserved */
#define HV_MSR_TIME_REF_COUNT 0x40000020
#define HV_MSR_REFERENCE_TSC 0x40000021
#define HV_REFTSC_ENABLE (1ULL << 0)
#define HV_REFTSC_RSVDP 0xffeULL /* bits 11:1, preserved */
#define HV_MSR_FIRST 0x40000000
#define HV_MSR_LAST 0x400000ff
#define HV_HYPERCALL_ENABLE (1ULL << 0)
#define HV_HYPERCALL_LOCKED (1ULL << 1)
#define HV_HYPERCALL_RSVDP 0xffcULL /* bits 11:2, preserved */

/* Partition privilege mask, CPUID 0x40000003 EAX (reference 2.4). */
#define HV_PRIV_ACCESS_VP_RUNTIME (1u << 0)
#define HV_PRIV_ACCESS_PARTITION_REFERENCE_COUNTER (1u << 1)
#define HV_PRIV_ACCESS_PARTITION_REFERENCE_TSC (1u << 9)
#define HV_PRIV_ACCESS_INTR_CTRL_REGS (1u << 4) /* EOI/ICR/TPR, VP assist page */
#define HV_PRIV_ACCESS_HYPERCALL_MSRS (1u << 5)
#define HV_PRIV_ACCESS_VP_INDEX (1u << 6)
#define HV_PRIV_ACCESS_SYNIC_REGS (1u << 2)
#define HV_PRIV_ACCESS_SYNTHETIC_TIMER_REGS (1u << 3)
#define HV_PRIV_POST_MESSAGES (1ULL << 36)	     /* EBX bit 4 */
#define HV_PRIV_ACCESS_VSM (1ULL << 48)		     /* EBX bit 16 */
#define HV_PRIV_ACCESS_VP_REGISTERS (1ULL << 49)     /* EBX bit 17 */
#define HV_PRIV_START_VIRTUAL_PROCESSOR (1ULL << 53) /* EBX bit 21 */
#define HV_PRIV_SIGNAL_EVENTS (1ULL << 37)	     /* EBX bit 5 */
#define HV_RECOMMEND_DEPRECATE_AUTO_EOI (1u << 9)    /* CPUID 0x40000004 EAX */

/*
 * The partition privilege mask the partition gets (EBX:EAX of CPUID 0x40000003): what is
 * implemented, minus what the loader's hvoff= switched off. Every synthetic MSR checks its
 * bit: a switched-off feature behaves exactly like an absent one (#GP).
 */
extern u64 hv_priv_now; /* what is offered; written only at takeover */
static inline u64 hv_privileges(void)
{
	return hv_priv_now;
}
void hv_set_privileges_off(u64 off);
void hv_privileges_refresh(void); /* after the reference time or the frequencies change */

/* Hypercall call codes implemented so far (reference 1.6). */
#define HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE 0x0002
#define HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST 0x0003
#define HVCALL_NOTIFY_LONG_SPIN_WAIT 0x0008
#define HVCALL_SEND_SYNTHETIC_CLUSTER_IPI 0x000b
#define HVCALL_MODIFY_VTL_PROTECTION_MASK 0x000c
#define HVCALL_ENABLE_PARTITION_VTL 0x000d
#define HVCALL_ENABLE_VP_VTL 0x000f
#define HVCALL_VTL_CALL 0x0011
#define HVCALL_VTL_RETURN 0x0012
#define HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX 0x0013
#define HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX 0x0014
#define HVCALL_SEND_SYNTHETIC_CLUSTER_IPI_EX 0x0015
#define HVCALL_GET_VP_REGISTERS 0x0050
#define HVCALL_SET_VP_REGISTERS 0x0051
#define HVCALL_TRANSLATE_VIRTUAL_ADDRESS 0x0052
#define HVCALL_TRANSLATE_VIRTUAL_ADDRESS_EX 0x00ac
#define HVCALL_POST_MESSAGE 0x005c
#define HVCALL_SIGNAL_EVENT 0x005d
#define HVCALL_START_VIRTUAL_PROCESSOR 0x0099
#define HVCALL_GET_VP_INDEX_FROM_APIC_ID 0x009a

/* The architectural maximum of VTLs; HV_VTL_ALL etc. come with VSM. */
#define HV_MAX_VTLS 16
/* Where the hypercall page's VTL call and return stubs are (HvRegisterVsmCodePageOffsets,
 * reference 3.6: Hyper-V's own offsets for 64-bit callers). */
#define HV_VTL_CALL_OFFSET 0x0f
#define HV_VTL_RETURN_OFFSET 0x28
/* VP assist page (reference 3.5): the VTL control area of a VTL above 0. */
#define HV_VP_ASSIST_ENTRY_REASON 0x08
#define HV_VP_ASSIST_VINA_STATUS 0x0c
#define HV_VP_ASSIST_RETURN_RAX 0x10
#define HV_VP_ASSIST_RETURN_RCX 0x18
#define HV_VTL_ENTRY_VTL_CALL 1
#define HV_VTL_ENTRY_INTERRUPT 2
#define HV_VTL_ENTRY_INTERCEPT 3 /* the message is in the VP assist page's intercept page */
#define HV_VP_ASSIST_INTERCEPT_MESSAGE 0x70 /* an HV_MESSAGE (reference 3.9.2) */
/* VsmPartitionConfig.InterceptPage (OpenVMM's bit 12): intercepts go to the VP assist page. */
#define HV_PARTITION_CONFIG_INTERCEPT_PAGE (1ULL << 12)
/* HvRegisterVsmVina (reference 3.3): 7:0 vector, then these. */
#define HV_VINA_ENABLED (1ULL << 8)
#define HV_VINA_AUTO_RESET (1ULL << 9)
#define HV_VINA_AUTO_EOI (1ULL << 10)
/* HvRegisterVsmPartitionConfig.DenyLowerVtlStartup (reference 3.3). */
#define HV_VSM_DENY_LOWER_STARTUP (1ULL << 6)
/* vcpu_vtl_hook (hyperv/vsm.c; set at takeover): VTL requests served before v's entry. */
void hv_vtl_serve_requests(struct vcpu *v);
/* vcpu_vina_hook (hyperv/vsm.c; set at takeover): VTL0 has interrupts waiting while v runs
 * a higher VTL: that VTL's VINA vector is raised once, if it asked (reference 3.10). */
void hv_vina_notify(struct vcpu *v);
/* A VTL0 access a protection forbids, as a GPA intercept to VTL1 (vcpu_gpa_intercept_hook,
 * hyperv/vsm_prot.c). */
int hv_gpa_intercept(struct vcpu *v, u64 gpa, u64 gva, u64 qual, u8 memtype);

/*
 * Where TLFS state lives (TLFS "private vs shared", reference 2.1):
 * - per partition and per VTL: GUEST_OS_ID, HYPERCALL (each VTL has its own hypercall
 *   page), REFERENCE_TSC, VSM configuration;
 * - per VP and per VTL: VP assist page, SynIC, synthetic timers, APIC MSRs;
 * - per VP, shared by its VTLs: VP_INDEX, VP_RUNTIME.
 * Today only VTL0 exists; every table is already indexed by VTL.
 */
struct hv_vtl_partition {
	u64 guest_os_id;
	u64 hypercall_msr;
	u64 reference_tsc_msr;
};

/* Per VP and per VTL (hyperv/msr.c). */
struct hv_vtl_vp {
	u64 vp_assist_msr;
	u8 *vp_assist; /* the page (hypervisor address) while enabled: the VTL switch reads it */
};
extern struct hv_vtl_vp hv_vp[BOOTINFO_MAX_CPUS][HV_MAX_VTLS];

/* v's VP assist page at vtl (hypervisor address), NULL when not enabled. Kept beside the
 * MSR so that the VTL call path loads one pointer. */
static inline u8 *hv_vp_assist_page(const struct vcpu *v, u32 vtl)
{
	return vtl < HV_MAX_VTLS ? hv_vp[v->index][vtl].vp_assist : NULL;
}

/* The VTL a VP runs at now (vtl/). */
static inline u32 hv_active_vtl(const struct vcpu *v)
{
	return v->active_vtl;
}

/* A GPA the partition owns as memory: below MAXPHYADDR, not the pool, not MMIO. */
bool hv_gpa_is_ram(u64 gpa);

/*
 * The overlay pages behind MSRs of the form bit 0 Enable, 63:12 GPA (hypercall, reference
 * TSC, SIMP, SIEFP) as the MSR goes from old to val. hv_overlay_maps: a page must be
 * mapped (it comes on or moves). hv_overlay_apply: maps hpa at the new GPA first, then
 * gives the old GPA back to the guest's memory, so a failure (-1) changes nothing.
 */
bool hv_overlay_maps(u64 old, u64 val);
int hv_overlay_apply(struct vcpu *v, u64 old, u64 val, u64 hpa, u8 perm);

/* Hypercall counters by call code (the last slot also counts every code beyond). */
#define HV_STATS_CODES 256
struct hv_vp_stats {
	u64 count[HV_STATS_CODES];
	u64 cycles[HV_STATS_CODES];
};
extern struct hv_vp_stats hv_stats[];

/* The hypervisor CPUID range (0x40000000-0x4fffffff, SDM vol.2 CPUID: "reserved for
 * hypervisor use"). Returns true and fills out[4] (EAX..EDX) for a leaf in the range. */
bool hv_cpuid(u32 leaf, u32 subleaf, u32 out[4]);

/* Back to the state at partition creation: no guest OS ID, no hypercall page (TLFS
 * "partition reset"; the RESET MSR will call it). */
void hv_partition_reset(struct vcpu *v);
/* Guest crash MSRs (hyperv/crash.c): 0, or -1 for #GP. */
int hv_crash_msr_read(u32 msr, u64 *val);
int hv_crash_msr_write(struct vcpu *v, u32 msr, u64 val);
void hv_crash_reset(void);
/* Synthetic MSR access from VP v: 0, or -1 for a #GP (reference 2.2). */
int hv_msr_read(struct vcpu *v, u32 msr, u64 *val);
int hv_msr_write(struct vcpu *v, u32 msr, u64 val);

/*
 * The control word of a hypercall (reference 1.1), decoded and checked against the call's
 * kind. 0 or an HV_STATUS.
 */
struct hv_control {
	u16 code;
	bool fast;
	u16 var_header; /* qwords */
	u16 rep_count, rep_start;
};
#define HV_CALL_REP 1u /* a rep call: rep count > 0, start < count */
/* XMM fast calls (reference 1.3): RDX:R8 and XMM0-XMM5, 16-byte pairs of input then output;
 * offered (CPUID 0x40000003 EDX bits 4 and 15) when the host may use SSE (CR4.OSFXSR). */
#define HV_XMM_PAIRS 7
#define HV_FEATURE_XMM_INPUT (1u << 4)
#define HV_FEATURE_XMM_OUTPUT (1u << 15)
#define HV_RECOMMEND_EX_PROCESSOR_MASKS (1u << 11) /* CPUID 0x40000004 EAX */
void hv_xmm_init(bool sse_usable);
bool hv_xmm_fast_available(void); /* input and output alike */
#define HV_CALL_VARHDR 2u	  /* may have a variable header */
u16 hv_control_decode(u64 control, u32 call_flags, struct hv_control *c);

#endif
