/* price_diff — what changed between two versions of the catalog, and which
 * changes deserve a second look before they go live.
 *
 * price_diff_compute() compares two loaded catalogs (the prices of items[]
 * and packages[] as written, whatever date the tables were set to) and lists
 * every difference: items, billing codes that moved between items,
 * packages (and the saving they give), discounts, scheduled price changes,
 * areas, cell sources, processing methods and adjuncts, version and
 * effective date.  Each money change carries old, new, amount and percent.
 *
 * Checks ("flags") for the mistakes a tired person makes:
 *   a price scaled by 10, 100 or 1000 up or down — exactly, or nearly: the
 *     ratio lies within a factor 1.25 of the power of ten (×10 means a new
 *     price from 8 to 12.5 times the old), which is a slipped decimal point
 *     on top of an intended change of up to ±20–25 %;
 *   any other change of more than 50 % of the old price, up or down;
 *   a price set to zero; a free item that now costs something;
 *   a billing code that moved from one item to another;
 *   a package that no longer saves the patient anything;
 *   prices changed but the version left as it was; an effective date
 *   moved earlier.
 *
 * Memory: a price_diff owns every string in it; release with
 * price_diff_free().  It borrows nothing from the tables. */
#ifndef RQ_PRICE_DIFF_H
#define RQ_PRICE_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "date.h"
#include "diag.h"
#include "price_table.h"

enum pd_section {
    PD_TABLE, PD_ITEM, PD_CODE, PD_PACKAGE, PD_DISCOUNT, PD_SCHEDULE,
    PD_AREA, PD_SOURCE, PD_METHOD, PD_ADJUNCT, PD_SECTION_COUNT
};
enum pd_change { PD_ADDED, PD_REMOVED, PD_CHANGED };

/* Flag bits of pd_entry.flags. */
#define PD_FLAG_SCALE_UP          (1u << 0)  /* about ×scale */
#define PD_FLAG_SCALE_DOWN        (1u << 1)  /* about ÷scale */
#define PD_FLAG_OVER_50           (1u << 2)  /* more than 50 % up or down */
#define PD_FLAG_ZERO              (1u << 3)  /* set to zero */
#define PD_FLAG_FROM_ZERO         (1u << 4)  /* was zero, now costs something */
#define PD_FLAG_CODE_MOVED        (1u << 5)
#define PD_FLAG_NO_SAVING         (1u << 6)  /* a package saves nothing any more */
#define PD_FLAG_VERSION_UNCHANGED (1u << 7)
#define PD_FLAG_DATE_EARLIER      (1u << 8)
#define PD_FLAG_BILLER_CHANGED    (1u << 9)  /* an item's billed_by changes */

struct pd_entry {
    enum pd_section section;
    enum pd_change change;
    char *id;            /* item, package, discount… id, or the billing code */
    char *date;          /* scheduled changes: their effective date; else NULL */
    char *field;         /* what changed ("price", "code", …); NULL if added/removed */
    char *old_value;     /* as shown to people; NULL when there is none */
    char *new_value;
    bool money;          /* the *_cents fields hold the change */
    bool percent_field;  /* the *_cents fields hold basis points of a percentage */
    int64_t old_cents, new_cents, delta_cents;
    bool has_percent;    /* change relative to old (old > 0) */
    int64_t percent_bp;  /* basis points, rounded half away from zero */
    unsigned flags;
    int scale;           /* 10, 100 or 1000 with PD_FLAG_SCALE_* */
    bool scale_exact;
    char *check;         /* plain words on what the flags mean; NULL if none */
};

struct price_diff {
    char *old_version, *new_version;
    rq_date old_effective, new_effective;
    struct pd_entry *v;
    size_t n, cap;
    size_t n_flagged;    /* entries with flags */
};

/* Compare old_pt with new_pt (both loaded catalogs).  Returns 0 and fills
 * *d (which may list nothing), or -1 with a diagnostic when out of memory
 * (*d is then empty).  Free *d with price_diff_free() either way. */
int price_diff_compute(struct price_diff *d, const struct price_table *old_pt,
                       const struct price_table *new_pt, struct diag_list *dl);

void price_diff_free(struct price_diff *d);

/* The price checks on their own: flags for a change from old to new cents
 * (PD_FLAG_SCALE_*, OVER_50, ZERO, FROM_ZERO), the power of ten in *scale and
 * whether it is exact in *exact.  why (size bytes, may be NULL) receives a
 * sentence for people. */
unsigned price_diff_check(int64_t old_cents, int64_t new_cents, int *scale, bool *exact,
                          char *why, size_t size);

/* Identifiers used in JSON output: "item", "added", "times_10", … */
const char *pd_section_id(enum pd_section s);
const char *pd_change_id(enum pd_change c);

/* Write the differences as text for people / as JSON for programs (the
 * fields are described in docs/finance-guide.md).  old_label and new_label
 * name the two catalogs.  Return 0, or -1 if the stream reports an error. */
int price_diff_write_text(const struct price_diff *d, const char *old_label,
                          const char *new_label, FILE *out);
int price_diff_write_json(const struct price_diff *d, const char *old_label,
                          const char *new_label, FILE *out);

#endif
