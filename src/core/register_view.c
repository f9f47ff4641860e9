#include "register_view.h"

#include <string.h>

#include "audit.h"

const char *const REG_STATUSES[] = { "issued", "accepted", "expired", "superseded", "void", NULL };
const char REG_STATUS_WORDS[] = "issued, accepted, expired, superseded or void";

bool reg_status_known(const char *s)
{
    for (size_t i = 0; s && REG_STATUSES[i]; i++)
        if (!strcmp(s, REG_STATUSES[i]))
            return true;
    return false;
}

/* A string member, or null when there is none; false when out of memory. */
static bool add_str(cJSON *o, const char *key, const char *s)
{
    return (s ? cJSON_AddStringToObject(o, key, s) : cJSON_AddNullToObject(o, key)) != NULL;
}

cJSON *reg_entry_json(const struct reg_entry *e, rq_date today)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o && add_str(o, "number", e->number) && add_str(o, "status", reg_entry_status(e, today)) &&
              add_str(o, "issued", e->issued) && add_str(o, "valid_until", e->valid_until) &&
              add_str(o, "scheduled_date", e->scheduled) && add_str(o, "estimate_due", e->estimate_due) &&
              add_str(o, "patient_id", e->patient_id) && add_str(o, "patient_name", e->patient_name) &&
              cJSON_AddNumberToObject(o, "total_cents", (double)e->total_cents) &&
              add_str(o, "language", e->language) && add_str(o, "supersedes", e->supersedes) &&
              add_str(o, "superseded_by", e->superseded_by) &&
              add_str(o, "price_table_version", e->tables_version) && add_str(o, "location", e->location) &&
              add_str(o, "desk", e->desk);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *reg_history_json(const struct reg_event *ev, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        if (o && !cJSON_AddItemToArray(a, o)) {
            cJSON_Delete(o);
            o = NULL;
        }
        /* o, once in the array, goes with it */
        if (!o || !add_str(o, "at", ev[i].at) || !add_str(o, "actor", ev[i].actor) ||
            !add_str(o, "action", ev[i].action) || !add_str(o, "detail", ev[i].detail)) {
            cJSON_Delete(a);
            return NULL;
        }
    }
    return a;
}

cJSON *audit_event_json(const struct audit_event *e)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o && cJSON_AddNumberToObject(o, "seq", (double)e->seq) && add_str(o, "at", e->at) &&
              add_str(o, "actor", e->actor) && add_str(o, "kind", e->kind) && add_str(o, "quote", e->quote) &&
              add_str(o, "detail", e->detail) && add_str(o, "hash", e->hash[0] ? e->hash : NULL);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}
