# Host unit tests for mm/ and the two page-table formats (see the top Makefile's unit_rule).
UNIT_TESTS += test_pmm test_pt test_pt_random test_mirror test_ept_prot

test_pmm_SRCS := tests/unit/test_pmm.c mm/pmm.c mm/phys.c lib/bitmap.c

TEST_PT_COMMON := tests/unit/test_pt_util.c mm/pt.c mm/phys.c arch/x86/paging_host.c \
        arch/x86/ept_format.c
test_pt_SRCS := tests/unit/test_pt.c $(TEST_PT_COMMON)
test_pt_random_SRCS := tests/unit/test_pt_random.c $(TEST_PT_COMMON)
test_mirror_SRCS := tests/unit/test_mirror.c tests/unit/test_pt_util.c mm/mirror.c mm/phys.c
test_ept_prot_SRCS := tests/unit/test_ept_prot.c tests/unit/test_pt_util.c arch/x86/ept_prot.c \
        arch/x86/ept_format.c mm/mirror.c mm/pt.c mm/phys.c
