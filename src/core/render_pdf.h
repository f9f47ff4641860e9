/* render_pdf — the patient's PDF quote (cost estimate / Good Faith
 * Estimate), laid out from a priced quote and the words in
 * TEMPLATES_DIR/LANG/quote.txt (docs/pdf.md).
 *
 * A library: it never prints and never exits; every problem is a
 * diagnostic added to dl.  Text that fits Windows-1252 uses the standard
 * Helvetica fonts (nothing embedded); other text (e.g. a Vietnamese name)
 * uses the TrueType font TEMPLATES_DIR/fonts/regenquote-sans.ttf, a subset
 * of DejaVu Sans built by `make fonts`.  A character no font can show is an
 * error naming the field ("patient.name: character U+1F600 cannot be
 * printed").  Output is byte-identical for the same quote, options,
 * templates and font: no clock is read (the issue date is q->issued). */
#ifndef RQ_RENDER_PDF_H
#define RQ_RENDER_PDF_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "quote.h"

/* The font used for text outside Windows-1252, relative to templates_dir. */
#define RENDER_PDF_FONT "fonts/regenquote-sans.ttf"

/* Words loaded once for many documents (batch runs): templates by folder
 * and language, checked on first use.  Not shared between threads. */
struct render_cache;
struct render_cache *render_cache_new(void);   /* NULL when out of memory */
void render_cache_free(struct render_cache *c);

struct render_opts {
    const char *lang;           /* "en" or "es"; NULL = q->language */
    const char *templates_dir;  /* folder holding en/ and es/; NULL = "templates" */
    bool a4;                    /* default US Letter */
    const char *quote_number;   /* NULL = DRAFT (no number issued) */
    const char *supersedes;     /* quote number this one replaces, or NULL */
    const char *font_path;      /* NULL = templates_dir/RENDER_PDF_FONT */
    struct render_cache *cache; /* NULL = read the templates for this document */
    bool uncompressed;          /* larger files, made faster (batch --uncompressed) */
};

/* Render q to path, the output the user named: atomically (temp file +
 * fsync + rename, mode 0600), or in place for a device, a FIFO or standard
 * output (outfile_open_output() in outfile.h).  Returns 0, or -1 with a
 * diagnostic; never leaves a partial file (an existing file at path is left
 * as it was).  q, o and the
 * strings they point to are borrowed for the call. */
int render_pdf(const struct quote *q, const struct render_opts *o, const char *path,
               struct diag_list *dl);

/* Same, into a malloc'd buffer the caller frees (for the future register).
 * On failure *buf is NULL and *len 0. */
int render_pdf_mem(const struct quote *q, const struct render_opts *o, unsigned char **buf,
                   size_t *len, struct diag_list *dl);

#endif
