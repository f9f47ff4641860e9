/* pdf_append — add a page to a finished PDF without changing a byte of it.
 *
 * libharu cannot import pages, so the page is laid out as a PDF of its own
 * (one page, by libharu) and its objects are appended to the finished
 * document as an incremental update (ISO 32000-1 § 7.5.6): renumbered past
 * the document's own, the page hung under the document's page tree (whose
 * root object is rewritten in the update with one more kid), a new
 * cross-reference section and a trailer pointing back (/Prev) to the old
 * one.  The original bytes are therefore a prefix of the result, and a
 * viewer shows the original pages followed by the new one.
 *
 * Only what libharu writes is read: a classic cross-reference table, no
 * object streams, no encryption.  Anything else is refused with a
 * diagnostic, never guessed at. */
#ifndef RQ_PDF_APPEND_H
#define RQ_PDF_APPEND_H

#include <stddef.h>

#include "diag.h"

/* Append the one page of `page` (a PDF of one page) to `base`.  On success
 * *out (malloc'd; the caller frees it) holds base followed by the update,
 * and 0 is returned; else -1 with a diagnostic and *out NULL. */
int pdf_append_page(const unsigned char *base, size_t base_len, const unsigned char *page,
                    size_t page_len, unsigned char **out, size_t *out_len, struct diag_list *dl);

#endif
