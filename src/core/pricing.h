/* pricing — the engine: price tables + plan -> quote.
 *
 * It refuses what cannot be done and says why (a method that does not fit
 * the source, a research-only source, quantities out of range, unknown ids,
 * a discount over its limit or without a required reason, a package the
 * plan does not contain).  All arithmetic is checked integer cents.  The
 * engine's own words (visit names, the descriptions of the lines it adds)
 * are those of templates/<lang>/engine.txt, built into the program
 * (template_load_builtin), so pricing reads no file. */
#ifndef RQ_PRICING_H
#define RQ_PRICING_H

#include "date.h"
#include "diag.h"
#include "plan.h"
#include "price_table.h"
#include "quote.h"

/* Price plan against pt as of the date issued.  Returns 0 and fills *q, or
 * -1 with every problem found added to dl (then *q is empty).  pt and plan
 * are borrowed by the quote and must outlive it. */
int pricing_compute(const struct price_table *pt, const struct plan *plan, rq_date issued,
                    struct quote *q, struct diag_list *dl);

#endif
