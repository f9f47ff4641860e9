/* plan — a patient's treatment plan, as billing staff ask for it.
 *
 * A plan comes from a request file (docs/requests.md), from command-line
 * options, or both (options are applied on top of the file).  This module
 * checks the form of each field (types, dates, codes); whether the plan can
 * be done with the clinic's price tables is decided by pricing.
 *
 * Memory: a plan owns every string in it (and the request document, kept
 * to locate fields for messages); release with plan_free(). */
#ifndef RQ_PLAN_H
#define RQ_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "date.h"
#include "diag.h"
#include "json_doc.h"

/* Limits enforced on requests (documented in docs/requests.md). */
#define PLAN_MAX_TEXT 200        /* characters in a name, condition, reason, id:
                                  * HUMAN_TEXT_MAX, checked by human_text.h */
#define PLAN_MAX_LIST 32         /* areas, adjuncts, discounts, codes */

enum plan_cells { PLAN_CELLS_DEFAULT, PLAN_CELLS_BANKED, PLAN_CELLS_NEW_HARVEST };

struct plan_adjunct {
    char *id;
    int count;                   /* 0 = the table's default count */
};

struct plan_discount {
    char *id;
    char *reason;                /* may be NULL */
    bool has_percent, has_amount;
    int32_t percent;             /* bp */
    int64_t amount;              /* cents */
};

struct plan {
    char *patient_name, *patient_dob, *patient_id;
    char *condition;
    char **icd10;                size_t n_icd10;
    char **areas;                size_t n_areas;
    char *source, *method, *guidance;
    int sessions;                /* 0 = one */
    int spacing_weeks;           /* 0 = the table's default */
    enum plan_cells cells;
    struct plan_adjunct *adjuncts; size_t n_adjuncts;
    char **without;              size_t n_without;
    char *package;
    struct plan_discount *discounts; size_t n_discounts;
    bool has_scheduled;
    rq_date scheduled;
    char *provider, *location;
    char *language;              /* "en" (default) or "es" */
    char *idempotency_key;       /* the request's own, or NULL: not part of the
                                  * plan (plan_to_json leaves it out), it names
                                  * one issuing of it (issue.h) */

    struct jdoc doc;             /* the request file, when there is one */
    bool has_doc;
    unsigned flag_fields;        /* scalar fields replaced by options */
};

/* Initialise an empty plan. */
void plan_init(struct plan *p);

/* Read a request file into p (which must be freshly initialised); the
 * user names it, so it may also be a pipe (/dev/stdin).
 * Returns 0, or -1 with every problem found added to dl. */
int plan_load_file(struct plan *p, const char *path, struct diag_list *dl);

/* Read a request from len bytes of text (name is used in messages). Same
 * contract as plan_load_file(). */
int plan_load_text(struct plan *p, const char *name, const char *text, size_t len,
                   struct diag_list *dl);

/* The plan as a canonical request (fixed key order, only the fields given),
 * which plan_load_text() reads back to the same plan.  The idempotency key
 * is left out: a revision made from a stored request is a new issuing.
 * Returns a malloc'd NUL-terminated string, or NULL when out of memory. */
char *plan_to_json(const struct plan *p);

/* Apply one command-line option by its long name ("source", "area", "add",
 * "discount", …; see plan_option_names) and value.  List options append.
 * Returns 0, or -1 with a diagnostic naming "--NAME". */
int plan_apply_option(struct plan *p, const char *name, const char *value,
                      struct diag_list *dl);

/* NULL-terminated list of the option names plan_apply_option accepts. */
extern const char *const plan_option_names[];

/* Add a diagnostic about the plan field at path (e.g. "areas[1]"), placed at
 * its line and column in the request file when it came from there. */
void plan_diag(const struct plan *p, struct diag_list *dl, enum diag_severity sev,
               const char *path, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

void plan_free(struct plan *p);

#endif
