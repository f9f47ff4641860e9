/* register_view — the register as the outside sees it: the names of a
 * quote's statuses and one entry (or its history) as JSON, the same for
 * `regenquote list/show --format json` and the front desk's API.
 *
 * Memory: every cJSON returned is the caller's (cJSON_Delete, or attach it
 * to a tree the caller owns); NULL only when an allocation failed. */
#ifndef RQ_REGISTER_VIEW_H
#define RQ_REGISTER_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "date.h"
#include "register.h"

/* Every status a reader can see, in the order lists and help show them:
 * issued, accepted, expired, superseded, void.  NULL-terminated. */
extern const char *const REG_STATUSES[];
/* The same, as words for a message: "issued, accepted, expired, superseded or void". */
extern const char REG_STATUS_WORDS[];
/* Whether s is one of REG_STATUSES (exactly, case-sensitive). */
bool reg_status_known(const char *s);

/* One entry: number, status (as seen on `today`), issued, valid_until,
 * scheduled_date, estimate_due, patient_id, patient_name, total_cents,
 * language, supersedes, superseded_by, price_table_version; a field the
 * entry lacks is null. */
cJSON *reg_entry_json(const struct reg_entry *e, rq_date today);

/* A quote's history, oldest first: [{at, actor, action, detail}]. */
cJSON *reg_history_json(const struct reg_event *ev, size_t n);

/* One event of the audit trail (audit.h): {seq, at, actor, kind, quote,
 * detail, hash}; quote and detail may be null. */
struct audit_event;
cJSON *audit_event_json(const struct audit_event *e);

#endif
