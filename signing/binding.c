/*
 * binding.c - the trusted comment that binds a signature to one channel
 * file, and signing and verifying channel files with it.
 *
 * The trusted comment is covered by the global signature, so once that
 * verifies its text is authentic; what remains is to check that it
 * describes the file it sits beside:
 *
 *   timestamp:1721361240<TAB>file:c291.cf<TAB>channel:291<TAB>version:42
 *   <TAB>template:ipc-named-pipe<TAB>fingerprint:<64 hex><TAB>fields:21
 *
 * channel, version, template, fingerprint and fields must equal the header
 * of the verified file. file is informational: files are renamed by users
 * and by bundles, and the header, not the name, says what the file is.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "signing/sig_int.h"

enum {
	KEY_TIMESTAMP,
	KEY_FILE,
	KEY_CHANNEL,
	KEY_VERSION,
	KEY_TEMPLATE,
	KEY_FINGERPRINT,
	KEY_FIELDS,
	KEY_COUNT
};

static const char *const key_names[KEY_COUNT] = {
    "timestamp", "file", "channel", "version", "template", "fingerprint", "fields",
};

/* One key:value item; sets the field of b and the seen bit. */
static cf_status parse_item(const char *p, size_t len, unsigned index, cf_sig_binding *b,
                            unsigned *seen, cf_sig_error *err)
{
	const cf_sig_check chk = CF_SIG_CHECK_BINDING;
	const char *colon = memchr(p, ':', len);
	if (!colon)
		return cf_sig_fail(err, CF_ERR_SIGNATURE, chk,
		                   "trusted comment: item %u \"%.*s\" is not key:value (not a cfc "
		                   "channel-file signature?)",
		                   index, (int)(len > 40 ? 40 : len), p);
	size_t klen = (size_t)(colon - p);
	const char *v = colon + 1;
	size_t vlen = len - klen - 1;
	int key = -1;
	for (int k = 0; k < KEY_COUNT; k++)
		if (strlen(key_names[k]) == klen && memcmp(key_names[k], p, klen) == 0)
			key = k;
	if (key < 0)
		return cf_sig_fail(err, CF_ERR_SIGNATURE, chk,
		                   "trusted comment: unknown key \"%.*s\"",
		                   (int)(klen > 40 ? 40 : klen), p);
	if (*seen & (1u << key))
		return cf_sig_fail(err, CF_ERR_SIGNATURE, chk,
		                   "trusted comment: duplicate key \"%s\"", key_names[key]);
	*seen |= 1u << key;
	uint64_t n = 0;
	switch (key) {
	case KEY_TIMESTAMP:
		if (cf_dec_parse(v, vlen, UINT64_MAX, &n) != 0)
			goto bad_value;
		b->timestamp = n;
		break;
	case KEY_FILE:
		if (vlen == 0 || cf_sig_text_bad(v, vlen))
			goto bad_value;
		b->file.ptr = v;
		b->file.len = vlen;
		break;
	case KEY_CHANNEL:
		if (cf_dec_parse(v, vlen, UINT32_MAX, &n) != 0 || n == 0)
			goto bad_value;
		b->channel = (uint32_t)n;
		break;
	case KEY_VERSION:
		if (cf_dec_parse(v, vlen, INT64_MAX, &n) != 0 || n == 0)
			goto bad_value;
		b->content_version = n;
		break;
	case KEY_TEMPLATE:
		if (!cf_name_valid_template(v, vlen))
			goto bad_value;
		b->template_name.ptr = v;
		b->template_name.len = vlen;
		break;
	case KEY_FINGERPRINT:
		if (cf_hex_decode(v, vlen, b->fingerprint, CF_FINGERPRINT_SIZE) != 0)
			goto bad_value;
		break;
	case KEY_FIELDS:
		if (cf_dec_parse(v, vlen, CF_MAX_FIELDS, &n) != 0)
			goto bad_value;
		b->field_count = (uint16_t)n;
		break;
	}
	return CF_OK;
bad_value:
	return cf_sig_fail(err, CF_ERR_SIGNATURE, chk, "trusted comment: bad %s value \"%.*s\"",
	                   key_names[key], (int)(vlen > 80 ? 80 : vlen), v);
}

cf_status cf_sig_binding_parse(const char *text, size_t len, cf_sig_binding *b, cf_sig_error *err)
{
	unsigned seen = 0, index = 1;
	size_t off = 0;
	memset(b, 0, sizeof *b);
	if (len == 0)
		return cf_sig_fail(err, CF_ERR_SIGNATURE, CF_SIG_CHECK_BINDING,
		                   "the trusted comment is empty (not a cfc channel-file "
		                   "signature?)");
	for (;;) {
		const char *tab = memchr(text + off, '\t', len - off);
		size_t end = tab ? (size_t)(tab - text) : len;
		cf_status st = parse_item(text + off, end - off, index, b, &seen, err);
		if (st != CF_OK)
			return st;
		if (!tab)
			break;
		off = end + 1;
		index++;
	}
	for (int k = 0; k < KEY_COUNT; k++)
		if (!(seen & (1u << k)))
			return cf_sig_fail(err, CF_ERR_SIGNATURE, CF_SIG_CHECK_BINDING,
			                   "the trusted comment has no \"%s\" (not a cfc "
			                   "channel-file signature?)",
			                   key_names[k]);
	return CF_OK;
}

cf_status cf_sig_binding_format(const cf_header *hdr, const char *file_name, uint64_t timestamp,
                                char **out, size_t *out_len)
{
	char fp[2 * CF_FINGERPRINT_SIZE + 1];
	*out = NULL;
	*out_len = 0;
	size_t flen = strlen(file_name);
	if (flen == 0 || cf_sig_text_bad(file_name, flen))
		return CF_ERR_INVALID;
	if (!cf_name_valid_template(hdr->template_name.ptr, hdr->template_name.len))
		return CF_ERR_INVALID;
	cf_hex_encode(hdr->fingerprint, CF_FINGERPRINT_SIZE, fp);
	const char *fmt = "timestamp:%" PRIu64 "\tfile:%s\tchannel:%" PRIu32 "\tversion:%" PRIu64
	                  "\ttemplate:%.*s\tfingerprint:%s\tfields:%u";
	int n = snprintf(NULL, 0, fmt, timestamp, file_name, hdr->channel, hdr->content_version,
	                 (int)hdr->template_name.len, hdr->template_name.ptr, fp,
	                 (unsigned)hdr->field_count);
	if (n < 0)
		return CF_ERR_INTERNAL;
	if ((size_t)n > CF_SIG_TRUSTED_MAX)
		return CF_ERR_LIMIT;
	char *text = malloc((size_t)n + 1);
	if (!text)
		return CF_ERR_NOMEM;
	snprintf(text, (size_t)n + 1, fmt, timestamp, file_name, hdr->channel, hdr->content_version,
	         (int)hdr->template_name.len, hdr->template_name.ptr, fp,
	         (unsigned)hdr->field_count);
	*out = text;
	*out_len = (size_t)n;
	return CF_OK;
}

/* The header the signature was made for must be the header of this file. */
static cf_status binding_check(const cf_sig_binding *b, const cf_header *h, cf_sig_error *err)
{
	const cf_sig_check chk = CF_SIG_CHECK_BINDING;
	if (b->channel != h->channel)
		return cf_sig_fail(err, CF_ERR_SIGNATURE, chk,
		                   "signed for channel %" PRIu32
		                   ", but the file is channel %" PRIu32,
		                   b->channel, h->channel);
	if (b->content_version != h->content_version)
		return cf_sig_fail(err, CF_ERR_SIGNATURE, chk,
		                   "signed for content version %" PRIu64
		                   ", but the file is version %" PRIu64,
		                   b->content_version, h->content_version);
	if (b->template_name.len != h->template_name.len ||
	    memcmp(b->template_name.ptr, h->template_name.ptr, b->template_name.len) != 0)
		return cf_sig_fail(err, CF_ERR_SIGNATURE, chk,
		                   "signed for template \"%.*s\", but the file is for \"%.*s\"",
		                   (int)b->template_name.len, b->template_name.ptr,
		                   (int)(h->template_name.len > 64 ? 64 : h->template_name.len),
		                   h->template_name.ptr);
	if (memcmp(b->fingerprint, h->fingerprint, CF_FINGERPRINT_SIZE) != 0) {
		char want[2 * CF_FINGERPRINT_SIZE + 1], got[2 * CF_FINGERPRINT_SIZE + 1];
		cf_hex_encode(b->fingerprint, CF_FINGERPRINT_SIZE, want);
		cf_hex_encode(h->fingerprint, CF_FINGERPRINT_SIZE, got);
		return cf_sig_fail(err, CF_ERR_SIGNATURE, chk,
		                   "signed for template fingerprint %.16s..., but the file has "
		                   "%.16s...",
		                   want, got);
	}
	if (b->field_count != h->field_count)
		return cf_sig_fail(err, CF_ERR_SIGNATURE, chk,
		                   "signed for a field count of %u, but the file has %u",
		                   (unsigned)b->field_count, (unsigned)h->field_count);
	return CF_OK;
}

static cf_status format_fail(cf_sig_error *err, const cf_verify_error *verr)
{
	cf_status st = verr->status != CF_OK ? verr->status : CF_ERR_CORRUPT;
	return cf_sig_fail(err, st, CF_SIG_CHECK_FORMAT, "offset 0x%" PRIx64 ": %s", verr->offset,
	                   verr->message);
}

cf_status cf_sig_sign_channel(const cf_seckey *sk, const uint8_t *buf, size_t len,
                              const char *file_name, uint64_t timestamp, char **out,
                              size_t *out_len, cf_sig_error *err)
{
	cf_view view;
	cf_verify_error verr;
	char *tc = NULL;
	size_t tc_len = 0;
	cf_status st;

	*out = NULL;
	*out_len = 0;
	memset(&verr, 0, sizeof verr);
	if (cf_verify(buf, len, &view, &verr) != CF_OK)
		return format_fail(err, &verr);
	st = cf_sig_binding_format(&view.hdr, file_name, timestamp, &tc, &tc_len);
	if (st == CF_ERR_NOMEM)
		return cf_sig_fail(err, st, CF_SIG_CHECK_NONE, "out of memory");
	if (st != CF_OK)
		return cf_sig_fail(err, st, CF_SIG_CHECK_BINDING,
		                   "cannot put the file name in a trusted comment: it is empty, "
		                   "too long, not UTF-8 or has a control character");
	st = cf_sig_sign(sk, buf, len, tc, NULL, out, out_len, err);
	free(tc);
	return st;
}

/* The format verifier of one file, run beside the signature's hash. */
typedef struct format_job {
	const uint8_t *buf;
	size_t len;
	cf_view view;
	cf_verify_error verr;
	cf_status st;
} format_job;

static void *format_run(void *arg)
{
	format_job *j = arg;
	j->st = cf_verify(j->buf, j->len, &j->view, &j->verr);
	return NULL;
}

/* From this size on, the format verifier runs on a second thread while
 * this one hashes the file for the signature (both only read buf), so a
 * large file takes about the hash's time. Smaller files are not worth a
 * thread. */
#define PARALLEL_VERIFY_MIN ((size_t)4 << 20)

/* After the signature: the format verifier's result (job, run already),
 * then the binding. */
static cf_status channel_rest(const cf_sig *sig, const format_job *job, cf_view *view,
                              cf_sig_binding *binding, cf_sig_error *err)
{
	cf_sig_binding b;
	cf_status st;
	if (job->st != CF_OK)
		return format_fail(err, &job->verr);
	if ((st = cf_sig_binding_parse(sig->trusted, sig->trusted_len, &b, err)) != CF_OK)
		return st;
	if ((st = binding_check(&b, &job->view.hdr, err)) != CF_OK)
		return st;
	if (view)
		*view = job->view;
	if (binding)
		*binding = b;
	return CF_OK;
}

cf_status cf_sig_verify_channel(const cf_pubkey *pk, const cf_sig *sig, const uint8_t *buf,
                                size_t len, unsigned flags, cf_view *view, cf_sig_binding *binding,
                                cf_sig_error *err)
{
	format_job job;
	cf_status st;
	pthread_t th;

	memset(&job, 0, sizeof job);
	job.buf = buf;
	job.len = len;
	/* Both results are computed; they are reported in the documented
	 * order: signature first, then the format verifier, then the binding. */
	int threaded =
	    len >= PARALLEL_VERIFY_MIN && pthread_create(&th, NULL, format_run, &job) == 0;
	st = cf_sig_verify(pk, sig, buf, len, flags, err);
	if (threaded)
		pthread_join(th, NULL);
	if (st != CF_OK)
		return st;
	if (!threaded)
		format_run(&job);
	return channel_rest(sig, &job, view, binding, err);
}

/* ---- Reading, hashing and verifying at once ------------------------------- */

/* The reader thread reads this much at a time and then says so. */
#define READ_CHUNK ((size_t)1 << 20)

typedef struct reader {
	int fd;
	uint8_t *buf;
	size_t size; /* the file's size when it was opened */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t got; /* under mu: bytes read so far */
	int done;   /* under mu: the reader is finished */
	int err_no; /* a read error; ESTALE: the file changed size */
	format_job fmt;
	int fmt_ran;
} reader;

/* Read the file; then, when it was read whole, run the format verifier. */
static void *reader_run(void *arg)
{
	reader *r = arg;
	size_t off = 0;
	int err_no = 0;
	while (off < r->size) {
		size_t want = r->size - off < READ_CHUNK ? r->size - off : READ_CHUNK;
		ssize_t n = read(r->fd, r->buf + off, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err_no = n < 0 ? errno : ESTALE; /* shorter than it was */
			break;
		}
		off += (size_t)n;
		pthread_mutex_lock(&r->mu);
		r->got = off;
		pthread_cond_signal(&r->cv);
		pthread_mutex_unlock(&r->mu);
	}
	if (!err_no) {
		uint8_t probe;
		ssize_t n;
		while ((n = read(r->fd, &probe, 1)) < 0 && errno == EINTR)
			;
		if (n != 0)
			err_no = n < 0 ? errno : ESTALE; /* longer than it was */
	}
	pthread_mutex_lock(&r->mu);
	r->err_no = err_no;
	r->done = 1;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	if (!err_no) {
		format_run(&r->fmt);
		r->fmt_ran = 1;
	}
	return NULL;
}

/* A buffer for n bytes (freed with free()). Where the system has them, in
 * huge pages: filling 100 MB of fresh memory then takes 50 page faults,
 * not 25,000. */
static uint8_t *file_buffer(size_t n)
{
#ifdef MADV_HUGEPAGE
	const size_t huge = (size_t)2 << 20;
	if (n >= huge && n <= SIZE_MAX - huge) {
		size_t sz = (n + huge) / huge * huge; /* n + 1 rounded up */
		uint8_t *b = aligned_alloc(huge, sz);
		if (b) {
			(void)madvise(b, sz, MADV_HUGEPAGE); /* a hint: failure is fine */
			return b;
		}
	}
#endif
	return malloc(n + 1);
}

cf_status cf_sig_verify_channel_fd(const cf_pubkey *pk, const cf_sig *sig, int fd, size_t cap,
                                   unsigned flags, uint8_t **buf, size_t *len, int *err_no,
                                   cf_view *view, cf_sig_binding *binding, cf_sig_error *err)
{
	struct stat sb;
	reader r;
	pthread_t th;
	uint8_t digest[crypto_generichash_BYTES_MAX];
	crypto_generichash_state hs;
	cf_status st;

	*buf = NULL;
	*len = 0;
	if (err_no)
		*err_no = 0;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
		return cf_sig_fail(err, CF_ERR_INVALID, CF_SIG_CHECK_NONE, "not a regular file");
	off_t pos = lseek(fd, 0, SEEK_CUR);
	if (pos < 0 || pos > sb.st_size)
		return cf_sig_fail(err, CF_ERR_INVALID, CF_SIG_CHECK_NONE, "not a regular file");
	if ((uint64_t)(sb.st_size - pos) > (uint64_t)cap)
		return cf_sig_fail(err, CF_ERR_LIMIT, CF_SIG_CHECK_NONE, "larger than %zu bytes",
		                   cap);
	if ((st = cf_sig_ready(err)) != CF_OK)
		return st;
	memset(&r, 0, sizeof r);
	r.fd = fd;
	r.size = (size_t)(sb.st_size - pos);
	r.buf = file_buffer(r.size);
	if (!r.buf)
		return cf_sig_fail(err, CF_ERR_NOMEM, CF_SIG_CHECK_NONE, "out of memory");
	r.fmt.buf = r.buf;
	r.fmt.len = r.size;
	if (pthread_mutex_init(&r.mu, NULL) != 0) {
		free(r.buf);
		return cf_sig_fail(err, CF_ERR_NOMEM, CF_SIG_CHECK_NONE, "out of memory");
	}
	if (pthread_cond_init(&r.cv, NULL) != 0) {
		pthread_mutex_destroy(&r.mu);
		free(r.buf);
		return cf_sig_fail(err, CF_ERR_NOMEM, CF_SIG_CHECK_NONE, "out of memory");
	}
	int prehashed = memcmp(sig->alg, "ED", 2) == 0;
	crypto_generichash_init(&hs, NULL, 0, sizeof digest);
	if (pthread_create(&th, NULL, reader_run, &r) == 0) {
		/* Hash each chunk as the reader hands it over. */
		size_t hashed = 0;
		for (;;) {
			pthread_mutex_lock(&r.mu);
			while (r.got == hashed && !r.done)
				pthread_cond_wait(&r.cv, &r.mu);
			size_t avail = r.got;
			int done = r.done;
			pthread_mutex_unlock(&r.mu);
			if (prehashed && avail > hashed)
				crypto_generichash_update(&hs, r.buf + hashed, avail - hashed);
			hashed = avail;
			if (done && hashed == avail)
				break;
		}
		pthread_join(th, NULL);
	} else {
		reader_run(&r); /* no thread: read, then hash below */
		if (prehashed && !r.err_no)
			crypto_generichash_update(&hs, r.buf, r.size);
	}
	crypto_generichash_final(&hs, digest, sizeof digest);
	pthread_cond_destroy(&r.cv);
	pthread_mutex_destroy(&r.mu);
	if (r.err_no) {
		if (err_no)
			*err_no = r.err_no;
		st = cf_sig_fail(err, CF_ERR_IO, CF_SIG_CHECK_NONE, "%s",
		                 r.err_no == ESTALE ? "the file changed size while it was read"
		                                    : strerror(r.err_no));
		free(r.buf);
		return st;
	}
	*buf = r.buf;
	*len = r.size;
	st = cf_sig_verify_digest(pk, sig, r.buf, r.size, prehashed ? digest : NULL, flags, err);
	sodium_memzero(digest, sizeof digest);
	if (st != CF_OK)
		return st;
	if (!r.fmt_ran)
		format_run(&r.fmt);
	return channel_rest(sig, &r.fmt, view, binding, err);
}
