/* quote — a priced plan: lines grouped by visit, totals, deposit, payment
 * schedule and financing examples.  Built by pricing_compute(); written as
 * JSON or as an aligned text table by the functions here (to a stream the
 * caller owns; nothing here decides where output goes).
 *
 * Money rules (docs/pricing.md): integer cents; percentages round once, half
 * away from zero, on the line they produce; total_cents is exactly the sum
 * of the amounts of the lines with in_total set.
 *
 * Memory: a quote owns its arrays and every `char *`; `const char *` fields
 * and the pt/plan pointers borrow from the price table and the plan, which
 * must outlive the quote.  Release with quote_free(). */
#ifndef RQ_QUOTE_H
#define RQ_QUOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "date.h"
#include "plan.h"
#include "price_table.h"

enum line_kind { LINE_ITEM, LINE_PACKAGE, LINE_DISCOUNT, LINE_TAX };

struct quote_line {
    enum line_kind kind;
    const struct pt_item *item;  /* the catalog item of a LINE_ITEM, else NULL */
    const char *item_id;         /* catalog item, package or discount id */
    const char *code;            /* CPT/HCPCS, "" when none */
    char *description;           /* patient-facing, owned */
    const char *unit;            /* "" for adjustments */
    int quantity;
    int64_t unit_cents, amount_cents;  /* discounts and savings are negative */
    enum coverage coverage;
    const char *coverage_reason;
    bool in_total;               /* counts toward the out-of-pocket total */
    bool separate;               /* scheduled and billed separately (GFE list) */
    size_t visit;                /* index into visits[] */
};

struct quote_visit {
    char *label;                 /* owned */
    enum phase phase;
    int week_from, week_to;      /* relative to the procedure day (week 0) */
    bool dated;                  /* dates known (a scheduled date was given) */
    rq_date date_from, date_to;
    int64_t charges_cents;       /* sum of in_total lines at this visit */
    int64_t due_cents;           /* charges less the deposit credited here */
};

struct quote_financing {
    const char *name;
    int32_t apr;                 /* bp */
    int months;
    int64_t principal;           /* total less deposit */
    int64_t monthly;             /* each payment but the last */
    int64_t last_payment;
    int64_t total_paid;
    int64_t finance_charge;
};

struct quote {
    const struct price_table *pt;
    const struct plan *plan;

    const struct pt_source *source;
    const struct pt_method *method;
    const struct pt_guidance *guidance;
    const struct pt_area **areas;     size_t n_areas;
    const struct pt_provider *provider;
    const struct pt_location *location;
    const struct pt_package *package;
    int sessions, spacing_weeks;
    bool banked;                 /* repeats use banked cells */
    const char *language;        /* "en" or "es" */

    rq_date issued, valid_until;
    bool has_scheduled;
    rq_date scheduled;

    struct quote_line *lines;    size_t n_lines;
    struct quote_visit *visits;  size_t n_visits;

    int64_t subtotal_cents;      /* out-of-pocket service lines */
    int64_t discount_cents;      /* package savings + discounts, as a positive number */
    int64_t tax_cents;
    int64_t total_cents;         /* subtotal - discount + tax */
    int64_t billable_cents;      /* may be billable to insurance, not in total */
    int64_t separate_cents;      /* expected separately billed services */
    int64_t deposit_cents;
    bool deposit_dated;
    rq_date deposit_due;         /* when dated */
    int deposit_days_before;

    struct quote_financing *financing; size_t n_financing;
};

void quote_free(struct quote *q);

/* Write the quote as JSON (the fields fixed in docs/output.md) / as a text
 * table for a terminal.  Return 0, or -1 if the stream reports an error. */
int quote_write_json(const struct quote *q, FILE *out);
/* The same JSON as a malloc'd string the caller frees; NULL when out of memory. */
char *quote_json_text(const struct quote *q);
int quote_write_text(const struct quote *q, FILE *out);

/* Human name of a phase as shown in documents ("Before the procedure"). */
const char *quote_phase_title(enum phase p);

#endif
