/* SPDX-License-Identifier: MIT */
/*
 * Host builds only: give the project's libc-named functions a lib_ prefix.
 *
 * A host unit test links lib/mem.c, lib/string.c and lib/printf.c into the same binary as
 * glibc. Without renaming, our memcpy or vsnprintf would replace glibc's (and ASan's
 * interceptors) for the whole process, and a test comparing the two would compare our code
 * with itself. Under VTLVISOR_HOST every lib header that declares one of these names includes
 * this file, so lib code and tests call lib_memcpy etc.; calls the compiler emits on
 * its own (struct copies) still go to glibc. Core and loader builds see the plain names.
 *
 * A test that wants glibc's versions next to ours includes the system headers, then the lib
 * headers, then #undefs the names it needs (see tests/unit/test_mem_string.c).
 *
 * No include guard of its own: each section is armed once by the header that includes it
 * (lib/string.h: mem* and str*; lib/printf.h: the printf family), so including one header
 * does not rename the other's functions.
 */
#ifdef VTLVISOR_HOST

#if defined(LIB_STRING_H) && !defined(LIB_LIBC_NAMES_STRING)
#define LIB_LIBC_NAMES_STRING
#define memset lib_memset
#define memcpy lib_memcpy
#define memmove lib_memmove
#define memcmp lib_memcmp
#define strlen lib_strlen
#define strnlen lib_strnlen
#define strcmp lib_strcmp
#define strncmp lib_strncmp
#define strchr lib_strchr
#define strlcpy lib_strlcpy
#endif

#if defined(LIB_PRINTF_H) && !defined(LIB_LIBC_NAMES_PRINTF)
#define LIB_LIBC_NAMES_PRINTF
#define vsnprintf lib_vsnprintf
#define snprintf lib_snprintf
#endif

#endif /* VTLVISOR_HOST */
