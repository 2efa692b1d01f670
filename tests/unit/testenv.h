/*
 * testenv.h - what kind of run a unit test is in.
 *
 * The unit binaries run three ways (docs/hardening.md): in the normal build
 * (make check), in the ASan + UBSan build (make asan) and under valgrind
 * (make valgrind, which sets CFC_VALGRIND=1). Tests at the size caps run
 * once, in the normal build; long loops over generated inputs take a sample
 * under valgrind, where each step costs some 30 times more.
 */
#ifndef CF_TESTENV_H
#define CF_TESTENV_H

#include <stddef.h>

/* 1 in the normal build run natively; 0 under a sanitizer or valgrind. */
int testenv_normal_build(void);
/* 1 when the binary runs under valgrind (CFC_VALGRIND=1). */
int testenv_valgrind(void);
/* Every how many items a long loop should try: 1, or 16 under valgrind. */
size_t testenv_stride(void);

#endif
