/* SPDX-License-Identifier: MIT */
#include "arch/x86/insn.h"
#include "lib/errno.h"

/* Bytes of ModRM-addressing that follow the ModRM byte (SIB + displacement), SDM vol.2
 * tables 2-1 to 2-3. -1 if more than avail bytes would be needed. */
static int modrm_tail(const u8 *p, size_t avail, u8 modrm, bool addr16)
{
	u8 mod = modrm >> 6, rm = modrm & 7;

	if (mod == 3)
		return 0;
	if (addr16) {
		if (mod == 0)
			return rm == 6 ? 2 : 0;
		return mod == 1 ? 1 : 2;
	}
	int len = 0;
	if (rm == 4) { /* SIB follows */
		if (avail < 1)
			return -1;
		u8 sib = p[0];
		len = 1;
		if (mod == 0 && (sib & 7) == 5)
			return len + 4;
	} else if (mod == 0 && rm == 5) {
		return 4; /* disp32, or RIP-relative in 64-bit mode */
	}
	if (mod == 1)
		len += 1;
	else if (mod == 2)
		len += 4;
	return len;
}

int insn_decode_mov32(const u8 *b, size_t n, enum insn_mode mode, struct insn_store *out)
{
	bool opsize = false, addrsize = false;
	u8 rex = 0;
	size_t i = 0;

	if (n > 15)
		n = 15;
	/* Legacy prefixes, then an optional REX in 64-bit mode (SDM vol.2 2.1, 2.2.1). */
	for (; i < n; i++) {
		u8 c = b[i];
		if (c == 0x66)
			opsize = true;
		else if (c == 0x67)
			addrsize = true;
		else if (c == 0x26 || c == 0x2e || c == 0x36 || c == 0x3e || c == 0x64 || c == 0x65)
			continue;
		else
			break;
	}
	if (i < n && mode == INSN_MODE_64 && (b[i] & 0xf0) == 0x40)
		rex = b[i++];
	if (i + 2 > n)
		return -EINVAL;
	/* Operand size must come out as 32 bits: an APIC register is 32 bits wide. */
	bool size32 = mode == INSN_MODE_16 ? opsize : !opsize;
	if (!size32 || (rex & 0x8))
		return -EINVAL;
	bool addr16 = mode == INSN_MODE_16 ? !addrsize : (mode == INSN_MODE_32 && addrsize);
	u8 op = b[i++], modrm = b[i++];
	if ((modrm >> 6) == 3)
		return -EINVAL; /* register to register: no memory access */
	int tail = modrm_tail(b + i, n - i, modrm, addr16);
	if (tail < 0 || i + (size_t)tail > n)
		return -EINVAL;
	i += (size_t)tail;
	out->size = 4;
	out->is_load = op == 0x8b;
	if (op == 0x89 || op == 0x8b) {
		out->is_imm = false;
		out->reg = (u8)(((modrm >> 3) & 7) | ((rex & 4) ? 8 : 0));
		out->imm = 0;
	} else if (op == 0xc7 && ((modrm >> 3) & 7) == 0) {
		if (i + 4 > n)
			return -EINVAL;
		out->is_imm = true;
		out->reg = 0;
		out->imm = (u32)b[i] | ((u32)b[i + 1] << 8) | ((u32)b[i + 2] << 16) |
			   ((u32)b[i + 3] << 24);
		i += 4;
	} else {
		return -EINVAL;
	}
	out->len = (u8)i;
	return 0;
}

int insn_decode_store(const u8 *b, size_t n, enum insn_mode mode, struct insn_store *out)
{
	int r = insn_decode_mov32(b, n, mode, out);

	return r ? r : out->is_load ? -EINVAL : 0;
}
