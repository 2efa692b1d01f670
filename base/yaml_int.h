/*
 * yaml_int.h - the YAML layer of the template loader and the compiler (internal to
 * libcf: base/, used by template/ and cfc/).
 *
 * cf_yaml_parse() turns one document into a small read-only node tree with
 * a 1-based line:col for every node, on top of libyaml. It is strict and
 * bounded, because rule sources come from many hands:
 *
 *   - anchors, aliases and explicit tags are rejected (no billion laughs);
 *   - duplicate mapping keys and non-scalar keys are rejected;
 *   - nesting depth, scalar length, node count and input size are capped;
 *   - invalid UTF-8, NUL bytes (raw or escaped) and tabs in indentation give
 *     a located error;
 *   - only one document per file.
 *
 * Columns count characters (code points), as libyaml does. A UTF-8 byte
 * order mark at the start of the file is skipped: it is neither content
 * nor counted in line 1's columns.
 *
 * Memory: the nodes live in one array (24 bytes each) and scalar text in one
 * pool; node count is capped by the input size, so peak memory stays a small
 * multiple of the input.
 *
 * The second half is the schema layer shared by the template loader and the
 * rule compiler: typed getters that append one located diagnostic per
 * failed check (codes in docs/compile-codes.md).
 */
#ifndef CF_YAML_INT_H
#define CF_YAML_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cf/base.h>
#include <cf/format.h>

/* CF_YAML_MAX_SIZE and CF_YAML_MAX_NODES are in <cf/base.h>. */
#define CF_YAML_MAX_DEPTH 64u     /* nested collections */
#define CF_YAML_MAX_SCALAR 65535u /* bytes of one scalar (= CF_MAX_STRING_LEN) */

enum cf_ynode_kind { CF_YNODE_SCALAR = 1, CF_YNODE_SEQ = 2, CF_YNODE_MAP = 3 };

enum cf_ystyle {
	CF_YSTYLE_PLAIN = 1,
	CF_YSTYLE_SINGLE = 2, /* 'single quoted' */
	CF_YSTYLE_DOUBLE = 3, /* "double quoted" */
	CF_YSTYLE_LITERAL = 4,
	CF_YSTYLE_FOLDED = 5,
};

/* What a scalar resolves to under the YAML 1.2 core schema. */
enum cf_yclass {
	CF_YCLASS_STRING = 1, /* quoted, block, or plain text */
	CF_YCLASS_NULL = 2,   /* empty, ~, null */
	CF_YCLASS_BOOL = 3,   /* true, false (and their capitalised forms) */
	CF_YCLASS_INT = 4,    /* [-+]?[0-9]+, 0x.., 0o.. */
	CF_YCLASS_FLOAT = 5,  /* 1.5, 1e3, .inf, .nan */
};

/*
 * One node. Maps hold their keys and values as alternating children. Use
 * the accessors below rather than the indexes.
 */
typedef struct cf_ynode {
	uint8_t kind;  /* enum cf_ynode_kind */
	uint8_t style; /* scalars: enum cf_ystyle */
	uint8_t exact; /* scalars: the value is the source text verbatim (no escapes, one line) */
	uint8_t pad;
	uint32_t line, col; /* 1-based, where the node starts (the quote of a quoted scalar) */
	uint32_t count;     /* seq: items; map: keys + values; scalar: byte length */
	uint32_t first;     /* first child (scalars: offset of the text in the pool) */
	uint32_t next;      /* next sibling; 0: none */
} cf_ynode;

typedef struct cf_ydoc cf_ydoc;

/*
 * Parse buf (len bytes, borrowed for the call only) as the document of file
 * path (copied; used in diagnostics). On CF_OK *out is a document the caller
 * frees with cf_yaml_free(); its root is NULL for an empty file. Any problem
 * appends located errors to diags and returns CF_ERR_REJECTED (*out NULL);
 * CF_ERR_NOMEM when out of memory.
 */
cf_status cf_yaml_parse(const char *path, const uint8_t *buf, size_t len, cf_diag_list *diags,
                        cf_ydoc **out);
/*
 * What can be made of a document cf_yaml_parse() refused, for one purpose:
 * reporting the ids it holds (a duplicate instance id is reported whatever
 * else is wrong). No diagnostics. Characters libyaml refuses are read as
 * spaces, one per byte; anchors and tags are ignored, an alias
 * and a refused scalar read as ""; collections beyond the depth cap are
 * skipped; the tree ends where libyaml stopped (a syntax error, a second
 * document, the node cap), with every open collection closed. On CF_OK
 * *out is such a document (free with cf_yaml_free(); its root may be
 * NULL); CF_ERR_REJECTED when nothing could be read, CF_ERR_NOMEM.
 */
cf_status cf_yaml_salvage(const char *path, const uint8_t *buf, size_t len, cf_ydoc **out);
void cf_yaml_free(cf_ydoc *d);
/*
 * Free the node tree of d but keep its path and scalar text: pointers that
 * cf_yaml_text() and the schema getters returned stay valid; every node
 * pointer into d becomes invalid and d has no root any more. For a caller
 * that has taken what it needs from a large document.
 */
void cf_yaml_drop_nodes(cf_ydoc *d);

/* Borrowed from the document. */
const char *cf_yaml_path(const cf_ydoc *d);
const cf_ynode *cf_yaml_root(const cf_ydoc *d);
/* First child of a collection (a map's first key), next sibling; NULL at the end. */
const cf_ynode *cf_yaml_child(const cf_ydoc *d, const cf_ynode *n);
const cf_ynode *cf_yaml_next(const cf_ydoc *d, const cf_ynode *n);
/* A scalar's text, NUL-terminated (n->count bytes, no NUL inside). */
const char *cf_yaml_text(const cf_ydoc *d, const cf_ynode *n);
/* Value of key in map, or NULL. */
const cf_ynode *cf_yaml_get(const cf_ydoc *d, const cf_ynode *map, const char *key);
enum cf_yclass cf_yaml_class(const cf_ydoc *d, const cf_ynode *n);
/* "a string", "an integer", "a mapping", ... for messages. */
const char *cf_yaml_describe(const cf_ydoc *d, const cf_ynode *n);

/* Levenshtein distance, capped: returns at most cap + 1. */
size_t cf_edit_distance(const char *a, const char *b, size_t cap);
/* The candidate closest to word, when close enough to be a plausible typo; or NULL. */
const char *cf_suggest(const char *word, const char *const *cands, size_t n);

/*
 * Append every diagnostic of src to dst in line:col order (stable), each
 * note staying right after the diagnostic it follows; src is unchanged
 * (the caller frees it). Checks run in schema order, this
 * shows them in document order, as a compiler would.
 */
void cf_diags_append_sorted(cf_diag_list *dst, const cf_diag_list *src);

/* ---- Schema layer ----------------------------------------------------------- */

/* One document being checked: every failed check adds an error and bumps errors. */
typedef struct cf_ycheck {
	const cf_ydoc *doc;
	cf_diag_list *diags;
	size_t errors;
} cf_ycheck;

/* Error (or note with sev) at node n; message printf-formatted. */
cf_diag *cf_ycheck_diag(cf_ycheck *c, cf_severity sev, const cf_ynode *n, const char *code,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Check that n is a mapping whose keys are all in keys[0..nkeys) and that
 * every key whose bit is set in required is present (what names the mapping
 * in messages: "instance", "template manifest"). On return vals[i] is the
 * value of keys[i] or NULL, and knodes (may be NULL) the key node. Returns 0
 * when all is well, -1 after reporting (vals still filled as far as known).
 */
int cf_ycheck_map(cf_ycheck *c, const cf_ynode *n, const char *what, const char *const *keys,
                  size_t nkeys, uint32_t required, const cf_ynode **vals, const cf_ynode **knodes);
/* n is a collection of this kind (CF_YNODE_SEQ or CF_YNODE_MAP); 0 or -1. */
int cf_ycheck_kind(cf_ycheck *c, const cf_ynode *n, int kind, const char *what);
/* A plain decimal integer in [lo, hi]: no sign, no leading zeros, no junk. */
int cf_ycheck_uint(cf_ycheck *c, const cf_ynode *n, const char *what, uint64_t lo, uint64_t hi,
                   uint64_t *out);
/* A plain true or false. */
int cf_ycheck_bool(cf_ycheck *c, const cf_ynode *n, const char *what, int *out);
/* A string: quoted, block, or plain text that is not null, bool or a number. */
int cf_ycheck_str(cf_ycheck *c, const cf_ynode *n, const char *what, const char **s, size_t *len);
/* Any scalar that is not null, as text (sensor versions: cf_ycheck_version()). */
int cf_ycheck_text(cf_ycheck *c, const cf_ynode *n, const char *what, const char **s, size_t *len);
/*
 * A sensor version: a dotted decimal (cf_sensor_version_valid()) that YAML
 * reads as a string. A plain scalar that the core schema resolves to a
 * number (7.10, 7, 1e3) is refused with version-unquoted, because every
 * other YAML tool reads 7.10 as 7.1; otherwise bad-version. key is the
 * mapping key (for type errors), what names the value in the other
 * messages ("sensor version", "requires_sensor").
 */
int cf_ycheck_version(cf_ycheck *c, const cf_ynode *n, const char *key, const char *what,
                      const char **s, size_t *len);
/* A string that is one of names[0..n) (with a suggestion otherwise); *out = index. */
int cf_ycheck_enum(cf_ycheck *c, const cf_ynode *n, const char *what, const char *const *names,
                   size_t nnames, size_t *out);

#endif
