/* notice — state stem-cell notices, as data (pricing/notices.json).
 *
 * Some states make a practitioner who performs stem-cell therapy not
 * approved by the FDA give each patient a notice in the statute's exact
 * words, post it at the entrance and (some) obtain signed consent.  The
 * words are data: notices.json holds, per state, the exact English text,
 * its citation, where it must appear, whether signed consent is required
 * and an optional Spanish companion translation (always marked as a
 * translation).  The program never paraphrases a notice: it prints the text
 * byte for byte as the file has it.  docs/price-tables.md describes the file.
 *
 * A notice applies to a quote when the state of the location where services
 * are given (else the clinic's state) has an entry and the quote's cell
 * source or processing method is marked "state_notice" in catalog.json (the
 * clinic decides which of its therapies fall outside the FDA's exceptions).
 *
 * Memory: a notice_set owns its document; every `const char *` in struct
 * notice borrows from it until notice_set_free(). */
#ifndef RQ_NOTICE_H
#define RQ_NOTICE_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "json_doc.h"

struct quote;
struct price_table;

struct notice {
    const char *state;           /* two capital letters: "CA" */
    const char *state_name;      /* "California" */
    const char *citation;        /* "Cal. Bus. & Prof. Code § 684" */
    const char *text;            /* the exact English words */
    const char *text_es;         /* a Spanish companion translation, or NULL */
    const char *translation_note_es; /* how the translation is marked, or NULL */
    bool on_estimate, on_poster, on_consent;   /* "appears_on" */
    bool signed_consent;         /* the statute requires a signed consent form */
    bool is_template;            /* "template": words still to be filled in; never used */
    char sha256[65];             /* SHA-256 of text (UTF-8 bytes), hex */
};

struct notice_set {
    struct jdoc doc;
    struct notice *v;
    size_t n;
};

/* Read and check path (notices.json).  Returns 0 and *out (free with
 * notice_set_free), or -1 with every problem in dl and *out NULL. */
int notice_set_load(struct notice_set **out, const char *path, struct diag_list *dl);
void notice_set_free(struct notice_set *s);

/* The entry for state (exact, "CA"), or NULL. */
const struct notice *notice_find(const struct notice_set *s, const char *state);

/* The state whose law governs services at the quote's location: the
 * location's "state", else the clinic's, else NULL. */
const char *notice_quote_state(const struct quote *q);

/* The notice that applies to q on its estimate (see above), or NULL.
 * A template entry never applies (price_table_load refuses it for the
 * clinic's own states). */
const struct notice *notice_for_quote(const struct quote *q);

/* The notice that applied to an issued quote, worked out from what the
 * register keeps of it: its canonical request and the full text of the
 * price tables it was priced with (the state and the marks in force then),
 * looked up in s (the notices file in use now).  NULL when none applies or
 * the texts cannot be read. */
const struct notice *notice_for_issued(const struct notice_set *s, const char *request_json,
                                       const char *clinic_json, const char *catalog_json);

/* Check the set against the clinic: an entry for the state of the clinic
 * or of one of its locations that is still a template is an error (its
 * words must be filled in before a quote can carry them); template entries
 * for other states are left alone. */
void notice_check_clinic(const struct notice_set *s, const struct price_table *pt,
                         struct diag_list *dl);

#endif
