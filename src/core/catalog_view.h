/* catalog_view — the price tables as the front desk sees them: everything a
 * plan can contain (areas, cell sources, methods, guidance, adjuncts,
 * packages, discounts, the clinic's providers and locations), with ids,
 * names and prices, as one JSON document.  The same document for
 * `regenquote catalog --format json` and the API's GET /api/catalog
 * (docs/api.md lists its fields).
 *
 * Memory: the cJSON returned is the caller's (cJSON_Delete); it copies
 * every string, so it outlives the table. */
#ifndef RQ_CATALOG_VIEW_H
#define RQ_CATALOG_VIEW_H

#include <cjson/cJSON.h>

#include "date.h"
#include "price_table.h"

/* The catalog of pt as it stands: names and descriptions in the language
 * last set with price_table_use_language(), prices as in force on
 * pt->prices_on (price_table_use_date()); `today` is reported as "today".
 * Reads pt only.  NULL only when an allocation failed. */
cJSON *catalog_view_json(const struct price_table *pt, rq_date today);

#endif
