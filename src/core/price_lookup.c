/* price_lookup — finding things in a loaded price table by id: the
 * pt_find_*() lookups, pt_method_fits() and the "did you mean" pt_suggest().
 * Each walks one array of the table; what it returns borrows from the
 * table, valid until price_table_free(). */
#include "price_table.h"

#include <string.h>

#define FIND(fn, type, arr, count)                                        \
    const type *fn(const struct price_table *pt, const char *id)          \
    {                                                                     \
        if (!id)                                                          \
            return NULL;                                                  \
        for (size_t i = 0; i < pt->count; i++)                            \
            if (pt->arr[i].id && strcmp(pt->arr[i].id, id) == 0)          \
                return &pt->arr[i];                                       \
        return NULL;                                                      \
    }

FIND(pt_find_item, struct pt_item, items, n_items)
FIND(pt_find_area, struct pt_area, areas, n_areas)
FIND(pt_find_source, struct pt_source, sources, n_sources)
FIND(pt_find_method, struct pt_method, methods, n_methods)
FIND(pt_find_guidance, struct pt_guidance, guidance, n_guidance)
FIND(pt_find_adjunct, struct pt_adjunct, adjuncts, n_adjuncts)
FIND(pt_find_package, struct pt_package, packages, n_packages)
FIND(pt_find_discount, struct pt_discount, discounts, n_discounts)
FIND(pt_find_provider, struct pt_provider, clinic.providers, clinic.n_providers)
FIND(pt_find_location, struct pt_location, clinic.locations, clinic.n_locations)
FIND(pt_find_outside, struct pt_outside, clinic.outside, clinic.n_outside)
#undef FIND

bool pt_item_billed_directly(const struct pt_item *it)
{
    return it->billed_by_outside && !it->billed_by_outside->clinic_collects;
}

bool pt_method_fits(const struct pt_method *m, const struct pt_source *s)
{
    for (size_t i = 0; i < m->n_fits; i++)
        if (m->fits[i] == s)
            return true;
    return false;
}

const char *pt_suggest(const struct price_table *pt, const char *kind, const char *word)
{
    const char *ids[512];
    size_t n = 0;
#define COLLECT(arr, count)                                          \
    for (size_t i = 0; i < pt->count && n < 512; i++)                \
        if (pt->arr[i].id)                                           \
            ids[n++] = pt->arr[i].id;
    if (!strcmp(kind, "item")) { COLLECT(items, n_items) }
    else if (!strcmp(kind, "area")) { COLLECT(areas, n_areas) }
    else if (!strcmp(kind, "source")) { COLLECT(sources, n_sources) }
    else if (!strcmp(kind, "method")) { COLLECT(methods, n_methods) }
    else if (!strcmp(kind, "guidance")) { COLLECT(guidance, n_guidance) }
    else if (!strcmp(kind, "adjunct")) { COLLECT(adjuncts, n_adjuncts) }
    else if (!strcmp(kind, "package")) { COLLECT(packages, n_packages) }
    else if (!strcmp(kind, "discount")) { COLLECT(discounts, n_discounts) }
    else if (!strcmp(kind, "provider")) { COLLECT(clinic.providers, clinic.n_providers) }
    else if (!strcmp(kind, "location")) { COLLECT(clinic.locations, clinic.n_locations) }
    else if (!strcmp(kind, "outside")) { COLLECT(clinic.outside, clinic.n_outside) }
    else if (!strcmp(kind, "biller")) {
        COLLECT(clinic.providers, clinic.n_providers)
        COLLECT(clinic.outside, clinic.n_outside)
    }
#undef COLLECT
    return jr_suggest(word, ids, n);
}
