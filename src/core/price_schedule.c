/* price_schedule — the prices in force on a date.
 *
 * catalog.json "scheduled_changes" lists new prices from a date on; this
 * file loads and checks them (ld_load_schedule, for the loader in
 * price_table.c) and applies them: price_table_use_date() sets every
 * item's and package's price to the one in force on a date, and
 * price_table_prices_version() names the version to print with them. */
#include "price_table.h"
#include "price_table_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"

/* ---- loading scheduled_changes ------------------------------------------- */

/* Report every key of a free-form map object that is given twice. */
static void check_map_duplicates(struct ld *l, const cJSON *obj, const char *path)
{
    for (const cJSON *c = obj->child; c; c = c->next)
        for (const cJSON *d = obj->child; d != c; d = d->next)
            if (!strcmp(d->string, c->string)) {
                char p[256];
                int line, col;
                jdoc_where(l->r.doc, d, &line, &col);
                err(l, c, jpath_key(p, sizeof p, path, c->string),
                    "duplicate key (first given at line %d)", line);
                break;
            }
}

/* One "id": "price" entry of a scheduled change's "prices" (items) or
 * "package_prices" map, checked: index is SIZE_MAX when the entry is wrong
 * (already reported). */
struct price_entry {
    size_t index;
    int64_t price;
};

/* The entry after prev (NULL: the first) of map, which is the field `key`
 * of the change at path; NULL at the end.  Also tracks the prices running
 * through the schedule, to warn about a "change" to the price in force. */
static const cJSON *next_price(struct ld *l, const cJSON *map, const char *path, const char *key,
                               const cJSON *prev, const char *eff, struct price_entry *out)
{
    struct price_table *pt = l->pt;
    bool items = !strcmp(key, "prices");
    char mp[256], q[256];
    jpath_key(mp, sizeof mp, path, key);
    if (!prev)
        check_map_duplicates(l, map, mp);
    const cJSON *e = prev ? prev->next : map->child;
    if (!e)
        return NULL;
    out->index = SIZE_MAX;
    jpath_key(q, sizeof q, mp, e->string);
    size_t idx;
    if (items) {
        const struct pt_item *it = pt_find_item(pt, e->string);
        idx = it ? (size_t)(it - pt->items) : SIZE_MAX;
    } else {
        const struct pt_package *pk = pt_find_package(pt, e->string);
        idx = pk ? (size_t)(pk - pt->packages) : SIZE_MAX;
    }
    if (idx == SIZE_MAX) {
        const char *hint = pt_suggest(pt, items ? "item" : "package", e->string);
        err(l, e, q, "unknown %s '%.60s'%s%s%s", items ? "item" : "package", e->string,
            hint ? "; did you mean '" : items ? "; it must be an id from items[]" : "; it must be an id from packages[]",
            hint ? hint : "", hint ? "'?" : "");
        return e;
    }
    int64_t v;
    if (!jr_money_node(&l->r, e, q, false, &v))
        return e;
    int64_t *run = items ? l->run_items : l->run_packages;
    if (run && run[idx] == v)
        warn(l, e, q, "is the %s already in force before %s; nothing changes", items ? "price" : "package price",
             eff ? eff : "this change");
    if (run)
        run[idx] = v;
    out->index = idx;
    out->price = v;
    return e;
}

static void load_change(struct ld *l, const cJSON *o, const char *path, size_t i)
{
    static const char *const keys[] = { "effective_date", "version", "note", "prices",
                                        "package_prices", NULL };
    struct price_table *pt = l->pt;
    struct pt_change *ch = &pt->changes[i];
    char p[256], a[16], b[16];
    jr_check_keys(&l->r, o, path, keys);

    const char *eff = NULL;
    l->change_dated[i] = false;
    if (jr_string(&l->r, o, path, "effective_date", true, &eff) && eff) {
        const cJSON *n = jr_member(o, "effective_date");
        jpath_key(p, sizeof p, path, "effective_date");
        if (!date_parse(eff, &ch->effective_date)) {
            err(l, n, p, "'%.20s' is not a date; expected YYYY-MM-DD", eff);
        } else {
            l->change_dated[i] = true;
            size_t prev = i;
            while (prev > 0 && !l->change_dated[prev - 1])
                prev--;
            if (l->has_effective_date && ch->effective_date <= pt->effective_date)
                err(l, n, p,
                    "%s is not after the table's effective_date %s; change the price in items[] instead, or give a later date",
                    eff, date_iso(pt->effective_date, a));
            else if (prev > 0 && ch->effective_date <= pt->changes[prev - 1].effective_date)
                err(l, n, p,
                    "%s is not after the change before it (%s); list changes in date order, one per date",
                    eff, date_iso(pt->changes[prev - 1].effective_date, b));
        }
    }
    if (jr_string(&l->r, o, path, "version", true, &ch->version) && ch->version) {
        const cJSON *n = jr_member(o, "version");
        jpath_key(p, sizeof p, path, "version");
        if (pt->version && !strcmp(ch->version, pt->version))
            err(l, n, p, "'%.40s' is the table's own version; give each scheduled change its own version",
                ch->version);
        for (size_t k = 0; k < i; k++)
            if (pt->changes[k].version && !strcmp(pt->changes[k].version, ch->version))
                err(l, n, p, "'%.40s' is already the version of scheduled_changes[%zu]", ch->version, k);
    }
    jr_string(&l->r, o, path, "note", false, &ch->note);

    const cJSON *prices = NULL, *pkgs = NULL;
    jr_object(&l->r, o, path, "prices", false, &prices);
    jr_object(&l->r, o, path, "package_prices", false, &pkgs);
    const cJSON *given = jr_member(o, "prices");
    if (!cJSON_GetArraySize(prices) && !cJSON_GetArraySize(pkgs) &&
        (!given || cJSON_IsObject(given)) && !jr_member(o, "package_prices")) {
        err(l, o, jpath_key(p, sizeof p, path, "prices"),
            "is missing or empty; list the new prices as { \"item-id\": \"1250.00\", … }");
    }
    if (prices) {
        size_t n = (size_t)cJSON_GetArraySize(prices), k = 0;
        ch->prices = ld_calloc(l, n, sizeof *ch->prices);
        struct price_entry e;
        for (const cJSON *c = NULL; ch->prices && (c = next_price(l, prices, path, "prices", c, eff, &e));)
            if (e.index != SIZE_MAX) {
                ch->prices[k].item = &pt->items[e.index];
                ch->prices[k++].price = e.price;
            }
        ch->n_prices = k;
    }
    if (pkgs) {
        size_t n = (size_t)cJSON_GetArraySize(pkgs), k = 0;
        ch->package_prices = ld_calloc(l, n, sizeof *ch->package_prices);
        struct price_entry e;
        for (const cJSON *c = NULL; ch->package_prices && (c = next_price(l, pkgs, path, "package_prices", c, eff, &e));)
            if (e.index != SIZE_MAX) {
                ch->package_prices[k].package = &pt->packages[e.index];
                ch->package_prices[k++].price = e.price;
            }
        ch->n_package_prices = k;
    }
    /* With this change in force, does every package still save something? */
    for (size_t k = 0; l->run_items && l->run_packages && k < pt->n_packages; k++) {
        const struct pt_package *pk = &pt->packages[k];
        int64_t sum = 0, amt;
        bool ok = pk->n_includes > 0;
        for (size_t m = 0; ok && m < pk->n_includes; m++) {
            size_t idx = (size_t)(pk->includes[m].item - pt->items);
            ok = money_mul(l->run_items[idx], pk->includes[m].quantity, &amt) &&
                 money_add(sum, amt, &sum);
        }
        if (ok && l->run_packages[k] >= sum)
            warn(l, o, path,
                 "from %s package '%s' costs %s, not below the %s its items cost separately; patients save nothing",
                 eff ? eff : "this change", pk->id ? pk->id : "?",
                 money_usd(l->run_packages[k], a, sizeof a),
                 money_usd(sum, b, sizeof b));
    }
}

void ld_load_schedule(struct ld *l, const cJSON *root)
{
    struct price_table *pt = l->pt;
    pt->n_changes = ld_array_len(root, "scheduled_changes");
    if (pt->n_changes == 0) {
        jr_array(&l->r, root, "", "scheduled_changes", false, &(const cJSON *){ NULL });
        return;
    }
    pt->changes = ld_calloc(l, pt->n_changes, sizeof *pt->changes);
    l->change_dated = ld_calloc(l, pt->n_changes, sizeof *l->change_dated);
    l->run_items = ld_calloc(l, pt->n_items, sizeof *l->run_items);
    l->run_packages = ld_calloc(l, pt->n_packages, sizeof *l->run_packages);
    if (pt->changes && l->change_dated) {
        for (size_t i = 0; l->run_items && i < pt->n_items; i++)
            l->run_items[i] = pt->items[i].list_price;
        for (size_t i = 0; l->run_packages && i < pt->n_packages; i++)
            l->run_packages[i] = pt->packages[i].list_price;
        ld_walk_array(l, root, "scheduled_changes", false, load_change);
    } else {
        pt->n_changes = 0;
    }
    free(l->change_dated);
    free(l->run_items);
    free(l->run_packages);
    l->change_dated = NULL;
    l->run_items = l->run_packages = NULL;
}

/* ---- prices in force ------------------------------------------------------ */

int price_table_use_date(struct price_table *pt, rq_date on, struct diag_list *dl)
{
    const char *file = pt->has_catalog ? pt->catalog_doc.name : NULL;
    for (size_t i = 0; i < pt->n_items; i++)
        pt->items[i].price = pt->items[i].list_price;
    for (size_t i = 0; i < pt->n_packages; i++)
        pt->packages[i].price = pt->packages[i].list_price;
    pt->change_in_force = NULL;
    for (size_t i = 0; i < pt->n_changes && pt->changes[i].effective_date <= on; i++) {
        const struct pt_change *ch = &pt->changes[i];
        for (size_t k = 0; k < ch->n_prices; k++)
            ((struct pt_item *)ch->prices[k].item)->price = ch->prices[k].price;
        for (size_t k = 0; k < ch->n_package_prices; k++)
            ((struct pt_package *)ch->package_prices[k].package)->price = ch->package_prices[k].price;
        pt->change_in_force = ch;
    }
    pt->prices_on = on;
    int rc = 0;
    for (size_t i = 0; i < pt->n_packages; i++) {
        struct pt_package *pk = &pt->packages[i];
        int64_t sum = 0, amt;
        for (size_t k = 0; k < pk->n_includes; k++)
            if (!money_mul(pk->includes[k].item->price, pk->includes[k].quantity, &amt) ||
                !money_add(sum, amt, &sum)) {
                char p[64];
                snprintf(p, sizeof p, "packages[%zu]", i);
                diag_error(dl, file, p, "the separate prices of package '%s' overflow",
                           pk->id ? pk->id : "?");
                rc = -1;
                break;
            }
        pk->a_la_carte = sum;
    }
    if (on < pt->effective_date) {
        char a[16], b[16];
        diag_add(dl, DIAG_WARNING, file, 0, 0, "effective_date",
                 "the price table takes effect on %s, after %s; its prices are used anyway",
                 date_iso(pt->effective_date, a), date_iso(on, b));
    }
    return rc;
}

const char *price_table_prices_version(const struct price_table *pt)
{
    return pt->change_in_force ? pt->change_in_force->version : pt->version;
}
