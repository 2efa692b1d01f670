/*
 * regex.c - regex checks of the linter: which characters a pattern's
 * literal text holds, and catastrophic backtracking.
 *
 * The backtracking check has two halves. A small parser turns the pattern
 * (already accepted by pcre2_compile, so well formed) into a tree of atoms
 * (character sets over ASCII plus a "non-ASCII" bit), sequences,
 * alternations and zero-width items, and a static pass looks for the
 * constructs that make a backtracking matcher explode:
 *   nested      a repeated group holding a variable repeat: (a+)+, (\w+\s?)*
 *   alternation a repeated group whose alternatives can start alike: (a|aa)+
 *   adjacent    two variable repeats over overlapping characters with only
 *               optional items between them: \d+\d+, .*.*
 * Anything the parser does not model (backreferences, recursion,
 * conditionals) is opaque and never a suspect. A suspect is reported only
 * when running the pattern on generated subjects (a sample of what precedes
 * the construct, the construct's characters pumped N times, a character
 * that breaks the match, a sample of what follows) makes pcre2_match() give
 * up at the manifest's match limit: that is what the sensor would do. The
 * subjects are matched anchored at their start, so the cost measured is the
 * construct's, not the linear scan over start positions every unanchored
 * pattern pays; and PCRE2's own optimisations (auto-possessification: the
 * second repeat of \d+\d+x cannot give anything back) are taken into
 * account because the real matcher runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cf/base.h>
#include "lint/lint_int.h"

/* ---- Letters ------------------------------------------------------------- */

static int is_alpha(unsigned c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(unsigned c)
{
	return c >= '0' && c <= '9';
}

/* Index just past the closing ch starting the search at i, or len. */
static size_t skip_to(const char *s, size_t len, size_t i, char ch)
{
	while (i < len && s[i] != ch)
		i++;
	return i < len ? i + 1 : len;
}

int cf_lint_has_letters(const char *s, size_t len, int is_regex)
{
	size_t i = 0;
	int in_class = 0;
	while (i < len) {
		unsigned c = (unsigned char)s[i];
		if (c >= 0x80)
			return 1;
		if (!is_regex) {
			if (is_alpha(c))
				return 1;
			i++;
			continue;
		}
		if (c == '\\') {
			if (i + 1 >= len)
				return 0;
			unsigned e = (unsigned char)s[i + 1];
			if (e == 'Q') {
				/* Quoted text is literal up to \E. */
				for (i += 2; i < len; i++) {
					if (s[i] == '\\' && i + 1 < len && s[i + 1] == 'E')
						break;
					if (is_alpha((unsigned char)s[i]) ||
					    (unsigned char)s[i] >= 0x80)
						return 1;
				}
				i += 2;
				continue;
			}
			/* Escapes that can stand for a letter, or a property. */
			if (e == 'x' || e == 'o' || e == 'N' || e == 'p' || e == 'P' || e == 'c' ||
			    is_digit(e) || e >= 0x80)
				return 1;
			if ((e == 'g' || e == 'k') && i + 2 < len &&
			    (s[i + 2] == '{' || s[i + 2] == '<' || s[i + 2] == '\'')) {
				/* A group reference by name: the name is no literal. */
				char close = s[i + 2] == '{' ? '}' : s[i + 2] == '<' ? '>' : '\'';
				i = skip_to(s, len, i + 3, close);
				continue;
			}
			i += 2;
			continue;
		}
		if (in_class && c == '[' && i + 1 < len && s[i + 1] == ':') {
			i = skip_to(s, len, i + 2, ']');
			continue;
		}
		if (c == '[' && !in_class) {
			in_class = 1;
			i++;
			if (i < len && s[i] == '^')
				i++;
			if (i < len && s[i] == ']')
				i++;
			continue;
		}
		if (c == ']' && in_class) {
			in_class = 0;
			i++;
			continue;
		}
		if (!in_class && c == '(' && i + 1 < len && (s[i + 1] == '?' || s[i + 1] == '*')) {
			/* Group syntax: flags, names and verbs are no literals. */
			size_t j = i + 2;
			if (s[i + 1] == '*')
				i = skip_to(s, len, j, ')');
			else if (j < len && (s[j] == '<' || s[j] == 'P' || s[j] == '\'') &&
			         !(j + 1 < len && s[j] == '<' &&
			           (s[j + 1] == '=' || s[j + 1] == '!')))
				i = skip_to(s, len, j,
				            s[j] == '\''                                    ? '\''
				            : s[j] == 'P' && j + 1 < len && s[j + 1] != '<' ? ')'
				                                                            : '>');
			else if (j < len && s[j] == '#')
				i = skip_to(s, len, j, ')');
			else {
				while (j < len && (is_alpha((unsigned char)s[j]) || s[j] == '-' ||
				                   s[j] == '^'))
					j++;
				i = j;
			}
			continue;
		}
		if (is_alpha(c))
			return 1;
		i++;
	}
	return 0;
}

/* ---- Character sets --------------------------------------------------------- */

typedef struct cset {
	uint64_t b[2]; /* ASCII 0..127 */
	int high;      /* may match a character >= 128 */
} cset;

static void cs_add(cset *s, uint32_t c)
{
	if (c < 128)
		s->b[c >> 6] |= (uint64_t)1 << (c & 63);
	else
		s->high = 1;
}

static int cs_has(const cset *s, unsigned c)
{
	return c < 128 ? (int)((s->b[c >> 6] >> (c & 63)) & 1) : s->high;
}

static void cs_range(cset *s, uint32_t lo, uint32_t hi)
{
	for (uint32_t c = lo; c <= hi && c < 128; c++)
		cs_add(s, c);
	if (hi >= 128)
		s->high = 1;
}

static void cs_union(cset *a, const cset *b)
{
	a->b[0] |= b->b[0];
	a->b[1] |= b->b[1];
	a->high |= b->high;
}

static cset cs_inter(const cset *a, const cset *b)
{
	cset r = {{a->b[0] & b->b[0], a->b[1] & b->b[1]}, a->high && b->high};
	return r;
}

static int cs_empty(const cset *s)
{
	return !s->b[0] && !s->b[1] && !s->high;
}

static void cs_negate(cset *s)
{
	s->b[0] = ~s->b[0];
	s->b[1] = ~s->b[1];
	s->high = 1;
}

static void cs_full(cset *s)
{
	s->b[0] = s->b[1] = ~(uint64_t)0;
	s->high = 1;
}

static void cs_fold(cset *s)
{
	for (unsigned c = 'a'; c <= 'z'; c++)
		if (cs_has(s, c) || cs_has(s, c - 32)) {
			cs_add(s, c);
			cs_add(s, c - 32);
		}
}

/* Escape classes \d \w \s \h \v and their negations; 0 when e is none. */
static int cs_escape_class(cset *s, unsigned e)
{
	cset t;
	memset(&t, 0, sizeof t);
	switch (e | 0x20) {
	case 'd':
		cs_range(&t, '0', '9');
		break;
	case 'w':
		cs_range(&t, '0', '9');
		cs_range(&t, 'a', 'z');
		cs_range(&t, 'A', 'Z');
		cs_add(&t, '_');
		break;
	case 's':
		cs_range(&t, 9, 13);
		cs_add(&t, ' ');
		t.high = 1;
		break;
	case 'h':
		cs_add(&t, 9);
		cs_add(&t, ' ');
		t.high = 1;
		break;
	case 'v':
		cs_range(&t, 10, 13);
		t.high = 1;
		break;
	default:
		return 0;
	}
	if (e >= 'A' && e <= 'Z')
		cs_negate(&t);
	cs_union(s, &t);
	return 1;
}

/* POSIX class name (without [: :]); 0 when unknown. */
static int cs_posix(cset *s, const char *name, size_t n)
{
	cset t;
	memset(&t, 0, sizeof t);
	int neg = n > 0 && name[0] == '^';
	if (neg) {
		name++;
		n--;
	}
#define IS(lit) (n == sizeof(lit) - 1 && memcmp(name, lit, n) == 0)
	if (IS("alpha") || IS("alnum") || IS("word")) {
		cs_range(&t, 'a', 'z');
		cs_range(&t, 'A', 'Z');
	}
	if (IS("digit") || IS("alnum") || IS("word") || IS("xdigit"))
		cs_range(&t, '0', '9');
	if (IS("word"))
		cs_add(&t, '_');
	if (IS("xdigit")) {
		cs_range(&t, 'a', 'f');
		cs_range(&t, 'A', 'F');
	}
	if (IS("upper"))
		cs_range(&t, 'A', 'Z');
	if (IS("lower"))
		cs_range(&t, 'a', 'z');
	if (IS("space"))
		cs_range(&t, 9, 13), cs_add(&t, ' ');
	if (IS("blank"))
		cs_add(&t, 9), cs_add(&t, ' ');
	if (IS("cntrl"))
		cs_range(&t, 0, 31), cs_add(&t, 127);
	if (IS("punct"))
		cs_range(&t, 33, 47), cs_range(&t, 58, 64), cs_range(&t, 91, 96),
		    cs_range(&t, 123, 126);
	if (IS("print"))
		cs_range(&t, 32, 126);
	if (IS("graph"))
		cs_range(&t, 33, 126);
	if (IS("ascii"))
		cs_range(&t, 0, 127);
#undef IS
	if (cs_empty(&t))
		return 0;
	if (neg)
		cs_negate(&t);
	cs_union(s, &t);
	return 1;
}

/* ---- Pattern tree ---------------------------------------------------------- */

#define RX_INF UINT32_MAX
#define RX_MAX_DEPTH 100
#define RX_MAX_NODES 8192u

enum { N_ATOM, N_SEQ, N_ALT, N_ZERO, N_OPAQUE };

typedef struct rnode {
	int kind;
	int atomic; /* possessive or atomic group: never backtracked into */
	int quantified;
	uint32_t min, max;
	cset set;        /* N_ATOM */
	char lit[4];     /* N_ATOM from a literal: its bytes, for samples */
	size_t lit_len;  /* 0: not a literal */
	size_t pos, end; /* the node's text in the pattern, quantifier included */
	struct rnode *kid, *last, *next;
	/* Computed by props(). */
	cset first, all;
	int nullable;
	int on_path;
} rnode;

typedef struct rparser {
	const char *p;
	size_t len, i;
	rnode *pool;
	size_t n, cap;
	int fail;
	int depth;
	int in_quote;
} rparser;

enum { F_CASELESS = 1, F_EXTENDED = 2, F_DOTALL = 4 };

static rnode *node_new(rparser *ps, int kind)
{
	if (ps->n >= ps->cap) {
		ps->fail = 1;
		return NULL;
	}
	rnode *n = &ps->pool[ps->n++];
	memset(n, 0, sizeof *n);
	n->kind = kind;
	n->min = n->max = 1;
	n->pos = ps->i;
	return n;
}

static void node_add(rnode *parent, rnode *kid)
{
	if (parent->last)
		parent->last->next = kid;
	else
		parent->kid = kid;
	parent->last = kid;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Skip a balanced group body; ps->i is just past its '('. */
static void skip_group(rparser *ps)
{
	int depth = 1;
	while (ps->i < ps->len && depth > 0) {
		char c = ps->p[ps->i++];
		if (c == '\\') {
			ps->i = ps->i < ps->len ? ps->i + 1 : ps->len;
		} else if (c == '[') {
			if (ps->i < ps->len && ps->p[ps->i] == '^')
				ps->i++;
			if (ps->i < ps->len && ps->p[ps->i] == ']')
				ps->i++;
			while (ps->i < ps->len && ps->p[ps->i] != ']') {
				if (ps->p[ps->i] == '\\')
					ps->i++;
				ps->i++;
			}
			ps->i = ps->i < ps->len ? ps->i + 1 : ps->len;
		} else if (c == '(') {
			depth++;
		} else if (c == ')') {
			depth--;
		}
	}
	if (depth > 0)
		ps->fail = 1;
}

/* Number in {...} or plain digits (up to max_digits); -1 when none. */
static long read_number(rparser *ps, int base, int max_digits)
{
	long v = -1;
	int n = 0;
	while (ps->i < ps->len && n < max_digits) {
		int d = hexval(ps->p[ps->i]);
		if (d < 0 || d >= base)
			break;
		v = (v < 0 ? 0 : v) * base + d;
		if (v > 0x10ffff)
			v = 0x110000;
		ps->i++;
		n++;
	}
	return v;
}

enum { E_CODE, E_SET, E_ZERO, E_OPAQUE, E_NONE, E_QUOTE };

/*
 * One escape; ps->i is just past the backslash. Fills *code for E_CODE and
 * adds to *set for E_SET.
 */
static int parse_escape(rparser *ps, int in_class, uint32_t *code, cset *set)
{
	if (ps->i >= ps->len) {
		ps->fail = 1;
		return E_NONE;
	}
	unsigned char e = (unsigned char)ps->p[ps->i++];
	if (cs_escape_class(set, e))
		return E_SET;
	long v;
	switch (e) {
	case 'a':
		*code = 7;
		return E_CODE;
	case 'e':
		*code = 27;
		return E_CODE;
	case 'f':
		*code = 12;
		return E_CODE;
	case 'n':
		*code = 10;
		return E_CODE;
	case 'r':
		*code = 13;
		return E_CODE;
	case 't':
		*code = 9;
		return E_CODE;
	case 'b':
		if (in_class) {
			*code = 8;
			return E_CODE;
		}
		return E_ZERO;
	case 'B':
	case 'A':
	case 'z':
	case 'Z':
	case 'G':
	case 'K':
		return E_ZERO;
	case 'E':
		return E_NONE;
	case 'Q':
		return E_QUOTE;
	case 'x':
		if (ps->i < ps->len && ps->p[ps->i] == '{') {
			ps->i++;
			v = read_number(ps, 16, 8);
			if (ps->i >= ps->len || ps->p[ps->i] != '}') {
				ps->fail = 1;
				return E_NONE;
			}
			ps->i++;
		} else {
			v = read_number(ps, 16, 2);
		}
		*code = v < 0 ? 0 : (uint32_t)v;
		return E_CODE;
	case 'o':
		if (ps->i < ps->len && ps->p[ps->i] == '{') {
			ps->i++;
			v = read_number(ps, 8, 11);
			ps->i = skip_to(ps->p, ps->len, ps->i, '}');
		} else {
			v = 0;
		}
		*code = v < 0 ? 0 : (uint32_t)v;
		return E_CODE;
	case 'c':
		if (ps->i >= ps->len) {
			ps->fail = 1;
			return E_NONE;
		}
		*code = ((unsigned char)ps->p[ps->i++] & 0xdfu) ^ 0x40u;
		return E_CODE;
	case 'N':
		if (ps->i < ps->len && ps->p[ps->i] == '{') {
			/* \N{U+hh...} */
			ps->i = skip_to(ps->p, ps->len, ps->i, '}');
			cs_full(set);
			return E_SET;
		}
		cs_full(set);
		set->b[0] &= ~((uint64_t)1 << 10);
		return E_SET;
	case 'p':
	case 'P':
		if (ps->i < ps->len && ps->p[ps->i] == '{')
			ps->i = skip_to(ps->p, ps->len, ps->i, '}');
		else if (ps->i < ps->len)
			ps->i++;
		cs_full(set);
		return E_SET;
	case 'R':
	case 'X':
	case 'C':
		cs_full(set);
		return E_SET;
	case 'g':
	case 'k':
		if (ps->i < ps->len &&
		    (ps->p[ps->i] == '{' || ps->p[ps->i] == '<' || ps->p[ps->i] == '\'')) {
			char c = ps->p[ps->i];
			ps->i = skip_to(ps->p, ps->len, ps->i + 1,
			                c == '{'   ? '}'
			                : c == '<' ? '>'
			                           : '\'');
		} else {
			if (ps->i < ps->len && (ps->p[ps->i] == '+' || ps->p[ps->i] == '-'))
				ps->i++;
			(void)read_number(ps, 10, 10);
		}
		return E_OPAQUE;
	default:
		break;
	}
	if (e == '0') {
		v = read_number(ps, 8, 2);
		*code = v < 0 ? 0 : (uint32_t)v;
		return E_CODE;
	}
	if (e >= '1' && e <= '9') {
		if (in_class) {
			ps->i--;
			v = read_number(ps, 8, 3);
			*code = v < 0 ? 0 : (uint32_t)v;
			return E_CODE;
		}
		(void)read_number(ps, 10, 10);
		return E_OPAQUE; /* a backreference */
	}
	if (is_alpha(e)) {
		cs_full(set);
		return E_SET; /* unknown to this model */
	}
	*code = e;
	return E_CODE;
}

/* One UTF-8 character at ps->i (already known to be >= 0x80); its bytes go to lit. */
static void take_utf8(rparser *ps, char lit[4], size_t *lit_len)
{
	size_t n = 1;
	while (n < 4 && ps->i + n < ps->len && ((unsigned char)ps->p[ps->i + n] & 0xc0) == 0x80)
		n++;
	if (lit) {
		memcpy(lit, ps->p + ps->i, n);
		*lit_len = n;
	}
	ps->i += n;
}

/* A class item: a character (code, or -1 for non-ASCII) or a set. */
static int class_item(rparser *ps, cset *set, long *code)
{
	char c = ps->p[ps->i];
	if (c == '\\') {
		ps->i++;
		uint32_t cp = 0;
		int k = parse_escape(ps, 1, &cp, set);
		if (k == E_CODE) {
			*code = cp < 128 ? (long)cp : -1;
			if (cp >= 128)
				set->high = 1;
			return 1;
		}
		return 0;
	}
	if ((unsigned char)c >= 0x80) {
		take_utf8(ps, NULL, NULL);
		set->high = 1;
		*code = -1;
		return 1;
	}
	ps->i++;
	*code = (unsigned char)c;
	return 1;
}

/* A class; ps->i is just past the '['. */
static rnode *parse_class(rparser *ps, unsigned flags)
{
	rnode *n = node_new(ps, N_ATOM);
	if (!n)
		return NULL;
	n->pos = ps->i - 1;
	int neg = 0;
	if (ps->i < ps->len && ps->p[ps->i] == '^') {
		neg = 1;
		ps->i++;
	}
	cset s;
	memset(&s, 0, sizeof s);
	int first = 1;
	for (;;) {
		if (ps->i >= ps->len) {
			ps->fail = 1;
			return NULL;
		}
		char c = ps->p[ps->i];
		if (c == ']' && !first) {
			ps->i++;
			break;
		}
		first = 0;
		if (c == '[' && ps->i + 1 < ps->len && ps->p[ps->i + 1] == ':') {
			size_t start = ps->i + 2, j = start;
			while (j + 1 < ps->len && !(ps->p[j] == ':' && ps->p[j + 1] == ']'))
				j++;
			if (j + 1 >= ps->len || !cs_posix(&s, ps->p + start, j - start))
				cs_full(&s);
			ps->i = j + 2 < ps->len ? j + 2 : ps->len;
			continue;
		}
		if (c == '\\' && ps->i + 1 < ps->len && ps->p[ps->i + 1] == 'Q') {
			ps->i += 2;
			while (ps->i < ps->len && !(ps->p[ps->i] == '\\' && ps->i + 1 < ps->len &&
			                            ps->p[ps->i + 1] == 'E')) {
				if ((unsigned char)ps->p[ps->i] >= 0x80)
					s.high = 1;
				else
					cs_add(&s, (unsigned char)ps->p[ps->i]);
				ps->i++;
			}
			ps->i = ps->i + 2 <= ps->len ? ps->i + 2 : ps->len;
			continue;
		}
		long lo = 0;
		if (!class_item(ps, &s, &lo))
			continue;
		if (ps->i + 1 < ps->len && ps->p[ps->i] == '-' && ps->p[ps->i + 1] != ']') {
			ps->i++;
			long hi = 0;
			cset dummy;
			memset(&dummy, 0, sizeof dummy);
			if (!class_item(ps, &dummy, &hi)) {
				/* [a-\d]: '-' is literal */
				cs_union(&s, &dummy);
				if (lo >= 0)
					cs_add(&s, (uint32_t)lo);
				cs_add(&s, '-');
				continue;
			}
			if (hi < 0) {
				if (lo >= 0)
					cs_range(&s, (uint32_t)lo, 127);
				s.high = 1;
			} else if (lo >= 0) {
				cs_range(&s, (uint32_t)lo, (uint32_t)hi);
			}
			continue;
		}
		if (lo >= 0)
			cs_add(&s, (uint32_t)lo);
	}
	if (flags & F_CASELESS)
		cs_fold(&s);
	if (neg)
		cs_negate(&s);
	n->set = s;
	return n;
}

static rnode *parse_alt(rparser *ps, unsigned *flags);

/* Parse the flag letters of (?imsx-imsx) or (?imsx-imsx: ...). */
static void parse_flags(rparser *ps, unsigned *flags)
{
	int on = 1;
	while (ps->i < ps->len) {
		char c = ps->p[ps->i];
		unsigned bit = c == 'i'   ? F_CASELESS
		               : c == 'x' ? F_EXTENDED
		               : c == 's' ? F_DOTALL
		                          : 0;
		if (c == '-')
			on = 0;
		else if (c == '^')
			*flags &= ~(unsigned)(F_CASELESS | F_EXTENDED | F_DOTALL);
		else if (!is_alpha((unsigned char)c))
			break;
		else if (bit && on)
			*flags |= bit;
		else if (bit)
			*flags &= ~bit;
		ps->i++;
	}
}

/* A group; ps->i is just past the '('. Returns NULL with no failure for
 * items that match nothing (comments, option settings). */
static rnode *parse_group(rparser *ps, unsigned *flags)
{
	size_t pos = ps->i - 1;
	const char *p = ps->p;
	size_t len = ps->len;
	int atomic = 0, zero = 0;
	unsigned inner = *flags;
	if (ps->i < len && p[ps->i] == '*') {
		/* (*VERB) or (*positive_lookahead: ...) and friends: opaque. */
		skip_group(ps);
		rnode *n = node_new(ps, N_ZERO);
		if (n)
			n->pos = pos;
		return n;
	}
	if (ps->i < len && p[ps->i] == '?') {
		ps->i++;
		char c = ps->i < len ? p[ps->i] : 0;
		char d = ps->i + 1 < len ? p[ps->i + 1] : 0;
		if (c == '#') {
			ps->i = skip_to(p, len, ps->i, ')');
			return NULL;
		} else if (c == ':' || c == '|') {
			ps->i++;
		} else if (c == '>') {
			ps->i++;
			atomic = 1;
		} else if (c == '=' || c == '!') {
			ps->i++;
			zero = 1;
		} else if (c == '<' && (d == '=' || d == '!')) {
			ps->i += 2;
			zero = 1;
		} else if (c == '<' || c == '\'' || (c == 'P' && d == '<')) {
			ps->i = skip_to(p, len, ps->i + 1, c == '\'' ? '\'' : '>');
		} else if (is_alpha((unsigned char)c) || c == '-' || c == '^') {
			if (c == 'P' || c == 'R' || c == 'C') {
				skip_group(ps);
				rnode *n = node_new(ps, N_OPAQUE);
				if (n)
					n->pos = pos;
				return n;
			}
			parse_flags(ps, &inner);
			if (ps->i < len && p[ps->i] == ')') {
				ps->i++;
				*flags = inner; /* applies to the rest of the enclosing group */
				return NULL;
			}
			if (ps->i < len && p[ps->i] == ':') {
				ps->i++;
			} else {
				ps->fail = 1;
				return NULL;
			}
		} else {
			/* Recursion, subroutine calls, conditionals: opaque. */
			skip_group(ps);
			rnode *n = node_new(ps, N_OPAQUE);
			if (n)
				n->pos = pos;
			return n;
		}
	}
	if (++ps->depth > RX_MAX_DEPTH) {
		ps->fail = 1;
		return NULL;
	}
	rnode *body = parse_alt(ps, &inner);
	ps->depth--;
	if (ps->fail || !body)
		return NULL;
	if (ps->i >= len || p[ps->i] != ')') {
		ps->fail = 1;
		return NULL;
	}
	ps->i++;
	body->pos = pos;
	body->atomic = atomic;
	if (zero) {
		body->kind = N_ZERO;
		body->kid = body->last = NULL;
	}
	return body;
}

static rnode *literal(rparser *ps, unsigned flags)
{
	rnode *n = node_new(ps, N_ATOM);
	if (!n)
		return NULL;
	unsigned char c = (unsigned char)ps->p[ps->i];
	if (c >= 0x80) {
		take_utf8(ps, n->lit, &n->lit_len);
		n->set.high = 1;
		return n;
	}
	ps->i++;
	cs_add(&n->set, c);
	n->lit[0] = (char)c;
	n->lit_len = 1;
	if (flags & F_CASELESS)
		cs_fold(&n->set);
	return n;
}

/* One atom, or NULL for an item that matches nothing (or on failure). */
static rnode *parse_atom(rparser *ps, unsigned *flags)
{
	const char *p = ps->p;
	char c = p[ps->i];
	if (ps->in_quote) {
		if (c == '\\' && ps->i + 1 < ps->len && p[ps->i + 1] == 'E') {
			ps->i += 2;
			ps->in_quote = 0;
			return NULL;
		}
		return literal(ps, *flags);
	}
	if ((*flags & F_EXTENDED) &&
	    (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')) {
		ps->i++;
		return NULL;
	}
	if ((*flags & F_EXTENDED) && c == '#') {
		ps->i = skip_to(p, ps->len, ps->i, '\n');
		return NULL;
	}
	rnode *n;
	switch (c) {
	case '(':
		ps->i++;
		return parse_group(ps, flags);
	case '[':
		ps->i++;
		return parse_class(ps, *flags);
	case '.':
		n = node_new(ps, N_ATOM);
		if (!n)
			return NULL;
		ps->i++;
		cs_full(&n->set);
		if (!(*flags & F_DOTALL))
			n->set.b[0] &= ~((uint64_t)1 << 10);
		return n;
	case '^':
	case '$':
		n = node_new(ps, N_ZERO);
		ps->i++;
		return n;
	case '\\': {
		n = node_new(ps, N_ATOM);
		if (!n)
			return NULL;
		ps->i++;
		uint32_t code = 0;
		int k = parse_escape(ps, 0, &code, &n->set);
		switch (k) {
		case E_CODE:
			cs_add(&n->set, code);
			if (code < 128) {
				n->lit[0] = (char)code;
				n->lit_len = 1;
			}
			if (*flags & F_CASELESS)
				cs_fold(&n->set);
			return n;
		case E_SET:
			return n;
		case E_ZERO:
			n->kind = N_ZERO;
			return n;
		case E_OPAQUE:
			n->kind = N_OPAQUE;
			return n;
		case E_QUOTE:
			ps->in_quote = 1;
			ps->n--; /* drop the node */
			return NULL;
		default:
			ps->n--;
			return NULL;
		}
	}
	default:
		return literal(ps, *flags);
	}
}

/* A quantifier at ps->i: 1 and min/max/possessive, or 0 when none. */
static int parse_quant(rparser *ps, uint32_t *min, uint32_t *max, int *possessive)
{
	const char *p = ps->p;
	size_t i = ps->i;
	if (i >= ps->len)
		return 0;
	char c = p[i];
	if (c == '*') {
		*min = 0, *max = RX_INF;
		i++;
	} else if (c == '+') {
		*min = 1, *max = RX_INF;
		i++;
	} else if (c == '?') {
		*min = 0, *max = 1;
		i++;
	} else if (c == '{') {
		size_t j = i + 1;
		unsigned long lo = 0, hi;
		int digits = 0;
		while (j < ps->len && is_digit((unsigned char)p[j]) && lo < 100000)
			lo = lo * 10 + (unsigned long)(p[j++] - '0'), digits++;
		if (!digits || j >= ps->len)
			return 0;
		if (p[j] == '}') {
			hi = lo;
		} else if (p[j] == ',') {
			j++;
			if (j < ps->len && p[j] == '}') {
				hi = RX_INF;
			} else {
				hi = 0;
				digits = 0;
				while (j < ps->len && is_digit((unsigned char)p[j]) && hi < 100000)
					hi = hi * 10 + (unsigned long)(p[j++] - '0'), digits++;
				if (!digits || j >= ps->len || p[j] != '}')
					return 0;
			}
		} else {
			return 0;
		}
		i = j + 1;
		*min = (uint32_t)lo;
		*max = (uint32_t)hi;
	} else {
		return 0;
	}
	*possessive = 0;
	if (i < ps->len && p[i] == '+') {
		*possessive = 1;
		i++;
	} else if (i < ps->len && p[i] == '?') {
		i++;
	}
	ps->i = i;
	return 1;
}

static rnode *parse_seq(rparser *ps, unsigned *flags)
{
	rnode *seq = node_new(ps, N_SEQ);
	if (!seq)
		return NULL;
	while (!ps->fail && ps->i < ps->len) {
		char c = ps->p[ps->i];
		if (!ps->in_quote && (c == '|' || c == ')'))
			break;
		rnode *a = parse_atom(ps, flags);
		if (ps->fail)
			return NULL;
		if (!a)
			continue;
		uint32_t min, max;
		int poss;
		if (!ps->in_quote && parse_quant(ps, &min, &max, &poss)) {
			if (a->quantified) {
				rnode *w = node_new(ps, N_SEQ);
				if (!w)
					return NULL;
				w->pos = a->pos;
				node_add(w, a);
				a = w;
			}
			a->quantified = 1;
			a->min = min;
			a->max = max;
			a->atomic |= poss;
		}
		a->end = ps->i;
		node_add(seq, a);
	}
	seq->end = ps->i;
	return seq;
}

static rnode *parse_alt(rparser *ps, unsigned *flags)
{
	size_t pos = ps->i;
	rnode *first = parse_seq(ps, flags);
	if (!first || ps->fail)
		return NULL;
	if (ps->i >= ps->len || ps->p[ps->i] != '|')
		return first;
	rnode *alt = node_new(ps, N_ALT);
	if (!alt)
		return NULL;
	alt->pos = pos;
	node_add(alt, first);
	while (!ps->fail && ps->i < ps->len && ps->p[ps->i] == '|') {
		ps->i++;
		rnode *s = parse_seq(ps, flags);
		if (!s)
			return NULL;
		node_add(alt, s);
	}
	alt->end = ps->i;
	return alt;
}

/* ---- Analysis ---------------------------------------------------------- */

static void props(rnode *n)
{
	memset(&n->first, 0, sizeof n->first);
	memset(&n->all, 0, sizeof n->all);
	n->nullable = 0;
	switch (n->kind) {
	case N_ATOM:
		n->first = n->all = n->set;
		break;
	case N_ZERO:
		n->nullable = 1;
		break;
	case N_OPAQUE:
		cs_full(&n->first);
		cs_full(&n->all);
		n->nullable = 1;
		break;
	case N_SEQ: {
		int open = 1;
		for (rnode *k = n->kid; k; k = k->next) {
			props(k);
			cs_union(&n->all, &k->all);
			if (open)
				cs_union(&n->first, &k->first);
			if (!k->nullable)
				open = 0;
		}
		n->nullable = open;
		break;
	}
	case N_ALT:
		for (rnode *k = n->kid; k; k = k->next) {
			props(k);
			cs_union(&n->all, &k->all);
			cs_union(&n->first, &k->first);
			n->nullable |= k->nullable;
		}
		break;
	}
	if (n->min == 0)
		n->nullable = 1;
}

static int variable(const rnode *n)
{
	return !n->atomic && n->max > 1 && n->max > n->min;
}

enum { S_NESTED, S_ALT, S_ADJACENT };

typedef struct suspect {
	int kind;
	rnode *start, *end; /* the construct: pumped from start to end */
	rnode *inner;       /* nested: the inner repeat; alternation: the alternation */
	cset pump;          /* characters both readings can take */
} suspect;

#define MAX_SUSPECTS 8

typedef struct finder {
	suspect s[MAX_SUSPECTS];
	size_t n;
} finder;

static void add_suspect(finder *f, int kind, rnode *start, rnode *end, rnode *inner,
                        const cset *pump)
{
	if (f->n >= MAX_SUSPECTS || cs_empty(pump))
		return;
	suspect *s = &f->s[f->n++];
	s->kind = kind;
	s->start = start;
	s->end = end;
	s->inner = inner;
	s->pump = *pump;
}

/*
 * A variable repeat inside the body of n whose characters overlap what can
 * follow it (later items of its sequence, and past the end of the body, fs:
 * the next iteration of an enclosing repeat). Then the input can be split
 * between the two in many ways. Does not cross atomic or zero-width parts.
 */
static rnode *ambiguous(rnode *n, const cset *fs, cset *pump)
{
	if (n->kind == N_ALT) {
		for (rnode *k = n->kid; k; k = k->next) {
			if (k->atomic)
				continue;
			rnode *r = ambiguous(k, fs, pump);
			if (r)
				return r;
		}
		return NULL;
	}
	if (n->kind != N_SEQ)
		return NULL;
	for (rnode *k = n->kid; k; k = k->next) {
		if (k->atomic || k->kind == N_ZERO || k->kind == N_OPAQUE)
			continue;
		cset f;
		memset(&f, 0, sizeof f);
		rnode *m = k->next;
		for (; m; m = m->next) {
			cs_union(&f, &m->first);
			if (!m->nullable)
				break;
		}
		if (!m)
			cs_union(&f, fs);
		if (variable(k)) {
			cset x = cs_inter(&k->all, &f);
			if (!cs_empty(&x)) {
				*pump = x;
				return k;
			}
		}
		if (k->kind == N_SEQ || k->kind == N_ALT) {
			if (k->max > 1)
				cs_union(&f, &k->first);
			rnode *r = ambiguous(k, &f, pump);
			if (r)
				return r;
		}
	}
	return NULL;
}

/* The alternation that forms the body of n, if any. */
static rnode *body_alt(rnode *n)
{
	while (n && n->kind == N_SEQ && n->kid && !n->kid->next && n->kid->min == 1 &&
	       n->kid->max == 1)
		n = n->kid;
	if (n && n->kind == N_ALT)
		return n;
	return NULL;
}

/* A plain group around one item stands for the item: (\d+) for \d+. */
static rnode *unwrap(rnode *n)
{
	while (n->kind == N_SEQ && n->min == 1 && n->max == 1 && !n->atomic && n->kid &&
	       !n->kid->next)
		n = n->kid;
	return n;
}

static void find(finder *f, rnode *n)
{
	if (n->kind == N_ZERO || n->kind == N_OPAQUE || n->atomic)
		return;
	if (n->max > 1 && (n->kind == N_SEQ || n->kind == N_ALT)) {
		cset pump;
		memset(&pump, 0, sizeof pump);
		rnode *in = ambiguous(n, &n->first, &pump);
		if (in)
			add_suspect(f, S_NESTED, n, n, in, &pump);
		rnode *alt = n->kind == N_ALT ? n : NULL;
		if (!alt && n->kid && !n->kid->next)
			alt = body_alt(n->kid);
		for (rnode *a = alt ? alt->kid : NULL; a; a = a->next)
			for (rnode *b = a->next; b; b = b->next) {
				cset x = cs_inter(&a->first, &b->first);
				if (!cs_empty(&x)) {
					add_suspect(f, S_ALT, n, n, alt, &x);
					goto alt_done;
				}
			}
	alt_done:;
	}
	if (n->kind == N_SEQ) {
		for (rnode *a = n->kid; a; a = a->next) {
			if (!variable(unwrap(a)) || a->kind == N_ZERO)
				continue;
			for (rnode *b = a->next; b; b = b->next) {
				if (variable(unwrap(b))) {
					cset x = cs_inter(&a->all, &b->all);
					if (!cs_empty(&x)) {
						add_suspect(f, S_ADJACENT, a, b, b, &x);
						break;
					}
				}
				if (!b->nullable)
					break;
			}
		}
	}
	for (rnode *k = n->kid; k; k = k->next)
		find(f, k);
}

static int mark_path(rnode *n, const rnode *target)
{
	int on = n == target;
	for (rnode *k = n->kid; k; k = k->next)
		on |= mark_path(k, target);
	n->on_path |= on;
	return on;
}

static void clear_path(rnode *n)
{
	n->on_path = 0;
	for (rnode *k = n->kid; k; k = k->next)
		clear_path(k);
}

/* A character of s for samples: letters and digits first. */
static size_t cs_pick(const cset *s, char out[4])
{
	static const char pref[] = "a0Az_ -.,:;/=!#@x9Z";
	for (const char *q = pref; *q; q++)
		if (cs_has(s, (unsigned char)*q)) {
			out[0] = *q;
			return 1;
		}
	for (unsigned c = 1; c < 128; c++)
		if (cs_has(s, c)) {
			out[0] = (char)c;
			return 1;
		}
	if (s->high) {
		memcpy(out, "\xc3\xa9", 2); /* U+00E9 */
		return 2;
	}
	return 0;
}

#define SAMPLE_CAP 4096u
#define SUBJECT_CAP 65536u

typedef struct sampler {
	cf_buf out;
	const rnode *start, *end;
	size_t prefix_end, tail_start;
	int have_prefix, have_tail;
	cf_status st;
} sampler;

static void emit(sampler *sm, const char *s, size_t n)
{
	if (sm->st == CF_OK && sm->out.len + n <= SAMPLE_CAP)
		sm->st = cf_buf_append(&sm->out, s, n);
}

static void gen(sampler *sm, const rnode *n)
{
	uint32_t reps = n->min;
	if (reps == 0 && n->on_path)
		reps = 1;
	if (reps > 64)
		reps = 64;
	for (uint32_t r = 0; r < reps; r++) {
		if (n == sm->start && r == 0 && !sm->have_prefix) {
			sm->prefix_end = sm->out.len;
			sm->have_prefix = 1;
		}
		char c[4];
		size_t cl;
		switch (n->kind) {
		case N_ATOM:
			if (n->lit_len)
				emit(sm, n->lit, n->lit_len);
			else if ((cl = cs_pick(&n->set, c)) > 0)
				emit(sm, c, cl);
			break;
		case N_SEQ:
			for (const rnode *k = n->kid; k; k = k->next)
				gen(sm, k);
			break;
		case N_ALT: {
			const rnode *pick = n->kid;
			for (const rnode *k = n->kid; k; k = k->next)
				if (k->on_path) {
					pick = k;
					break;
				}
			if (pick)
				gen(sm, pick);
			break;
		}
		default:
			break;
		}
		if (n == sm->end && r + 1 == reps) {
			sm->tail_start = sm->out.len;
			sm->have_tail = 1;
		}
	}
}

typedef struct runner {
	pcre2_code *code; /* compiled with PCRE2_AUTO_CALLOUT */
	pcre2_match_data *md;
	pcre2_match_context *mc;
	cf_buf subj;
	uint64_t steps, budget;
	int hit; /* what confirmed: a PCRE2 error code, or 0 for the step budget */
} runner;

/* Auto-callout at every pattern item: count the steps, give up past the budget. */
static int count_step(pcre2_callout_block *cb, void *data)
{
	(void)cb;
	runner *r = data;
	return ++r->steps > r->budget ? PCRE2_ERROR_CALLOUT : 0;
}

/* Run one subject; 1 on a resource limit, 0 otherwise, -1 out of memory. */
static int try_subject(runner *r, const char *prefix, size_t plen, const char *pump,
                       size_t pump_len, unsigned reps, const char *mid, size_t mlen,
                       const char *tail, size_t tlen, const char *end, size_t elen)
{
	r->subj.len = 0;
	if (plen + (size_t)reps * pump_len + mlen + tlen + elen > SUBJECT_CAP)
		return 0;
	cf_status st = cf_buf_append(&r->subj, prefix, plen);
	for (unsigned i = 0; st == CF_OK && i < reps; i++)
		st = cf_buf_append(&r->subj, pump, pump_len);
	if (st == CF_OK)
		st = cf_buf_append(&r->subj, mid, mlen);
	if (st == CF_OK)
		st = cf_buf_append(&r->subj, tail, tlen);
	if (st == CF_OK)
		st = cf_buf_append(&r->subj, end, elen);
	if (st != CF_OK)
		return -1;
	r->steps = 0;
	int rc = pcre2_match(r->code, (PCRE2_SPTR)r->subj.data, r->subj.len, 0, PCRE2_ANCHORED,
	                     r->md, r->mc);
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_CALLOUT) {
		r->hit = rc == PCRE2_ERROR_CALLOUT ? 0 : rc;
		return 1;
	}
	if (rc == PCRE2_ERROR_NOMEMORY)
		return -1;
	return 0;
}

/* Quote at most 40 bytes of s for a message. */
static void quote(char *out, size_t cap, const char *s, size_t n)
{
	size_t o = 0;
	if (cap == 0)
		return;
	for (size_t i = 0; i < n && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (i >= 40) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = 0;
}

static const char *kind_text(int kind)
{
	switch (kind) {
	case S_NESTED:
		return "nested quantifiers";
	case S_ALT:
		return "overlapping alternatives under a repeat";
	default:
		return "adjacent overlapping quantifiers";
	}
}

static int confirm(runner *r, const char *pat, rnode *root, suspect *s, char *why, size_t why_len)
{
	static const unsigned reps_list[] = {12, 24, 64, 512, 4096};
	static const char bad_list[] = "!~# 0a_\x01\n";
	int ret = 0;
	sampler sm;
	memset(&sm, 0, sizeof sm);
	cf_buf_init(&sm.out, SAMPLE_CAP);
	sampler body;
	memset(&body, 0, sizeof body);
	cf_buf_init(&body.out, SAMPLE_CAP);

	clear_path(root);
	mark_path(root, s->start);
	mark_path(root, s->end);
	sm.start = s->start;
	sm.end = s->end;
	gen(&sm, root);
	if (sm.st == CF_OK)
		sm.st = cf_buf_reserve(&sm.out, 0);
	if (sm.st != CF_OK) {
		ret = -1;
		goto out;
	}
	if (!sm.have_prefix || !sm.have_tail || sm.tail_start < sm.prefix_end)
		goto out;
	/* One pass through the construct's body, as a second pump. */
	clear_path(root);
	body.start = body.end = NULL;
	{
		rnode *b = s->start;
		uint32_t mn = b->min;
		b->min = 1;
		gen(&body, b);
		b->min = mn;
	}
	size_t body_one = body.out.len;
	if (s->kind == S_ALT)
		/* Every alternative once: "a|b|ab" gives "abab", split many ways. */
		for (const rnode *k = s->inner->kid; k; k = k->next)
			gen(&body, k);
	if (body.st == CF_OK)
		body.st = cf_buf_reserve(&body.out, 0);
	if (body.st != CF_OK) {
		ret = -1;
		goto out;
	}
	char pc[4];
	size_t pl = cs_pick(&s->pump, pc);
	const char *pumps[3] = {pc, (const char *)body.out.data,
	                        (const char *)body.out.data + body_one};
	size_t pump_lens[3] = {pl, body_one, body.out.len - body_one};
	cset outer = s->start->all;
	cs_union(&outer, &s->end->all);
	const char *prefix = (const char *)sm.out.data;
	const char *tail = prefix + sm.tail_start;
	size_t plen = sm.prefix_end, tlen = sm.out.len - sm.tail_start;
	for (size_t pi = 0; pi < 3 && !ret; pi++) {
		if (pump_lens[pi] == 0 ||
		    (pi > 0 && pump_lens[pi] == pl && memcmp(pumps[pi], pumps[0], pl) == 0))
			continue;
		int nbad = 0;
		for (const char *b = bad_list; *b && nbad < 3 && !ret; b++) {
			if (cs_has(&outer, (unsigned char)*b))
				continue;
			nbad++;
			for (size_t ri = 0; ri < sizeof reps_list / sizeof reps_list[0] && !ret;
			     ri++) {
				unsigned reps = reps_list[ri];
				/* prefix pump^N bad; prefix pump^N bad tail; prefix pump^N tail bad
				 */
				ret = try_subject(r, prefix, plen, pumps[pi], pump_lens[pi], reps,
				                  b, 1, "", 0, "", 0);
				if (!ret)
					ret = try_subject(r, prefix, plen, pumps[pi], pump_lens[pi],
					                  reps, b, 1, tail, tlen, "", 0);
				if (!ret && tlen)
					ret = try_subject(r, prefix, plen, pumps[pi], pump_lens[pi],
					                  reps, "", 0, tail, tlen, b, 1);
				if (ret == 1) {
					char q1[64], q2[64], q3[16];
					quote(q1, sizeof q1, pat + s->start->pos,
					      s->end->end - s->start->pos);
					quote(q2, sizeof q2, pumps[pi], pump_lens[pi]);
					quote(q3, sizeof q3, b, 1);
					snprintf(why, why_len,
					         "%s in '%s': a subject of '%s' x %u then '%s' %s",
					         kind_text(s->kind), q1, q2, reps, q3,
					         r->hit == PCRE2_ERROR_MATCHLIMIT
					             ? "hits the match limit"
					         : r->hit == PCRE2_ERROR_DEPTHLIMIT
					             ? "hits the depth limit"
					         : r->hit == PCRE2_ERROR_HEAPLIMIT
					             ? "hits the heap limit"
					             : "needs more steps than "
					               "the match limit");
				}
			}
		}
	}
out:
	cf_buf_free(&sm.out);
	cf_buf_free(&body.out);
	return ret;
}

int cf_lint_regex_backtracks(const char *pat, size_t len, int nocase, uint64_t match_limit,
                             char *why, size_t why_len)
{
	int ret = 0;
	rparser ps;
	memset(&ps, 0, sizeof ps);
	runner r;
	memset(&r, 0, sizeof r);
	cf_buf_init(&r.subj, SUBJECT_CAP + 16);
	if (why_len)
		why[0] = 0;
	ps.p = pat;
	ps.len = len;
	ps.cap = 2 * len + 8 < RX_MAX_NODES ? 2 * len + 8 : RX_MAX_NODES;
	ps.pool = calloc(ps.cap, sizeof *ps.pool);
	if (!ps.pool) {
		ret = -1;
		goto out;
	}
	unsigned flags = nocase ? F_CASELESS : 0;
	rnode *root = parse_alt(&ps, &flags);
	if (!root || ps.fail || ps.i != len)
		goto out; /* outside what this model reads: no finding */
	props(root);
	finder f;
	memset(&f, 0, sizeof f);
	find(&f, root);
	if (f.n == 0)
		goto out;
	cf_status cst = cf_regex_compile(pat, len, nocase, PCRE2_AUTO_CALLOUT, &r.code, NULL);
	if (cst != CF_OK) {
		ret = cst == CF_ERR_REJECTED ? 0 : -1;
		goto out;
	}
	r.md = pcre2_match_data_create_from_pattern(r.code, NULL);
	r.mc = cf_regex_match_context(match_limit);
	if (!r.md || !r.mc) {
		ret = -1;
		goto out;
	}
	r.budget = match_limit ? match_limit : 1;
	pcre2_set_callout(r.mc, count_step, &r);
	for (size_t i = 0; i < f.n && ret == 0; i++)
		ret = confirm(&r, pat, root, &f.s[i], why, why_len);
out:
	pcre2_match_data_free(r.md);
	pcre2_match_context_free(r.mc);
	pcre2_code_free(r.code);
	cf_buf_free(&r.subj);
	free(ps.pool);
	return ret;
}
