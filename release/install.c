/*
 * install.c - rollback state and all-or-nothing installation of a verified
 * bundle (docs/bundles.md, "Rollback state" and "Installation").
 *
 * The state file STATE_DIR/cfc-state.json (canonical JSON, replaced
 * atomically) records the last installed bundle version and, per channel,
 * the installed content version, file name and BLAKE2b-256:
 *
 *   {"bundle_version": 7, "channels": {"291": {"blake2b_256": "...",
 *    "content_version": 42, "name": "c291.cf"}}, "format": "cfc-state",
 *    "format_version": 1}
 *
 * Order of an installation: lock, read the state, check for rollback,
 * check every target name, and only then write: a mkdtemp() directory
 * inside DIR, every file written and fsync'd there, the directory fsync'd,
 * the new state written and fsync'd beside the old one, each file renamed
 * into place, DIR fsync'd, the temporary directory removed, the state
 * renamed over the old one and its directory fsync'd. After the first
 * rename nothing allocates or writes data. A rejected bundle writes
 * nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include <cf/base.h>
#include "release/bundle_int.h"

#define STATE_MAX_SIZE ((size_t)16 << 20)

typedef struct schan {
	uint32_t channel;
	uint64_t content_version;
	uint8_t hash[HASH_SIZE];
	char name[CF_BUNDLE_MAX_NAME + 1];
} schan;

typedef struct state {
	int present;
	uint64_t bundle_version;
	schan *ch; /* ascending by channel */
	size_t n;
} state;

static void state_clear(state *s)
{
	free(s->ch);
	memset(s, 0, sizeof *s);
}

static const schan *state_find(const state *s, uint32_t channel)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->ch[i].channel == channel)
			return &s->ch[i];
	return NULL;
}

static char *join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = malloc(a + b + 2);
	if (p) {
		memcpy(p, dir, a);
		p[a] = '/';
		memcpy(p + a + 1, name, b + 1);
	}
	return p;
}

static cf_status state_bad(cf_diag_list *diags, const char *file, const char *what)
{
	if (diags && !cf_diag_add(diags, CF_ERROR, "bundle-state", file, 0, 0,
	                          "malformed rollback state (%s); refusing to install until it "
	                          "is repaired",
	                          what))
		return CF_ERR_NOMEM;
	return CF_ERR_IO;
}

static int json_u63(const json_t *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	if (!json_is_integer(v))
		return -1;
	json_int_t i = json_integer_value(v);
	if (i < 0 || (uint64_t)i < lo || (uint64_t)i > hi)
		return -1;
	*out = (uint64_t)i;
	return 0;
}

/* Read STATE_DIR/cfc-state.json; a missing file is an empty state. It must
 * be a regular file, not a link: anything else (a FIFO that would block the
 * read, a device, a directory) is refused before it is opened, and is never
 * replaced. */
static cf_status state_load(const char *state_dir, state *s, cf_diag_list *diags, int *err_no)
{
	cf_status st;
	uint8_t *buf = NULL;
	size_t len = 0;
	json_t *root = NULL;
	memset(s, 0, sizeof *s);
	char *file = join(state_dir, CF_BUNDLE_STATE_FILE);
	if (!file)
		return CF_ERR_NOMEM;
	int e = 0;
	st = cf_file_read_ex(file, STATE_MAX_SIZE, CF_READ_REGULAR | CF_READ_NOFOLLOW, &buf, &len,
	                     &e);
	if (st == CF_ERR_IO && e == ENOENT) {
		st = CF_OK;
		goto out;
	}
	if (st == CF_ERR_LIMIT) {
		st = state_bad(diags, file, "larger than 16 MiB");
		goto out;
	}
	if (st != CF_OK) {
		if (err_no)
			*err_no = e;
		if (st == CF_ERR_IO && diags)
			cf_diag_add(diags, CF_ERROR, "bundle-state", file, 0, 0,
			            "cannot read: %s; nothing was written", cf_file_strerror(e));
		goto out;
	}
	json_error_t jerr;
	root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
	const json_t *fmt = json_object_get(root, "format");
	uint64_t fv = 0;
	json_t *chans = json_object_get(root, "channels");
	if (!root || !json_is_object(root) || json_object_size(root) != 4 || !json_is_string(fmt) ||
	    strcmp(json_string_value(fmt), STATE_FORMAT) != 0 ||
	    json_u63(json_object_get(root, "format_version"), 1, 1, &fv) ||
	    json_u63(json_object_get(root, "bundle_version"), 1, JSON_U63_MAX,
	             &s->bundle_version) ||
	    !json_is_object(chans)) {
		st = state_bad(diags, file, "not a cfc-state version 1 object");
		goto out;
	}
	s->n = json_object_size(chans);
	s->ch = calloc(s->n ? s->n : 1, sizeof *s->ch);
	if (!s->ch) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	size_t i = 0;
	const char *key;
	json_t *val;
	json_object_foreach(chans, key, val)
	{
		schan *c = &s->ch[i++];
		uint64_t ch = 0;
		char *end = NULL;
		errno = 0;
		unsigned long long k = strtoull(key, &end, 10);
		const json_t *name = json_object_get(val, "name");
		const json_t *hash = json_object_get(val, "blake2b_256");
		if (key[0] < '1' || key[0] > '9' || errno || *end || k > UINT32_MAX ||
		    !json_is_object(val) || json_object_size(val) != 3 ||
		    json_u63(json_object_get(val, "content_version"), 1, JSON_U63_MAX,
		             &c->content_version) ||
		    !json_is_string(name) ||
		    !cf_bundle_name_valid(json_string_value(name), json_string_length(name)) ||
		    !json_is_string(hash) ||
		    cf_hex_decode(json_string_value(hash), json_string_length(hash), c->hash,
		                  HASH_SIZE)) {
			st = state_bad(diags, file, "a bad channel record");
			goto out;
		}
		ch = k;
		c->channel = (uint32_t)ch;
		memcpy(c->name, json_string_value(name), json_string_length(name) + 1);
	}
	s->present = 1;
	st = CF_OK;
out:
	json_decref(root);
	free(buf);
	free(file);
	if (st != CF_OK)
		state_clear(s);
	return st;
}

static cf_status state_check(const cf_bundle *b, const state *s, const char *path,
                             cf_diag_list *diags)
{
	cf_status st = CF_OK;
	if (!s->present)
		return CF_OK;
	if (b->m.bundle_version <= s->bundle_version)
		st = cf_bundle_reject(diags, path, "bundle-rollback",
		                      "bundle version %" PRIu64
		                      " is not above the installed bundle version %" PRIu64,
		                      b->m.bundle_version, s->bundle_version);
	for (size_t i = 0; i < b->m.file_count && st != CF_ERR_NOMEM; i++) {
		const cf_bundle_file *f = &b->files[i];
		const schan *c = state_find(s, f->view.hdr.channel);
		if (!c)
			continue;
		if (f->view.hdr.content_version < c->content_version)
			st = cf_bundle_reject(
			    diags, path, "bundle-rollback",
			    "entry '%s': channel %" PRIu32 " content version %" PRIu64
			    " is below the installed version %" PRIu64,
			    f->name, c->channel, f->view.hdr.content_version, c->content_version);
		else if (f->view.hdr.content_version == c->content_version &&
		         memcmp(f->hash, c->hash, HASH_SIZE) != 0)
			st = cf_bundle_reject(diags, path, "bundle-rollback",
			                      "entry '%s': channel %" PRIu32
			                      " content version %" PRIu64
			                      " is already installed with other bytes; new content "
			                      "needs a higher version",
			                      f->name, c->channel, c->content_version);
	}
	return st;
}

cf_status cf_bundle_check_state(const cf_bundle *b, const char *state_dir, const char *path,
                                cf_diag_list *diags)
{
	state s;
	if (!b || !state_dir)
		return CF_ERR_INVALID;
	cf_status st = state_load(state_dir, &s, diags, NULL);
	if (st == CF_OK)
		st = state_check(b, &s, path ? path : "bundle", diags);
	state_clear(&s);
	return st;
}

/* The new state: the old channels, updated and extended by the bundle's. */
static cf_status state_encode(const cf_bundle *b, const state *old, char **out, size_t *out_len)
{
	cf_status st = CF_ERR_NOMEM;
	json_t *root = json_object();
	json_t *chans = json_object();
	if (!root || !chans)
		goto out;
	for (size_t i = 0; i < old->n + b->m.file_count; i++) {
		uint32_t ch;
		uint64_t cv;
		const uint8_t *hash;
		const char *name;
		if (i < old->n) {
			const schan *c = &old->ch[i];
			ch = c->channel;
			cv = c->content_version;
			hash = c->hash;
			name = c->name;
		} else {
			const cf_bundle_file *f = &b->files[i - old->n];
			ch = f->view.hdr.channel;
			cv = f->view.hdr.content_version;
			hash = f->hash;
			name = f->name;
		}
		char key[16], hex[HASH_HEX];
		snprintf(key, sizeof key, "%" PRIu32, ch);
		cf_hex_encode(hash, HASH_SIZE, hex);
		json_t *rec = json_object();
		if (!rec || json_object_set_new(chans, key, rec) ||
		    json_object_set_new(rec, "content_version", json_integer((json_int_t)cv)) ||
		    json_object_set_new(rec, "blake2b_256", json_string(hex)) ||
		    json_object_set_new(rec, "name", json_string(name)))
			goto out;
	}
	json_t *c = chans;
	chans = NULL;
	if (json_object_set_new(root, "format", json_string(STATE_FORMAT)) ||
	    json_object_set_new(root, "format_version", json_integer(STATE_FORMAT_VERSION)) ||
	    json_object_set_new(root, "bundle_version",
	                        json_integer((json_int_t)b->m.bundle_version)) ||
	    json_object_set_new(root, "channels", c))
		goto out;
	st = cf_bundle_json_text(root, out, out_len);
out:
	json_decref(chans);
	json_decref(root);
	return st;
}

static int write_file_at(int dirfd, const char *name, const uint8_t *data, size_t len)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (cf_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

static cf_status io_fail(cf_diag_list *diags, const char *where, const char *what, int e,
                         int *err_no)
{
	if (err_no)
		*err_no = e;
	if (diags)
		cf_diag_add(diags, CF_ERROR, "bundle-install", where, 0, 0, "cannot %s: %s", what,
		            strerror(e));
	return CF_ERR_IO;
}

static int open_dir(const char *path)
{
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

cf_status cf_bundle_install(const cf_bundle *b, const char *dir, const char *state_dir,
                            const char *path, cf_diag_list *diags, int *err_no)
{
	cf_status st = CF_ERR_NOMEM;
	int dirfd = -1, statefd = -1, tmpfd = -1;
	char *tmp = NULL, *state_text = NULL, *state_file = NULL, *state_tmp = NULL;
	int state_tmp_made = 0;
	size_t state_len = 0, written = 0, renamed = 0;
	const char **names = NULL;
	const uint8_t **datas = NULL;
	size_t *lens = NULL;
	state s;
	memset(&s, 0, sizeof s);
	if (err_no)
		*err_no = 0;
	if (!b || !dir)
		return CF_ERR_INVALID;
	if (!path)
		path = "bundle";

	/* Open and lock: the state directory (or DIR) is flock'd, which
	 * changes nothing on disk. */
	dirfd = open_dir(dir);
	if (dirfd < 0) {
		st = io_fail(diags, dir, "open the directory", errno, err_no);
		goto out;
	}
	if (state_dir) {
		statefd = open_dir(state_dir);
		if (statefd < 0) {
			st = io_fail(diags, state_dir, "open the state directory", errno, err_no);
			goto out;
		}
	}
	if (flock(statefd >= 0 ? statefd : dirfd, LOCK_EX) != 0) {
		st = io_fail(diags, state_dir ? state_dir : dir, "lock", errno, err_no);
		goto out;
	}

	/* Rollback check against the state. */
	if (state_dir) {
		if ((st = state_load(state_dir, &s, diags, err_no)) != CF_OK)
			goto out;
		if ((st = state_check(b, &s, path, diags)) != CF_OK)
			goto out;
		if ((st = state_encode(b, &s, &state_text, &state_len)) != CF_OK)
			goto out;
		state_file = join(state_dir, CF_BUNDLE_STATE_FILE);
		state_tmp = join(state_dir, ".cfc-state.json.XXXXXX");
		if (!state_file || !state_tmp) {
			st = CF_ERR_NOMEM;
			goto out;
		}
	}

	/* Every target must be absent or a regular file we may replace. */
	size_t n = 2 * b->m.file_count;
	names = calloc(n, sizeof *names);
	datas = calloc(n, sizeof *datas);
	lens = calloc(n, sizeof *lens);
	if (!names || !datas || !lens) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < b->m.file_count; i++) {
		const cf_bundle_file *f = &b->files[i];
		names[2 * i] = f->name;
		datas[2 * i] = f->data;
		lens[2 * i] = f->len;
		names[2 * i + 1] = f->sig_name;
		datas[2 * i + 1] = (const uint8_t *)f->sig;
		lens[2 * i + 1] = f->sig_len;
	}
	for (size_t i = 0; i < n; i++) {
		struct stat sb;
		if (fstatat(dirfd, names[i], &sb, AT_SYMLINK_NOFOLLOW) == 0) {
			if (!S_ISREG(sb.st_mode)) {
				if (err_no)
					*err_no = EEXIST;
				if (diags)
					cf_diag_add(
					    diags, CF_ERROR, "bundle-install", dir, 0, 0,
					    "'%s' exists and is not a regular file; nothing "
					    "was written",
					    names[i]);
				st = CF_ERR_IO;
				goto out;
			}
		} else if (errno != ENOENT) {
			st = io_fail(diags, dir, "inspect the target files", errno, err_no);
			goto out;
		}
	}

	/* From here on we write: a private directory inside DIR first. */
	tmp = join(dir, ".cfc-unbundle.XXXXXX");
	if (!tmp) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	if (!mkdtemp(tmp)) {
		free(tmp);
		tmp = NULL;
		st = io_fail(diags, dir, "create a temporary directory", errno, err_no);
		goto out;
	}
	tmpfd = open_dir(tmp);
	if (tmpfd < 0) {
		st = io_fail(diags, tmp, "open the temporary directory", errno, err_no);
		goto out;
	}
	for (; written < n; written++) {
		if (write_file_at(tmpfd, names[written], datas[written], lens[written]) != 0) {
			int e = errno;
			unlinkat(tmpfd, names[written], 0);
			st = io_fail(diags, tmp, "write a file", e, err_no);
			goto out;
		}
	}
	if (fsync(tmpfd) != 0) {
		st = io_fail(diags, tmp, "sync the temporary directory", errno, err_no);
		goto out;
	}
	/* The new state too, beside the old one, so that nothing after the
	 * first rename needs memory or disk space. */
	if (state_tmp) {
		int sfd = mkstemp(state_tmp);
		if (sfd < 0) {
			st = io_fail(diags, state_dir, "create a temporary state file", errno,
			             err_no);
			goto out;
		}
		state_tmp_made = 1;
		if (fchmod(sfd, 0644) != 0 || cf_write_all(sfd, state_text, state_len) != 0 ||
		    fsync(sfd) != 0) {
			int e = errno;
			close(sfd);
			st = io_fail(diags, state_tmp, "write the rollback state", e, err_no);
			goto out;
		}
		if (close(sfd) != 0) {
			st = io_fail(diags, state_tmp, "write the rollback state", errno, err_no);
			goto out;
		}
	}
	/* Each rename is atomic; the set of them is not (docs/bundles.md). */
	for (; renamed < n; renamed++) {
		if (renameat(tmpfd, names[renamed], dirfd, names[renamed]) != 0) {
			st = io_fail(diags, dir, "rename a file into place", errno, err_no);
			if (diags)
				cf_diag_add(diags, CF_NOTE, "bundle-install", dir, 0, 0,
				            "%zu of %zu file%s replaced; the state was not "
				            "updated, so running the same command again completes "
				            "the installation",
				            renamed, n, n == 1 ? " was" : "s were");
			goto out;
		}
	}
	if (fsync(dirfd) != 0) {
		st = io_fail(diags, dir, "sync the directory", errno, err_no);
		goto out;
	}
	close(tmpfd);
	tmpfd = -1;
	if (rmdir(tmp) != 0) {
		st = io_fail(diags, tmp, "remove the temporary directory", errno, err_no);
		goto out;
	}
	free(tmp);
	tmp = NULL;
	written = renamed = 0;

	/* Last, the state: rename over the old one, then sync its directory. */
	if (state_tmp) {
		if (rename(state_tmp, state_file) != 0) {
			st =
			    io_fail(diags, state_file, "replace the rollback state", errno, err_no);
			goto out;
		}
		state_tmp_made = 0;
		if (fsync(statefd) != 0) {
			st = io_fail(diags, state_dir, "sync the state directory", errno, err_no);
			goto out;
		}
	}
	st = CF_OK;
out:
	if (tmp) {
		/* Failure after mkdtemp: remove what is left in it. */
		int fd = tmpfd >= 0 ? tmpfd : open_dir(tmp);
		for (size_t i = renamed; i < written && fd >= 0; i++)
			unlinkat(fd, names[i], 0);
		if (fd >= 0 && fd != tmpfd)
			close(fd);
		rmdir(tmp);
	}
	if (state_tmp_made)
		unlink(state_tmp);
	if (tmpfd >= 0)
		close(tmpfd);
	if (statefd >= 0)
		close(statefd);
	if (dirfd >= 0)
		close(dirfd);
	free(tmp);
	free(state_text);
	free(state_file);
	free(state_tmp);
	free(names);
	free(datas);
	free(lens);
	state_clear(&s);
	return st;
}
