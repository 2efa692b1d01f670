/*
 * index.c - which instances of a content an event can match.
 *
 * Built once at load; used by the interpreter (interp.c) so that an event
 * visits only candidate instances instead of all of them. Every instance
 * is keyed by one criterion that must hold for it to match, chosen in this
 * order:
 *
 *   1. a string `equals`: a hash of (field, value folded to ASCII lower case);
 *   2. a string `prefix`: a hash of (field, its first PREFIX_CAP bytes, folded);
 *   3. its first regex (in evaluation order), when the regex has a required
 *      literal of at least 4 ASCII bytes (regex_literal()): a hash of
 *      (field, one 4-byte gram of that literal, folded);
 *   4. none: the instance is a candidate for every event ("always").
 *
 * An event hashes each string value the same way (equals: the whole value;
 * prefix: its first L bytes for every prefix length L the field has; grams:
 * every 4 bytes) and marks the instances under each key found. Hashes that
 * collide only add candidates: every candidate is evaluated in full, so the
 * index never decides a match, it only skips instances that cannot match:
 *
 *   - keys 1 and 2 are criteria the interpreter evaluates before any regex,
 *     so skipping an instance whose key fails skips no regex call, no limit
 *     hit and no report (the interpreter uses the index only when every
 *     criterion's field is inside the input array, so no bounds event either);
 *   - key 3: the first regex of an instance runs only after its cheap
 *     criteria passed, and cannot match a value that lacks its required
 *     literal. Such a value is no match without running PCRE2 (as PCRE2's own
 *     start-up optimizations do), so no match limit can be hit on it. Only
 *     values of pure ASCII are filtered this way: with PCRE2_CASELESS in UTF
 *     mode, an ASCII letter can match a non-ASCII character (k and U+212A),
 *     so an instance is a candidate whenever its value has a byte >= 0x80.
 *
 * Nothing here allocates after cf_sensor_index_build().
 */
#include <stdlib.h>
#include <string.h>

#include "sensor/sensor_int.h"

#define NONE UINT32_MAX
#define KIND_EQUALS 0u
#define KIND_PREFIX 1u
#define KIND_GRAM 2u
#define BLOOM_BITS 14 /* the gram filter: 2^14 bits */

/* ---- hashing ------------------------------------------------------------------ */

static const uint64_t K1 = 0x9E3779B97F4A7C15ull;

/* ASCII letters of the 8 bytes of x to lower case, other bytes unchanged. */
static uint64_t lower8(uint64_t x)
{
	const uint64_t hi = 0x8080808080808080ull;
	uint64_t ascii = ~x & hi;
	uint64_t ge_a = (x | hi) - 0x4141414141414141ull; /* high bit: (b & 0x7f) >= 'A' */
	uint64_t gt_z = (x | hi) - 0x5B5B5B5B5B5B5B5Bull; /* high bit: (b & 0x7f) > 'Z' */
	uint64_t up = ascii & ge_a & ~gt_z & hi;
	return x | (up >> 2);
}

/*
 * r (0..8) bytes at p as one word, zero-padded (byte i at bits 8i..8i+7),
 * reading no byte past p + r: two overlapping 4-byte words, or up to three
 * single bytes, in registers. (memcpy of a variable size into a word on the
 * stack, then reading the word, stalls the read on every call; this runs for
 * every prefix length of every string value of every event.)
 */
static inline uint64_t load_raw(const char *p, size_t r)
{
	const unsigned char *u = (const unsigned char *)p;
	if (r >= 4) {
		uint64_t lo = (uint64_t)u[0] | (uint64_t)u[1] << 8 | (uint64_t)u[2] << 16 |
		              (uint64_t)u[3] << 24;
		uint64_t hi = (uint64_t)u[r - 4] | (uint64_t)u[r - 3] << 8 |
		              (uint64_t)u[r - 2] << 16 | (uint64_t)u[r - 1] << 24;
		return lo | hi << (8 * (r - 4));
	}
	if (r == 0)
		return 0;
	return (uint64_t)u[0] | (uint64_t)u[r / 2] << (8 * (r / 2)) |
	       (uint64_t)u[r - 1] << (8 * (r - 1));
}

/* The low r (0..8) bytes of w, the rest zero. */
static uint64_t low_bytes(uint64_t w, size_t r)
{
	return r >= 8 ? w : w & (((uint64_t)1 << (8 * r)) - 1);
}

/* r (0..8) bytes at p as one folded word, zero-padded. */
static inline uint64_t load(const char *p, size_t r)
{
	return lower8(load_raw(p, r));
}

static uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * K1;
	return h ^ (h >> 32);
}

static uint64_t seed(unsigned field)
{
	return ((uint64_t)field + 1) * 0xC2B2AE3D27D4EB4Full;
}

static uint64_t fin(uint64_t h, uint64_t n, unsigned kind)
{
	return mix(h, (n << 2) | kind);
}

/* Key of n bytes at p on field, folded. */
static uint64_t bytes_key(unsigned field, const char *p, size_t n, unsigned kind)
{
	uint64_t h = seed(field);
	size_t k = 0;
	for (; k + 8 <= n; k += 8)
		h = mix(h, load(p + k, 8));
	if (k < n)
		h = mix(h, load(p + k, n - k));
	return fin(h, n, kind);
}

static unsigned char fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static uint64_t gram_key(unsigned field, uint32_t g)
{
	return fin(mix(seed(field), g), 4, KIND_GRAM);
}

/* ---- the required literal of a regex ---------------------------------------- */

/* Escapes with a letter that stand for no literal byte and take no argument. */
static int plain_escape(unsigned char e)
{
	return e && strchr("dDwWsShHvVRbBAzZG", e) != NULL;
}

static int is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Skip a class starting at p[i] == '['. The index after its ']', or 0 when
 * the class uses syntax this scanner does not follow. */
static size_t skip_class(const char *p, size_t n, size_t i)
{
	size_t j = i + 1;
	if (j < n && p[j] == '^')
		j++;
	if (j < n && p[j] == ']')
		j++;
	while (j < n) {
		unsigned char ch = (unsigned char)p[j];
		if (ch == '\\') {
			if (j + 1 >= n)
				return 0;
			unsigned char e = (unsigned char)p[j + 1];
			if (is_alnum(e) && !plain_escape(e))
				return 0;
			j += 2;
		} else if (ch == '[' && j + 1 < n &&
		           (p[j + 1] == ':' || p[j + 1] == '.' || p[j + 1] == '=')) {
			char close = p[j + 1];
			size_t k = j + 2;
			while (k + 1 < n && !(p[k] == close && p[k + 1] == ']'))
				k++;
			if (k + 1 >= n)
				return 0;
			j = k + 2;
		} else if (ch == ']') {
			return j + 1;
		} else {
			j++;
		}
	}
	return 0;
}

/* Skip a group starting at p[i] == '('. The index after its ')', or 0. */
static size_t skip_group(const char *p, size_t n, size_t i)
{
	size_t j = i, depth = 0;
	while (j < n) {
		unsigned char ch = (unsigned char)p[j];
		if (ch == '\\') {
			if (j + 1 >= n)
				return 0;
			unsigned char e = (unsigned char)p[j + 1];
			if (is_alnum(e) && !plain_escape(e))
				return 0;
			j += 2;
		} else if (ch == '[') {
			j = skip_class(p, n, j);
			if (!j)
				return 0;
		} else if (ch == '(') {
			/* (?...) options, lookaround, named groups; (*VERB) */
			if (j + 1 < n && (p[j + 1] == '?' || p[j + 1] == '*'))
				return 0;
			depth++;
			j++;
		} else if (ch == ')') {
			j++;
			if (--depth == 0)
				return j;
		} else {
			j++;
		}
	}
	return 0;
}

/*
 * The longest run of ASCII bytes that every match of the pattern (p, n)
 * contains, copied to out (capacity n; cur is scratch of n bytes). Only
 * the pattern's top level is read: a literal byte joins the run; a class,
 * group, '.', anchor, escape such as \s or a non-ASCII byte ends it; a
 * quantifier that allows zero ('?', '*', '{') removes the byte before it
 * first, '+' keeps it. Anything this scanner does not follow gives no
 * literal: top-level '|', (?...) and (*...), escapes with an argument or
 * meaning a byte (\x, \Q, \p, \1, \t, ...). The bytes are as written, not
 * folded. Returns the length (0: none).
 */
size_t cf_sensor_regex_literal(const char *p, size_t n, char *out, char *cur)
{
	size_t best = 0, run = 0, i = 0;
	while (i < n) {
		unsigned char ch = (unsigned char)p[i];
		int lit = -1, pop = 0;
		if (ch == '\\') {
			if (i + 1 >= n)
				return 0;
			unsigned char e = (unsigned char)p[i + 1];
			if (e >= 0x80)
				return 0;
			if (is_alnum(e)) {
				if (!plain_escape(e))
					return 0;
			} else {
				lit = e;
			}
			i += 2;
		} else if (ch == '[') {
			i = skip_class(p, n, i);
			if (!i)
				return 0;
		} else if (ch == '(') {
			i = skip_group(p, n, i);
			if (!i)
				return 0;
		} else if (ch == '|' || ch == ')') {
			return 0;
		} else if (ch == '?' || ch == '*') {
			pop = 1;
			i++;
		} else if (ch == '{') {
			/* {n}, {n,}, {n,m}, {,m} (spaces allowed): a quantifier;
			 * anything else is a literal '{', which just ends the run. */
			size_t j = i + 1;
			int digits = 0;
			while (j < n &&
			       ((p[j] >= '0' && p[j] <= '9') || p[j] == ',' || p[j] == ' ')) {
				digits |= p[j] >= '0' && p[j] <= '9';
				j++;
			}
			if (j < n && p[j] == '}' && digits) {
				pop = 1;
				i = j + 1;
			} else {
				i++;
			}
		} else if (ch == '+') {
			i++;
		} else if (ch == '.' || ch == '^' || ch == '$' || ch >= 0x80) {
			i++;
		} else {
			lit = ch;
			i++;
		}
		if (lit >= 0) {
			cur[run++] = (char)lit;
			continue;
		}
		if (pop && run)
			run--;
		if (run > best) {
			best = run;
			memcpy(out, cur, run);
		}
		run = 0;
	}
	if (run > best) {
		best = run;
		memcpy(out, cur, run);
	}
	return best;
}

/* ---- building ------------------------------------------------------------------ */

/* How an instance is keyed. */
typedef struct ikey {
	unsigned kind; /* KIND_*, or NONE for always */
	unsigned field;
	const scrit *k;
} ikey;

static ikey choose(const scontent *c, const sinst *in)
{
	ikey best = {NONE, 0, NULL};
	const scrit *re = NULL;
	for (uint32_t j = 0; j < in->count; j++) {
		const scrit *k = &c->crits[in->first + j];
		if (k->type != CF_TYPE_STRING)
			continue;
		if (k->kind == CF_CRIT_EQUALS) {
			if (best.kind != KIND_EQUALS || k->len > best.k->len)
				best = (ikey){KIND_EQUALS, k->field, k};
		} else if (k->kind == CF_CRIT_PREFIX && k->len > 0) {
			if (best.kind == NONE || (best.kind == KIND_PREFIX && k->len > best.k->len))
				best = (ikey){KIND_PREFIX, k->field, k};
		} else if (k->kind == CF_CRIT_REGEX && !re) {
			re = k;
		}
	}
	if (best.kind == NONE && re && re->len >= 4)
		best = (ikey){KIND_GRAM, re->field, re};
	return best;
}

static uint32_t gram_at(const char *p)
{
	return (uint32_t)fold((unsigned char)p[0]) << 24 |
	       (uint32_t)fold((unsigned char)p[1]) << 16 |
	       (uint32_t)fold((unsigned char)p[2]) << 8 | (uint32_t)fold((unsigned char)p[3]);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* How many of the sorted all[0..n) equal key. */
static size_t count_of(const uint64_t *all, size_t n, uint64_t key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (all[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t k = lo;
	while (k < n && all[k] == key)
		k++;
	return k - lo;
}

/* The key of a gram instance: its literal's gram shared by the fewest
 * instances (all: every gram of every gram instance, sorted). */
static uint64_t pick_gram(const scrit *k, const uint64_t *all, size_t nall)
{
	uint64_t best = 0;
	size_t bestn = SIZE_MAX;
	for (uint32_t i = 0; i + 4 <= k->len; i++) {
		uint64_t key = gram_key(k->field, gram_at(k->str + i));
		size_t cnt = all ? count_of(all, nall, key) : 0;
		if (cnt < bestn) {
			bestn = cnt;
			best = key;
		}
	}
	return best;
}

int cf_sensor_index_build(scontent *c)
{
	int ret = -1;
	uint64_t *all = NULL;
	ikey *keys = NULL;
	uint32_t *gcount = NULL;
	size_t nall = 0;
	uint32_t nw = (c->ninst + 63) / 64;
	c->nwords = nw;
	c->always = calloc(nw ? nw : 1, sizeof *c->always);
	c->cand = calloc(nw ? nw : 1, sizeof *c->cand);
	c->fprefix = calloc(c->field_count ? c->field_count : 1, sizeof *c->fprefix);
	c->fflags = calloc(c->field_count ? c->field_count : 1, sizeof *c->fflags);
	c->goff = calloc((size_t)c->field_count + 1, sizeof *c->goff);
	c->bloom = calloc((size_t)1 << (BLOOM_BITS - 6), sizeof *c->bloom);
	keys = calloc(c->ninst ? c->ninst : 1, sizeof *keys);
	gcount = calloc(c->field_count ? c->field_count : 1, sizeof *gcount);
	if (!c->always || !c->cand || !c->fprefix || !c->fflags || !c->goff || !c->bloom || !keys ||
	    !gcount)
		goto out;
	c->maxfield = 0;
	for (size_t j = 0; j < c->ncrit; j++)
		if ((unsigned)c->crits[j].field + 1 > c->maxfield)
			c->maxfield = (uint16_t)(c->crits[j].field + 1);

	/* Choose each instance's key; gather the grams of gram instances. */
	size_t nkeys = 0, ngrams = 0;
	for (uint32_t i = 0; i < c->ninst; i++) {
		keys[i] = choose(c, &c->insts[i]);
		if (keys[i].kind == NONE) {
			c->always[i / 64] |= (uint64_t)1 << (i % 64);
			continue;
		}
		nkeys++;
		if (keys[i].kind == KIND_GRAM) {
			ngrams += keys[i].k->len - 3;
			gcount[keys[i].field]++;
		}
	}
	all = malloc((ngrams ? ngrams : 1) * sizeof *all);
	c->ginst = malloc((nkeys ? nkeys : 1) * sizeof *c->ginst);
	c->keys = malloc((nkeys ? nkeys : 1) * sizeof *c->keys);
	size_t nb = 16;
	while (nb < 2 * nkeys)
		nb *= 2;
	c->heads = malloc(nb * sizeof *c->heads);
	if (!all || !c->ginst || !c->keys || !c->heads)
		goto out;
	c->mask = nb - 1;
	for (size_t b = 0; b < nb; b++)
		c->heads[b] = NONE;
	for (uint32_t i = 0; i < c->ninst; i++) {
		const scrit *k = keys[i].k;
		if (keys[i].kind == KIND_GRAM)
			for (uint32_t j = 0; j + 4 <= k->len; j++)
				all[nall++] = gram_key(k->field, gram_at(k->str + j));
	}
	qsort(all, nall, sizeof *all, cmp_u64);
	/* Per field: the gram instances, for values that cannot be filtered. */
	for (unsigned f = 0; f < c->field_count; f++)
		c->goff[f + 1] = c->goff[f] + gcount[f];
	memset(gcount, 0, (c->field_count ? c->field_count : 1) * sizeof *gcount);

	for (uint32_t i = 0; i < c->ninst; i++) {
		const ikey *ik = &keys[i];
		const scrit *k = ik->k;
		uint64_t key;
		if (ik->kind == NONE)
			continue;
		if (ik->kind == KIND_EQUALS) {
			key = bytes_key(ik->field, k->str, k->len, KIND_EQUALS);
			c->fflags[ik->field] |= SIDX_EQUALS;
		} else if (ik->kind == KIND_PREFIX) {
			size_t l = k->len < SIDX_PREFIX_CAP ? k->len : SIDX_PREFIX_CAP;
			key = bytes_key(ik->field, k->str, l, KIND_PREFIX);
			c->fprefix[ik->field] |= (uint32_t)1 << (l - 1);
		} else {
			key = pick_gram(k, all, nall);
			c->fflags[ik->field] |= SIDX_GRAMS;
			c->bloom[(key >> (64 - BLOOM_BITS)) / 64] |=
			    (uint64_t)1 << ((key >> (64 - BLOOM_BITS)) % 64);
			c->ginst[c->goff[ik->field] + gcount[ik->field]++] = i;
		}
		skey *e = &c->keys[c->nkeys];
		e->hash = key;
		e->inst = i;
		e->next = c->heads[key & c->mask];
		c->heads[key & c->mask] = c->nkeys++;
	}
	ret = 0;
out:
	free(all);
	free(keys);
	free(gcount);
	return ret;
}

void cf_sensor_index_free(scontent *c)
{
	free(c->always);
	free(c->cand);
	free(c->fprefix);
	free(c->fflags);
	free(c->goff);
	free(c->ginst);
	free(c->bloom);
	free(c->keys);
	free(c->heads);
}

/* ---- probing ------------------------------------------------------------------- */

static void mark(uint64_t *bits, uint32_t i)
{
	bits[i / 64] |= (uint64_t)1 << (i % 64);
}

static void probe(const scontent *c, uint64_t key, uint64_t *bits)
{
	for (uint32_t e = c->heads[key & c->mask]; e != NONE; e = c->keys[e].next)
		if (c->keys[e].hash == key)
			mark(bits, c->keys[e].inst);
}

/* Equals and prefix keys of one value. */
static void probe_literal(const scontent *c, unsigned f, const char *p, size_t len, uint64_t *bits)
{
	uint32_t pm = c->fprefix[f]; /* bit L-1: some prefix key has L bytes */
	int eq = (c->fflags[f] & SIDX_EQUALS) != 0;
	if (len < SIDX_PREFIX_CAP)
		pm &= ((uint32_t)1 << len) - 1; /* prefixes longer than the value never hold */
	uint64_t h = seed(f);
	size_t k = 0;
	for (; k + 8 <= len; k += 8) {
		if (!eq && (k >= 32 || !(pm >> k)))
			return;
		uint64_t w = load(p + k, 8);
		/* prefix lengths k+1 .. k+7 end inside this word */
		for (uint32_t m = k < 32 ? (pm >> k) & 0x7f : 0; m; m &= m - 1) {
			unsigned r = (unsigned)__builtin_ctz(m) + 1;
			probe(c, fin(mix(h, low_bytes(w, r)), k + r, KIND_PREFIX), bits);
		}
		h = mix(h, w);
		if (k + 8 <= 32 && (pm >> (k + 7)) & 1)
			probe(c, fin(h, k + 8, KIND_PREFIX), bits);
	}
	if (k < len) {
		uint64_t w = load(p + k, len - k);
		for (uint32_t m = k < 32 ? (pm >> k) & 0x7f : 0; m; m &= m - 1) {
			unsigned r = (unsigned)__builtin_ctz(m) + 1;
			probe(c, fin(mix(h, low_bytes(w, r)), k + r, KIND_PREFIX), bits);
		}
		if (eq)
			h = mix(h, w);
	}
	if (eq)
		probe(c, fin(h, len, KIND_EQUALS), bits);
}

/* Gram keys of one value. */
static void probe_grams(const scontent *c, unsigned f, const char *p, size_t len, uint64_t *bits)
{
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)p[i] >= 0x80) {
			for (uint32_t j = c->goff[f]; j < c->goff[f + 1]; j++)
				mark(bits, c->ginst[j]);
			return;
		}
	}
	if (len < 4)
		return;
	uint64_t s = seed(f);
	uint32_t g = (uint32_t)fold((unsigned char)p[0]) << 16 |
	             (uint32_t)fold((unsigned char)p[1]) << 8 | fold((unsigned char)p[2]);
	for (size_t i = 3; i < len; i++) {
		g = g << 8 | fold((unsigned char)p[i]);
		uint64_t key = fin(mix(s, g), 4, KIND_GRAM);
		uint64_t b = key >> (64 - BLOOM_BITS);
		if (c->bloom[b / 64] & ((uint64_t)1 << (b % 64)))
			probe(c, key, bits);
	}
}

void cf_sensor_index_candidates(const scontent *c, const cf_sensor_value *vals, uint64_t *bits)
{
	memcpy(bits, c->always, c->nwords * sizeof *bits);
	for (unsigned f = 0; f < c->maxfield; f++) {
		if (!c->fflags[f] && !c->fprefix[f])
			continue;
		const cf_sensor_value *v = &vals[f];
		if (v->type != CF_TYPE_STRING)
			continue; /* absent: no string criterion holds */
		const char *p = v->s ? v->s : "";
		size_t len = v->s ? v->len : 0;
		if ((c->fflags[f] & SIDX_EQUALS) || c->fprefix[f])
			probe_literal(c, f, p, len, bits);
		if (c->fflags[f] & SIDX_GRAMS)
			probe_grams(c, f, p, len, bits);
	}
}
