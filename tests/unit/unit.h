/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * unit.h: a tiny test harness printing TAP-like lines.
 *
 *	ok(cond, "what it shows", ...)
 *	is_int(got, want, "what it shows", ...)
 *	is_str(got, want, "what it shows", ...)
 *	return unit_done();
 *
 * Each check prints "ok N - what" or "not ok N - what" with what it got;
 * unit_done() prints the plan and "N passed, N failed", the line that
 * tests/check.sh adds up, and returns the exit code: 1 on any failure.
 */
#ifndef DDA_UNIT_H
#define DDA_UNIT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static unsigned int unit_passed, unit_failed;

static inline __attribute__((format(printf, 4, 0)))
bool unit_check(bool pass, const char *file, int line, const char *fmt,
		va_list ap)
{
	printf("%s %u - ", pass ? "ok" : "not ok",
	       unit_passed + unit_failed + 1);
	vprintf(fmt, ap);
	putchar('\n');
	if (pass) {
		unit_passed++;
	} else {
		unit_failed++;
		printf("#   at %s:%d\n", file, line);
	}
	fflush(stdout);
	return pass;
}

static inline __attribute__((format(printf, 4, 5)))
bool unit_ok(bool pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	unit_check(pass, file, line, fmt, ap);
	va_end(ap);
	return pass;
}

static inline __attribute__((format(printf, 5, 6)))
bool unit_is_int(long long got, long long want, const char *file, int line,
		 const char *fmt, ...)
{
	bool pass = got == want;
	va_list ap;

	va_start(ap, fmt);
	unit_check(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass)
		printf("#   got %lld, want %lld\n", got, want);
	return pass;
}

static inline __attribute__((format(printf, 5, 6)))
bool unit_is_str(const char *got, const char *want, const char *file,
		 int line, const char *fmt, ...)
{
	bool pass = got && want ? !strcmp(got, want) : got == want;
	va_list ap;

	va_start(ap, fmt);
	unit_check(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass)
		printf("#   got \"%s\", want \"%s\"\n", got ? got : "(null)",
		       want ? want : "(null)");
	return pass;
}

static inline int unit_done(void)
{
	printf("1..%u\n", unit_passed + unit_failed);
	printf("%u passed, %u failed\n", unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}

#define ok(cond, ...) \
	unit_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) \
	unit_is_int((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) \
	unit_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)

/*
 * ask(request) (a test's own, returning a string to free()) answers with
 * this beginning, or is this whole, without "...".
 */
#define is_answer(request, want, what) do {				\
	char *got_ = ask(request);					\
	size_t n_ = strlen(want);					\
	if (n_ > 3 && !strcmp((want) + n_ - 3, "...")) {		\
		if (!ok(!strncmp(got_, want, n_ - 3), "%s", what))	\
			printf("#   got %s\n", got_);			\
	} else {							\
		is_str(got_, want, "%s", what);				\
	}								\
	free(got_);							\
} while (0)

#endif /* DDA_UNIT_H */
