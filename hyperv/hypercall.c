/* SPDX-License-Identifier: MIT */
/*
 * VMCALL: the hypercall entry. The TLFS hypercall engine comes with the TLFS surface; until
 * then every well-formed call answers HV_STATUS_INVALID_HYPERCALL_CODE.
 */
#include "arch/x86/intrin.h"
#include "arch/x86/vmexit.h"
#include "boot/bootinfo.h"
#include "hyperv/hv.h"

struct hv_vp_stats hv_stats[BOOTINFO_MAX_CPUS]; /* [vp index]; each owned by its VP's CPU */

int hv_exit_vmcall(struct vcpu *v, struct vmx_exit *e)
{
	u64 t0 = rdtsc();
	u32 code = (u32)(v->regs.gpr[RCX] & 0xffff);
	struct hv_vp_stats *st = &hv_stats[v->index];

	st->count[code < HV_STATS_CODES ? code : HV_STATS_CODES - 1]++;
	/* TLFS "Hypercall Interface": only CPL 0 in protected or long mode may call; #UD
	 * otherwise, as on hardware without a hypervisor. */
	if (vcpu_real_mode() || vcpu_cpl() != 0) {
		vcpu_inject_ud(v);
		return EXIT_RESUME;
	}
	v->regs.gpr[RAX] = HV_STATUS_INVALID_HYPERCALL_CODE;
	vcpu_skip_instr(v, e);
	st->cycles[code < HV_STATS_CODES ? code : HV_STATS_CODES - 1] += rdtsc() - t0;
	return EXIT_RESUME;
}
