/* SPDX-License-Identifier: MIT */
/* The VTL1 test image (tests/guests/vtl1/, flat binary), embedded at build time. */
	.section .rodata
	.balign 4096
	.globl vsm_vtl1_image, vsm_vtl1_image_end
vsm_vtl1_image:
	.incbin VTL1_BIN_PATH
vsm_vtl1_image_end:
	.section .note.GNU-stack, "", @progbits
