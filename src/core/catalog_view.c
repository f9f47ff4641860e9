/* catalog_view — the price tables as one JSON document (catalog_view.h). */
#include "catalog_view.h"

#include <stdbool.h>
#include <stddef.h>

/* Each adder returns false when an allocation failed; what was added
 * stays in the tree, which the caller deletes. */

/* A string member, or null when s is NULL. */
static bool add_str(cJSON *o, const char *key, const char *s)
{
    return (s ? cJSON_AddStringToObject(o, key, s) : cJSON_AddNullToObject(o, key)) != NULL;
}

static bool add_num(cJSON *o, const char *key, double v)
{
    return cJSON_AddNumberToObject(o, key, v) != NULL;
}

static bool add_bool(cJSON *o, const char *key, bool v)
{
    return cJSON_AddBoolToObject(o, key, v) != NULL;
}

/* A date member as YYYY-MM-DD. */
static bool add_date(cJSON *o, const char *key, rq_date d)
{
    char b[16];
    return add_str(o, key, date_iso(d, b));
}

/* Append the string s to array a. */
static bool append_str(cJSON *a, const char *s)
{
    cJSON *v = cJSON_CreateString(s);
    if (!v || !cJSON_AddItemToArray(a, v)) {
        cJSON_Delete(v);
        return false;
    }
    return true;
}

/* Append { "id": id, "name": name } to array a (a may be NULL: then
 * nothing happens).  Returns the new object for more members, or NULL. */
static cJSON *append_named(cJSON *a, const char *id, const char *name)
{
    cJSON *e = a ? cJSON_CreateObject() : NULL;
    if (e && !cJSON_AddItemToArray(a, e)) {
        cJSON_Delete(e);
        return NULL;
    }
    return e && add_str(e, "id", id) && add_str(e, "name", name) ? e : NULL;
}

/* key: the ids of the items v[0..n). */
static bool add_item_ids(cJSON *o, const char *key, const struct pt_item *const *v, size_t n)
{
    cJSON *a = cJSON_AddArrayToObject(o, key);
    bool ok = a != NULL;
    for (size_t i = 0; ok && i < n; i++)
        ok = append_str(a, v[i]->id);
    return ok;
}

/* "price_table" and "today". */
static bool table_json(cJSON *root, const struct price_table *pt, rq_date today)
{
    cJSON *t = cJSON_AddObjectToObject(root, "price_table");
    return t && add_str(t, "version", price_table_prices_version(pt)) &&
           add_date(t, "effective_date", pt->effective_date) && add_str(t, "sha256", pt->sha256) &&
           add_date(t, "prices_on", pt->prices_on) && add_date(root, "today", today);
}

static bool clinic_json(cJSON *root, const struct pt_clinic *cl)
{
    cJSON *co = cJSON_AddObjectToObject(root, "clinic");
    bool ok = co && add_str(co, "name", cl->name) && add_str(co, "phone", cl->phone) &&
              add_str(co, "currency", cl->currency) && add_num(co, "validity_days", cl->validity_days) &&
              add_num(co, "deposit_percent_bp", cl->deposit_percent) &&
              add_num(co, "deposit_minimum_cents", (double)cl->deposit_minimum) &&
              add_num(co, "tax_percent_bp", cl->tax_percent) &&
              add_str(co, "default_provider", cl->default_provider ? cl->default_provider->id : NULL) &&
              add_str(co, "default_location", cl->default_location ? cl->default_location->id : NULL);
    cJSON *pv = ok ? cJSON_AddArrayToObject(co, "providers") : NULL;
    ok = pv != NULL;
    for (size_t i = 0; ok && i < cl->n_providers; i++) {
        cJSON *e = append_named(pv, cl->providers[i].id, cl->providers[i].name);
        ok = e && add_str(e, "specialty", cl->providers[i].specialty);
    }
    cJSON *lo = ok ? cJSON_AddArrayToObject(co, "locations") : NULL;
    ok = lo != NULL;
    for (size_t i = 0; ok && i < cl->n_locations; i++)
        ok = append_named(lo, cl->locations[i].id, cl->locations[i].name) != NULL;
    return ok;
}

/* "max_areas", "areas", "sources", "methods": the plan's core. */
static bool treatment_json(cJSON *root, const struct price_table *pt)
{
    cJSON *ar = add_num(root, "max_areas", pt->max_areas) ? cJSON_AddArrayToObject(root, "areas") : NULL;
    bool ok = ar != NULL;
    for (size_t i = 0; ok && i < pt->n_areas; i++)
        ok = append_named(ar, pt->areas[i].id, pt->areas[i].name) != NULL;
    cJSON *so = ok ? cJSON_AddArrayToObject(root, "sources") : NULL;
    ok = so != NULL;
    for (size_t i = 0; ok && i < pt->n_sources; i++) {
        const struct pt_source *s = &pt->sources[i];
        cJSON *e = append_named(so, s->id, s->name);
        ok = e && add_str(e, "origin", s->allogeneic ? "allogeneic" : "autologous") &&
             add_str(e, "research_only", s->research_only) && add_bool(e, "bankable", s->bankable) &&
             add_item_ids(e, "items", s->items, s->n_items);
    }
    cJSON *me = ok ? cJSON_AddArrayToObject(root, "methods") : NULL;
    ok = me != NULL;
    for (size_t i = 0; ok && i < pt->n_methods; i++) {
        const struct pt_method *m = &pt->methods[i];
        cJSON *e = append_named(me, m->id, m->name);
        cJSON *f = e ? cJSON_AddArrayToObject(e, "fits") : NULL;
        ok = f != NULL;
        for (size_t k = 0; ok && k < m->n_fits; k++)
            ok = append_str(f, m->fits[k]->id);
        ok = ok && add_item_ids(e, "items", m->items, m->n_items);
    }
    return ok;
}

/* "default_guidance", "guidance", "sessions", "adjuncts". */
static bool around_json(cJSON *root, const struct price_table *pt)
{
    bool ok = add_str(root, "default_guidance", pt->default_guidance ? pt->default_guidance->id : NULL);
    cJSON *gu = ok ? cJSON_AddArrayToObject(root, "guidance") : NULL;
    ok = gu != NULL;
    for (size_t i = 0; ok && i < pt->n_guidance; i++) {
        const struct pt_guidance *g = &pt->guidance[i];
        cJSON *e = append_named(gu, g->id, g->name);
        ok = e && add_num(e, "price_cents", g->item ? (double)g->item->price : 0);
    }
    cJSON *se = ok ? cJSON_AddObjectToObject(root, "sessions") : NULL;
    ok = se && add_num(se, "max", pt->max_sessions) && add_num(se, "spacing_weeks", pt->spacing_weeks) &&
         add_num(se, "min_spacing_weeks", pt->min_spacing_weeks) &&
         add_num(se, "max_spacing_weeks", pt->max_spacing_weeks) &&
         add_str(se, "repeat_cells", pt->default_banked ? "banked" : "new-harvest");
    cJSON *ad = ok ? cJSON_AddArrayToObject(root, "adjuncts") : NULL;
    ok = ad != NULL;
    for (size_t i = 0; ok && i < pt->n_adjuncts; i++) {
        const struct pt_adjunct *a = &pt->adjuncts[i];
        const struct pt_item *it = a->item;
        cJSON *e = append_named(ad, a->id, a->name);
        ok = e && add_str(e, "description", it->description) &&
             add_str(e, "code", it->code && *it->code ? it->code : NULL) && add_str(e, "item", it->id) &&
             add_num(e, "price_cents", (double)it->price) &&
             add_str(e, "coverage", it->separate ? "separate" : coverage_id(it->coverage)) &&
             add_bool(e, "included", a->included) && add_num(e, "default_count", a->default_count) &&
             add_num(e, "max_count", a->max_count);
    }
    return ok;
}

static bool packages_json(cJSON *root, const struct price_table *pt)
{
    cJSON *pk = cJSON_AddArrayToObject(root, "packages");
    bool ok = pk != NULL;
    for (size_t i = 0; ok && i < pt->n_packages; i++) {
        const struct pt_package *p = &pt->packages[i];
        cJSON *e = append_named(pk, p->id, p->name);
        cJSON *inc = e && add_str(e, "description", p->description) &&
                             add_num(e, "price_cents", (double)p->price) &&
                             add_num(e, "a_la_carte_cents", (double)p->a_la_carte)
                         ? cJSON_AddArrayToObject(e, "includes")
                         : NULL;
        ok = inc != NULL;
        for (size_t k = 0; ok && k < p->n_includes; k++) {
            cJSON *x = cJSON_CreateObject();
            if (x && !cJSON_AddItemToArray(inc, x)) {
                cJSON_Delete(x);
                x = NULL;
            }
            ok = x && add_str(x, "item", p->includes[k].item->id) &&
                 add_str(x, "description", p->includes[k].item->description) &&
                 add_num(x, "quantity", p->includes[k].quantity);
        }
    }
    return ok;
}

/* One discount's members after id and name. */
static bool discount_json(cJSON *e, const struct pt_discount *d)
{
    bool pct = d->type == DISCOUNT_PERCENT;
    bool ok = add_str(e, "type", pct ? "percent" : "amount") && add_bool(e, "staff_enters_value", !d->has_value);
    ok = ok && (pct && d->has_value ? add_num(e, "percent_bp", d->percent) : add_str(e, "percent_bp", NULL));
    ok = ok && (!pct && d->has_value ? add_num(e, "amount_cents", (double)d->amount)
                                     : add_str(e, "amount_cents", NULL));
    if (ok && !d->has_value)
        ok = pct ? add_num(e, "max_percent_bp", d->max_percent)
                 : add_num(e, "max_amount_cents", (double)d->max_amount);
    ok = ok && add_num(e, "cap_cents", (double)d->cap) && add_bool(e, "requires_reason", d->requires_reason) &&
         add_bool(e, "combines_with_package", d->with_package);
    return ok && (d->applies_to ? add_item_ids(e, "applies_to", d->applies_to, d->n_applies_to)
                                : add_str(e, "applies_to", NULL));
}

/* "discounts" and "languages". */
static bool offers_json(cJSON *root, const struct price_table *pt)
{
    cJSON *di = cJSON_AddArrayToObject(root, "discounts");
    bool ok = di != NULL;
    for (size_t i = 0; ok && i < pt->n_discounts; i++) {
        cJSON *e = append_named(di, pt->discounts[i].id, pt->discounts[i].name);
        ok = e && discount_json(e, &pt->discounts[i]);
    }
    static const char *const langs[][2] = { { "en", "English" }, { "es", "Español" } };
    cJSON *la = ok ? cJSON_AddArrayToObject(root, "languages") : NULL;
    ok = la != NULL;
    for (size_t i = 0; ok && i < sizeof langs / sizeof langs[0]; i++)
        ok = append_named(la, langs[i][0], langs[i][1]) != NULL;
    return ok;
}

cJSON *catalog_view_json(const struct price_table *pt, rq_date today)
{
    cJSON *root = cJSON_CreateObject();
    bool ok = root && table_json(root, pt, today) && clinic_json(root, &pt->clinic) &&
              treatment_json(root, pt) && around_json(root, pt) && packages_json(root, pt) &&
              offers_json(root, pt);
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}
