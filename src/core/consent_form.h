/* consent_form — the consent form a state stem-cell notice calls for:
 * one page (US Letter or A4, as the estimate) with the notice in the
 * statute's exact words (notice.h) and its citation, the estimate's number,
 * the patient, the clinic, a statement of consent and lines for the
 * patient's and a witness's signature and the date, to print and sign.
 * Utah requires a signed consent form (notices.json: "signed_consent":
 * true, "appears_on": [..., "consent"]).
 *
 * Both languages: the words come from TEMPLATES_DIR/LANG/consent.txt in the
 * quote's language; the notice is always printed in English, verbatim, and
 * on a Spanish quote its Spanish companion (when the notice has one)
 * follows it, marked as a translation, as on the estimate.
 *
 * A library: never prints, never exits.  The form depends only on what is
 * passed in (no clock is read: the date is written by hand), so the same
 * quote gives the same bytes. */
#ifndef RQ_CONSENT_FORM_H
#define RQ_CONSENT_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "date.h"
#include "diag.h"
#include "notice.h"

/* Everything is borrowed for the call. */
struct consent_form {
    const struct notice *notice;
    const char *number;          /* the estimate's number */
    const char *patient_name;    /* as on the estimate */
    const char *patient_id;      /* or NULL */
    const char *clinic_name;
    const char *issued;          /* the estimate's issue date, YYYY-MM-DD */
    const char *language;        /* "en" or "es" */
    bool a4;                     /* A4 paper, else US Letter */
};

/* Does notice n call for a consent form ("consent" among the places it
 * appears, or a signed consent required)? */
bool consent_form_called_for(const struct notice *n);

/* Lay out the form into a malloc'd buffer (*buf, *len; the caller frees
 * it).  font_path is the fallback TrueType font (render_pdf.h).  Returns 0,
 * or -1 with a diagnostic (a template notice, a word no font has, a
 * missing template key; *buf NULL). */
int consent_form_render(const struct consent_form *f, const char *templates_dir, const char *font_path,
                        unsigned char **buf, size_t *len, struct diag_list *dl);

struct reg;

/* The form for the issued quote `number`, from what the register keeps of
 * it (its plan, the price tables it was priced with, its language, its
 * paper) and the notices in use (notice_for_issued).  Refused, with the
 * reason, for a quote that is void, superseded or expired on today, for a
 * quote no state notice applies to, and for a notice that calls for no
 * consent form.  Returns 0 with *buf and *len, 1 when refused (with a
 * diagnostic), -1 on error. */
int consent_form_for_quote(struct reg *r, const char *number, const struct notice_set *notices, rq_date today,
                           const char *templates_dir, const char *font_path, unsigned char **buf, size_t *len,
                           struct diag_list *dl);

#endif
