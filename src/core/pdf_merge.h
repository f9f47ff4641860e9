/* pdf_merge — pages added after a PDF without touching a byte of it.
 *
 * libharu cannot import pages, so a document made of an issued estimate and
 * pages made later (the dispute packet, bill_doc.h) is written as a PDF
 * incremental update (ISO 32000-1, 7.5.6): the issued file, byte for byte,
 * then the new pages' objects, a new version of the page tree's root that
 * lists the old pages and then the new ones, a cross-reference section for
 * those objects and a trailer pointing back (/Prev) to the old one.  A
 * reader shows every page; the issued PDF is a byte prefix of the result,
 * which is how a test (or anyone with `cmp -n`) proves it unchanged.
 *
 * Both inputs must be what this program's libharu writes: a classic
 * cross-reference table (no xref streams), one flat page tree.  Anything
 * else is refused with a diagnostic, never guessed at.  Pure: no I/O. */
#ifndef RQ_PDF_MERGE_H
#define RQ_PDF_MERGE_H

#include <stddef.h>

#include "diag.h"

/* Append the pages of `extra` after the pages of `base`.  On success
 * returns 0 and *out (malloc'd, the caller frees) holds base's bytes
 * followed by the update; *out_len its length.  Returns -1 with a
 * diagnostic (and *out NULL) when either PDF is not of the form above.
 * Deterministic: the same inputs give the same bytes. */
int pdf_merge_append(const unsigned char *base, size_t base_len, const unsigned char *extra,
                     size_t extra_len, unsigned char **out, size_t *out_len, struct diag_list *dl);

#endif
