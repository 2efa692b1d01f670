/*
 * cmd.h - the cfc command's subcommand table and the helpers its front ends
 * share. A subcommand's main only parses arguments, calls libcf and maps the
 * result to an exit status: 0 success, 1 input rejected, 2 usage, I/O,
 * memory or internal error.
 */
#ifndef CF_CMD_H
#define CF_CMD_H

#include <stdint.h>
#include <stdio.h>

#include <cf/base.h>
#include <cf/format.h>
#include <cf/sign.h>

enum { EXIT_OK = 0, EXIT_REJECTED = 1, EXIT_TROUBLE = 2 };

typedef struct cmd {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
	const char *summary;               /* one line for `cfc help` */
	const char *usage;                 /* the full --help text */
} cmd;

/* Every subcommand, defined in cli/cmd_NAME.c. */
int cmd_compile(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_bundle(int argc, char **argv);
int cmd_unbundle(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_pack_events(int argc, char **argv);

/* The table (cli/main.c); NULL when no such subcommand. */
const cmd *cmd_find(const char *name);
/* The subcommands' table entries, each in its cli/cmd_NAME.c. */
extern const cmd cli_compile, cli_lint, cli_test, cli_dump, cli_keygen, cli_sign, cli_verify,
    cli_bundle, cli_unbundle, cli_run, cli_pack_events;

/*
 * Every line of text cfc prints goes through cf_text_escape(): no control
 * character from an input (a path, a name, a regex, a value, a comment)
 * reaches a terminal or a log. `cfc: error: ...` on stderr, the formatted
 * message escaped:
 */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* `cfc: error: cannot open 'PATH': strerror(err_no)`-style messages. */
void cli_io_error(const char *verb, const char *path, int err_no);
/* `cfc: error: cannot write 'PATH': ...` for an output the file helpers
 * could not write (err_no an errno or CF_EFILE_* value); nothing for
 * EPIPE, a reader that left. */
void cli_write_error(const char *path, int err_no);
/*
 * printf to fp with the result escaped, except for a newline that ends fmt
 * (the line's own end). Text over 1 KiB is formatted in allocated memory;
 * without memory what fits in 1 KiB is printed, then "...".
 */
void cli_printf(FILE *fp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print the usage of sub to fp. */
void cli_usage(FILE *fp, const char *sub);
/* Standard reaction to an unknown option: message + hint, returns 2. */
int cli_bad_usage(const char *sub, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * The reaction to getopt_long() returning '?' (main() sets opterr to 0, so
 * getopt prints nothing raw itself): names the option that was refused,
 * escaped, and why when that is known; returns 2.
 */
int cli_bad_option(const char *sub, int argc, char **argv);

/* Nonzero when diagnostics on stderr should be coloured (a terminal, no NO_COLOR). */
int cli_color(void);
/* Print one diagnostic to stderr, gcc style (cf_diag_format). */
void cli_print_diag(const cf_diag *d);
/* Print one diagnostic made of its parts (line and col 0: none). */
void cli_say(cf_severity sev, const char *code, const char *path, uint32_t line, uint32_t col,
             const char *msg);
/* Print every diagnostic of the list to stderr, in order. */
void cli_print_diags(const cf_diag_list *l);
/* Map a library status to an exit status (CF_ERR_REJECTED and friends: 1). */
int cli_exit_status(cf_status st);
/* fflush + ferror + fclose of stdout; turns a failed write into exit 2. */
int cli_finish(int status);

/* `cfc verify -p PUBKEY BUNDLE` (cli/cmd_unbundle.c): verify a release
 * bundle with pk and print what it holds. Returns an exit status. */
struct cf_pubkey;
int cli_bundle_verify(const struct cf_pubkey *pk, const char *path);

/*
 * A password typed on the controlling terminal (/dev/tty) with echo off:
 * writes prompt to the terminal, reads one line and restores the terminal
 * (also when a signal arrives). CF_ERR_IO (with *err_no) when there is no
 * terminal. On CF_OK the caller frees *pw with cf_key_secret_free().
 */
cf_status cli_password_tty(const char *prompt, char **pw, size_t *pw_len, int *err_no);
/*
 * A password for a secret key: the first line of path when path is not
 * NULL (--password-file or $CFC_PASSWORD_FILE), else typed on the terminal,
 * twice when confirm is set (CF_ERR_REJECTED when the two differ). err says
 * what went wrong in words. On CF_OK the caller frees *pw with
 * cf_key_secret_free().
 */
cf_status cli_password_get(const char *path, int confirm, char **pw, size_t *pw_len,
                           cf_sig_error *err);

/*
 * Load a secret key file, asking for its password only when it is
 * encrypted (pw_file, else $CFC_PASSWORD_FILE, else the terminal). Prints
 * what goes wrong; returns an exit status. On EXIT_OK the caller frees *sk
 * with cf_seckey_free().
 */
int cli_load_seckey(const char *path, const char *pw_file, cf_seckey **sk);
/* Read and parse the public key file at path into *pk (free with
 * cf_pubkey_free()), printing any problem as `cfc: error: PATH: ...`; the
 * one way verify, unbundle and run load -p. Returns an exit status: 1 for
 * a file that is not a valid key (too large, malformed), 2 for one that
 * cannot be read or out of memory. */
int cli_load_pubkey(const char *path, cf_pubkey **pk);
/* The time in seconds since the epoch that environment variable var gives
 * (SOURCE_DATE_EPOCH: creation and signing times; CFC_NOW: the verifier's
 * clock, a test hook), else the clock. -1 when var is set but not a decimal
 * number up to INT64_MAX. */
int cli_env_time(const char *var, uint64_t *t);

/* Parse a decimal integer in [lo, hi] with no junk; 0 on success. */
int cli_parse_u64(const char *s, unsigned long long lo, unsigned long long hi,
                  unsigned long long *out);

/*
 * A buffered reader of an input stream (event files, stdin) with bounded
 * memory: lines of at most `cap` bytes, or exact runs of bytes for binary
 * streams. What it returns points into its buffer and stays valid until the
 * next call.
 */
typedef struct cli_in {
	FILE *fp;
	char *buf;
	size_t size;       /* of buf: cap + a read chunk */
	size_t cap;        /* the longest line (or run) handed out */
	size_t start, end; /* unread bytes: buf[start .. end) */
	int eof;
	FILE *flush; /* if set, flushed before each read, which may wait for input */
} cli_in;

/* 0, or -1 out of memory. fp is read with read(2) on its descriptor, a
 * chunk as soon as it arrives; never through stdio. */
int cli_in_init(cli_in *r, FILE *fp, size_t cap);
void cli_in_free(cli_in *r);
/* The next line, newline dropped: 1 a line, 0 end of input, -1 read error
 * (errno set). A line longer than cap is consumed to its end and returned
 * empty with *too_long set. */
int cli_in_line(cli_in *r, const char **line, size_t *len, int *too_long);
/* The next n (<= cap) bytes: n when read, fewer at end of input (what is
 * left, consumed), -1 read error. */
long cli_in_take(cli_in *r, size_t n, const uint8_t **p);
/* Drop the next n bytes: 0, 1 input ended first, -1 read error. */
int cli_in_skip(cli_in *r, uint64_t n);
/* The next byte without taking it: 0..255, EOF at the end, -2 read error. */
int cli_in_peek(cli_in *r);
/* A line of spaces, tabs and carriage returns only (skipped in event
 * files): 1, else 0. */
int cli_blank_line(const char *s, size_t n);

#endif
