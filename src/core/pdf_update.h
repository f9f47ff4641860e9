/* pdf_update — pages added after a finished PDF without touching a byte of
 * it: the one writer of PDF incremental updates (the dispute packet,
 * bill_doc.h; the accepted copy, acceptance.h).
 *
 * libharu cannot import pages, so the new pages are laid out as a PDF of
 * their own and appended to the finished document as an incremental update
 * (ISO 32000-1, 7.5.6): the finished file, byte for byte, then the new
 * pages' objects renumbered past the document's own, a new version of the
 * page tree's root that lists the old pages and then the new ones, a
 * cross-reference section for those objects and a trailer pointing back
 * (/Prev) to the old one.  A reader shows every page; the finished PDF is
 * a byte prefix of the result, which is how a test (or anyone with
 * `cmp -n`) proves it unchanged.
 *
 * Both inputs must be what this program's libharu writes: a classic
 * cross-reference table (no xref streams, no object streams), one flat
 * page tree, not encrypted, not updated already.  Anything else is refused
 * with a diagnostic, never guessed at.  Every byte is read within its
 * bounds (pdf_scan.h).  Pure: no I/O. */
#ifndef RQ_PDF_UPDATE_H
#define RQ_PDF_UPDATE_H

#include <stddef.h>

#include "diag.h"

/* Append the pages of `extra` (one or more) after the pages of `base`.  On
 * success returns 0 and *out (malloc'd, the caller frees) holds base's
 * bytes followed by the update; *out_len its length.  Returns -1 with a
 * diagnostic ("cannot add pages to the issued PDF: …") and *out NULL when
 * either PDF is not of the form above.  Deterministic: the same inputs give
 * the same bytes. */
int pdf_update_append_pages(const unsigned char *base, size_t base_len, const unsigned char *extra,
                            size_t extra_len, unsigned char **out, size_t *out_len, struct diag_list *dl);

#endif
