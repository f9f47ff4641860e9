/* json_doc — a JSON document that remembers where every value stands.
 *
 * cJSON parses; this module adds what a person editing a file by hand needs:
 * the line and column of every value (for `file:line:col:` messages), the
 * exact source text of numbers (so money is never read through a double),
 * strict checks (valid UTF-8, no NUL bytes, nothing after the value,
 * duplicate and unknown keys with a "did you mean" hint) and typed getters
 * that report a field path such as `items[3].price` on every mistake.
 *
 * Memory: a jdoc owns its text, its cJSON tree and its index; release it
 * with jdoc_free().  Strings returned by jr_* getters are borrowed from the
 * tree and live as long as the jdoc unless the getter says otherwise. */
#ifndef RQ_JSON_DOC_H
#define RQ_JSON_DOC_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

struct jpos;

struct jdoc {
    char *name;           /* file name used in diagnostics */
    char *text;           /* NUL-terminated copy of the source */
    size_t len;
    cJSON *root;
    struct jpos *pos;     /* node -> byte offset, sorted by node address */
    size_t npos;
};

/* Largest JSON file read (bytes). */
#define JDOC_MAX_BYTES (4u * 1024u * 1024u)

/* Read and parse a file, which must be a regular file (a FIFO or a device
 * is refused at once, never waited on: infile.h).  Returns 0, or -1 after
 * adding a diagnostic (unreadable, not a regular file, too large, invalid
 * UTF-8, NUL byte, syntax error with its position).  On failure *doc is
 * left empty (safe to jdoc_free). */
int jdoc_load_file(struct jdoc *doc, const char *path, struct diag_list *dl);
/* The same for a file the user named, which may also be a pipe or a
 * terminal (a request on /dev/stdin), read to its end. */
int jdoc_load_named(struct jdoc *doc, const char *path, struct diag_list *dl);

/* Parse len bytes of text (a leading UTF-8 byte-order mark is skipped);
 * name is used in diagnostics.  Same contract as jdoc_load_file(). */
int jdoc_parse(struct jdoc *doc, const char *name, const char *text, size_t len,
               struct diag_list *dl);

void jdoc_free(struct jdoc *doc);

/* Line and column (1-based) where node starts; 0,0 when unknown. */
void jdoc_where(const struct jdoc *doc, const cJSON *node, int *line, int *col);

/* Add a diagnostic located at node (node may be NULL: no position). */
void jdoc_diag(const struct jdoc *doc, struct diag_list *dl, enum diag_severity sev,
               const cJSON *node, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* The source text of a number node; *len receives its length. */
const char *jdoc_number_text(const struct jdoc *doc, const cJSON *node, size_t *len);

/* ---- typed access with field paths ------------------------------------ */

/* A reader couples a document with the diagnostics list it reports to. */
struct jreader {
    const struct jdoc *doc;
    struct diag_list *dl;
};

/* Build "parent.key" / "parent[i]" into buf (size bytes); returns buf. */
char *jpath_key(char *buf, size_t size, const char *parent, const char *key);
char *jpath_idx(char *buf, size_t size, const char *parent, int i);

/* Case-sensitive member lookup; NULL when absent. */
cJSON *jr_member(const cJSON *obj, const char *key);

/* Each getter looks up obj.key (path names obj).  Absent and not required:
 * returns true and leaves *out unchanged.  Absent and required, or of the
 * wrong type or value: adds an error naming path.key and returns false. */
bool jr_string(struct jreader *r, const cJSON *obj, const char *path, const char *key,
               bool required, const char **out);
bool jr_money(struct jreader *r, const cJSON *obj, const char *path, const char *key,
              bool required, bool allow_negative, int64_t *out);
bool jr_percent(struct jreader *r, const cJSON *obj, const char *path, const char *key,
                bool required, int32_t *bp_out);
bool jr_int(struct jreader *r, const cJSON *obj, const char *path, const char *key,
            bool required, long min, long max, int *out);
bool jr_bool(struct jreader *r, const cJSON *obj, const char *path, const char *key,
             bool required, bool *out);
/* Object / array members: *out receives the node (borrowed). */
bool jr_object(struct jreader *r, const cJSON *obj, const char *path, const char *key,
               bool required, const cJSON **out);
bool jr_array(struct jreader *r, const cJSON *obj, const char *path, const char *key,
              bool required, const cJSON **out);

/* Money or integer read from a node itself (array element, etc.). */
bool jr_money_node(struct jreader *r, const cJSON *node, const char *path,
                   bool allow_negative, int64_t *out);
bool jr_int_node(struct jreader *r, const cJSON *node, const char *path, long min,
                 long max, int *out);

/* Report every key of obj not in allowed (NULL-terminated), with a
 * "did you mean" hint, and every duplicated key.  Returns false if any. */
bool jr_check_keys(struct jreader *r, const cJSON *obj, const char *path,
                   const char *const allowed[]);

/* Closest candidate to word within a small edit distance, or NULL. */
const char *jr_suggest(const char *word, const char *const candidates[], size_t n);

#endif
