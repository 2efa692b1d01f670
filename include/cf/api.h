/*
 * api.h - CF_API marks what libcf exports.
 *
 * libcf is built with -fvisibility=hidden and the installed libcf.a is one
 * partial link whose hidden symbols are made local (the Makefile's $(LIBCF)
 * rule; docs/architecture.md, "Headers"), so only the functions the public
 * headers in include/cf/ declare with CF_API can be linked against;
 * everything else, what the internal headers declare included, stays
 * inside the library.
 */
#ifndef CF_API_H
#define CF_API_H

#if defined(__GNUC__) || defined(__clang__)
#define CF_API __attribute__((visibility("default")))
#else
#define CF_API
#endif

#endif
