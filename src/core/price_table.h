/* price_table — the clinic's price tables, loaded and checked.
 *
 * A price-table folder holds two hand-edited JSON files (docs/price-tables.md):
 *   clinic.json   who the clinic is, validity, deposit, tax, financing;
 *   catalog.json  version, effective date, billable items, areas, cell
 *                 sources, processing methods, procedure and repeat rules,
 *                 adjunct therapies, packages and discounts.
 * Loading checks every field and every cross-reference and reports all the
 * problems it finds, each with file, line, column and field path.
 *
 * Memory: a price_table owns both documents; every `const char *` in the
 * structures below borrows from them and lives until price_table_free(). */
#ifndef RQ_PRICE_TABLE_H
#define RQ_PRICE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "date.h"
#include "diag.h"
#include "json_doc.h"

enum phase { PHASE_BEFORE, PHASE_PROCEDURE, PHASE_AFTER, PHASE_REPEAT, PHASE_FOLLOW_UP, PHASE_COUNT };
enum coverage { COVERAGE_NOT_COVERED, COVERAGE_MAY_BE_BILLABLE };

const char *phase_id(enum phase p);          /* "before", "procedure", … */
const char *coverage_id(enum coverage c);    /* "not_covered", "may_be_billable" */
/* The phase or coverage status an id names (catalog.json and the CSV of
 * items read them through these).  Returns true and sets *out; else false
 * with the message in why (size bytes; PRICE_RULE_MSG_SIZE is enough):
 * "'aftr' is not a phase; expected before, …, follow-up (did you mean
 * 'after'?)". */
bool phase_parse(const char *s, enum phase *out, char *why, size_t size);
bool coverage_parse(const char *s, enum coverage *out, char *why, size_t size);

struct pt_provider;
struct pt_outside;

struct pt_item {
    const char *id, *description, *code /* "" if none */, *unit;
    int64_t price;               /* cents, in force on prices_on (see price_table_use_date) */
    int64_t list_price;          /* cents, as written in items[] (from effective_date) */
    enum phase phase;
    enum coverage coverage;
    const char *coverage_reason;
    bool taxable;
    bool separate;               /* billed by another provider, scheduled separately */
    const char *description_es, *coverage_reason_es; /* Spanish texts, or NULL */
    /* Who bills it (items[].billed_by): NULL, the clinic itself; else the id
     * of one of the clinic's providers or of an outside provider or facility
     * (clinic.json), resolved into one of the two pointers once both files
     * are loaded (both stay NULL when only the catalog is). */
    const char *billed_by;
    const struct pt_provider *billed_by_provider;
    const struct pt_outside *billed_by_outside;
};

struct pt_item_qty {
    const struct pt_item *item;
    int quantity;
};

struct pt_area {
    const char *id, *name;
};

struct pt_source {
    const char *id, *name;
    bool allogeneic;
    const char *research_only;   /* NULL, or why it is never sold */
    bool bankable;               /* autologous cells that can be frozen for repeats */
    const struct pt_item **items;
    size_t n_items;
    bool state_notice;           /* the clinic marks it as needing a state's
                                    stem-cell notice (notice.h) */
};

struct pt_method {
    const char *id, *name;
    const struct pt_source **fits;
    size_t n_fits;
    const struct pt_item **items;
    size_t n_items;
    bool state_notice;           /* as for pt_source */
};

struct pt_guidance {
    const char *id, *name;
    const struct pt_item *item;
};

struct pt_adjunct {
    const char *id, *name;
    const struct pt_item *item;
    bool included;               /* part of every plan unless left out */
    int default_count, max_count;
    const int *weeks;            /* explicit weeks (n_weeks), or NULL */
    size_t n_weeks;
    int start_week, interval_weeks, window_weeks;
    bool course;                 /* all sessions shown as one timeline entry */
};

struct pt_package {
    const char *id, *name, *description;
    int64_t price;               /* cents, in force on prices_on */
    int64_t list_price;          /* cents, as written in packages[] */
    struct pt_item_qty *includes;
    size_t n_includes;
    int64_t a_la_carte;          /* sum of the included items at the prices in force */
};

enum discount_type { DISCOUNT_PERCENT, DISCOUNT_AMOUNT };

struct pt_discount {
    const char *id, *name;
    enum discount_type type;
    bool has_value;              /* fixed by the table; else given in the request */
    int32_t percent;             /* basis points, when type == PERCENT */
    int64_t amount;              /* cents, when type == AMOUNT */
    int32_t max_percent;         /* limit on a request-given percent (bp) */
    int64_t max_amount;          /* limit on a request-given amount (cents) */
    int64_t cap;                 /* most the discount may take off (0 = none) */
    bool requires_reason;
    bool with_package;
    bool pay_in_full;            /* given only when the whole total is paid in one
                                    payment before the procedure */
    const struct pt_item **applies_to; /* NULL = every service line */
    size_t n_applies_to;
};

/* One entry of catalog.json "scheduled_changes": new prices from a date on.
 * Changes are cumulative: on a date, every change whose effective_date has
 * come applies, in date order, over the prices of items[] and packages[]. */
struct pt_change_price {
    const struct pt_item *item;
    int64_t price;               /* cents */
};

struct pt_change_package_price {
    const struct pt_package *package;
    int64_t price;               /* cents */
};

struct pt_change {
    rq_date effective_date;      /* strictly after the table's and the previous change's */
    const char *version;         /* printed on quotes priced with this change in force */
    const char *note;            /* NULL when none */
    struct pt_change_price *prices;
    size_t n_prices;
    struct pt_change_package_price *package_prices;
    size_t n_package_prices;
};

struct pt_provider {
    const char *id, *name, *npi, *specialty;
};

/* An outside provider or facility that bills some items itself
 * (clinic.json clinic.outside): a surgery centre, a cell laboratory, an
 * imaging centre, an anaesthesiologist.  The Good Faith Estimate names it,
 * with its NPI, TIN and address, above the items it bills. */
struct pt_outside {
    const char *id, *name, *npi, *tin;
    bool facility;               /* "kind": "facility" (else "provider") */
    const char **address;
    size_t n_address;
    bool clinic_collects;        /* the clinic collects its charges with its own;
                                    else it bills the patient directly */
};

struct pt_location {
    const char *id, *name;
    const char **address;
    size_t n_address;
    const char *state;           /* two-letter state code, or NULL: the clinic's */
};

/* A tagline offering free language help, in its own language (clinic.json
 * "language_assistance"; Section 1557 of the ACA). */
#define PT_MAX_TAGLINES 30
struct pt_tagline {
    const char *lang;            /* BCP 47: "vi", "zh-Hant", … */
    const char *text;
};

struct pt_financing {
    const char *name;
    int32_t apr;                 /* basis points */
    int months;
};

struct pt_clinic {
    const char *name, *phone, *email, *website, *tin, *npi, *logo;
    const char *state;           /* two-letter state code ("CA"), or NULL */
    const char **address;
    size_t n_address;
    struct pt_provider *providers;
    size_t n_providers;
    struct pt_location *locations;
    size_t n_locations;
    struct pt_outside *outside;
    size_t n_outside;
    const struct pt_provider *default_provider;
    const struct pt_location *default_location;
    const char *currency;        /* "USD" */
    int validity_days;
    int32_t deposit_percent;     /* bp */
    int64_t deposit_minimum;     /* cents */
    int deposit_days_before;
    int32_t tax_percent;         /* bp; 0 = no tax */
    const char *tax_label;
    struct pt_financing *financing;
    size_t n_financing;
    struct pt_tagline *taglines; /* language assistance, in the clinic's order */
    size_t n_taglines;
};

struct price_table {
    struct jdoc clinic_doc, catalog_doc;
    bool has_clinic, has_catalog;
    char sha256[65];             /* of clinic.json then catalog.json, as bytes */
    /* The state stem-cell notices (notice.h) of DIR/notices.json when
     * price_table_load found one, else NULL; owned, not in sha256. */
    struct notice_set *notices;
    const char *version;
    rq_date effective_date;

    struct pt_clinic clinic;
    struct pt_item *items;            size_t n_items;
    struct pt_area *areas;            size_t n_areas;
    struct pt_source *sources;        size_t n_sources;
    struct pt_method *methods;        size_t n_methods;
    struct pt_guidance *guidance;     size_t n_guidance;
    struct pt_adjunct *adjuncts;      size_t n_adjuncts;
    struct pt_package *packages;      size_t n_packages;
    struct pt_discount *discounts;    size_t n_discounts;

    const struct pt_item *injection_item;
    int max_areas;
    const struct pt_guidance *default_guidance;

    int max_sessions, spacing_weeks, min_spacing_weeks, max_spacing_weeks;
    const struct pt_item *repeat_injection_item, *banking_item, *thaw_item;
    bool default_banked;

    struct pt_change *changes;        size_t n_changes;   /* in date order */
    /* Which prices are in item->price / package->price: those in force on
     * prices_on; change_in_force is the latest scheduled change applied, or
     * NULL for the prices of items[] themselves.  After loading, prices_on
     * is effective_date and change_in_force is NULL. */
    rq_date prices_on;
    const struct pt_change *change_in_force;

    /* Patient-facing texts with a Spanish variant ("name_es", …): each slot
     * points at the field in use; price_table_use_language() switches them. */
    struct pt_text_slot *texts;       size_t n_texts, cap_texts;
    const char *language;             /* "en" (after loading) or "es" */
};

struct pt_text_slot {
    const char **field;
    const char *en, *es;
};

struct notice_set;

/* Load DIR/clinic.json and DIR/catalog.json, and DIR/notices.json when it
 * exists (pt->notices; checked against the clinic's states: notice.h).
 * Returns 0, or -1 with every
 * problem found added to dl (warnings alone do not fail).  Always leaves
 * *pt safe to price_table_free(). */
int price_table_load(struct price_table *pt, const char *dir, struct diag_list *dl);

/* Load and check the given files; either may be NULL to check only the
 * other (cross-file checks are then skipped). Same contract as above. */
int price_table_load_files(struct price_table *pt, const char *clinic_path,
                           const char *catalog_path, struct diag_list *dl);

/* Check a catalog given as text (name is used in diagnostics), without a
 * clinic file.  Same contract as price_table_load(); the text is copied. */
int price_table_load_catalog_text(struct price_table *pt, const char *name, const char *text,
                                  size_t len, struct diag_list *dl);

void price_table_free(struct price_table *pt);

/* Set every item's and package's price to the one in force on date `on`
 * (items[]/packages[] prices, then every scheduled change whose
 * effective_date is on or before `on`, in order) and recompute each
 * package's a_la_carte.  Sets prices_on and change_in_force.  Returns 0;
 * a date before the table's effective_date adds a warning (the table's own
 * prices are used).  Returns -1 with an error only if a package sum
 * overflows (prices are then unspecified).  May be called again with
 * another date. */
int price_table_use_date(struct price_table *pt, rq_date on, struct diag_list *dl);

/* Switch every patient-facing text that has a Spanish variant (keys ending
 * in "_es": item descriptions and coverage reasons, names of areas, cell
 * sources, methods, guidance, adjuncts, packages, discounts, providers'
 * specialties, locations, the tax label, financing offers) to the language
 * lang ("es"; anything else means English).  Texts without a variant stay
 * English.  Cannot fail; may be called again. */
void price_table_use_language(struct price_table *pt, const char *lang);

/* The version to print on a quote priced now: the version of the change in
 * force, else the table's version.  Borrowed from the table. */
const char *price_table_prices_version(const struct price_table *pt);

/* Does text call a treatment FDA-approved or FDA-cleared (any case, any
 * hyphen or dash, "approved by the FDA", Spanish "aprobado por la FDA")?
 * A denial ("not FDA-approved") is allowed.  When it does, *what (if not
 * NULL) receives the claim's canonical wording ("FDA-approved",
 * "FDA-cleared"). */
bool pt_text_claims_fda(const char *text, const char **what);

/* Lookups by id (case-sensitive); NULL when absent. */
const struct pt_item *pt_find_item(const struct price_table *pt, const char *id);
const struct pt_area *pt_find_area(const struct price_table *pt, const char *id);
const struct pt_source *pt_find_source(const struct price_table *pt, const char *id);
const struct pt_method *pt_find_method(const struct price_table *pt, const char *id);
const struct pt_guidance *pt_find_guidance(const struct price_table *pt, const char *id);
const struct pt_adjunct *pt_find_adjunct(const struct price_table *pt, const char *id);
const struct pt_package *pt_find_package(const struct price_table *pt, const char *id);
const struct pt_discount *pt_find_discount(const struct price_table *pt, const char *id);
const struct pt_provider *pt_find_provider(const struct price_table *pt, const char *id);
const struct pt_location *pt_find_location(const struct price_table *pt, const char *id);
const struct pt_outside *pt_find_outside(const struct price_table *pt, const char *id);

/* Is the item billed to the patient directly by an outside provider or
 * facility whose charges the clinic does not collect? */
bool pt_item_billed_directly(const struct pt_item *it);

/* Does method fit source? */
bool pt_method_fits(const struct pt_method *m, const struct pt_source *s);

/* A "did you mean" id among the table's ids of one kind ("item", "area",
 * "source", "method", "guidance", "adjunct", "package", "discount",
 * "provider", "location", "outside", "biller" (a provider or an outside
 * provider or facility)), or NULL. */
const char *pt_suggest(const struct price_table *pt, const char *kind, const char *word);

/* Rules for single fields, the same wherever the field is read (the JSON
 * files here, a CSV of items in catalog_csv.h).  PRICE_RULE_MSG_SIZE bytes
 * hold any message they write. */
#define PRICE_RULE_MSG_SIZE 200

/* Is s an id: 1 to 48 lowercase ASCII letters, digits and '-', not
 * starting with '-'?  (Ids are typed on command lines.)  When it is not and
 * why is not NULL, writes the message for the user into why (at most size
 * bytes, NUL-terminated; it quotes s): "'…' is not a valid id; use
 * lowercase letters, digits and '-' (at most 48)". */
bool price_id_valid(const char *s, char *why, size_t size);

/* Is code a CPT/HCPCS code (five digits or capital letters, such as
 * "20610", "0232T", "L3000"), or "" (no code applies)?  When it is not,
 * the message goes to why as for price_id_valid(): "'…' is not a CPT/HCPCS
 * code; expected five characters such as 20610 or L3000, or nothing". */
bool price_code_valid(const char *code, char *why, size_t size);

/* True if the NPI's check digit is right (Luhn with the 80840 prefix). */
bool npi_valid(const char *npi);

/* Is tin a US taxpayer identification number written as an EIN: nine
 * digits as NN-NNNNNNN, not all zero? */
bool tin_valid(const char *tin);

#endif
