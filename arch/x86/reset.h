/* SPDX-License-Identifier: MIT */
#ifndef ARCH_X86_RESET_H
#define ARCH_X86_RESET_H

/* Resets the machine the way firmware and OSes do; returns only if every way failed. */
void platform_reset(void);

#endif
