/* pdf_scan — reading a PDF's bytes within their bounds.
 *
 * A PDF handed to us is not NUL-terminated and may be cut anywhere, so every
 * reader of PDF bytes (the incremental update, pdf_update.h; the verifier,
 * pdf_verify.h) goes through these, which never look at or past the end
 * they are given: the verify fuzz harness once found sscanf reading past a
 * file cut inside an object.  Pure: no allocation, no I/O. */
#ifndef RQ_PDF_SCAN_H
#define RQ_PDF_SCAN_H

#include <stdbool.h>
#include <stddef.h>

/* PDF white space (ISO 32000-1, 7.2.2): NUL, tab, line feed, form feed,
 * carriage return, space. */
bool pdf_is_space(unsigned char c);

/* The first (pdf_find) or last (pdf_find_last) occurrence of the string key
 * wholly inside [p, e), or NULL. */
const unsigned char *pdf_find(const unsigned char *p, const unsigned char *e, const char *key);
const unsigned char *pdf_find_last(const unsigned char *p, const unsigned char *e, const char *key);

/* A whole number of at most ten digits (up to about 10^9) at *p, after
 * white space, read below e.  On success stores it in *out, moves *p past
 * it and returns true; else returns false and leaves *p (no sign, no
 * fraction, nothing larger). */
bool pdf_number_at(const unsigned char **p, const unsigned char *e, long *out);

/* Whether a PDF regenquote wrote is on A4 paper (its pages' MediaBox is
 * 595.2 points wide), as the issued PDF's documents that follow it must be. */
bool pdf_is_a4(const unsigned char *pdf, size_t len);

/* The object number k of "KEY k g R" in [p, e) (the first KEY), or -1. */
long pdf_ref_after(const unsigned char *p, const unsigned char *e, const char *key);

#endif
