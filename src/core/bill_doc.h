/* bill_doc — the documents made from a bill comparison (bill.h's JSON):
 * the dispute packet and the letter to the patient (docs/bills.md).
 *
 * The packet is the issued estimate PDF exactly as issued, followed (as a
 * PDF incremental update, pdf_update.h) by pages made here: the bills, the
 * estimate and the bill side by side per provider or facility, and the
 * clinic's explanation of each difference; in the patient's language and
 * then in English (once when that is English).  The letter explains the
 * comparison in plain words (English or Spanish).  Words come from
 * TEMPLATES_DIR/LANG/bill.txt; layout is the canvas of the quote's PDF.
 * Both are reproducible: the same comparison, estimate and date give the
 * same bytes.
 *
 * A library: never prints, never exits; problems are diagnostics.
 * Memory: *pdf is malloc'd and the caller frees it. */
#ifndef RQ_BILL_DOC_H
#define RQ_BILL_DOC_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "date.h"
#include "diag.h"

struct bill_doc_opts {
    const char *templates_dir;   /* NULL = "templates" */
    bool a4;
};

/* The dispute packet for the comparison `check` (bill_check) and the
 * issued estimate's PDF bytes.  Returns 0, or -1 with a diagnostic. */
int bill_doc_packet(const cJSON *check, const unsigned char *issued, size_t issued_len,
                    const struct bill_doc_opts *o, unsigned char **pdf, size_t *len, struct diag_list *dl);

/* The letter to the patient in lang ("en" or "es"), dated `date`.
 * Returns 0, or -1 with a diagnostic. */
int bill_doc_letter(const cJSON *check, const char *lang, rq_date date, const struct bill_doc_opts *o,
                    unsigned char **pdf, size_t *len, struct diag_list *dl);

#endif
