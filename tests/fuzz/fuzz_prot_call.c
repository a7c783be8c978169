// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: HvCallModifyVtlProtectionMask's decode, through the whole hypercall
 * path (the VMCALL exit, the control word, the rep fields, the input page copy) with the
 * hypervisor's code of tests/unit's exit tests and its fakes; the protection engine is
 * faked (fake_vmx.c records what reaches it; fuzz_ept_prot fuzzes the engine itself).
 *
 * Input: byte 0 the state (bit 0 caller at VTL1, bit 1 VTL1 enabled for the partition,
 * bit 2 EnableVtlProtection set, bit 3 the engine fails at a page, bit 4 with -ENOMEM),
 * byte 1 where it fails, bytes 2-7 the control word's rep count (12 bits), rep start (12
 * bits), the fast bit and a few more control bits; the rest is the input page.
 *
 * Checked on every input: the status is one the call may return; reps completed never
 * exceed the rep count; success means all of them; what reaches the engine is a valid,
 * normalised protection and exactly the guest's page numbers from the rep start on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/percpu.h"
#include "arch/x86/vmexit.h"
#include "arch/x86/vmx_defs.h"
#include "hyperv/hv.h"
#include "lib/errno.h"
#include "tests/unit/fake_vmx.h"
#include "vtl/vtl.h"

#define CHECK(c, ...)                                                                   \
	do {                                                                            \
		if (!(c)) {                                                             \
			fprintf(stderr, "fuzz_prot_call: %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                                   \
			fprintf(stderr, "\n");                                          \
			abort();                                                        \
		}                                                                       \
	} while (0)

extern u8 fake_guest_mem[2 * 4096];
static struct vcpu vp;
static struct pcpu pc;
static u8 pool[64 * 4096] __attribute__((aligned(4096)));

static bool status_ok(u16 st)
{
	switch (st) {
	case HV_STATUS_SUCCESS:
	case HV_STATUS_INVALID_HYPERCALL_CODE:
	case HV_STATUS_INVALID_HYPERCALL_INPUT:
	case HV_STATUS_INVALID_ALIGNMENT:
	case HV_STATUS_INVALID_PARAMETER:
	case HV_STATUS_ACCESS_DENIED:
	case HV_STATUS_INSUFFICIENT_MEMORY:
	case HV_STATUS_INVALID_PARTITION_ID:
	case HV_STATUS_INVALID_REGISTER_VALUE:
	case HV_STATUS_INVALID_VTL_STATE:
		return true;
	default:
		return false;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 8)
		return 0;
	fake_vcpu_setup(&vp, &pc);
	CHECK(!fake_partition_memory(pool, sizeof(pool)), "partition memory");
	fake_vcpus[0] = &vp;
	fake_nvcpus = 1;
	hv_set_privileges_off(0);
	vtl_reset();
	u8 state = data[0];
	if (state & 2)
		CHECK(!vtl_enable_partition(1), "VTL1");
	vp.active_vtl = (state & 1) ? 1 : 0;
	if ((state & 4) && vtl_partition_config(1))
		*vtl_partition_config(1) = 1 | 0xfULL << 1;
	fake_prot =
		(struct fake_prot){ .stop_at = ~0u, .on = (state & 4) != 0, .default_val = 0xf };
	if (state & 8) {
		fake_prot.stop_at = data[1];
		fake_prot.stop_err = (state & 16) ? -ENOMEM : -EINVAL;
	}
	u64 reps = (data[2] | (u64)data[3] << 8) & 0xfff;
	u64 start = (data[4] | (u64)data[5] << 8) & 0xfff;
	u64 control = HVCALL_MODIFY_VTL_PROTECTION_MASK | reps << 32 | start << 48 |
		      (u64)(data[6] & 0x1) << 16 | (u64)(data[7] & 0x3) << 26;
	memset(fake_guest_mem, 0, sizeof(fake_guest_mem));
	memcpy(fake_guest_mem, data + 8, MIN(size - 8, (size_t)4096));

	vp.in_guest = 0;
	vp.regs.gpr[RCX] = control;
	vp.regs.gpr[RDX] = FAKE_GUEST_GPA;
	vp.regs.gpr[R8] = FAKE_GUEST_GPA + 0x1000;
	vp.regs.gpr[RAX] = 0xdeadULL << 48;
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, 3);
	fake_vmcs_set(VMCS_GUEST_EFER, FAKE_GUEST_EFER);
	fake_vmcs_set(VMCS_GUEST_CS_AR, FAKE_GUEST_CS_AR_64);
	fake_vmcs_set(VMCS_GUEST_SS_AR, FAKE_GUEST_SS_AR);
	fake_vmcs_set(VMCS_CR0_SHADOW, FAKE_GUEST_CR0);
	u64 rip = fake_vmcs_get(VMCS_GUEST_RIP);
	CHECK(vmexit_dispatch(&vp, EXIT_VMCALL) == EXIT_RESUME, "the VP stopped");
	if (fake_vmcs_get(VMCS_GUEST_RIP) == rip)
		return 0; /* continued later, or a fault injected: no result */
	u64 rax = vp.regs.gpr[RAX];
	u16 st = (u16)rax;
	u64 done = (rax >> 32) & 0xfff;
	CHECK(status_ok(st), "status %#x", st);
	CHECK(done <= reps, "%llu reps completed of %llu", (unsigned long long)done,
	      (unsigned long long)reps);
	CHECK(st != HV_STATUS_SUCCESS || done == reps, "success with %llu of %llu",
	      (unsigned long long)done, (unsigned long long)reps);
	if (fake_prot.calls) {
		u8 v = fake_prot.val;
		CHECK(st == HV_STATUS_SUCCESS || st == HV_STATUS_INVALID_PARAMETER ||
			      st == HV_STATUS_INSUFFICIENT_MEMORY,
		      "status %#x after the engine ran", st);
		CHECK(vp.active_vtl == 1 && (state & 6) == 6,
		      "the engine ran for a caller that may not");
		CHECK(v < 16 && (v == 0 || (v & 1)) && ((v >> 3) & 1) == ((v >> 2) & 1),
		      "protection %#x reached the engine", v);
		CHECK(start < reps && fake_prot.n == reps - start, "%u pages for reps %llu..%llu",
		      fake_prot.n, (unsigned long long)start, (unsigned long long)reps);
		CHECK(16 + 8 * reps <= 4096, "%llu pages: beyond the input page",
		      (unsigned long long)reps);
		for (u32 i = 0; i < fake_prot.n && i < 512; i++) {
			u64 g;
			memcpy(&g, fake_guest_mem + 16 + 8 * (start + i), 8);
			CHECK(fake_prot.gpn[i] == g, "page %u is not the guest's", i);
		}
	}
	return 0;
}
