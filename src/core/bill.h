/* bill — after the treatment: the final bill, checked against the estimate.
 *
 * A practice-management system exports the charges it billed for a quote's
 * plan as CSV or JSON (docs/bills.md): the date on the bill, and per line
 * the date of service, the provider or facility (its id in clinic.json,
 * "clinic", or its NPI), the code (CPT/HCPCS, or the catalog item id for an
 * item without one; DISCOUNT for a discount or adjustment, TAX for tax), a
 * description, the quantity and the line's amount.
 *
 * Bills are attached to the quote in force (a bill given for a superseded
 * quote goes to the quote that replaced it), kept whole with their bytes
 * and SHA-256 and never replaced: a corrected bill is a new bill that names
 * the one it corrects.  The comparison (bill_check) puts, per provider or
 * facility of the estimate in force, what the estimate expected beside what
 * the bills in force billed, code by code, with the discounts and the tax;
 * a provider billed $400.00 or more above its own estimate is flagged (45 CFR
 * 149.620).  The date on the first bill starts the 120-day dispute window.
 *
 * Memory: struct bill owns its strings (bill_free).  Every cJSON a function
 * hands out is the caller's (cJSON_Delete). */
#ifndef RQ_BILL_H
#define RQ_BILL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "date.h"
#include "diag.h"
#include "register.h"

/* A provider billed this much or more above its estimate may dispute. */
#define BILL_DISPUTE_CENTS 40000
/* Calendar days from the date on the initial bill to the last day a
 * dispute can be started. */
#define BILL_DISPUTE_DAYS 120
/* Largest bill file read (bytes), and most lines in one bill. */
#define BILL_MAX_BYTES (1u * 1024u * 1024u)
#define BILL_MAX_LINES 2000

struct bill_line {
    char *date_of_service;       /* YYYY-MM-DD */
    char *provider;              /* provider id, "clinic", or NPI, as given */
    char *code;                  /* CPT/HCPCS, item id, DISCOUNT or TAX */
    char *description;           /* "" when none */
    int quantity;                /* 1..9999 */
    int64_t amount_cents;        /* the line's amount; negative only for DISCOUNT */
    int line, col;               /* where it starts in its file */
    int provider_line, provider_col; /* where its provider is (CSV: the column) */
};

struct bill {
    char *bill_date;             /* the date on the bill, YYYY-MM-DD */
    long long corrects;          /* the bill it corrects, 0 none */
    struct bill_line *lines;
    size_t n;
};

void bill_free(struct bill *b);

/* Read a bill: JSON when its first character (after a byte-order mark and
 * blanks) is '{', else CSV.  name is used in diagnostics.  Every mistake is
 * reported with its line and column (CSV: the column counted from 1) and
 * the field.  Returns 0, or -1 with diagnostics (*b then safe to free). */
int bill_parse(struct bill *b, const char *name, const char *text, size_t len, struct diag_list *dl);

/* The bill's lines as the JSON stored with it (malloc'd, caller frees);
 * NULL when out of memory. */
char *bill_lines_json(const struct bill *b);

/* Add a bill given for quote `number`: checked against the estimate in
 * force (every provider must be one of its providers or facilities; a
 * corrected bill must be one of its bills), stored with the file's bytes,
 * its SHA-256 and who added it, and recorded in the history.  *id receives
 * the new bill's id and *attached_to (malloc'd) the number it went to.
 * Returns 0, or -1 with diagnostics naming the file and line. */
int bill_add(struct reg *r, const char *number, const char *file_name, const unsigned char *bytes,
             size_t len, long long corrects, const char *actor, long long *id, char **attached_to,
             struct diag_list *dl);

/* The comparison of quote `number` (or the quote that replaced it) with its
 * bills in force, as docs/bills.md describes it: the one JSON the command
 * line prints and the front desk's API returns.  days_left counts from
 * today.  Returns 0 (*out set), 1 when there is nothing to compare (the
 * quote has no bill yet, or is void; with a diagnostic), or -1. */
int bill_check(struct reg *r, const char *number, rq_date today, cJSON **out, struct diag_list *dl);

/* Whether a comparison flags a provider (its "flagged"). */
bool bill_check_flagged(const cJSON *check);

/* Record the clinic's explanation of line `line` of the comparison of
 * `number`, by actor, in the register and its history.  Returns 0, or -1. */
int bill_explain(struct reg *r, const char *number, int line, const char *text, const char *actor,
                 rq_date today, struct diag_list *dl);

/* The quotes whose bills are flagged and whose dispute window is open on
 * today, soonest deadline first: an array of objects (number, patient,
 * initial_bill_date, dispute_deadline, days_left, providers flagged).
 * Returns 0 (*out set) or -1. */
int bill_dispute_window(struct reg *r, rq_date today, cJSON **out, struct diag_list *dl);

#endif
