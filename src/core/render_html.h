/* render_html — the patient's estimate as one accessible HTML page: the
 * same content as the PDF (render_pdf.h), in the words of
 * TEMPLATES_DIR/LANG/quote.txt, made from the quote JSON alone
 * (quote_json_text(), or what the register keeps for an issued quote), so
 * an estimate issued years ago is shown as it was priced (docs/pdf.md,
 * "The HTML estimate").
 *
 * The page is self-contained (its style inline, no script, no image, no
 * link to anything outside it), has a language on the document and on every
 * passage in another language, headings in order, tables with header cells
 * and scopes, reads at 200 % zoom and prints (print style sheet).
 * large_print sets the body text at 18 pt (24 px) or more.
 *
 * A library: it never prints and never exits; every problem is a
 * diagnostic added to dl.  Output is byte-identical for the same input. */
#ifndef RQ_RENDER_HTML_H
#define RQ_RENDER_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

struct html_opts {
    const char *lang;           /* "en" or "es"; NULL = the quote's language */
    const char *templates_dir;  /* folder holding en/ and es/; NULL = "templates" */
    const char *quote_number;   /* NULL = DRAFT (no number issued) */
    const char *supersedes;     /* quote number this one replaces, or NULL */
    bool large_print;           /* body text 18 pt or more */
};

/* Render the quote given as its JSON text (docs/pricing.md, "JSON output")
 * into *out (malloc'd, NUL-terminated, *len bytes without the NUL; the
 * caller frees it).  Returns 0, or -1 with a diagnostic (bad JSON, a
 * template missing or lacking a key, out of memory) and *out NULL.  The
 * arguments are borrowed for the call. */
int render_html(const char *quote_json, const struct html_opts *o, char **out, size_t *len,
                struct diag_list *dl);

#endif
