/* SPDX-License-Identifier: MIT */
/*
 * A minimal x86 decoder for the one kind of instruction the hypervisor emulates today: a
 * 32-bit access to a trapped MMIO page (an xAPIC). MOV r/m32, r32 (89 /r) and MOV r/m32,
 * imm32 (C7 /0) store; MOV r32, r/m32 (8B /r) loads; in 16-, 32- and 64-bit code, with
 * legacy and REX prefixes (SDM vol.2 chapter 2). Anything else is refused and the caller
 * fails closed.
 */
#ifndef ARCH_X86_INSN_H
#define ARCH_X86_INSN_H

#include "lib/types.h"

enum insn_mode { INSN_MODE_16 = 2, INSN_MODE_32 = 4, INSN_MODE_64 = 8 };

struct insn_store {
	u8 len;	      /* total instruction length */
	u8 size;      /* operand size in bytes (4 for the forms accepted) */
	bool is_imm;  /* value is imm, else GPR number reg */
	bool is_load; /* a load into GPR reg (insn_decode_mov32 only) */
	u8 reg;	      /* SDM GPR number of the source or destination (with REX.R) */
	u32 imm;
};

/* Decodes bytes[0..n) (n <= 15). 0, or -EINVAL for an instruction we do not emulate. */
int insn_decode_store(const u8 *bytes, size_t n, enum insn_mode mode, struct insn_store *out);
/* The same, loads included (out->is_load). */
int insn_decode_mov32(const u8 *bytes, size_t n, enum insn_mode mode, struct insn_store *out);

#endif
