/*
 * test_bundle.c - release bundles: round trips, reproducibility, every
 * rejection of the verifier on archives this test crafts with libarchive,
 * and installation with rollback state leaving nothing behind on failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>

#include <cf/base.h>
#include <cf/bundle.h>
#include <cf/format.h>
#include <cf/sign.h>
#include "release/bundle_int.h"

#define CREATED 1721361240u
#define EXPIRES (CREATED + 86400u)
#define NOW (CREATED + 60u)

/* ---- fixtures ------------------------------------------------------------ */

static cf_seckey *g_sk, *g_sk2;
static cf_pubkey *g_pk, *g_pk2;

static int setup(void **state)
{
	(void)state;
	if (cf_sig_init() != CF_OK)
		return -1;
	if (cf_seckey_generate(&g_sk, &g_pk) != CF_OK)
		return -1;
	if (cf_seckey_generate(&g_sk2, &g_pk2) != CF_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cf_seckey_free(g_sk);
	cf_seckey_free(g_sk2);
	cf_pubkey_free(g_pk);
	cf_pubkey_free(g_pk2);
	return 0;
}

/* A channel file and its signature by sk. */
typedef struct cfile {
	char name[32];
	uint8_t *data;
	size_t len;
	char *sig;
	size_t sig_len;
} cfile;

static void cfile_make(cfile *f, const cf_seckey *sk, const char *name, uint32_t channel,
                       uint64_t version, const char *requires_sensor)
{
	cf_build_header h;
	memset(&h, 0, sizeof h);
	h.channel = channel;
	h.content_version = version;
	h.template_name = "ipc-named-pipe";
	h.template_id = 7;
	h.template_version = 3;
	h.requires_sensor = requires_sensor;
	for (unsigned i = 0; i < CF_FINGERPRINT_SIZE; i++)
		h.fingerprint[i] = (uint8_t)(0xa0 + i);
	cf_builder *b = cf_builder_new(&h);
	assert_non_null(b);
	assert_int_equal(cf_builder_add_field(b, "pipe_name", CF_TYPE_STRING), CF_OK);
	assert_int_equal(cf_builder_add_field(b, "client_pid", CF_TYPE_UINT), CF_OK);
	cf_build_criterion c[2];
	memset(c, 0, sizeof c);
	c[0].kind = CF_CRIT_PREFIX;
	c[0].str = "\\\\.\\pipe\\msagent_";
	c[0].str_len = strlen(c[0].str);
	cf_build_instance in;
	memset(&in, 0, sizeof in);
	in.id = 1001;
	in.action = CF_ACTION_DETECT;
	in.severity = CF_SEVERITY_HIGH;
	assert_int_equal(cf_builder_add_instance(b, &in, c), CF_OK);
	assert_int_equal(cf_builder_finish(b, &f->data, &f->len), CF_OK);
	cf_builder_free(b);
	snprintf(f->name, sizeof f->name, "%s", name);
	cf_sig_error e;
	assert_int_equal(
	    cf_sig_sign_channel(sk, f->data, f->len, name, CREATED, &f->sig, &f->sig_len, &e),
	    CF_OK);
}

static void cfile_free(cfile *f)
{
	free(f->data);
	free(f->sig);
}

static cf_bundle_input input_of(const cfile *f)
{
	cf_bundle_input in = {f->name, NULL, f->data, f->len, f->sig, f->sig_len};
	return in;
}

/* Bundle files[0..n) with sk; returns the status, diags collected. */
static cf_status create(const cf_seckey *sk, const cfile *files, size_t n, uint64_t version,
                        cf_bundle_compression comp, const cf_bundle_ring *rings, size_t nrings,
                        uint8_t **out, size_t *out_len, cf_diag_list *diags)
{
	cf_bundle_input in[8];
	assert_true(n <= 8);
	for (size_t i = 0; i < n; i++)
		in[i] = input_of(&files[i]);
	cf_bundle_create_opts o = {version, CREATED, EXPIRES, rings, nrings, comp};
	return cf_bundle_create(sk, in, n, &o, "test.tar.zst", out, out_len, diags);
}

/* The standard fixture: c291.cf (channel 291 v42) and c310.cf (310 v17). */
typedef struct fixture {
	cfile f[2];
	uint8_t *bundle;
	size_t len;
} fixture;

static void fixture_make(fixture *x, uint64_t bundle_version, uint64_t v291)
{
	cfile_make(&x->f[0], g_sk, "c291.cf", 291, v291, "7.16.0");
	cfile_make(&x->f[1], g_sk, "c310.cf", 310, 17, NULL);
	cf_diag_list *d = cf_diags_new();
	assert_int_equal(
	    create(g_sk, x->f, 2, bundle_version, CF_BUNDLE_ZSTD, NULL, 0, &x->bundle, &x->len, d),
	    CF_OK);
	assert_int_equal(cf_diags_count(d), 0);
	cf_diags_free(d);
}

static void fixture_free(fixture *x)
{
	cfile_free(&x->f[0]);
	cfile_free(&x->f[1]);
	free(x->bundle);
}

/* Open buf; on rejection check the first diagnostic's code and that its
 * message contains want (when not NULL). */
static cf_status open_expect(const uint8_t *buf, size_t len, const cf_pubkey *pk, uint64_t now,
                             const char *code, const char *want)
{
	cf_diag_list *d = cf_diags_new();
	cf_bundle *b = NULL;
	cf_bundle_open_opts o = {.now = now, .path = "t.tar.zst"};
	cf_status st = cf_bundle_open(buf, len, pk, &o, &b, d);
	if (code) {
		assert_int_equal(st, CF_ERR_REJECTED);
		assert_null(b);
		assert_true(cf_diags_count(d) >= 1);
		const cf_diag *g = cf_diags_get(d, 0);
		if (strcmp(g->code, code) != 0 || (want && !strstr(g->message, want)))
			fail_msg("expected [%s] '%s', got [%s] '%s'", code, want ? want : "",
			         g->code, g->message);
		assert_int_equal(g->severity, CF_ERROR);
	} else {
		if (st != CF_OK)
			fail_msg("unexpected rejection: [%s] %s",
			         cf_diags_count(d) ? cf_diags_get(d, 0)->code : "",
			         cf_diags_count(d) ? cf_diags_get(d, 0)->message : cf_strerror(st));
		assert_non_null(b);
	}
	cf_bundle_free(b);
	cf_diags_free(d);
	return st;
}

/* ---- archive surgery ------------------------------------------------------ */

static const uint8_t *find(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
	for (size_t i = 0; m <= n && i <= n - m; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return hay + i;
	return NULL;
}

typedef struct member {
	char name[256];
	mode_t type;
	char link[256]; /* symlink target or hard link target */
	int hardlink;
	uint8_t *data;
	size_t len;
} member;

typedef struct members {
	member m[64];
	size_t n;
} members;

static void members_read(const uint8_t *buf, size_t len, members *ms)
{
	struct archive *a = archive_read_new();
	assert_non_null(a);
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_memory(a, buf, len), ARCHIVE_OK);
	struct archive_entry *e;
	ms->n = 0;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		member *m = &ms->m[ms->n++];
		memset(m, 0, sizeof *m);
		snprintf(m->name, sizeof m->name, "%s", archive_entry_pathname(e));
		m->type = AE_IFREG;
		m->len = (size_t)archive_entry_size(e);
		m->data = malloc(m->len + 1);
		assert_non_null(m->data);
		assert_int_equal(archive_read_data(a, m->data, m->len), (la_ssize_t)m->len);
	}
	archive_read_free(a);
}

static void members_free(members *ms)
{
	for (size_t i = 0; i < ms->n; i++)
		free(ms->m[i].data);
	ms->n = 0;
}

static member *members_find(members *ms, const char *name)
{
	for (size_t i = 0; i < ms->n; i++)
		if (strcmp(ms->m[i].name, name) == 0)
			return &ms->m[i];
	fail_msg("no member %s", name);
	return NULL;
}

static void members_remove(members *ms, const char *name)
{
	member *m = members_find(ms, name);
	free(m->data);
	size_t i = (size_t)(m - ms->m);
	memmove(&ms->m[i], &ms->m[i + 1], (ms->n - i - 1) * sizeof *m);
	ms->n--;
}

static member *members_add(members *ms, const char *name, mode_t type, const void *data, size_t len)
{
	assert_true(ms->n < 64);
	member *m = &ms->m[ms->n++];
	memset(m, 0, sizeof *m);
	snprintf(m->name, sizeof m->name, "%s", name);
	m->type = type;
	m->len = len;
	m->data = malloc(len + 1);
	assert_non_null(m->data);
	if (len)
		memcpy(m->data, data, len);
	return m;
}

static void member_set(member *m, const void *data, size_t len)
{
	free(m->data);
	m->data = malloc(len + 1);
	assert_non_null(m->data);
	memcpy(m->data, data, len);
	m->len = len;
}

/* Write the members as a tar, zstd-compressed when zstd is set. */
static uint8_t *members_write(const members *ms, int zstd, size_t *len)
{
	size_t cap = 4 << 20;
	uint8_t *buf = malloc(cap);
	assert_non_null(buf);
	struct archive *a = archive_write_new();
	assert_non_null(a);
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	if (zstd)
		assert_int_equal(archive_write_add_filter_zstd(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, buf, cap, len), ARCHIVE_OK);
	struct archive_entry *e = archive_entry_new();
	for (size_t i = 0; i < ms->n; i++) {
		const member *m = &ms->m[i];
		archive_entry_clear(e);
		archive_entry_set_pathname(e, m->name);
		archive_entry_set_filetype(e, (unsigned)m->type);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_mtime(e, CREATED, 0);
		if (m->type == AE_IFLNK)
			archive_entry_set_symlink(e, m->link);
		if (m->hardlink)
			archive_entry_set_hardlink(e, m->link);
		if (m->type == AE_IFCHR || m->type == AE_IFBLK)
			archive_entry_set_rdev(e, 0x0103);
		archive_entry_set_size(e, m->type == AE_IFREG ? (la_int64_t)m->len : 0);
		assert_true(archive_write_header(a, e) >= ARCHIVE_WARN);
		if (m->type == AE_IFREG && m->len && !m->hardlink)
			assert_int_equal(archive_write_data(a, m->data, m->len),
			                 (la_ssize_t)m->len);
	}
	archive_entry_free(e);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return buf;
}

/* Sign a manifest text with sk the way the bundler does. */
static char *sign_manifest(const cf_seckey *sk, const char *text, size_t len, uint64_t created,
                           uint64_t version, size_t *sig_len)
{
	uint8_t h[HASH_SIZE];
	char *comment = NULL, *sig = NULL;
	cf_bundle_hash((const uint8_t *)text, len, h);
	assert_int_equal(cf_bundle_comment_format(created, version, h, &comment), CF_OK);
	cf_sig_error e;
	assert_int_equal(
	    cf_sig_sign(sk, (const uint8_t *)text, len, comment, NULL, &sig, sig_len, &e), CF_OK);
	free(comment);
	return sig;
}

/* Replace the first occurrence of from in the manifest by to and re-sign
 * it with sk (bundle version 5, CREATED). */
static void edit_manifest(members *ms, const cf_seckey *sk, const char *from, const char *to)
{
	member *man = members_find(ms, CF_BUNDLE_MANIFEST);
	char *text = malloc(man->len + 1);
	assert_non_null(text);
	memcpy(text, man->data, man->len);
	text[man->len] = 0;
	/* Every occurrence of from becomes to. */
	cf_buf nb;
	cf_buf_init(&nb, 0);
	const char *p = text, *q;
	size_t fl = strlen(from);
	assert_non_null(strstr(text, from));
	while ((q = strstr(p, from)) != NULL) {
		assert_int_equal(cf_buf_append(&nb, p, (size_t)(q - p)), CF_OK);
		assert_int_equal(cf_buf_append(&nb, to, strlen(to)), CF_OK);
		p = q + fl;
	}
	assert_int_equal(cf_buf_append(&nb, p, strlen(p)), CF_OK);
	free(text);
	text = cf_buf_take(&nb, NULL);
	size_t len = strlen(text), sig_len = 0;
	char *sig = sign_manifest(sk, text, len, CREATED, 5, &sig_len);
	member_set(man, text, len);
	member_set(members_find(ms, CF_BUNDLE_MANIFEST_SIG), sig, sig_len);
	free(sig);
	free(text);
}

/* ---- creating ------------------------------------------------------------- */

static void test_round_trip(void **state)
{
	(void)state;
	fixture x;
	fixture_make(&x, 5, 42);
	cf_diag_list *d = cf_diags_new();
	cf_bundle *b = NULL;
	cf_bundle_open_opts o = {.now = NOW};
	assert_int_equal(cf_bundle_open(x.bundle, x.len, g_pk, &o, &b, d), CF_OK);
	assert_int_equal(cf_bundle_version(b), 5);
	assert_int_equal(cf_bundle_created(b), CREATED);
	assert_int_equal(cf_bundle_expires(b), EXPIRES);
	assert_int_equal(cf_bundle_file_count(b), 2);
	assert_int_equal(cf_bundle_ring_count(b), 1);
	assert_string_equal(cf_bundle_ring_at(b, 0).name, "all");
	assert_int_equal(cf_bundle_ring_at(b, 0).percent, 100);
	assert_null(cf_bundle_file_at(b, 2));
	const cf_bundle_file *f = cf_bundle_file_at(b, 0);
	assert_string_equal(f->name, "c291.cf");
	assert_string_equal(f->sig_name, "c291.cf.minisig");
	assert_int_equal(f->len, x.f[0].len);
	assert_memory_equal(f->data, x.f[0].data, f->len);
	assert_int_equal(f->sig_len, x.f[0].sig_len);
	assert_int_equal(f->view.hdr.channel, 291);
	assert_int_equal(f->view.hdr.content_version, 42);
	assert_int_equal(f->view.hdr.field_count, 2);
	f = cf_bundle_file_at(b, 1);
	assert_string_equal(f->name, "c310.cf");
	assert_int_equal(f->view.hdr.requires_sensor.len, 0);
	size_t ml = 0, sl = 0;
	const uint8_t *man = cf_bundle_manifest(b, &ml);
	const char *msig = cf_bundle_manifest_sig(b, &sl);
	assert_true(ml > 0 && sl > 0);
	assert_true(find(man, ml, "\"requires_sensor\": \"7.16.0\"", 27) != NULL);
	assert_true(find(man, ml, "\"requires_sensor\": null", 23) != NULL);
	assert_true(strstr(msig, "bundle_version:5\t") != NULL);
	cf_bundle_free(b);

	/* The archive: sorted names, regular files, 0644, uid/gid 0, mtime. */
	struct archive *a = archive_read_new();
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_memory(a, x.bundle, x.len), ARCHIVE_OK);
	static const char *const order[] = {"c291.cf",       "c291.cf.minisig",
	                                    "c310.cf",       "c310.cf.minisig",
	                                    "manifest.json", "manifest.json.minisig"};
	struct archive_entry *e;
	size_t i = 0;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		assert_true(i < 6);
		assert_string_equal(archive_entry_pathname(e), order[i]);
		assert_int_equal(archive_entry_filetype(e), AE_IFREG);
		assert_int_equal(archive_entry_perm(e), 0644);
		assert_int_equal(archive_entry_uid(e), 0);
		assert_int_equal(archive_entry_gid(e), 0);
		assert_int_equal(archive_entry_mtime(e), CREATED);
		i++;
	}
	assert_int_equal(i, 6);
	archive_read_free(a);
	cf_diags_free(d);
	fixture_free(&x);
}

static void test_reproducible(void **state)
{
	(void)state;
	cfile f[2];
	cfile_make(&f[0], g_sk, "c291.cf", 291, 42, "7.16.0");
	cfile_make(&f[1], g_sk, "c310.cf", 310, 17, NULL);
	cf_bundle_ring rings[2] = {{"canary", 5}, {"all", 100}};
	for (int comp = CF_BUNDLE_ZSTD; comp <= CF_BUNDLE_GZIP; comp++) {
		uint8_t *a = NULL, *b = NULL;
		size_t al = 0, bl = 0;
		assert_int_equal(
		    create(g_sk, f, 2, 9, (cf_bundle_compression)comp, rings, 2, &a, &al, NULL),
		    CF_OK);
		/* Inputs in the other order: the same bytes. */
		cfile g[2] = {f[1], f[0]};
		assert_int_equal(
		    create(g_sk, g, 2, 9, (cf_bundle_compression)comp, rings, 2, &b, &bl, NULL),
		    CF_OK);
		assert_int_equal(al, bl);
		assert_memory_equal(a, b, al);
		if (comp == CF_BUNDLE_GZIP) {
			assert_int_equal(a[0], 0x1f);
			assert_int_equal(a[1], 0x8b);
			/* MTIME field of the gzip header is zero. */
			assert_int_equal(a[4] | a[5] | a[6] | a[7], 0);
		} else {
			assert_int_equal(a[0], 0x28);
		}
		open_expect(a, al, g_pk, NOW, NULL, NULL);
		free(a);
		free(b);
	}
	cfile_free(&f[0]);
	cfile_free(&f[1]);
}

static void test_create_rejects(void **state)
{
	(void)state;
	cfile f[4];
	cfile_make(&f[0], g_sk, "c291.cf", 291, 42, NULL);
	cfile_make(&f[1], g_sk, "other291.cf", 291, 43, NULL); /* same channel */
	cfile_make(&f[2], g_sk2, "c310.cf", 310, 1, NULL);     /* other key */
	cfile_make(&f[3], g_sk, "C291.cf", 400, 1, NULL);      /* name case clash */
	uint8_t *out = NULL;
	size_t len = 0;
	cf_diag_list *d = cf_diags_new();

	assert_int_equal(create(g_sk, f, 2, 1, CF_BUNDLE_ZSTD, NULL, 0, &out, &len, d),
	                 CF_ERR_REJECTED);
	assert_string_equal(cf_diags_get(d, 0)->code, "bundle-channel-duplicate");
	assert_null(out);
	cf_diags_free(d);

	d = cf_diags_new();
	cfile g[2] = {f[0], f[2]};
	assert_int_equal(create(g_sk, g, 2, 1, CF_BUNDLE_ZSTD, NULL, 0, &out, &len, d),
	                 CF_ERR_REJECTED);
	assert_string_equal(cf_diags_get(d, 0)->code, "bundle-signature");
	assert_non_null(strstr(cf_diags_get(d, 0)->message, "key ID"));
	cf_diags_free(d);

	d = cf_diags_new();
	cfile h[2] = {f[0], f[3]};
	assert_int_equal(create(g_sk, h, 2, 1, CF_BUNDLE_ZSTD, NULL, 0, &out, &len, d),
	                 CF_ERR_REJECTED);
	assert_string_equal(cf_diags_get(d, 0)->code, "bundle-input");
	cf_diags_free(d);

	/* A signature of another file (valid, but bound to another header). */
	d = cf_diags_new();
	cfile swapped = f[0];
	swapped.sig = f[1].sig;
	swapped.sig_len = f[1].sig_len;
	assert_int_equal(create(g_sk, &swapped, 1, 1, CF_BUNDLE_ZSTD, NULL, 0, &out, &len, d),
	                 CF_ERR_REJECTED);
	assert_string_equal(cf_diags_get(d, 0)->code, "bundle-signature");
	cf_diags_free(d);

	/* Bad names. */
	static const char *const bad_names[] = {"../c.cf", "/abs.cf", ".hidden.cf", "a/b.cf",
	                                        "noext",   "-x.cf",   "sp ace.cf",  ""};
	for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
		d = cf_diags_new();
		cfile n = f[0];
		snprintf(n.name, sizeof n.name, "%s", bad_names[i]);
		assert_int_equal(create(g_sk, &n, 1, 1, CF_BUNDLE_ZSTD, NULL, 0, &out, &len, d),
		                 CF_ERR_REJECTED);
		assert_string_equal(cf_diags_get(d, 0)->code, "bundle-input");
		cf_diags_free(d);
	}

	/* Rings. */
	static const cf_bundle_ring r_down[] = {{"a", 50}, {"b", 10}, {"c", 100}};
	static const cf_bundle_ring r_equal[] = {{"a", 10}, {"b", 10}, {"c", 100}};
	static const cf_bundle_ring r_short[] = {{"a", 10}, {"b", 90}};
	static const cf_bundle_ring r_name[] = {{"Canary", 10}, {"all", 100}};
	static const cf_bundle_ring r_dup[] = {{"a", 10}, {"a", 100}};
	static const cf_bundle_ring r_zero[] = {{"a", 0}, {"b", 100}};
	const cf_bundle_ring *rs[] = {r_down, r_equal, r_short, r_name, r_dup, r_zero};
	const size_t rn[] = {3, 3, 2, 2, 2, 2};
	for (size_t i = 0; i < 6; i++) {
		d = cf_diags_new();
		assert_int_equal(create(g_sk, f, 1, 1, CF_BUNDLE_ZSTD, rs[i], rn[i], &out, &len, d),
		                 CF_ERR_REJECTED);
		assert_string_equal(cf_diags_get(d, 0)->code, "bundle-ring");
		cf_diags_free(d);
	}
	static const cf_bundle_ring r_one[] = {{"everyone", 100}};
	assert_int_equal(create(g_sk, f, 1, 1, CF_BUNDLE_ZSTD, r_one, 1, &out, &len, NULL), CF_OK);
	free(out);
	out = NULL;

	/* Versions and times. */
	cf_bundle_input in = input_of(&f[0]);
	cf_bundle_create_opts o = {0, CREATED, EXPIRES, NULL, 0, CF_BUNDLE_ZSTD};
	assert_int_equal(cf_bundle_create(g_sk, &in, 1, &o, NULL, &out, &len, NULL),
	                 CF_ERR_REJECTED);
	o.bundle_version = (uint64_t)INT64_MAX + 1;
	assert_int_equal(cf_bundle_create(g_sk, &in, 1, &o, NULL, &out, &len, NULL),
	                 CF_ERR_REJECTED);
	o.bundle_version = (uint64_t)INT64_MAX;
	assert_int_equal(cf_bundle_create(g_sk, &in, 1, &o, NULL, &out, &len, NULL), CF_OK);
	free(out);
	o.bundle_version = 1;
	o.expires = CREATED;
	assert_int_equal(cf_bundle_create(g_sk, &in, 1, &o, NULL, &out, &len, NULL),
	                 CF_ERR_REJECTED);
	o.expires = EXPIRES;
	assert_int_equal(cf_bundle_create(g_sk, &in, 0, &o, NULL, &out, &len, NULL),
	                 CF_ERR_REJECTED);
	o.compression = 0;
	assert_int_equal(cf_bundle_create(g_sk, &in, 1, &o, NULL, &out, &len, NULL),
	                 CF_ERR_INVALID);
	for (int i = 0; i < 4; i++)
		cfile_free(&f[i]);
}

/* ---- verifying: the archive ------------------------------------------------ */

/* Add one bad member to the good bundle and expect code + message. */
static void add_and_expect(const fixture *x, const char *name, mode_t type, const char *link,
                           int hardlink, const char *code, const char *want)
{
	members ms;
	members_read(x->bundle, x->len, &ms);
	member *m = members_add(&ms, name, type, "evil\n", type == AE_IFREG ? 5 : 0);
	if (link)
		snprintf(m->link, sizeof m->link, "%s", link);
	m->hardlink = hardlink;
	size_t len = 0;
	uint8_t *buf = members_write(&ms, 1, &len);
	open_expect(buf, len, g_pk, NOW, code, want);
	free(buf);
	members_free(&ms);
}

static void test_entry_rejects(void **state)
{
	(void)state;
	fixture x;
	fixture_make(&x, 5, 42);
	add_and_expect(&x, "../x", AE_IFREG, NULL, 0, "bundle-entry-name", "'../x'");
	add_and_expect(&x, "../../etc/cron.d/x", AE_IFREG, NULL, 0, "bundle-entry-name", NULL);
	add_and_expect(&x, "/etc/passwd", AE_IFREG, NULL, 0, "bundle-entry-name", "'/etc/passwd'");
	add_and_expect(&x, "sub/c291.cf", AE_IFREG, NULL, 0, "bundle-entry-name", NULL);
	add_and_expect(&x, ".hidden", AE_IFREG, NULL, 0, "bundle-entry-name", NULL);
	add_and_expect(&x, "..", AE_IFREG, NULL, 0, "bundle-entry-name", NULL);
	add_and_expect(&x, "a\\b.cf", AE_IFREG, NULL, 0, "bundle-entry-name", NULL);
	add_and_expect(&x, "link.cf", AE_IFLNK, "/etc/passwd", 0, "bundle-entry-type",
	               "symbolic link");
	add_and_expect(&x, "hard.cf", AE_IFREG, "c291.cf", 1, "bundle-entry-type", "hard link");
	add_and_expect(&x, "tty.cf", AE_IFCHR, NULL, 0, "bundle-entry-type", "character device");
	add_and_expect(&x, "sda.cf", AE_IFBLK, NULL, 0, "bundle-entry-type", "block device");
	add_and_expect(&x, "fifo.cf", AE_IFIFO, NULL, 0, "bundle-entry-type", "FIFO");
	add_and_expect(&x, "dir", AE_IFDIR, NULL, 0, "bundle-entry-type", "directory");
	add_and_expect(&x, "c291.cf", AE_IFREG, NULL, 0, "bundle-entry-duplicate",
	               "more than once");
	add_and_expect(&x, "C291.cf", AE_IFREG, NULL, 0, "bundle-entry-duplicate", "case");
	add_and_expect(&x, "extra.cf", AE_IFREG, NULL, 0, "bundle-entry-unlisted", "'extra.cf'");
	add_and_expect(&x, "manifest.json", AE_IFREG, NULL, 0, "bundle-entry-duplicate", NULL);
	fixture_free(&x);
}

static void test_archive_rejects(void **state)
{
	(void)state;
	fixture x;
	fixture_make(&x, 5, 42);
	/* The good one, uncompressed and zstd re-written, still verifies. */
	members ms;
	members_read(x.bundle, x.len, &ms);
	size_t len = 0;
	uint8_t *plain = members_write(&ms, 0, &len);
	open_expect(plain, len, g_pk, NOW, NULL, NULL);

	/* Truncated: compressed at several points; the plain tar at every
	 * 256 bytes. A plain tar cut after its last entry's data verifies
	 * only when the cut leaves the whole end-of-archive marker
	 * (test_trailing_data). */
	for (size_t cut = 1; cut < 8; cut++)
		open_expect(x.bundle, x.len * cut / 8, g_pk, NOW, "bundle-archive", NULL);
	const member *last = members_find(&ms, CF_BUNDLE_MANIFEST_SIG);
	const uint8_t *end = find(plain, len, last->data, last->len);
	assert_non_null(end);
	size_t data_end = (size_t)(end - plain) + last->len;
	for (size_t cut = 0; cut < len; cut += 256) {
		cf_diag_list *d = cf_diags_new();
		cf_bundle *b = NULL;
		cf_bundle_open_opts o = {.now = NOW};
		cf_status st = cf_bundle_open(plain, cut, g_pk, &o, &b, d);
		if (cut < data_end) {
			assert_int_equal(st, CF_ERR_REJECTED);
			const char *code = cf_diags_get(d, 0)->code;
			assert_true(strcmp(code, "bundle-archive") == 0 ||
			            strcmp(code, "bundle-manifest") == 0 ||
			            strcmp(code, "bundle-manifest-signature") == 0);
		}
		cf_bundle_free(b);
		cf_diags_free(d);
	}
	free(plain);
	members_free(&ms);

	/* Not an archive at all. */
	static const char junk[] = "this is not a bundle\n";
	open_expect((const uint8_t *)junk, sizeof junk - 1, g_pk, NOW, "bundle-archive",
	            "not a bundle");
	open_expect((const uint8_t *)"", 0, g_pk, NOW, "bundle-archive", NULL);
	open_expect(x.f[0].data, x.f[0].len, g_pk, NOW, "bundle-archive", NULL);
	/* A zip is an archive libarchive knows, but not one we accept. */
	static const uint8_t zip[] = {'P', 'K', 5, 6, 0, 0, 0, 0, 0, 0, 0,
	                              0,   0,   0, 0, 0, 0, 0, 0, 0, 0, 0};
	open_expect(zip, sizeof zip, g_pk, NOW, "bundle-archive", NULL);
	fixture_free(&x);
}

static void test_caps(void **state)
{
	(void)state;
	fixture x;
	fixture_make(&x, 5, 42);
	cf_diag_list *d = cf_diags_new();
	cf_bundle *b = NULL;
	cf_bundle_open_opts o = {.now = NOW, .max_entries = 5};
	assert_int_equal(cf_bundle_open(x.bundle, x.len, g_pk, &o, &b, d), CF_ERR_REJECTED);
	assert_string_equal(cf_diags_get(d, 0)->code, "bundle-limit");
	assert_non_null(strstr(cf_diags_get(d, 0)->message, "more than 5 archive entries"));
	cf_diags_free(d);
	o.max_entries = 6; /* exactly the entries there are */
	assert_int_equal(cf_bundle_open(x.bundle, x.len, g_pk, &o, &b, NULL), CF_OK);
	cf_bundle_free(b);
	b = NULL;

	o.max_entries = 0;
	o.max_entry_size = x.f[0].len - 1;
	d = cf_diags_new();
	assert_int_equal(cf_bundle_open(x.bundle, x.len, g_pk, &o, &b, d), CF_ERR_REJECTED);
	assert_string_equal(cf_diags_get(d, 0)->code, "bundle-limit");
	assert_non_null(strstr(cf_diags_get(d, 0)->message, "cap on one entry"));
	cf_diags_free(d);

	o.max_entry_size = 0;
	o.max_total_size = x.f[0].len + x.f[0].sig_len + 10;
	d = cf_diags_new();
	assert_int_equal(cf_bundle_open(x.bundle, x.len, g_pk, &o, &b, d), CF_ERR_REJECTED);
	assert_string_equal(cf_diags_get(d, 0)->code, "bundle-limit");
	assert_non_null(strstr(cf_diags_get(d, 0)->message, "decompressed contents"));
	cf_diags_free(d);

	/* Caps above the defaults are clamped to them. */
	o.max_total_size = UINT64_MAX;
	o.max_entries = UINT64_MAX;
	assert_int_equal(cf_bundle_open(x.bundle, x.len, g_pk, &o, &b, NULL), CF_OK);
	cf_bundle_free(b);

	/* A decompression bomb: 65 MiB of zeros compress to a few KiB; the
	 * header's size is refused before any of it is inflated. */
	members ms;
	members_read(x.bundle, x.len, &ms);
	size_t big = (size_t)CF_BUNDLE_MAX_ENTRY_SIZE + 1;
	uint8_t *zeros = calloc(1, big);
	assert_non_null(zeros);
	members_add(&ms, "bomb.cf", AE_IFREG, zeros, big);
	free(zeros);
	size_t cap = 4 << 20, len = 0;
	uint8_t *buf = members_write(&ms, 1, &len);
	assert_true(len < cap / 4);
	open_expect(buf, len, g_pk, NOW, "bundle-limit", "'bomb.cf'");
	free(buf);
	members_free(&ms);
	fixture_free(&x);
}

/* ---- verifying: nothing after the archive ---------------------------------- */

/* len bytes compressed on their own by libarchive (format raw): one zstd
 * frame, or one gzip member when gzip is set. Caller frees. */
static uint8_t *compress_alone(const void *data, size_t len, int gzip, size_t *out_len)
{
	size_t cap = len + (1 << 16);
	uint8_t *buf = malloc(cap);
	assert_non_null(buf);
	struct archive *a = archive_write_new();
	assert_non_null(a);
	assert_int_equal(gzip ? archive_write_add_filter_gzip(a) : archive_write_add_filter_zstd(a),
	                 ARCHIVE_OK);
	assert_int_equal(archive_write_set_format_raw(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_bytes_in_last_block(a, 1), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, buf, cap, out_len), ARCHIVE_OK);
	struct archive_entry *e = archive_entry_new();
	assert_non_null(e);
	archive_entry_set_pathname(e, "data");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, (la_int64_t)len);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	if (len)
		assert_int_equal(archive_write_data(a, data, len), (la_ssize_t)len);
	archive_entry_free(e);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return buf;
}

/* The decompressed stream of buf (libarchive, format raw). Caller frees. */
static uint8_t *decompress_all(const uint8_t *buf, size_t len, size_t *out_len)
{
	struct archive *a = archive_read_new();
	assert_non_null(a);
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	assert_int_equal(archive_read_open_memory(a, buf, len), ARCHIVE_OK);
	struct archive_entry *e;
	assert_int_equal(archive_read_next_header(a, &e), ARCHIVE_OK);
	cf_buf out;
	cf_buf_init(&out, 0);
	const void *p;
	size_t n;
	la_int64_t off;
	int r;
	while ((r = archive_read_data_block(a, &p, &n, &off)) == ARCHIVE_OK)
		assert_int_equal(cf_buf_append(&out, p, n), CF_OK);
	assert_int_equal(r, ARCHIVE_EOF);
	archive_read_free(a);
	return (uint8_t *)cf_buf_take(&out, out_len);
}

/* a then b in one new buffer. Caller frees. */
static uint8_t *concat(const void *a, size_t alen, const void *b, size_t blen, size_t *len)
{
	uint8_t *out = malloc(alen + blen + 1);
	assert_non_null(out);
	memcpy(out, a, alen);
	if (blen)
		memcpy(out + alen, b, blen);
	*len = alen + blen;
	return out;
}

/* tar[0..len) then tail, as a plain tar, as one zstd frame and as one gzip
 * member: each opens, or is refused with code and a message holding want. */
static void tar_expect(const uint8_t *tar, size_t len, const void *tail, size_t tail_len,
                       const char *code, const char *want)
{
	size_t n = 0;
	uint8_t *t = concat(tar, len, tail, tail_len, &n);
	open_expect(t, n, g_pk, NOW, code, want);
	for (int gzip = 0; gzip < 2; gzip++) {
		size_t zlen = 0;
		uint8_t *z = compress_alone(t, n, gzip, &zlen);
		open_expect(z, zlen, g_pk, NOW, code, want);
		free(z);
	}
	free(t);
}

/* libarchive's tar reader stops at the first zero block and accepts an
 * archive without its end marker; its filters stop reading where the tar
 * reader does and decode a second zstd frame or gzip member as more of the
 * stream. The verifier refuses all of that. */
static void test_trailing_data(void **state)
{
	(void)state;
	fixture x;
	fixture_make(&x, 5, 42);
	size_t n = 0, zl = 0;
	uint8_t *b, *z;
	char want[160];

	/* Bytes appended to the .tar.zst (the old reader refused these only
	 * when its read-ahead happened to reach them). */
	b = concat(x.bundle, x.len, "garbage\n", 8, &n);
	open_expect(b, n, g_pk, NOW, "bundle-archive",
	            "8 bytes after the end of the archive (after the zstd frame that holds it)");
	free(b);
	b = concat(x.bundle, x.len, "", 1, &n);
	open_expect(b, n, g_pk, NOW, "bundle-archive", "1 byte after the end of the archive");
	free(b);
	/* ... also when the archive is larger than what the decompressor
	 * inflates at a time, so that reading it to its end marker never
	 * reaches the garbage (300 KiB of noise in an extra member). */
	members ms;
	members_read(x.bundle, x.len, &ms);
	size_t noise_len = 300 << 10;
	uint8_t *noise = malloc(noise_len);
	assert_non_null(noise);
	uint32_t seed = 1;
	for (size_t i = 0; i < noise_len; i++) {
		seed = seed * 1103515245u + 12345u;
		noise[i] = (uint8_t)(seed >> 23);
	}
	members_add(&ms, "noise.dat", AE_IFREG, noise, noise_len);
	free(noise);
	size_t bl = 0;
	uint8_t *big = members_write(&ms, 1, &bl);
	members_free(&ms);
	assert_true(bl > noise_len);
	open_expect(big, bl, g_pk, NOW, "bundle-entry-unlisted", "'noise.dat'");
	b = concat(big, bl, "garbage\n", 8, &n);
	open_expect(b, n, g_pk, NOW, "bundle-archive", "8 bytes after the end of the archive");
	free(b);
	free(big);

	/* A second zstd frame: a few bytes, none at all, zeros that would
	 * fit the tar's record padding, 64 MiB of zeros (refused on the
	 * compressed bytes, before any of it is inflated). */
	static const size_t second[] = {6, 0, 512, (size_t)64 << 20};
	uint8_t *zeros = calloc(1, (size_t)64 << 20);
	assert_non_null(zeros);
	for (size_t i = 0; i < sizeof second / sizeof second[0]; i++) {
		z = compress_alone(i == 0 ? (const void *)"hello\n" : zeros, second[i], 0, &zl);
		b = concat(x.bundle, x.len, z, zl, &n);
		snprintf(want, sizeof want,
		         "%zu bytes after the end of the archive (a second zstd frame; a bundle is "
		         "exactly one)",
		         zl);
		open_expect(b, n, g_pk, NOW, "bundle-archive", want);
		free(b);
		free(z);
	}
	/* A skippable frame after the archive's frame, or before it. */
	static const uint8_t skip[] = {0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 'a', 'b', 'c', 'd'};
	b = concat(x.bundle, x.len, skip, sizeof skip, &n);
	open_expect(b, n, g_pk, NOW, "bundle-archive",
	            "12 bytes after the end of the archive (a second zstd frame");
	free(b);
	b = concat(skip, sizeof skip, x.bundle, x.len, &n);
	open_expect(b, n, g_pk, NOW, "bundle-archive", "starts with a skippable frame");
	free(b);

	/* The tar inside: cfc bundle ends it right after the end marker. */
	size_t tl = 0;
	uint8_t *tar = decompress_all(x.bundle, x.len, &tl);
	assert_true(tl >= 2048 && tl % 512 == 0);
	assert_memory_equal(tar + tl - 1024, zeros, 1024);
	tar_expect(tar, tl, NULL, 0, NULL, NULL);
	/* No end marker, half of one, half of one and then data. */
	tar_expect(tar, tl - 1024, NULL, 0, "bundle-archive",
	           "the archive has no end-of-archive marker");
	tar_expect(tar, tl - 512, NULL, 0, "bundle-archive",
	           "the archive has no end-of-archive marker");
	tar_expect(tar, tl - 512, "x", 1, "bundle-archive",
	           "the archive has no end-of-archive marker");
	char text[2048];
	memset(text, 'A', sizeof text);
	tar_expect(tar, tl - 512, text, sizeof text, "bundle-archive",
	           "the archive has no end-of-archive marker");
	/* Anything but zeros after the marker. */
	tar_expect(tar, tl, "x", 1, "bundle-archive",
	           "1 byte after the end of the archive (not all zeros; only zero padding");
	tar_expect(tar, tl, text, 512, "bundle-archive",
	           "512 bytes after the end of the archive (not all zeros");
	memset(text, 0, sizeof text);
	text[sizeof text - 1] = 1;
	tar_expect(tar, tl, text, sizeof text, "bundle-archive",
	           "2048 bytes after the end of the archive (not all zeros");
	/* Zero padding up to the end of the 10240-byte record, not a byte
	 * more. Past 1 MiB more the count stops: exact for a plain tar (one
	 * block), "at least" when the rest is never decompressed. */
	size_t pad = (tl + 10239) / 10240 * 10240 - tl;
	tar_expect(tar, tl, zeros, pad, NULL, NULL);
	snprintf(want, sizeof want,
	         "%zu bytes after the end of the archive (zero padding past the end of the "
	         "10240-byte tar record)",
	         pad + 1);
	tar_expect(tar, tl, zeros, pad + 1, "bundle-archive", want);
	tar_expect(tar, tl, zeros, pad + 10240, "bundle-archive", "bytes after the end");
	tar_expect(tar, tl, zeros, (size_t)3 << 20, "bundle-archive",
	           "bytes after the end of the archive (zero padding past the end");
	b = concat(tar, tl, zeros, (size_t)3 << 20, &n);
	z = compress_alone(b, n, 0, &zl);
	open_expect(z, zl, g_pk, NOW, "bundle-archive", "at least ");
	free(z);
	free(b);

	/* gzip: bytes after the member; a second member, empty or holding
	 * zeros that fit the record padding (other data fails as above). */
	uint8_t *gz = NULL;
	size_t gl = 0;
	cf_diag_list *d = cf_diags_new();
	assert_int_equal(create(g_sk, x.f, 2, 5, CF_BUNDLE_GZIP, NULL, 0, &gz, &gl, d), CF_OK);
	cf_diags_free(d);
	open_expect(gz, gl, g_pk, NOW, NULL, NULL);
	b = concat(gz, gl, "junk", 4, &n);
	open_expect(b, n, g_pk, NOW, "bundle-archive",
	            "4 bytes after the end of the archive (after the gzip data that holds it)");
	free(b);
	assert_true(tl % 10240 != 0);
	for (size_t len = 0; len < 1024; len += 512) {
		z = compress_alone(zeros, len, 1, &zl);
		b = concat(gz, gl, z, zl, &n);
		if (len == 0)
			snprintf(want, sizeof want,
			         "%zu bytes after the gzip member that holds the archive", zl);
		else
			snprintf(want, sizeof want,
			         "the gzip member is not the whole archive: it holds %zu bytes, the "
			         "archive read is %zu",
			         tl, tl + len);
		open_expect(b, n, g_pk, NOW, "bundle-archive", want);
		/* The second member's ISIZE forged to the whole stream's length
		 * (what a check of the last trailer alone would want). */
		uint32_t whole = (uint32_t)(tl + len);
		for (int k = 0; k < 4; k++)
			b[n - 4 + (size_t)k] = (uint8_t)(whole >> (8 * k));
		open_expect(b, n, g_pk, NOW, "bundle-archive", "gzip");
		free(b);
		free(z);
	}
	/* One member whose trailer lies: CRC-32 or length (ISIZE). libarchive
	 * checks neither; zlib does. */
	b = concat(gz, gl, "", 0, &n);
	b[n - 8] ^= 1;
	open_expect(b, n, g_pk, NOW, "bundle-archive",
	            "the gzip data is damaged (incorrect data check)");
	b[n - 8] ^= 1;
	b[n - 1] ^= 0x80;
	open_expect(b, n, g_pk, NOW, "bundle-archive",
	            "the gzip data is damaged (incorrect length check)");
	free(b);
	/* Cut inside the trailer: the member never ends. */
	open_expect(gz, gl - 3, g_pk, NOW, "bundle-archive", NULL);

	/* Compressed twice: the inner stream's end would go unchecked. */
	z = compress_alone(x.bundle, x.len, 1, &zl);
	open_expect(z, zl, g_pk, NOW, "bundle-archive",
	            "compressed more than once (zstd inside gzip)");
	free(z);
	z = compress_alone(gz, gl, 0, &zl);
	open_expect(z, zl, g_pk, NOW, "bundle-archive",
	            "compressed more than once (gzip inside zstd)");
	free(z);

	free(gz);
	free(tar);
	free(zeros);
	fixture_free(&x);
}

/* ---- verifying: manifest and files ----------------------------------------- */

static void test_file_rejects(void **state)
{
	(void)state;
	fixture x, y;
	fixture_make(&x, 5, 42);
	fixture_make(&y, 6, 43); /* another bundle: channel 291 at v43 */
	members ms;
	size_t len = 0;
	uint8_t *buf;

	/* Missing file, missing signature. */
	members_read(x.bundle, x.len, &ms);
	members_remove(&ms, "c291.cf");
	buf = members_write(&ms, 1, &len);
	open_expect(buf, len, g_pk, NOW, "bundle-file-missing", "'c291.cf'");
	free(buf);
	members_free(&ms);
	members_read(x.bundle, x.len, &ms);
	members_remove(&ms, "c310.cf.minisig");
	buf = members_write(&ms, 1, &len);
	open_expect(buf, len, g_pk, NOW, "bundle-file-missing", "'c310.cf.minisig'");
	free(buf);
	members_free(&ms);

	/* Hash mismatch: one byte flipped, same size. */
	members_read(x.bundle, x.len, &ms);
	members_find(&ms, "c310.cf")->data[40] ^= 1;
	buf = members_write(&ms, 1, &len);
	open_expect(buf, len, g_pk, NOW, "bundle-hash", "'c310.cf': BLAKE2b-256");
	free(buf);
	members_free(&ms);

	/* Size mismatch: one byte more. */
	members_read(x.bundle, x.len, &ms);
	member *m = members_find(&ms, "c291.cf");
	uint8_t *longer = malloc(m->len + 1);
	memcpy(longer, m->data, m->len);
	longer[m->len] = 0;
	member_set(m, longer, m->len + 1);
	free(longer);
	buf = members_write(&ms, 1, &len);
	open_expect(buf, len, g_pk, NOW, "bundle-size", "'c291.cf'");
	free(buf);
	members_free(&ms);

	/* Signature file changed. */
	members_read(x.bundle, x.len, &ms);
	members_find(&ms, "c291.cf.minisig")->data[3] ^= 1;
	buf = members_write(&ms, 1, &len);
	open_expect(buf, len, g_pk, NOW, "bundle-hash", "'c291.cf.minisig'");
	free(buf);
	members_free(&ms);

	/* Mix and match: channel file + signature from the other bundle
	 * (validly signed, but not what this manifest pins). */
	members yms;
	members_read(x.bundle, x.len, &ms);
	members_read(y.bundle, y.len, &yms);
	member *ym = members_find(&yms, "c291.cf");
	member_set(members_find(&ms, "c291.cf"), ym->data, ym->len);
	ym = members_find(&yms, "c291.cf.minisig");
	member_set(members_find(&ms, "c291.cf.minisig"), ym->data, ym->len);
	buf = members_write(&ms, 1, &len);
	open_expect(buf, len, g_pk, NOW, "bundle-hash", "'c291.cf'");
	free(buf);
	members_free(&ms);
	/* ... and the other bundle's manifest with this bundle's files. */
	members_read(x.bundle, x.len, &ms);
	member_set(members_find(&ms, CF_BUNDLE_MANIFEST),
	           members_find(&yms, CF_BUNDLE_MANIFEST)->data,
	           members_find(&yms, CF_BUNDLE_MANIFEST)->len);
	member_set(members_find(&ms, CF_BUNDLE_MANIFEST_SIG),
	           members_find(&yms, CF_BUNDLE_MANIFEST_SIG)->data,
	           members_find(&yms, CF_BUNDLE_MANIFEST_SIG)->len);
	buf = members_write(&ms, 1, &len);
	open_expect(buf, len, g_pk, NOW, "bundle-hash", "'c291.cf'");
	free(buf);
	members_free(&ms);
	/* ... and this manifest with the other bundle's signature of its own. */
	members_read(x.bundle, x.len, &ms);
	member_set(members_find(&ms, CF_BUNDLE_MANIFEST_SIG),
	           members_find(&yms, CF_BUNDLE_MANIFEST_SIG)->data,
	           members_find(&yms, CF_BUNDLE_MANIFEST_SIG)->len);
	buf = members_write(&ms, 1, &len);
	open_expect(buf, len, g_pk, NOW, "bundle-manifest-signature", "signature check failed");
	free(buf);
	members_free(&ms);
	members_free(&yms);

	/* A file whose signature is valid but whose header differs from what
	 * the (signed) manifest records. */
	members_read(x.bundle, x.len, &ms);
	edit_manifest(&ms, g_sk, "\"content_version\": 42", "\"content_version\": 41");
	buf = members_write(&ms, 1, &len);
	open_expect(buf, len, g_pk, NOW, "bundle-header", "content version");
	free(buf);
	members_free(&ms);
	members_read(x.bundle, x.len, &ms);
	edit_manifest(&ms, g_sk, "\"requires_sensor\": null", "\"requires_sensor\": \"7.0\"");
	buf = members_write(&ms, 1, &len);
	open_expect(buf, len, g_pk, NOW, "bundle-header", "requires_sensor");
	free(buf);
	members_free(&ms);

	/* A file signed by another key, listed correctly in a signed manifest. */
	cfile other;
	cfile_make(&other, g_sk2, "c310.cf", 310, 17, NULL);
	members_read(x.bundle, x.len, &ms);
	member_set(members_find(&ms, "c310.cf.minisig"), other.sig, other.sig_len);
	char from[160], to[160], hex[HASH_HEX];
	uint8_t h[HASH_SIZE];
	cf_bundle_hash((const uint8_t *)x.f[1].sig, x.f[1].sig_len, h);
	cf_hex_encode(h, HASH_SIZE, hex);
	snprintf(from, sizeof from,
	         "\"blake2b_256\": \"%s\",\n        \"name\": \"c310.cf.minisig\",\n        "
	         "\"size\": %zu",
	         hex, x.f[1].sig_len);
	cf_bundle_hash((const uint8_t *)other.sig, other.sig_len, h);
	cf_hex_encode(h, HASH_SIZE, hex);
	snprintf(to, sizeof to,
	         "\"blake2b_256\": \"%s\",\n        \"name\": \"c310.cf.minisig\",\n        "
	         "\"size\": %zu",
	         hex, other.sig_len);
	edit_manifest(&ms, g_sk, from, to);
	buf = members_write(&ms, 1, &len);
	open_expect(buf, len, g_pk, NOW, "bundle-signature", "key ID");
	free(buf);
	members_free(&ms);
	cfile_free(&other);

	fixture_free(&x);
	fixture_free(&y);
}

static void test_manifest_rejects(void **state)
{
	(void)state;
	fixture x;
	fixture_make(&x, 5, 42);
	members ms;
	size_t len = 0;
	uint8_t *buf;

	/* Not signed. */
	members_read(x.bundle, x.len, &ms);
	members_remove(&ms, CF_BUNDLE_MANIFEST_SIG);
	buf = members_write(&ms, 1, &len);
	open_expect(buf, len, g_pk, NOW, "bundle-manifest-signature", "not signed");
	free(buf);
	members_free(&ms);

	/* No manifest. */
	members_read(x.bundle, x.len, &ms);
	members_remove(&ms, CF_BUNDLE_MANIFEST);
	buf = members_write(&ms, 1, &len);
	open_expect(buf, len, g_pk, NOW, "bundle-manifest", "no 'manifest.json'");
	free(buf);
	members_free(&ms);

	/* Signed by another key: the manifest re-signed with sk2. */
	members_read(x.bundle, x.len, &ms);
	edit_manifest(&ms, g_sk2, "\"format_version\": 1", "\"format_version\": 1");
	buf = members_write(&ms, 1, &len);
	open_expect(buf, len, g_pk, NOW, "bundle-manifest-signature", "key ID");
	/* ... which the other key's holder does accept. */
	open_expect(buf, len, g_pk2, NOW, "bundle-signature", "key ID");
	free(buf);
	members_free(&ms);

	/* Manifest edited after signing. */
	members_read(x.bundle, x.len, &ms);
	members_find(&ms, CF_BUNDLE_MANIFEST)->data[10] ^= 0x20;
	buf = members_write(&ms, 1, &len);
	open_expect(buf, len, g_pk, NOW, "bundle-manifest-signature", "signature check failed");
	free(buf);
	members_free(&ms);

	/* Signature file garbage. */
	members_read(x.bundle, x.len, &ms);
	member_set(members_find(&ms, CF_BUNDLE_MANIFEST_SIG), "junk\n", 5);
	buf = members_write(&ms, 1, &len);
	open_expect(buf, len, g_pk, NOW, "bundle-manifest-signature", NULL);
	free(buf);
	members_free(&ms);

	/* Trusted comment that does not match the manifest's version. */
	members_read(x.bundle, x.len, &ms);
	{
		member *man = members_find(&ms, CF_BUNDLE_MANIFEST);
		size_t sl = 0;
		char *sig =
		    sign_manifest(g_sk, (const char *)man->data, man->len, CREATED, 99, &sl);
		member_set(members_find(&ms, CF_BUNDLE_MANIFEST_SIG), sig, sl);
		free(sig);
	}
	buf = members_write(&ms, 1, &len);
	open_expect(buf, len, g_pk, NOW, "bundle-manifest-signature", "trusted comment");
	free(buf);
	members_free(&ms);

	/* A correctly signed manifest with bad contents. */
	static const char *const edits[][3] = {
	    {"\"format_version\": 1", "\"format_version\": 2", "not supported"},
	    {"\"format\": \"cfc-bundle\"", "\"format\": \"other\"", "manifest.format"},
	    {"\"format\": \"cfc-bundle\",", "\"format\": \"cfc-bundle\", \"extra\": 1,",
	     "unknown key 'extra'"},
	    {"\"created\": 1721361240,", "", "missing key 'created'"},
	    {"\"percent\": 100", "\"percent\": 99", "must reach 100"},
	    {"\"channel\": 310", "\"channel\": 291", "channel 291"},
	    {"\"name\": \"c310.cf\"", "\"name\": \"../c310.cf\"", "plain channel-file name"},
	    {"\"name\": \"c310.cf", "\"name\": \"a310.cf", "does not sort"},
	    {"\"name\": \"c310.cf.minisig\"", "\"name\": \"x.minisig\"", "not 'c310.cf.minisig'"},
	    {"\"field_count\": 2", "\"field_count\": -2", "not in"},
	    {"\"field_count\": 2", "\"field_count\": \"2\"", "expected an integer"},
	    {"\"fingerprint\": \"a0", "\"fingerprint\": \"A0", "hex digits"},
	    {"\"expires\": 1721447640", "\"expires\": 1721361240", "not after created"},
	    {"\"bundle_version\": 5", "\"bundle_version\": 5, \"bundle_version\": 5", "duplicate"},
	};
	for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
		members_read(x.bundle, x.len, &ms);
		edit_manifest(&ms, g_sk, edits[i][0], edits[i][1]);
		buf = members_write(&ms, 1, &len);
		open_expect(buf, len, g_pk, NOW, "bundle-manifest", edits[i][2]);
		free(buf);
		members_free(&ms);
	}
	fixture_free(&x);
}

static void test_expiry(void **state)
{
	(void)state;
	fixture x;
	fixture_make(&x, 5, 42);
	open_expect(x.bundle, x.len, g_pk, EXPIRES - 1, NULL, NULL);
	open_expect(x.bundle, x.len, g_pk, EXPIRES, "bundle-expired", "expired at 2024-07-20");
	open_expect(x.bundle, x.len, g_pk, UINT64_MAX, "bundle-expired", NULL);
	/* Before creation is not an error: clocks drift; expiry is the bound. */
	open_expect(x.bundle, x.len, g_pk, 0, NULL, NULL);
	fixture_free(&x);
}

/* ---- installing ------------------------------------------------------------ */

/* A listing of dir, one "name size" per line, sorted, with file bytes
 * hashed in, so any change shows. */
static char *listing(const char *dir)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, alphasort);
	assert_true(n >= 0);
	cf_buf b;
	cf_buf_init(&b, 0);
	for (int i = 0; i < n; i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/%s", dir, ents[i]->d_name);
		struct stat st;
		assert_int_equal(lstat(path, &st), 0);
		uint8_t *data = NULL;
		size_t len = 0;
		char hex[HASH_HEX] = "-";
		if (S_ISREG(st.st_mode)) {
			assert_int_equal(cf_file_read(path, 1 << 24, &data, &len, NULL), CF_OK);
			uint8_t h[HASH_SIZE];
			cf_bundle_hash(data, len, h);
			cf_hex_encode(h, HASH_SIZE, hex);
			free(data);
		}
		assert_int_equal(
		    cf_buf_printf(&b, "%s %o %s\n", ents[i]->d_name, (unsigned)st.st_mode, hex),
		    CF_OK);
		free(ents[i]);
	}
	free(ents);
	return cf_buf_take(&b, NULL);
}

static cf_bundle *must_open(const uint8_t *buf, size_t len)
{
	cf_bundle *b = NULL;
	cf_bundle_open_opts o = {.now = NOW};
	assert_int_equal(cf_bundle_open(buf, len, g_pk, &o, &b, NULL), CF_OK);
	return b;
}

static cf_status install_expect(const uint8_t *buf, size_t len, const char *dir,
                                const char *state_dir, cf_status want, const char *code)
{
	cf_bundle *b = must_open(buf, len);
	cf_diag_list *d = cf_diags_new();
	char *before = listing(dir);
	char *sbefore = state_dir ? listing(state_dir) : NULL;
	cf_status st = cf_bundle_install(b, dir, state_dir, "t.tar.zst", d, NULL);
	if (st != want)
		fail_msg("install: %s, expected %s (%s)", cf_strerror(st), cf_strerror(want),
		         cf_diags_count(d) ? cf_diags_get(d, 0)->message : "");
	if (code) {
		assert_true(cf_diags_count(d) >= 1);
		assert_string_equal(cf_diags_get(d, 0)->code, code);
	}
	if (st != CF_OK) {
		/* Nothing written: DIR and the state exactly as they were. */
		char *after = listing(dir);
		assert_string_equal(before, after);
		free(after);
		if (state_dir) {
			char *safter = listing(state_dir);
			assert_string_equal(sbefore, safter);
			free(safter);
		}
	}
	free(before);
	free(sbefore);
	cf_diags_free(d);
	cf_bundle_free(b);
	return st;
}

static void test_install(void **state)
{
	(void)state;
	char root[] = "/tmp/cfc-test-bundle.XXXXXX";
	assert_non_null(mkdtemp(root));
	char dir[300], sdir[300], path[400];
	snprintf(dir, sizeof dir, "%s/content", root);
	snprintf(sdir, sizeof sdir, "%s/state", root);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(mkdir(sdir, 0755), 0);

	fixture v5, v6, v7, v4;
	fixture_make(&v5, 5, 42);
	fixture_make(&v6, 6, 42); /* same content: same bytes (same signing time) */
	fixture_make(&v7, 7, 41); /* channel 291 goes back */
	fixture_make(&v4, 4, 43); /* bundle version goes back */

	install_expect(v5.bundle, v5.len, dir, sdir, CF_OK, NULL);
	snprintf(path, sizeof path, "%s/c291.cf", dir);
	uint8_t *data = NULL;
	size_t len = 0;
	assert_int_equal(cf_file_read(path, 1 << 20, &data, &len, NULL), CF_OK);
	assert_int_equal(len, v5.f[0].len);
	assert_memory_equal(data, v5.f[0].data, len);
	free(data);
	snprintf(path, sizeof path, "%s/c310.cf.minisig", dir);
	assert_int_equal(cf_file_read(path, 1 << 20, &data, &len, NULL), CF_OK);
	assert_int_equal(len, v5.f[1].sig_len);
	free(data);
	snprintf(path, sizeof path, "%s/" CF_BUNDLE_STATE_FILE, sdir);
	assert_int_equal(cf_file_read(path, 1 << 20, &data, &len, NULL), CF_OK);
	assert_non_null(strstr((char *)data, "\"bundle_version\": 5"));
	assert_non_null(strstr((char *)data, "\"content_version\": 42"));
	free(data);
	/* No temporary directory left behind. */
	char *l = listing(dir);
	assert_null(strstr(l, ".cfc-unbundle"));
	free(l);

	/* The same bundle again, an older one, a channel going back. */
	install_expect(v5.bundle, v5.len, dir, sdir, CF_ERR_REJECTED, "bundle-rollback");
	install_expect(v4.bundle, v4.len, dir, sdir, CF_ERR_REJECTED, "bundle-rollback");
	install_expect(v7.bundle, v7.len, dir, sdir, CF_ERR_REJECTED, "bundle-rollback");
	cf_bundle *b = must_open(v7.bundle, v7.len);
	assert_int_equal(cf_bundle_check_state(b, sdir, NULL, NULL), CF_ERR_REJECTED);
	cf_bundle_free(b);
	/* Same content version with the same bytes: allowed. */
	install_expect(v6.bundle, v6.len, dir, sdir, CF_OK, NULL);

	/* Same content version with other bytes: refused. */
	fixture v8;
	cfile_make(&v8.f[0], g_sk, "c291.cf", 291, 42, "7.16");
	cfile_make(&v8.f[1], g_sk, "c310.cf", 310, 18, NULL);
	assert_int_equal(
	    create(g_sk, v8.f, 2, 8, CF_BUNDLE_ZSTD, NULL, 0, &v8.bundle, &v8.len, NULL), CF_OK);
	install_expect(v8.bundle, v8.len, dir, sdir, CF_ERR_REJECTED, "bundle-rollback");
	/* Without state no rollback check applies. */
	install_expect(v4.bundle, v4.len, dir, NULL, CF_OK, NULL);

	/* A target that is not a regular file: nothing written. */
	char dir2[300], sdir2[300];
	snprintf(dir2, sizeof dir2, "%s/content2", root);
	snprintf(sdir2, sizeof sdir2, "%s/state2", root);
	assert_int_equal(mkdir(dir2, 0755), 0);
	assert_int_equal(mkdir(sdir2, 0755), 0);
	snprintf(path, sizeof path, "%s/c310.cf", dir2);
	assert_int_equal(mkdir(path, 0755), 0);
	install_expect(v5.bundle, v5.len, dir2, sdir2, CF_ERR_IO, "bundle-install");
	assert_int_equal(rmdir(path), 0);
	/* A symlink as target: refused, never followed. */
	snprintf(path, sizeof path, "%s/c310.cf", dir2);
	assert_int_equal(symlink("/nonexistent/x", path), 0);
	install_expect(v5.bundle, v5.len, dir2, sdir2, CF_ERR_IO, "bundle-install");
	assert_int_equal(unlink(path), 0);

	/* A malformed state file: refused, nothing written. */
	snprintf(path, sizeof path, "%s/" CF_BUNDLE_STATE_FILE, sdir2);
	assert_int_equal(cf_file_write_atomic(path, "{}", 2, 0644, 0, NULL), CF_OK);
	install_expect(v5.bundle, v5.len, dir2, sdir2, CF_ERR_IO, "bundle-state");
	assert_int_equal(unlink(path), 0);
	install_expect(v5.bundle, v5.len, dir2, sdir2, CF_OK, NULL);
	/* Missing directories. */
	snprintf(path, sizeof path, "%s/missing", root);
	b = must_open(v5.bundle, v5.len);
	assert_int_equal(cf_bundle_install(b, path, NULL, NULL, NULL, NULL), CF_ERR_IO);
	assert_int_equal(cf_bundle_install(b, dir2, path, NULL, NULL, NULL), CF_ERR_IO);
	cf_bundle_free(b);

	fixture_free(&v4);
	fixture_free(&v5);
	fixture_free(&v6);
	fixture_free(&v7);
	fixture_free(&v8);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

/* ---- helpers ---------------------------------------------------------------- */

static void test_names_and_paths(void **state)
{
	(void)state;
	assert_true(cf_bundle_name_valid("c291.cf", 7));
	assert_true(cf_bundle_name_valid("a", 1));
	assert_false(cf_bundle_name_valid("", 0));
	assert_false(cf_bundle_name_valid(".", 1));
	assert_false(cf_bundle_name_valid("..", 2));
	assert_false(cf_bundle_name_valid("a/b", 3));
	assert_false(cf_bundle_name_valid("/a", 2));
	char longname[CF_BUNDLE_MAX_NAME + 2];
	memset(longname, 'a', sizeof longname);
	assert_true(cf_bundle_name_valid(longname, CF_BUNDLE_MAX_NAME));
	assert_false(cf_bundle_name_valid(longname, CF_BUNDLE_MAX_NAME + 1));
	assert_int_equal(cf_bundle_compression_for_path("x.tar.zst"), CF_BUNDLE_ZSTD);
	assert_int_equal(cf_bundle_compression_for_path("x.tar.gz"), CF_BUNDLE_GZIP);
	assert_int_equal(cf_bundle_compression_for_path("x.tgz"), 0);
	assert_int_equal(cf_bundle_compression_for_path("x.zst"), 0);
	assert_int_equal(cf_bundle_compression_for_path(".tar.zst.cf"), 0);
	assert_true(cf_bundle_path_is_bundle("a.tar.zst"));
	assert_true(cf_bundle_path_is_bundle("a.tgz"));
	assert_false(cf_bundle_path_is_bundle("/nonexistent/a.cf"));

	/* By magic: a bundle without a telling name. */
	fixture x;
	fixture_make(&x, 5, 42);
	char p[] = "/tmp/cfc-test-magic.XXXXXX";
	int fd = mkstemp(p);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, x.bundle, x.len), (ssize_t)x.len);
	close(fd);
	assert_true(cf_bundle_path_is_bundle(p));
	assert_int_equal(cf_file_write_atomic(p, x.f[0].data, x.f[0].len, 0644, 0, NULL), CF_OK);
	assert_false(cf_bundle_path_is_bundle(p));
	unlink(p);
	fixture_free(&x);

	char t[32];
	cf_bundle_fmt_time(0, t);
	assert_string_equal(t, "1970-01-01T00:00:00Z");
	cf_bundle_fmt_time(UINT64_MAX, t);
	assert_string_equal(t, "@18446744073709551615");
}

/* Every allocation and every early exit frees what it took: run under
 * ASan. Also invalid arguments. */
static void test_api_misuse(void **state)
{
	(void)state;
	cf_bundle *b = (cf_bundle *)1;
	cf_bundle_open_opts o = {.now = NOW};
	assert_int_equal(cf_bundle_open(NULL, 0, g_pk, &o, &b, NULL), CF_ERR_INVALID);
	assert_null(b);
	assert_int_equal(cf_bundle_open((const uint8_t *)"", 0, NULL, &o, &b, NULL),
	                 CF_ERR_INVALID);
	assert_int_equal(cf_bundle_open((const uint8_t *)"", 0, g_pk, NULL, &b, NULL),
	                 CF_ERR_INVALID);
	cf_bundle_free(NULL);
	assert_int_equal(cf_bundle_install(NULL, "/tmp", NULL, NULL, NULL, NULL), CF_ERR_INVALID);
	assert_int_equal(cf_bundle_check_state(NULL, "/tmp", NULL, NULL), CF_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),       cmocka_unit_test(test_reproducible),
	    cmocka_unit_test(test_create_rejects),   cmocka_unit_test(test_entry_rejects),
	    cmocka_unit_test(test_archive_rejects),  cmocka_unit_test(test_caps),
	    cmocka_unit_test(test_trailing_data),    cmocka_unit_test(test_file_rejects),
	    cmocka_unit_test(test_manifest_rejects), cmocka_unit_test(test_expiry),
	    cmocka_unit_test(test_install),          cmocka_unit_test(test_names_and_paths),
	    cmocka_unit_test(test_api_misuse),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
