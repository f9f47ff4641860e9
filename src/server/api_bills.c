/* api_bills — the final bill through the API: the comparison of a quote's
 * bills with its estimate, and the quotes in their dispute window.  The
 * JSON is the core's (bill.h), the very one `regenquote bill check
 * --format json` and `list --dispute-window --format json` print. */
#include <cjson/cJSON.h>

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
