/* template — the words of a document, per language, editable without
 * recompiling.
 *
 * A template file (docs/pdf.md) is UTF-8 text of `key = value` lines.
 * Lines starting with `#` and blank lines are ignored; a line starting with
 * a space or tab continues the value above (joined with one space); `\n`
 * in a value is a line break.  `{name}` in a value is replaced when the
 * value is expanded; `{{` and `}}` print a brace.
 *
 * Memory: a template owns its file name, keys and values; every returned
 * `const char *` lives until template_free().  template_expand() returns a
 * malloc'd string the caller frees. */
#ifndef RQ_TEMPLATE_H
#define RQ_TEMPLATE_H

#include <stddef.h>

#include "diag.h"

struct template_entry {
    char *key, *value;
    int line;
};

struct template {
    char *file;                  /* path, as used in diagnostics */
    struct template_entry *v;
    size_t n;
};

/* A key the document needs and the placeholders its value may use
 * (space-separated names, "" for none). */
struct template_key {
    const char *key;
    const char *placeholders;
};

/* A placeholder value for template_expand(). */
struct template_var {
    const char *name, *value;
};

/* Read DIR/LANG/NAME (LANG: 2–8 letters or '-').  Returns 0, or -1 with
 * every problem found (file missing, bad line, duplicate key, invalid
 * UTF-8) added to dl.  *t is always safe to template_free(). */
int template_load(struct template *t, const char *dir, const char *lang, const char *name,
                  struct diag_list *dl);

/* Check that every key in keys[0..n) is present and uses only its
 * placeholders; keys in the file that are not listed give warnings.
 * Returns 0, or -1 with one diagnostic per problem, naming file and key. */
int template_check(const struct template *t, const struct template_key *keys, size_t n,
                   struct diag_list *dl);

/* The raw value of key, or NULL. */
const char *template_get(const struct template *t, const char *key);

/* The value of key with its placeholders replaced from vars.  Returns a
 * malloc'd string, or NULL with a diagnostic (missing key, unknown
 * placeholder, out of memory). */
char *template_expand(const struct template *t, const char *key, const struct template_var *vars,
                      size_t n_vars, struct diag_list *dl);

void template_free(struct template *t);

#endif
