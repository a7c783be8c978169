/* SPDX-License-Identifier: MIT */
/*
 * Secure register intercepts (TLFS "Virtual Secure Mode", secure intercepts: reference
 * 3.9.1-3.9.4 and the registers of 3.3; docs/VSM.md "Secure intercepts: registers").
 *
 * A VTL locks registers of the VTL below it on its own VP with HvRegisterCrInterceptControl
 * and the CR0, CR4 and IA32_MISC_ENABLE masks. When that lower VTL then tries such a write,
 * the write does not happen: the lower VTL stays at the instruction (RIP not advanced), the
 * higher VTL gets an intercept message in its SINT0 (a RegisterIntercept message for CR0,
 * CR4, XCR0 and the table registers, an MsrIntercept message for the MSRs) and is entered
 * with entry reason 2, like for any of its interrupts. It decides: emulate the write with
 * SetVpRegisters and move the lower VTL's RIP on, inject a fault with PendingEvent0, or
 * return without a change, and the instruction runs (and intercepts) again.
 */
#ifndef HYPERV_INTERCEPT_H
#define HYPERV_INTERCEPT_H

#include "arch/x86/vcpu.h"
#include "lib/types.h"

/* The registers (reference 3.3). */
#define HV_REG_CR_INTERCEPT_CONTROL 0x000e0000u
#define HV_REG_CR_INTERCEPT_CR0_MASK 0x000e0001u
#define HV_REG_CR_INTERCEPT_CR4_MASK 0x000e0002u
#define HV_REG_CR_INTERCEPT_MISC_ENABLE_MASK 0x000e0003u

/* HvRegisterCrInterceptControl (reference 3.9.3; LSB first). */
#define HV_ICPT_CR0_WRITE (1ULL << 0)
#define HV_ICPT_CR4_WRITE (1ULL << 1)
#define HV_ICPT_XCR0_WRITE (1ULL << 2)
#define HV_ICPT_MISC_ENABLE_READ (1ULL << 3)
#define HV_ICPT_MISC_ENABLE_WRITE (1ULL << 4)
#define HV_ICPT_LSTAR_READ (1ULL << 5)
#define HV_ICPT_LSTAR_WRITE (1ULL << 6)
#define HV_ICPT_STAR_READ (1ULL << 7)
#define HV_ICPT_STAR_WRITE (1ULL << 8)
#define HV_ICPT_CSTAR_READ (1ULL << 9)
#define HV_ICPT_CSTAR_WRITE (1ULL << 10)
#define HV_ICPT_APIC_BASE_READ (1ULL << 11)
#define HV_ICPT_APIC_BASE_WRITE (1ULL << 12)
#define HV_ICPT_EFER_READ (1ULL << 13)
#define HV_ICPT_EFER_WRITE (1ULL << 14)
#define HV_ICPT_GDTR_WRITE (1ULL << 15)
#define HV_ICPT_IDTR_WRITE (1ULL << 16)
#define HV_ICPT_LDTR_WRITE (1ULL << 17)
#define HV_ICPT_TR_WRITE (1ULL << 18)
#define HV_ICPT_SYSENTER_CS_WRITE (1ULL << 19)
#define HV_ICPT_SYSENTER_EIP_WRITE (1ULL << 20)
#define HV_ICPT_SYSENTER_ESP_WRITE (1ULL << 21)
#define HV_ICPT_SFMASK_WRITE (1ULL << 22)
#define HV_ICPT_TSC_AUX_WRITE (1ULL << 23)
#define HV_ICPT_SGX_LAUNCH_CONTROL_WRITE (1ULL << 24)
/* OpenVMM adds 25 XssWrite, 26 SCetWrite, 27 PlsSspWrite, 28 InterruptSspTableAddrWrite. */
#define HV_ICPT_TABLES \
	(HV_ICPT_GDTR_WRITE | HV_ICPT_IDTR_WRITE | HV_ICPT_LDTR_WRITE | HV_ICPT_TR_WRITE)
/* What vtlvisor takes: every write intercept of the TLFS list but SGX launch control (no
 * SGX offered). The read intercepts, SGX and OpenVMM's shadow-stack/XSS bits are refused
 * (INVALID_PARAMETER), as OpenHCL refuses reads: docs/DECISIONS.md. The table bits need
 * descriptor-table exiting (refused on a CPU without it). */
#define HV_ICPT_SUPPORTED                                                                         \
	(HV_ICPT_CR0_WRITE | HV_ICPT_CR4_WRITE | HV_ICPT_XCR0_WRITE | HV_ICPT_MISC_ENABLE_WRITE | \
	 HV_ICPT_LSTAR_WRITE | HV_ICPT_STAR_WRITE | HV_ICPT_CSTAR_WRITE |                         \
	 HV_ICPT_APIC_BASE_WRITE | HV_ICPT_EFER_WRITE | HV_ICPT_TABLES |                          \
	 HV_ICPT_SYSENTER_CS_WRITE | HV_ICPT_SYSENTER_EIP_WRITE | HV_ICPT_SYSENTER_ESP_WRITE |    \
	 HV_ICPT_SFMASK_WRITE | HV_ICPT_TSC_AUX_WRITE)

/* Message types (reference 3.9.4). 0x80010006 is RegisterIntercept in the TLFS PDF and
 * OpenVMM; Linux's hvgdk_mini.h calls it IOMMU_PRQ (reference 3.14 #7). */
#define HVMSG_X64_MSR_INTERCEPT 0x80010001u
#define HVMSG_X64_REGISTER_INTERCEPT 0x80010006u
/* The intercept SINT (HV_SYNIC_INTERCEPTION_SINT_INDEX, reference 2.2). */
#define HV_INTERCEPT_SINT 0

/* HV_X64_SEGMENT_REGISTER (reference 1.7). */
struct hv_x64_segment_register {
	u64 base;
	u32 limit;
	u16 selector;
	u16 attributes;
};
_Static_assert(sizeof(struct hv_x64_segment_register) == 16, "TLFS HV_X64_SEGMENT_REGISTER");

/* HV_X64_INTERCEPT_MESSAGE_HEADER (reference 3.9.4). */
struct hv_x64_intercept_message_header {
	u32 vp_index;
	u8 instruction_length_cr8; /* 3:0 instruction length, 7:4 CR8 */
	u8 access_type;		   /* HV_INTERCEPT_ACCESS_* */
	u16 execution_state;	   /* HV_X64_EXEC_* */
	struct hv_x64_segment_register cs;
	u64 rip;
	u64 rflags;
};
#define HV_INTERCEPT_ACCESS_READ 0
#define HV_INTERCEPT_ACCESS_WRITE 1
#define HV_INTERCEPT_ACCESS_EXECUTE 2
/* HV_X64_VP_EXECUTION_STATE (OpenVMM's bit positions; the VTL field is OpenVMM's). */
#define HV_X64_EXEC_CPL_SHIFT 0 /* 1:0 */
#define HV_X64_EXEC_CR0_PE (1u << 2)
#define HV_X64_EXEC_CR0_AM (1u << 3)
#define HV_X64_EXEC_EFER_LMA (1u << 4)
#define HV_X64_EXEC_DEBUG_ACTIVE (1u << 5)
#define HV_X64_EXEC_INTERRUPTION_PENDING (1u << 6)
#define HV_X64_EXEC_VTL_SHIFT 7 /* 10:7 */
#define HV_X64_EXEC_ENCLAVE_MODE (1u << 11)
#define HV_X64_EXEC_INTERRUPT_SHADOW (1u << 12)
#define HV_X64_EXEC_VIRT_FAULT_ACTIVE (1u << 13)
_Static_assert(__builtin_offsetof(struct hv_x64_intercept_message_header, instruction_length_cr8) ==
		       4,
	       "TLFS intercept header");
_Static_assert(__builtin_offsetof(struct hv_x64_intercept_message_header, execution_state) == 6,
	       "TLFS intercept header");
_Static_assert(__builtin_offsetof(struct hv_x64_intercept_message_header, cs) == 8,
	       "TLFS intercept header");
_Static_assert(__builtin_offsetof(struct hv_x64_intercept_message_header, rip) == 0x18,
	       "TLFS intercept header");
_Static_assert(sizeof(struct hv_x64_intercept_message_header) == 0x28, "TLFS intercept header");

/* HV_X64_REGISTER_INTERCEPT_MESSAGE (reference 3.9.4): the register and the value written
 * (its HV_REGISTER_VALUE as SetVpRegisters takes it). */
struct hv_x64_register_intercept_message {
	struct hv_x64_intercept_message_header header;
	u8 flags; /* bit 0 IsMemoryOp */
	u8 rsvd;
	u16 rsvd2;
	u32 register_name;
	u64 value[2]; /* access info: the source value */
};
#define HV_REGISTER_INTERCEPT_MEMORY_OP 1u
_Static_assert(__builtin_offsetof(struct hv_x64_register_intercept_message, flags) == 0x28,
	       "TLFS register intercept message");
_Static_assert(__builtin_offsetof(struct hv_x64_register_intercept_message, register_name) == 0x2c,
	       "TLFS register intercept message");
_Static_assert(__builtin_offsetof(struct hv_x64_register_intercept_message, value) == 0x30,
	       "TLFS register intercept message");
_Static_assert(sizeof(struct hv_x64_register_intercept_message) == 0x40,
	       "TLFS register intercept message");

/* HV_X64_MSR_INTERCEPT_MESSAGE (reference 3.9.4). */
struct hv_x64_msr_intercept_message {
	struct hv_x64_intercept_message_header header;
	u32 msr_number;
	u32 rsvd;
	u64 rdx;
	u64 rax;
};
_Static_assert(__builtin_offsetof(struct hv_x64_msr_intercept_message, msr_number) == 0x28,
	       "TLFS MSR intercept message");
_Static_assert(__builtin_offsetof(struct hv_x64_msr_intercept_message, rdx) == 0x30,
	       "TLFS MSR intercept message");
_Static_assert(sizeof(struct hv_x64_msr_intercept_message) == 0x40, "TLFS MSR intercept message");

/* HV_X64_MEMORY_INTERCEPT_MESSAGE, the GPA intercept (reference 3.9.4: the 0x50 bytes of
 * OpenVMM and Linux). */
#define HVMSG_GPA_INTERCEPT 0x80000001u
struct hv_x64_memory_intercept_message {
	struct hv_x64_intercept_message_header header;
	u32 cache_type;
	u8 instruction_byte_count;
	u8 memory_access_info; /* 0 GvaValid, 1 GvaGpaValid, 3 TlbLocked */
	u8 tpr_priority;
	u8 reserved;
	u64 gva;
	u64 gpa;
	u8 instruction_bytes[16];
};
_Static_assert(__builtin_offsetof(struct hv_x64_memory_intercept_message, cache_type) == 0x28,
	       "TLFS memory intercept message");
_Static_assert(__builtin_offsetof(struct hv_x64_memory_intercept_message, gva) == 0x30,
	       "TLFS memory intercept message");
_Static_assert(__builtin_offsetof(struct hv_x64_memory_intercept_message, instruction_bytes) ==
		       0x40,
	       "TLFS memory intercept message");
_Static_assert(sizeof(struct hv_x64_memory_intercept_message) == 0x50,
	       "TLFS memory intercept message");

/*
 * The header of an intercept of v's running VTL, at its exit (its VMCS current): access
 * (HV_INTERCEPT_ACCESS_*); the instruction length from the exit when len_valid (VMX gives
 * none for an EPT violation, SDM vol.3 28.2.5: 0 then).
 */
void hv_intercept_header(struct vcpu *v, u8 access, bool len_valid,
			 struct hv_x64_intercept_message_header *h);
struct hv_message;
/*
 * An intercept message for vtl (above v's running VTL; reference 3.9.2): into its intercept
 * page when it asked for one (VsmPartitionConfig.InterceptPage) and has a VP assist page,
 * then it is entered with reason 3 (Intercept) before v's next entry; else into its SINT0,
 * whose interrupt enters it with reason 2 (a busy slot: marked pending, the message
 * dropped; the lower VTL intercepts again once it is free; no SynIC: counted in
 * intercepts_lost, warned once). SUCCESS or hv_synic_post's status.
 */
u16 hv_intercept_deliver(struct vcpu *v, u32 vtl, const struct hv_message *msg);

/* Is name one of the four registers? */
static inline bool hv_intercept_register(u32 name)
{
	return name >= HV_REG_CR_INTERCEPT_CONTROL && name <= HV_REG_CR_INTERCEPT_MISC_ENABLE_MASK;
}
/*
 * Get/SetVpRegisters of them by v for VP t, target VTL vtl (hv_target_vtl checked it: not
 * above v's VTL, enabled on t). The instance is the caller's, for the VTL below it: named
 * either as the caller's own VTL (Hyper-V's form) or as that lower VTL. HV_STATUS.
 */
u16 hv_intercept_register_get(struct vcpu *v, const struct vcpu *t, u32 vtl, u32 name, u64 *val);
u16 hv_intercept_register_set(struct vcpu *v, const struct vcpu *t, u32 vtl, u32 name, u64 val);
/* vcpu_reg_write_hook (set at takeover). */
bool hv_reg_write_intercept(struct vcpu *v, const struct vcpu_reg_write *w);
/* Would a VTL above v's running one intercept w? (No message: SetVpRegisters of a VTL's
 * own register asks it, and refuses what is locked.) */
bool hv_reg_write_locked(const struct vcpu *v, const struct vcpu_reg_write *w);

#endif
