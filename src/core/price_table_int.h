/* price_table_int — what the price-table files share while loading.
 *
 * Private to price_table.c (loading clinic.json and catalog.json),
 * price_schedule.c (scheduled_changes) and price_rules.c (billing-code and
 * wording checks); no other file includes it.  Everything here works on
 * the loader's state, struct ld, and reports through its diag_list.
 *
 * Memory: struct ld borrows the table and the diag_list from the caller of
 * price_table_load*(); the cJSON nodes passed around belong to the
 * document being read (l->r.doc), owned by the table. */
#ifndef RQ_PRICE_TABLE_INT_H
#define RQ_PRICE_TABLE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "json_doc.h"
#include "price_table.h"

/* Loader state: one reader per document, one flag for "any error". */
struct ld {
    struct price_table *pt;
    struct jreader r;
    struct diag_list *dl;
    size_t errors_at_start;
    bool has_effective_date;
    /* while loading scheduled_changes: */
    bool *change_dated;          /* per change: its effective_date parsed */
    int64_t *run_items, *run_packages; /* prices in force after each change */
};

/* Has loading added an error since it started? */
bool ld_failed(const struct ld *l);

/* Add a diagnostic at node (its line and column in the document being
 * read) with the field path `path`.  Cannot fail (an allocation failure is
 * counted by the diag_list). */
void ld_say(struct ld *l, enum diag_severity sev, const cJSON *node, const char *path,
            const char *fmt, ...) __attribute__((format(printf, 5, 6)));
#define err(l, node, path, ...) ld_say(l, DIAG_ERROR, node, path, __VA_ARGS__)
#define warn(l, node, path, ...) ld_say(l, DIAG_WARNING, node, path, __VA_ARGS__)

/* calloc of n (at least one) elements, or NULL after reporting "out of
 * memory".  The caller frees the result. */
void *ld_calloc(struct ld *l, size_t n, size_t size);

/* Call fn for each element of the array parent.key, with its path
 * ("key[i]"); an element that is not an object is reported instead.
 * Returns the number of elements (0 if the array is absent or wrong). */
typedef void (*elem_fn)(struct ld *l, const cJSON *obj, const char *path, size_t index);
size_t ld_walk_array(struct ld *l, const cJSON *parent, const char *key, bool required,
                     elem_fn fn);

/* Number of elements of parent.key, 0 if it is absent or not an array. */
size_t ld_array_len(const cJSON *parent, const char *key);

/* price_schedule.c: load catalog.json "scheduled_changes" (root is the
 * catalog's top object) into pt->changes, after items[] and packages[];
 * every problem is reported. */
void ld_load_schedule(struct ld *l, const cJSON *root);

/* price_rules.c: the billing-code and wording checks, each adding its
 * diagnostics to l.  o/root are the object being read and path its field
 * path (for the catalog's top object, root).
 *
 * ld_check_item_code: warns when item it (at o, path) has a diagnostic
 * bone-marrow code (38220, 38222).  ld_check_source_codes: a cell source
 * whose harvest items carry such a code is an error.
 * ld_check_ultrasound_pairs: 76942 billed at the same visit as a code that
 * already includes ultrasound guidance (0232T, 20604, 20606, 20611), for
 * the standard plan (errors), optional adjuncts (warnings) and packages.
 * ld_check_coverage: "may_be_billable" where payers exclude the code or
 * treat the service as investigational (warnings).  Both run after every
 * section of the catalog is loaded.
 * ld_check_words: every string below node (path) that calls a treatment
 * FDA-approved or FDA-cleared (pt_text_claims_fda) is an error. */
void ld_check_item_code(struct ld *l, const cJSON *o, const char *path, const struct pt_item *it);
void ld_check_source_codes(struct ld *l, const cJSON *o, const char *path, const struct pt_source *s);
void ld_check_ultrasound_pairs(struct ld *l, const cJSON *root);
void ld_check_coverage(struct ld *l, const cJSON *root);
void ld_check_words(struct ld *l, const cJSON *node, const char *path);

#endif
