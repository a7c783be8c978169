/* SPDX-License-Identifier: MIT */
/*
 * Inside check group vsm (vsm_check.c: privileges, GetVpRegisters, enabling; vsm_vtl1_check.c:
 * the round trips through the VTL1 test image, on the BSP and on the APs, and the stress;
 * vsm_irq_check.c: VTL1's local APIC and interrupts into VTL1).
 */
#ifndef TESTS_GUESTS_VSM_CHECK_H
#define TESTS_GUESTS_VSM_CHECK_H

#include "tests/guests/report.h"
#include "tests/guests/vsm.h"
#include "tests/guests/vtl0test.h"

/* The group's state. Owned by the BSP; the APs read it while they run ap procedures. */
struct vsm_state {
	struct vt0_ctx *ctx;
	struct vsm v;
	u32 vp;	       /* the BSP's VP index */
	u32 loops;     /* VTL call/return round trips of vsm.stress */
	bool msrs_set; /* VTL0's synthetic MSRs were written by the group */
	void *ap_done; /* the APs' procedure: its event (EFI_EVENT) while they serve, or NULL */
	/* VTL0's own synthetic MSRs, as set up by the group: they must survive VTL1. */
	u64 os_id, hc_msr, assist_msr;
};

/* #UDs caught on the BSP at a VMCALL (and skipped) since the group started, and the last
 * one's RIP. */
u32 vt0_vsm_uds(u64 *rip);

/* Reports checks first..last of the group (last NULL: to the end) as SKIP (skip) or FAIL:
 * why. */
void vt0_vsm_rest(const char *first, const char *last, bool skip, const char *why);

/* vsm_vtl1_check.c: the round trips on the BSP. Returns false when VTL1 could not be
 * reached (the rest of the group is then reported). */
bool vt0_vsm_check_vtl1(struct vsm_state *s);

/*
 * Round-trip helpers (vsm_vtl1_check.c), usable on any CPU (no firmware service).
 * vt0_vsm_call: one VTL call into VP vp's VTL1 with command cmd and return mode mode
 * (vtl1_abi.h); VTL0's GPRs carry GPR i = p + i * VSM_PAT_STEP, RCX = 0 (the input).
 */
#define VSM_VTL_CALL_RCX HVCALL_VTL_CALL     /* RCX at the call stub's VMCALL */
#define VSM_VTL_RETURN_RCX HVCALL_VTL_RETURN /* RCX at the return stub's VMCALL */
#define VSM_PAT_STEP ((u64)0x0000000100010001)
/* VTL0's pattern for call n on VP vp. */
u64 vt0_vsm_pat(u32 vp, u32 n);
void vt0_vsm_call(const struct vsm_state *s, u32 vp, u32 cmd, u32 mode, u64 p, struct vsm_regs *r);
/* Every round trip: VTL1 finished the command without an error; VTL0's RSP, RFLAGS back. */
void vt0_vsm_check_common(struct why *w, const struct vtl1_cpu *c, const struct vsm_regs *r);
/* VTL1 was entered with RAX 0, RCX 0x11, VTL0's pattern p and RSP = top. */
void vt0_vsm_check_entry(struct why *w, const struct vtl1_cpu *c, u64 p, u64 top);
/* VTL0 got RAX, RCX and GPR i = base + i * step back. */
void vt0_vsm_check_back(struct why *w, const struct vsm_regs *r, u64 rax, u64 rcx, u64 base,
			u64 step);

/* vsm_mp_check.c: VTL1 on the APs (enabled by VTL1, entered from each AP), the stress.
 * vt0_vsm_check_aps leaves the APs serving vsm_irq_check.c's agent requests;
 * vt0_vsm_release_aps lets them go back to the firmware. */
void vt0_vsm_check_aps(struct vsm_state *s);
void vt0_vsm_release_aps(struct vsm_state *s);
void vt0_vsm_check_stress(struct vsm_state *s);

/*
 * vsm_irq_check.c: VTL1's own local APIC and interrupts into VTL1. vt0_vsm_agent runs on an
 * AP (from its vsm.ap procedure) and serves the BSP's requests until vt0_vsm_irq_release
 * (true when every agent left) or until it has been idle for a long time.
 */
void vt0_vsm_check_irq(struct vsm_state *s);
/* vsm_intercept_check.c: secure register intercepts on the BSP (VTL1's APIC set up). */
void vt0_vsm_check_intercepts(struct vsm_state *s);
void vt0_vsm_agent(const struct vsm_state *s, u32 vp);
bool vt0_vsm_irq_release(void);
/*
 * For the checks that follow the irq checks (while the agents still serve): the VP of the
 * other VP's agent (~0 when there is none, or it stopped answering); fn(arg) run there
 * (vt0_vsm_agent_wait waits for it when wait is false). False when it did not run or answer.
 */
u32 vt0_vsm_agent_vp(void);
bool vt0_vsm_agent_run(void (*fn)(void *), void *arg, bool wait);
bool vt0_vsm_agent_wait(void);

/* vsm_prot_check.c: VTL memory protections and GPA intercepts (vsm.prot.*); run while the
 * agents serve, after the irq checks. */
void vt0_vsm_check_prot(struct vsm_state *s);

#endif
