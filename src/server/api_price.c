/* api_price — what the page offers and what a plan costs, nothing issued:
 * GET /api/catalog, POST /api/price (docs/api.md). */
#include "handlers.h"

#include <stdlib.h>
#include <string.h>

#include "catalog_view.h"
#include "http.h"
#include "pricing.h"
#include "quote.h"
#include "tables.h"

void api_catalog(struct req *rq)
{
    struct table_slot *sl = req_tables(rq);
    if (!sl)
        return;
    /* names in the page's language (?lang=es); prices as in force today */
    price_table_use_language(sl->pt, http_query(rq, "lang"));
    http_send_json(rq, 200, catalog_view_json(sl->pt, rq->today), NULL, NULL);
}

struct table_slot *api_price_plan(struct req *rq, struct quote *q)
{
    struct table_slot *sl = req_tables(rq);
    if (!sl)
        return NULL;
    price_table_use_language(sl->pt, rq->plan.language);
    if (pricing_compute(sl->pt, &rq->plan, rq->today, q, &rq->dl) != 0) {
        req_fail(rq, 422);
        return NULL;
    }
    return sl;
}

/* The body (ROUTE_PLAN) priced: the quote as `regenquote price --format json`. */
void api_price(struct req *rq)
{
    struct quote q;
    if (!api_price_plan(rq, &q))
        return;
    char *text = quote_json_text(&q);
    quote_free(&q);
    if (text)
        http_send(rq, 200, HTTP_JSON_TYPE, HTTP_API, text, strlen(text), NULL, NULL);
    else
        http_send_error(rq, 500, NULL, NULL, NULL, "out of memory");
}
