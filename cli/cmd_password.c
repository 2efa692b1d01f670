/*
 * cmd_password.c - passwords for secret keys, for the front ends: from a
 * file (--password-file, $CFC_PASSWORD_FILE) or typed on the controlling
 * terminal with echo off. Terminal I/O lives here, not in libcf.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <stdlib.h>

#include <sodium.h>

#include "cli/cmd.h"

__attribute__((format(printf, 4, 5))) static cf_status
fail(cf_sig_error *err, cf_status st, cf_sig_check check, const char *fmt, ...)
{
	if (err) {
		err->status = st;
		err->check = check;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof err->message, fmt, ap);
		va_end(ap);
	}
	return st;
}

/* The signal that interrupted a terminal read, so it can be re-raised once
 * the terminal echoes again. */
static volatile sig_atomic_t caught_signal;

static void on_signal(int sig)
{
	caught_signal = sig;
}

cf_status cli_password_tty(const char *prompt, char **pw, size_t *pw_len, int *err_no)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGQUIT, SIGHUP};
	struct sigaction old[sizeof sigs / sizeof sigs[0]];
	struct termios saved, quiet;
	char *buf = NULL;
	int fd = -1, restored = 1, handlers = 0;
	size_t n = 0;
	cf_status st = CF_ERR_IO;

	*pw = NULL;
	*pw_len = 0;
	*err_no = 0;
	if (cf_sig_init() != CF_OK)
		return CF_ERR_INTERNAL;
	buf = sodium_malloc(CF_PASSWORD_MAX + 1);
	if (!buf)
		return CF_ERR_NOMEM;
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 ||
	    tcgetattr(fd, &saved) != 0) {
		*err_no = errno;
		goto out;
	}
	caught_signal = 0;
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(sigs[i], &sa, &old[i]); /* no SA_RESTART: read() returns */
		handlers++;
	}
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL | ICANON;
	/* TCSANOW, not TCSAFLUSH: a password typed ahead (or fed through a
	 * pseudo-terminal by a script) is kept, not discarded. */
	if (tcsetattr(fd, TCSANOW, &quiet) != 0) {
		*err_no = errno;
		goto out;
	}
	restored = 0;
	if (write(fd, prompt, strlen(prompt)) < 0) {
		*err_no = errno;
		goto out;
	}
	int too_long = 0;
	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR && !caught_signal)
			continue;
		if (r < 0) {
			*err_no = errno;
			goto out;
		}
		if (r == 0 || c == '\n')
			break;
		if (n == CF_PASSWORD_MAX)
			too_long = 1;
		else
			buf[n++] = c;
		sodium_memzero(&c, sizeof c);
	}
	if (too_long) {
		st = CF_ERR_LIMIT;
		goto out;
	}
	buf[n] = 0;
	*pw = buf;
	*pw_len = n;
	buf = NULL;
	st = CF_OK;
out:
	if (!restored)
		(void)tcsetattr(fd, TCSANOW, &saved);
	for (size_t i = 0; i < (size_t)handlers; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (fd >= 0)
		close(fd);
	cf_key_secret_free(buf);
	if (caught_signal)
		raise(caught_signal);
	return st;
}

cf_status cli_password_get(const char *path, int confirm, char **pw, size_t *pw_len,
                           cf_sig_error *err)
{
	char *first = NULL, *second = NULL;
	size_t first_len = 0, second_len = 0;
	int err_no = 0;
	cf_status st;

	*pw = NULL;
	*pw_len = 0;
	if (path) {
		st = cf_key_password_file(path, &first, &first_len, &err_no);
		if (st == CF_ERR_IO)
			return fail(err, st, CF_SIG_CHECK_PASSWORD,
			            "cannot read the password file '%s': %s", path,
			            strerror(err_no ? err_no : EIO));
		if (st == CF_ERR_LIMIT)
			return fail(err, st, CF_SIG_CHECK_PASSWORD,
			            "password file '%s': the first line is longer than %u "
			            "bytes",
			            path, CF_PASSWORD_MAX);
		if (st == CF_ERR_INVALID)
			return fail(err, st, CF_SIG_CHECK_PASSWORD,
			            "password file '%s': the first line has a NUL byte", path);
		if (st != CF_OK)
			return fail(err, st, CF_SIG_CHECK_PASSWORD,
			            "cannot read the password file '%s': %s", path,
			            cf_strerror(st));
		*pw = first;
		*pw_len = first_len;
		return CF_OK;
	}
	st = cli_password_tty("Password: ", &first, &first_len, &err_no);
	if (st == CF_OK && confirm)
		st = cli_password_tty("Password (again): ", &second, &second_len, &err_no);
	if (st == CF_ERR_IO) {
		st = fail(err, st, CF_SIG_CHECK_PASSWORD,
		          "cannot read a password from the terminal (%s); use "
		          "--password-file FILE or CFC_PASSWORD_FILE",
		          strerror(err_no ? err_no : EIO));
		goto out;
	}
	if (st == CF_ERR_LIMIT) {
		st = fail(err, st, CF_SIG_CHECK_PASSWORD, "password longer than %u bytes",
		          CF_PASSWORD_MAX);
		goto out;
	}
	if (st != CF_OK) {
		st = fail(err, st, CF_SIG_CHECK_PASSWORD, "cannot read the password: %s",
		          cf_strerror(st));
		goto out;
	}
	if (confirm && (first_len != second_len || sodium_memcmp(first, second, first_len) != 0)) {
		st =
		    fail(err, CF_ERR_REJECTED, CF_SIG_CHECK_PASSWORD, "the passwords do not match");
		goto out;
	}
	*pw = first;
	*pw_len = first_len;
	first = NULL;
out:
	cf_key_secret_free(first);
	cf_key_secret_free(second);
	return st;
}

int cli_load_pubkey(const char *path, cf_pubkey **pk)
{
	uint8_t *text = NULL;
	size_t len = 0;
	int err_no = 0;
	cf_status st = cf_file_read(path, CF_KEY_FILE_MAX, &text, &len, &err_no);
	if (st == CF_ERR_IO) {
		cli_io_error("read", path, err_no);
		return EXIT_TROUBLE;
	}
	if (st == CF_ERR_LIMIT) {
		cli_error("%s: public key file larger than %u bytes", path, CF_KEY_FILE_MAX);
		return EXIT_REJECTED;
	}
	if (st != CF_OK) {
		cli_error("%s: %s", path, cf_strerror(st));
		return EXIT_TROUBLE;
	}
	cf_sig_error err;
	memset(&err, 0, sizeof err);
	st = cf_pubkey_parse((const char *)text, len, pk, &err);
	free(text);
	if (st != CF_OK) {
		cli_error("%s: %s", path, err.message);
		return st == CF_ERR_SIGNATURE ? EXIT_REJECTED : EXIT_TROUBLE;
	}
	return EXIT_OK;
}

int cli_load_seckey(const char *path, const char *pw_file, cf_seckey **sk)
{
	char *text = NULL, *pw = NULL;
	size_t len = 0, pw_len = 0;
	int err_no = 0, encrypted = 0, status = EXIT_TROUBLE;
	cf_sig_error err;
	cf_status st = cf_key_file_read(path, CF_KEY_FILE_MAX, &text, &len, &err_no);
	if (st == CF_ERR_IO) {
		cli_io_error("read", path, err_no);
		goto out;
	}
	if (st == CF_ERR_LIMIT) {
		cli_error("%s: larger than %u bytes: not a secret key file", path, CF_KEY_FILE_MAX);
		status = EXIT_REJECTED;
		goto out;
	}
	if (st != CF_OK) {
		cli_error("%s: %s", path, cf_strerror(st));
		goto out;
	}
	if ((st = cf_seckey_encrypted(text, len, &encrypted, &err)) != CF_OK) {
		cli_error("%s: %s", path, err.message);
		status = st == CF_ERR_SIGNATURE ? EXIT_REJECTED : EXIT_TROUBLE;
		goto out;
	}
	if (encrypted) {
		if (!pw_file) {
			const char *env = getenv("CFC_PASSWORD_FILE");
			if (env && *env)
				pw_file = env;
		}
		if ((st = cli_password_get(pw_file, 0, &pw, &pw_len, &err)) != CF_OK) {
			cli_error("%s", err.message);
			goto out;
		}
	}
	st = cf_seckey_parse(text, len, pw, pw_len, sk, &err);
	if (st != CF_OK) {
		cli_error("%s: %s", path, err.message);
		status = st == CF_ERR_SIGNATURE ? EXIT_REJECTED : EXIT_TROUBLE;
		goto out;
	}
	status = EXIT_OK;
out:
	cf_key_secret_free(text);
	cf_key_secret_free(pw);
	return status;
}
