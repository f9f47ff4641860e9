/* acceptance — the patient's signed acceptance of an issued estimate, and
 * the accepted copy: the issued PDF, unchanged byte for byte, followed by
 * one acceptance page (pdf_update.h) with the signature, the printed name,
 * the time, the staff account that witnessed it, the state notice shown
 * (its words verbatim and their digest; on a Spanish quote its Spanish
 * companion too; where the notice requires signed consent, a sentence that
 * this signature is that consent) and the fingerprints of the issued
 * PDF and of the price tables.  Words from TEMPLATES_DIR/LANG/accept.txt.
 *
 * A library: never prints, never exits.  The copy depends only on what is
 * passed in (no clock is read), so the same acceptance gives the same bytes;
 * the register keeps the copy it made, so a reprint is that copy. */
#ifndef RQ_ACCEPTANCE_H
#define RQ_ACCEPTANCE_H

#include <stdbool.h>
#include <stddef.h>

#include "date.h"
#include "diag.h"

/* Largest signature image accepted, in bytes, and in pixels each way. */
#define ACCEPTANCE_MAX_SIGNATURE (2u * 1024u * 1024u)
#define ACCEPTANCE_MAX_PIXELS 2000u

/* Everything is borrowed for the call. */
struct acceptance {
    const char *number;
    const char *signer;           /* the printed name, as the patient gave it */
    const char *signed_at;        /* UTC, YYYY-MM-DDTHH:MM:SSZ */
    const char *witness;          /* the staff account */
    bool on_paper;                /* a scanned paper signature, else signed on screen */
    const unsigned char *signature;
    size_t signature_len;
    const char *signature_type;   /* "png" or "jpeg" (acceptance_signature_type) */
    /* the state notice shown with the estimate, or all NULL when none */
    const char *notice_state, *notice_citation, *notice_text, *notice_sha256;
    /* its Spanish companion and how it is marked (printed after the English
     * text on a Spanish quote, as on the estimate), or NULL */
    const char *notice_text_es, *notice_translation_note_es;
    bool signed_consent;          /* the notice requires signed consent: the page says this signature gives it */
    const char *pdf_sha256;       /* of the issued PDF */
    const char *tables_sha256;    /* of the price tables it was priced with */
    const char *language;         /* "en" or "es" */
};

/* What the image is: "png" or "jpeg" by its signature bytes, checked for
 * size (ACCEPTANCE_MAX_SIGNATURE) and, for PNG, its header's dimensions.
 * Returns the type, or NULL with a diagnostic naming `what`. */
const char *acceptance_signature_type(const unsigned char *img, size_t len, const char *what,
                                      struct diag_list *dl);

/* Decode a "data:image/png;base64,…" URL (what a browser canvas gives)
 * into *img (malloc'd) and *len.  Returns 0, or -1 with a diagnostic. */
int acceptance_data_url(const char *url, unsigned char **img, size_t *len, struct diag_list *dl);

/* Make the accepted copy of the issued PDF.  font_path: the fallback
 * TrueType font (render_pdf.h).  Returns 0 and *out (malloc'd), or -1 with
 * a diagnostic (a printed name or word no font has, an unreadable image). */
int acceptance_copy(const struct acceptance *a, const unsigned char *issued, size_t issued_len,
                    const char *templates_dir, const char *font_path, unsigned char **out,
                    size_t *out_len, struct diag_list *dl);

struct reg;
struct notice_set;

/* What a front end gives to record a signature (all borrowed). */
struct acceptance_request {
    const char *number, *signer, *witness;
    bool on_paper;
    const unsigned char *signature;
    size_t signature_len;
    const char *signed_at;        /* UTC, YYYY-MM-DDTHH:MM:SSZ */
    const struct notice_set *notices; /* the notices in use (price tables' notices.json), or NULL */
    const char *templates_dir, *font_path;
};

/* The one path for the command line and the front desk: check the
 * signature image and the printed name, work out the state notice the
 * estimate carried (notice_for_issued), make the accepted copy and record
 * it all in the register (register_accept_signed: refused for a void,
 * superseded, expired or accepted quote, with the reason).  On success
 * *sha256 (if not NULL, 65 bytes) receives the accepted copy's digest.
 * Returns 0, or -1 with a diagnostic. */
int acceptance_record(struct reg *r, const struct acceptance_request *in, rq_date today, char *sha256,
                      struct diag_list *dl);

/* May quote number be accepted without the patient's signature (`accept
 * NUMBER`, POST /api/quotes/NUMBER/accept)?  Not when the estimate carried
 * a state notice that requires signed consent (Utah): the patient signs,
 * and acceptance_record keeps the signature.  notices: those in use, or
 * NULL.  Returns 0 when it may, or -1 with a diagnostic saying how to
 * record the signature (or why the quote could not be read). */
int acceptance_unsigned_allowed(struct reg *r, const struct notice_set *notices, const char *number,
                                struct diag_list *dl);

#endif
