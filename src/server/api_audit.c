/* api_audit — the audit trail for managers (docs/api.md): GET /api/audit
 * (the events, newest first, with filters) and GET /api/audit/verify
 * (the hash chain recomputed, as `regenquote audit verify`). */
#include "handlers.h"

#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "http.h"
#include "register_view.h"

#define AUDIT_DEFAULT_LIMIT 200
#define AUDIT_MAX_LIMIT 1000

/* The filter of GET /api/audit from its query.  False after answering 400. */
static bool audit_query(struct req *rq, struct audit_filter *f)
{
    memset(f, 0, sizeof *f);
    f->newest_first = true;
    const char *v;
    if ((v = http_query(rq, "actor")) && *v)
        f->actor = v;
    if ((v = http_query(rq, "kind")) && *v)
        f->kind = v;
    if ((v = http_query(rq, "quote")) && *v)
        f->quote = v;
    long limit = AUDIT_DEFAULT_LIMIT;
    if (!http_query_dates(rq, &f->has_from, &f->from, &f->has_to, &f->to) ||
        !http_query_limit(rq, 1, AUDIT_MAX_LIMIT, &limit))
        return false;
    f->limit = (size_t)limit;
    return true;
}

/* { "count": N, "more": bool, "events": [ {seq, at, actor, kind, quote, detail, hash} ] } */
void api_audit(struct req *rq)
{
    struct audit_filter f;
    if (!audit_query(rq, &f))
        return;
    struct reg *r = req_register(rq);
    if (!r)
        return;
    size_t want = f.limit;
    f.limit = want + 1; /* one more: are there more? */
    struct audit_event *v;
    size_t n;
    if (audit_list(r, &f, &v, &n, &rq->dl) != 0) {
        req_fail(rq, 500);
        return;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "count", (double)(n > want ? want : n));
    cJSON_AddBoolToObject(root, "more", n > want);
    cJSON *a = cJSON_AddArrayToObject(root, "events");
    for (size_t i = 0; i < n && i < want; i++)
        cJSON_AddItemToArray(a, audit_event_json(&v[i]));
    audit_events_free(v, n);
    http_send_json(rq, 200, root, NULL, NULL);
}

/* { "intact", "events", "head": {seq, hash}, "broken": null | {seq, at, kind, quote, problem} } */
void api_audit_verify(struct req *rq)
{
    struct reg *r = req_register(rq);
    if (!r)
        return;
    struct audit_report rep;
    if (audit_verify(r, NULL, &rep, &rq->dl) != 0) {
        req_fail(rq, 500);
        return;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddBoolToObject(root, "intact", rep.intact);
    cJSON_AddNumberToObject(root, "events", (double)rep.events);
    cJSON *head = cJSON_AddObjectToObject(root, "head");
    cJSON_AddNumberToObject(head, "seq", (double)rep.head_seq);
    cJSON_AddStringToObject(head, "hash", rep.head_hash);
    if (rep.intact) {
        cJSON_AddNullToObject(root, "broken");
    } else {
        cJSON *b = cJSON_AddObjectToObject(root, "broken");
        cJSON_AddNumberToObject(b, "seq", (double)rep.broken_seq);
        http_json_str(b, "at", rep.broken_at[0] ? rep.broken_at : NULL);
        http_json_str(b, "kind", rep.broken_kind[0] ? rep.broken_kind : NULL);
        http_json_str(b, "quote", rep.broken_quote[0] && strcmp(rep.broken_quote, "-") ? rep.broken_quote : NULL);
        cJSON_AddStringToObject(b, "problem", rep.problem);
    }
    http_send_json(rq, 200, root, NULL, NULL);
}
