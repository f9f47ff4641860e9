/* api_bills — the final bill through the API: the comparison of a quote's
 * bills with its estimate, the clinic's explanation of one of its lines,
 * and the quotes in their dispute window.  The
 * JSON is the core's (bill.h), the very one `regenquote bill check
 * --format json` and `list --dispute-window --format json` print. */
#include <cjson/cJSON.h>
#include <string.h>

#include "bill.h"
#include "handlers.h"
#include "http.h"
#include "request.h"

/* GET /api/quotes/NUMBER/bill-check: 200 with the comparison (against the
 * quote in force when NUMBER was superseded), 404 when there is no such
 * quote or it has no bill yet. */
void api_bill_check(struct req *rq)
{
    if (!req_entry(rq, false)) /* answers 404 for an unknown number */
        return;
    cJSON *c = NULL;
    size_t before = rq->dl.n;
    int rc = bill_check(rq->reg, rq->number, rq->today, &c, &rq->dl);
    if (rc == 0)
        http_send_json(rq, 200, c, NULL, NULL);
    else if (rc == 1) /* no bill yet, or a void quote: the message says which */
        http_send_error(rq, 404, NULL, NULL, NULL, "%s",
                        rq->dl.n > before && rq->dl.v[before].msg ? rq->dl.v[before].msg : "nothing to compare");
    else
        req_fail(rq, 500);
}

/* POST /api/quotes/NUMBER/bill-explain {"line": N, "text": T}: the
 * clinic's explanation of line N of the comparison, written by the account
 * signed in, through bill_explain() (the call `regenquote bill explain`
 * makes).  201 with the comparison as it now is (the explanation among its
 * line's "explanations"); 404 when there is nothing to compare; 422 for a
 * line the comparison does not have or a text that is not 1 to 2000 bytes
 * of UTF-8. */
void api_bill_explain(struct req *rq)
{
    for (cJSON *k = rq->obj->child; k; k = k->next)
        if (strcmp(k->string, "line") != 0 && strcmp(k->string, "text") != 0) {
            http_send_error(rq, 422, k->string, NULL, NULL, "unknown field '%s'; expected 'line' and 'text'",
                            k->string);
            return;
        }
    const cJSON *line = cJSON_GetObjectItemCaseSensitive(rq->obj, "line");
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(rq->obj, "text");
    if (!cJSON_IsNumber(line) || line->valuedouble < 1 || line->valuedouble > 100000 ||
        line->valuedouble != (double)line->valueint) {
        http_send_error(rq, 422, "line", NULL, NULL, "give the comparison's line number (1, 2, …)");
        return;
    }
    if (!cJSON_IsString(text)) {
        http_send_error(rq, 422, "text", NULL, NULL, "give the explanation as text");
        return;
    }
    if (!req_entry(rq, false)) /* answers 404 for an unknown number */
        return;
    size_t before = rq->dl.n;
    cJSON *c = NULL;
    int rc = bill_check(rq->reg, rq->number, rq->today, &c, &rq->dl);
    cJSON_Delete(c);
    if (rc == 1) { /* no bill yet, or a void quote: the message says which */
        http_send_error(rq, 404, NULL, NULL, NULL, "%s",
                        rq->dl.n > before && rq->dl.v[before].msg ? rq->dl.v[before].msg : "nothing to explain");
        return;
    }
    if (rc != 0) {
        req_fail(rq, 500);
        return;
    }
    if (bill_explain(rq->reg, rq->number, line->valueint, text->valuestring, req_actor(rq), rq->today,
                     &rq->dl) != 0) {
        req_fail(rq, 422);
        return;
    }
    c = NULL;
    if (bill_check(rq->reg, rq->number, rq->today, &c, &rq->dl) != 0) {
        req_fail(rq, 500);
        return;
    }
    http_send_json(rq, 201, c, NULL, NULL);
}

/* GET /api/disputes: the quotes whose bills are $400.00 or more above the
 * estimate for a provider while the patient may still dispute. */
void api_disputes(struct req *rq)
{
    struct reg *r = req_register(rq);
    if (!r)
        return;
    cJSON *a = NULL;
    if (bill_dispute_window(r, rq->today, &a, &rq->dl) != 0) {
        req_fail(rq, 500);
        return;
    }
    cJSON *root = cJSON_CreateObject();
    if (root && !cJSON_AddItemToObject(root, "quotes", a)) {
        cJSON_Delete(root);
        root = NULL;
    }
    if (!root)
        cJSON_Delete(a);
    http_send_json(rq, 200, root, NULL, NULL);
}
