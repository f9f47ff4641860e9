/* pdf_verify — is a PDF a genuine regenquote estimate, as issued?
 *
 * Reads our own PDFs (libharu's layout: classic cross-reference, each
 * object "N 0 obj … endobj", streams Flate-compressed or not, as qpdf
 * --qdf leaves them too) without any PDF library: the attached quote.json
 * and its description ("regenquote quote NUMBER; pages N; sha256 HEX"),
 * the pages and the text their content streams draw, the QR code's squares
 * on page 1.  It checks that:
 *   - the attached quote matches the digest in its description,
 *   - the QR code on page 1 holds that number and digest,
 *   - the document has the pages it was issued with,
 *   - the number is printed, and every amount printed on the pages is one
 *     the attached quote has (a changed price is caught), the total among them.
 * Each problem found is one line in v->problems; none means genuine.
 * Comparing with the register's copy is the caller's (byte for byte).
 *
 * A library: it never prints and never exits. */
#ifndef RQ_PDF_VERIFY_H
#define RQ_PDF_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

#define PDF_VERIFY_MAX_PROBLEMS 16

struct pdf_verdict {
    char number[64];             /* the quote number the document claims, or "" */
    char digest[65];             /* the SHA-256 of the attached quote it claims */
    int pages;                   /* pages found */
    size_t n_problems;
    char problems[PDF_VERIFY_MAX_PROBLEMS][200];
};

/* Check pdf[0..len).  Fills *v; returns the number of problems (0 =
 * genuine), or -1 when out of memory. */
int pdf_verify(const unsigned char *pdf, size_t len, struct pdf_verdict *v);

#endif
