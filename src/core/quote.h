/* quote — a priced plan: lines grouped by visit and by provider or
 * facility, totals, deposit, payment schedule and financing examples.
 * Built by pricing_compute(); written as JSON or as an aligned text table
 * by the functions here (to a stream the caller owns; nothing here decides
 * where output goes).
 *
 * Money rules (docs/pricing.md): integer cents; percentages round once, half
 * away from zero, on the line they produce; total_cents is exactly the sum
 * of the amounts of the lines with in_total set.  The package saving and
 * each discount are shared among the lines they were computed on
 * (money_share), so every visit and every provider has its own amount after
 * savings; the visits' charges add up to the total, and deposit + amounts
 * due at the visits (or the one payment in full) = the total.
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

/* The visit (or provider) of a package or discount line: it belongs to no
 * one visit, its amount is shared among lines of several. */
#define QUOTE_NONE SIZE_MAX

/* A visit more than this many weeks after the first MSC session is more
 * than 12 months after it (visits fall on whole weeks: week 52 is day 364,
 * week 53 day 371, and 12 months are 365 or 366 days): a Good Faith
 * Estimate covers at most 12 months of recurring care. */
#define QUOTE_PERIOD_WEEKS 52

/* Part of a package saving or discount that comes off one item line. */
struct quote_share {
    size_t line;                 /* index into lines[] */
    int64_t cents;               /* > 0 */
};

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
    bool direct;                 /* billed to the patient directly by an outside
                                    provider or facility: in its estimate, not in
                                    the total the clinic collects */
    bool beyond;                 /* at a visit more than 12 months after the first
                                    session: listed as expected separately */
    size_t visit;                /* index into visits[]; QUOTE_NONE for package
                                    and discount lines */
    size_t provider;             /* index into providers[]; QUOTE_NONE for package
                                    and discount lines */
    const struct pt_adjunct *adjunct; /* the adjunct that added it, or NULL */
    /* item lines in the total: their share of the package saving and the
     * discounts (>= 0); the line costs amount_cents - savings_cents */
    int64_t savings_cents;
    /* package and discount lines: how -amount_cents is shared (owned) */
    struct quote_share *shares;
    size_t n_shares;
};

struct quote_visit {
    char *label;                 /* owned */
    enum phase phase;
    int week_from, week_to;      /* relative to the procedure day (week 0) */
    bool dated;                  /* dates known (a scheduled date was given) */
    rq_date date_from, date_to;
    bool beyond;                 /* more than 12 months after the first session */
    int64_t services_cents;      /* item lines in the total at this visit */
    int64_t savings_cents;       /* their share of the package saving and discounts */
    int64_t tax_cents;           /* tax lines at this visit */
    int64_t charges_cents;       /* services - savings + tax: this visit's part of the total */
    int64_t deposit_cents;       /* deposit credited here */
    int64_t due_cents;           /* charges less the deposit credited here (0 when
                                    the total is paid in full in advance) */
    int64_t direct_cents;        /* billed directly by outside providers, not in the total */
};

/* Who bills a group of lines: the clinic, one of its providers, or an
 * outside provider or facility (the Good Faith Estimate's groups). */
enum quote_biller { BILLER_CLINIC, BILLER_CLINIC_PROVIDER, BILLER_OUTSIDE };

struct quote_provider {
    enum quote_biller kind;
    const char *id;              /* provider or outside id; NULL for the clinic */
    const char *name, *npi, *tin;
    const char *const *address;  size_t n_address;
    bool facility;
    bool clinic_collects;        /* its lines are in the total the clinic collects */
    /* its lines in this estimate (in the total, or billed directly): */
    int64_t services_cents, savings_cents, tax_cents, total_cents;
    int64_t billable_cents, separate_cents;  /* its lines listed apart */
};

/* One payment of the schedule, in time order. */
enum quote_payment_kind { PAYMENT_DEPOSIT, PAYMENT_VISIT, PAYMENT_IN_FULL };

struct quote_payment {
    enum quote_payment_kind kind;
    size_t visit;                /* PAYMENT_VISIT, or the visit a payment in full is
                                    due at; else QUOTE_NONE */
    int day;                     /* days from the procedure day (negative: before) */
    bool dated;
    rq_date date;                /* when dated */
    int64_t cents;
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
    struct quote_provider *providers; size_t n_providers;
    size_t procedure_visit;      /* index of the procedure day in visits[] */

    int64_t subtotal_cents;      /* out-of-pocket service lines */
    int64_t discount_cents;      /* package savings + discounts, as a positive number */
    int64_t tax_cents;
    int64_t total_cents;         /* subtotal - discount + tax */
    int64_t billable_cents;      /* may be billable to insurance, not in total */
    int64_t separate_cents;      /* expected separately billed services */
    int64_t direct_cents;        /* billed directly by outside providers, not in total */
    int64_t deposit_cents;       /* 0 when paid in full */
    bool deposit_dated;
    rq_date deposit_due;         /* when dated */
    int deposit_days_before;
    /* A discount given only for payment in full before the procedure: the
     * schedule is then one payment of the total, and no financing examples
     * are shown.  NULL otherwise. */
    const struct pt_discount *in_full;

    struct quote_payment *payments;    size_t n_payments;
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

/* Days from the procedure day to the start of visit v (negative: before). */
int quote_visit_day(const struct quote_visit *v);

/* Where a payment due `day` days from the procedure day goes in a
 * timeline of the visits: the index of the first visit on or after that
 * day (n_visits when after all). */
size_t quote_day_position(const struct quote *q, int day);

/* The schedule's deposit or payment in full, or NULL. */
const struct quote_payment *quote_advance_payment(const struct quote *q);

/* Does the quote have lines of the given kind of "apart"? */
bool quote_has_separate(const struct quote *q);
bool quote_has_beyond(const struct quote *q);
bool quote_has_direct(const struct quote *q);

/* Has provider group `provider` lines in this estimate (in the total, or
 * billed directly)?  How many groups have? */
bool quote_in_estimate(const struct quote *q, size_t provider);
size_t quote_estimate_groups(const struct quote *q);

#endif
