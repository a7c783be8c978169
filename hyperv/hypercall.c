/* SPDX-License-Identifier: MIT */
/*
 * VMCALL: the hypercall entry. The TLFS hypercall engine comes with the TLFS surface; until
 * then every well-formed call answers HV_STATUS_INVALID_HYPERCALL_CODE.
 */
#include "arch/x86/intrin.h"
#include "arch/x86/vmexit.h"
#include "hyperv/hv.h"

int hv_exit_vmcall(struct vcpu *v, struct vmx_exit *e)
{
	/* TLFS "Hypercall Interface": only CPL 0 in protected or long mode may call; #UD
	 * otherwise, as on hardware without a hypervisor. */
	if (vcpu_real_mode() || vcpu_cpl() != 0) {
		vcpu_inject_ud(v);
		return EXIT_RESUME;
	}
	v->regs.gpr[RAX] = HV_STATUS_INVALID_HYPERCALL_CODE;
	vcpu_skip_instr(v, e);
	return EXIT_RESUME;
}
