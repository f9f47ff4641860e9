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
 * malloc'd string the caller frees.  A document being written expands its
 * words through struct template_words (below), which keeps what it makes. */
#ifndef RQ_TEMPLATE_H
#define RQ_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "date.h"
#include "diag.h"
#include "money.h"

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

/* ---- a document's words --------------------------------------------------
 *
 * While one document is written, struct template_words holds its template,
 * the date and money words read from it and every string made for the
 * document; template_words_free() releases them together.  The functions
 * returning `const char *` never return NULL: on a problem they return "",
 * set failed and (but for an allocation failure) add a diagnostic to dl.
 *
 * Memory: t and dl are borrowed and must outlive *w; every returned string
 * lives until template_words_free(). */
struct template_words {
    const struct template *t;
    struct diag_list *dl;
    const char *months[12];      /* date.months, one name each */
    struct money_style money;    /* money.symbol, money.decimal, money.group */
    bool failed;                 /* a string could not be made */
    char **kept;                 /* the strings made, owned */
    size_t n_kept, cap_kept;
};

/* Start the words of a document from t (already checked with
 * template_check): reads date.months (twelve names separated by commas) and
 * money.* (one decimal character, at most one group character, different).
 * Returns 0, or -1 with a diagnostic naming the file and key.  *w is always
 * safe to template_words_free(). */
int template_words_init(struct template_words *w, const struct template *t, struct diag_list *dl);

/* The value of key as written, "" when missing. */
const char *template_words_get(const struct template_words *w, const char *key);

/* The value of key with its placeholders filled from the name, value pairs
 * that follow, ended by NULL: ("doc.page", "page", "1", "pages", "2", NULL).
 * At most TEMPLATE_WORDS_MAX_VARS pairs. */
#define TEMPLATE_WORDS_MAX_VARS 8
const char *template_words_expand(struct template_words *w, const char *key, ...)
    __attribute__((sentinel));

/* Keep s (malloc'd, or NULL after a failure) until template_words_free();
 * returns it, or "" for NULL (and sets failed). */
const char *template_words_keep(struct template_words *w, char *s);

/* d in the words of date.long and date.months ("March 3, 2027"). */
const char *template_words_date(struct template_words *w, rq_date d);

/* cents in the template's money style, with or without its symbol. */
const char *template_words_money(struct template_words *w, int64_t cents, bool symbol);

void template_words_free(struct template_words *w);

#endif
