/* testenv.c - see testenv.h. */
#include "testenv.h"

#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define TESTENV_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TESTENV_SANITIZED 1
#endif
#endif
#ifndef TESTENV_SANITIZED
#define TESTENV_SANITIZED 0
#endif

int testenv_valgrind(void)
{
	const char *v = getenv("CFC_VALGRIND");
	return v && strcmp(v, "1") == 0;
}

int testenv_normal_build(void)
{
	return !TESTENV_SANITIZED && !testenv_valgrind();
}

size_t testenv_stride(void)
{
	return testenv_valgrind() ? 16 : 1;
}
