/* SPDX-License-Identifier: MIT */
#ifndef ARCH_X86_TLB_H
#define ARCH_X86_TLB_H

#include "lib/types.h"

struct vcpu;

/*
 * Flushes the guest TLB (everything tagged with the VP's VPID, SDM vol.3 31.3 INVVPID) of
 * every VP whose bit is set in mask (bit n = VP index n), and returns when all of them are
 * done or will be before they run guest code again: VPs in guest mode are kicked and waited
 * for; the others flush right before their next VM entry (the in_guest/request Dekker).
 */
void vcpu_flush_tlbs(struct vcpu *self, u64 mask);
/* Right before VM entry (ept_sync_before_entry calls it): a pending flush request. */
void vcpu_tlb_sync_before_entry(struct vcpu *v);

#endif
