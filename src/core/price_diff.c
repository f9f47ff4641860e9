#include "price_diff.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"

/* ---- names ------------------------------------------------------------- */

static const char *const SECTION_IDS[PD_SECTION_COUNT] = {
    "table", "item", "code", "package", "discount", "scheduled_change",
    "area", "cell_source", "processing_method", "adjunct",
};
static const char *const SECTION_TITLES[PD_SECTION_COUNT] = {
    "Table", "Items", "Billing codes", "Packages", "Discounts", "Scheduled price changes",
    "Treatment areas", "Cell sources", "Processing methods", "Adjuncts",
};

const char *pd_section_id(enum pd_section s)
{
    return (unsigned)s < PD_SECTION_COUNT ? SECTION_IDS[s] : "?";
}

const char *pd_change_id(enum pd_change c)
{
    return c == PD_ADDED ? "added" : c == PD_REMOVED ? "removed" : "changed";
}

/* ---- building ---------------------------------------------------------- */

struct builder {
    struct price_diff *d;
    bool oom;
};

static char *xstrdup(struct builder *b, const char *s)
{
    if (!s)
        return NULL;
    char *r = strdup(s);
    if (!r)
        b->oom = true;
    return r;
}

static char *xprintf(struct builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *xprintf(struct builder *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *r = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!r) {
        b->oom = true;
        return NULL;
    }
    va_start(ap, fmt);
    vsnprintf(r, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return r;
}

/* Append an entry; strings are copied.  Returns the entry, or NULL (oom). */
static struct pd_entry *add(struct builder *b, enum pd_section sec, enum pd_change ch,
                            const char *id, const char *date, const char *field,
                            const char *oldv, const char *newv)
{
    struct price_diff *d = b->d;
    if (b->oom)
        return NULL;
    if (d->n == d->cap) {
        size_t ncap = d->cap ? d->cap * 2 : 32;
        struct pd_entry *nv = realloc(d->v, ncap * sizeof *nv);
        if (!nv) {
            b->oom = true;
            return NULL;
        }
        d->v = nv;
        d->cap = ncap;
    }
    struct pd_entry *e = &d->v[d->n++];
    memset(e, 0, sizeof *e);
    e->section = sec;
    e->change = ch;
    e->id = xstrdup(b, id);
    e->date = xstrdup(b, date);
    e->field = xstrdup(b, field);
    e->old_value = xstrdup(b, oldv);
    e->new_value = xstrdup(b, newv);
    return e;
}

static void set_check(struct builder *b, struct pd_entry *e, unsigned flags, const char *why)
{
    if (!e || !flags)
        return;
    if (!e->flags)
        b->d->n_flagged++;
    e->flags |= flags;
    if (e->check) {
        char *c = xprintf(b, "%s; %s", e->check, why);
        free(e->check);
        e->check = c;
    } else {
        e->check = xstrdup(b, why);
    }
}

/* "+4.69%" from basis points. */
static char *fmt_signed_bp(int64_t bp, char *buf, size_t size)
{
    int64_t a = bp < 0 ? -bp : bp;
    snprintf(buf, size, "%c%" PRId64 ".%02" PRId64 "%%", bp < 0 ? '-' : '+', a / 100, a % 100);
    return buf;
}

unsigned price_diff_check(int64_t old_c, int64_t new_c, int *scale, bool *exact, char *why,
                          size_t size)
{
    char a[40], tmp[300];
    unsigned f = 0;
    *scale = 0;
    *exact = false;
    tmp[0] = '\0';
    if (old_c == new_c || old_c < 0 || new_c < 0) {
        /* nothing */
    } else if (new_c == 0) {
        f = PD_FLAG_ZERO;
        snprintf(tmp, sizeof tmp, "set to zero: it becomes free on every quote");
    } else if (old_c == 0) {
        f = PD_FLAG_FROM_ZERO;
        snprintf(tmp, sizeof tmp, "was free and now costs %s", money_usd(new_c, a, sizeof a));
    } else {
        /* cents are at most 1e12, so these products fit easily */
        for (int s = 10; s <= 1000 && !f; s *= 10) {
            /* within a factor 1.25 of the power of ten, either way */
            bool up = new_c * 5 >= old_c * s * 4 && new_c * 4 <= old_c * s * 5;
            bool down = old_c * 5 >= new_c * s * 4 && old_c * 4 <= new_c * s * 5;
            if (up || down) {
                int64_t big = up ? new_c : old_c, small = up ? old_c : new_c;
                *scale = s;
                *exact = big == small * s;
                f = up ? PD_FLAG_SCALE_UP : PD_FLAG_SCALE_DOWN;
                int64_t r = money_div_round(big * 100, small); /* ratio ×100 */
                if (*exact)
                    snprintf(tmp, sizeof tmp,
                             "the new price is exactly %s the old one: %s or a slipped decimal point?",
                             up ? (s == 10 ? "10 times" : s == 100 ? "100 times" : "1000 times")
                                : (s == 10 ? "a tenth of" : s == 100 ? "a hundredth of" : "a thousandth of"),
                             up ? "an extra zero" : "a lost zero");
                else
                    snprintf(tmp, sizeof tmp,
                             "the new price is about %s the old one (%s%" PRId64 ".%02" PRId64 "): a slipped decimal point?",
                             up ? (s == 10 ? "10 times" : s == 100 ? "100 times" : "1000 times")
                                : (s == 10 ? "a tenth of" : s == 100 ? "a hundredth of" : "a thousandth of"),
                             up ? "×" : "÷", r / 100, r % 100);
            }
        }
        int64_t delta = new_c - old_c, ad = delta < 0 ? -delta : delta;
        if (!f && ad * 2 > old_c) {
            f = PD_FLAG_OVER_50;
            snprintf(tmp, sizeof tmp, "the price changes by more than 50%% (%s)",
                     fmt_signed_bp(money_div_round(delta * 10000, old_c), a, sizeof a));
        }
    }
    if (why && size)
        snprintf(why, size, "%s", tmp);
    return f;
}

/* Record a money (or percentage) change with its amount, percent and checks. */
static struct pd_entry *add_money(struct builder *b, enum pd_section sec, enum pd_change ch,
                                  const char *id, const char *date, const char *field,
                                  int64_t oldc, int64_t newc, bool is_percent, bool checks)
{
    char o[40], n[40];
    if (is_percent) {
        percent_format((int32_t)oldc, '.', o, sizeof o);
        percent_format((int32_t)newc, '.', n, sizeof n);
    } else {
        money_usd(oldc, o, sizeof o);
        money_usd(newc, n, sizeof n);
    }
    struct pd_entry *e = add(b, sec, ch, id, date, field, o, n);
    if (!e)
        return NULL;
    e->money = !is_percent;
    e->percent_field = is_percent;
    e->old_cents = oldc;
    e->new_cents = newc;
    e->delta_cents = newc - oldc;
    if (oldc > 0) {
        e->has_percent = true;
        e->percent_bp = money_div_round(e->delta_cents * 10000, oldc);
    }
    if (checks) {
        char why[300];
        unsigned f = price_diff_check(oldc, newc, &e->scale, &e->scale_exact, why, sizeof why);
        set_check(b, e, f, why);
    }
    return e;
}

static bool str_eq(const char *a, const char *b)
{
    return !strcmp(a ? a : "", b ? b : "");
}

static void diff_text(struct builder *b, enum pd_section sec, const char *id, const char *field,
                      const char *o, const char *n)
{
    if (!str_eq(o, n))
        add(b, sec, PD_CHANGED, id, NULL, field, o && *o ? o : "(none)", n && *n ? n : "(none)");
}

static void diff_bool(struct builder *b, enum pd_section sec, const char *id, const char *field,
                      bool o, bool n)
{
    if (o != n)
        add(b, sec, PD_CHANGED, id, NULL, field, o ? "yes" : "no", n ? "yes" : "no");
}

static void diff_int(struct builder *b, enum pd_section sec, const char *id, const char *field,
                     int o, int n)
{
    char x[24], y[24];
    if (o == n)
        return;
    snprintf(x, sizeof x, "%d", o);
    snprintf(y, sizeof y, "%d", n);
    add(b, sec, PD_CHANGED, id, NULL, field, x, y);
}

/* ---- items and codes ----------------------------------------------------- */

static void diff_items(struct builder *b, const struct price_table *o, const struct price_table *n)
{
    char a[40];
    for (size_t i = 0; i < o->n_items; i++) {
        const struct pt_item *x = &o->items[i];
        const struct pt_item *y = pt_find_item(n, x->id);
        if (!y) {
            add(b, PD_ITEM, PD_REMOVED, x->id, NULL, NULL, money_usd(x->list_price, a, sizeof a), NULL);
            continue;
        }
        if (x->list_price != y->list_price)
            add_money(b, PD_ITEM, PD_CHANGED, x->id, NULL, "price", x->list_price, y->list_price,
                      false, true);
        diff_text(b, PD_ITEM, x->id, "code", x->code, y->code);
        diff_text(b, PD_ITEM, x->id, "coverage", coverage_id(x->coverage), coverage_id(y->coverage));
        diff_text(b, PD_ITEM, x->id, "description", x->description, y->description);
        diff_text(b, PD_ITEM, x->id, "coverage_reason", x->coverage_reason, y->coverage_reason);
        diff_text(b, PD_ITEM, x->id, "unit", x->unit, y->unit);
        diff_text(b, PD_ITEM, x->id, "phase", phase_id(x->phase), phase_id(y->phase));
        diff_bool(b, PD_ITEM, x->id, "taxable", x->taxable, y->taxable);
        diff_bool(b, PD_ITEM, x->id, "separate", x->separate, y->separate);
        if (!str_eq(x->billed_by, y->billed_by)) {
            /* who bills an item decides whose estimate it is in and whether
             * the clinic collects it: never a silent change */
            struct pd_entry *e = add(b, PD_ITEM, PD_CHANGED, x->id, NULL, "billed_by",
                                     x->billed_by ? x->billed_by : "(the clinic)",
                                     y->billed_by ? y->billed_by : "(the clinic)");
            set_check(b, e, PD_FLAG_BILLER_CHANGED,
                      "who bills it changes: quotes group it under another provider or facility, and "
                      "whether the clinic collects it may change");
        }
    }
    for (size_t i = 0; i < n->n_items; i++) {
        const struct pt_item *y = &n->items[i];
        if (pt_find_item(o, y->id))
            continue;
        struct pd_entry *e = add(b, PD_ITEM, PD_ADDED, y->id, NULL, NULL, NULL,
                                 money_usd(y->list_price, a, sizeof a));
        if (e) {
            e->money = true;
            e->new_cents = y->list_price;
        }
    }
}

static bool has_code(const struct pt_item *it, const char *code)
{
    return it && it->code && !strcmp(it->code, code);
}

/* A code that left item X and arrived on item Y (X != Y) "moved". */
static void diff_codes(struct builder *b, const struct price_table *o, const struct price_table *n)
{
    for (size_t i = 0; i < o->n_items; i++) {
        const struct pt_item *x = &o->items[i];
        const char *code = x->code;
        if (!code || !code[0] || has_code(pt_find_item(n, x->id), code))
            continue;
        /* report each code once, for its first leaving item */
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = has_code(&o->items[k], code) && !has_code(pt_find_item(n, o->items[k].id), code);
        if (seen)
            continue;
        for (size_t j = 0; j < n->n_items; j++) {
            const struct pt_item *y = &n->items[j];
            if (!has_code(y, code) || has_code(pt_find_item(o, y->id), code))
                continue;
            for (size_t k = i; k < o->n_items; k++) {
                const struct pt_item *from = &o->items[k];
                if (!has_code(from, code) || has_code(pt_find_item(n, from->id), code) ||
                    !strcmp(from->id, y->id))
                    continue;
                char fo[80], to[80], why[300];
                snprintf(fo, sizeof fo, "item '%s'", from->id);
                snprintf(to, sizeof to, "item '%s'", y->id);
                snprintf(why, sizeof why,
                         "billing code %s moved from item '%s' to item '%s': check both items are coded right",
                         code, from->id, y->id);
                struct pd_entry *e = add(b, PD_CODE, PD_CHANGED, code, NULL, "moved", fo, to);
                set_check(b, e, PD_FLAG_CODE_MOVED, why);
            }
        }
    }
}

/* ---- packages ---------------------------------------------------------- */

static int64_t list_a_la_carte(const struct pt_package *pk, bool *ok)
{
    int64_t sum = 0, amt;
    *ok = true;
    for (size_t k = 0; k < pk->n_includes; k++)
        if (!money_mul(pk->includes[k].item->list_price, pk->includes[k].quantity, &amt) ||
            !money_add(sum, amt, &sum))
            *ok = false;
    return sum;
}

static int include_qty(const struct pt_package *pk, const char *item)
{
    for (size_t k = 0; k < pk->n_includes; k++)
        if (!strcmp(pk->includes[k].item->id, item))
            return pk->includes[k].quantity;
    return 0;
}

static void diff_packages(struct builder *b, const struct price_table *o, const struct price_table *n)
{
    char a[40];
    for (size_t i = 0; i < o->n_packages; i++) {
        const struct pt_package *x = &o->packages[i];
        const struct pt_package *y = pt_find_package(n, x->id);
        if (!y) {
            add(b, PD_PACKAGE, PD_REMOVED, x->id, NULL, NULL, money_usd(x->list_price, a, sizeof a), NULL);
            continue;
        }
        if (x->list_price != y->list_price)
            add_money(b, PD_PACKAGE, PD_CHANGED, x->id, NULL, "price", x->list_price, y->list_price,
                      false, true);
        diff_text(b, PD_PACKAGE, x->id, "name", x->name, y->name);
        diff_text(b, PD_PACKAGE, x->id, "description", x->description, y->description);
        for (size_t k = 0; k < x->n_includes; k++) {
            const char *item = x->includes[k].item->id;
            int q = include_qty(y, item);
            if (q != x->includes[k].quantity) {
                char f[120], ov[24], nv[24];
                snprintf(f, sizeof f, "includes %s", item);
                snprintf(ov, sizeof ov, "%d", x->includes[k].quantity);
                snprintf(nv, sizeof nv, "%d", q);
                add(b, PD_PACKAGE, PD_CHANGED, x->id, NULL, f, ov, q ? nv : "(not included)");
            }
        }
        for (size_t k = 0; k < y->n_includes; k++) {
            const char *item = y->includes[k].item->id;
            if (include_qty(x, item) == 0) {
                char f[120], nv[24];
                snprintf(f, sizeof f, "includes %s", item);
                snprintf(nv, sizeof nv, "%d", y->includes[k].quantity);
                add(b, PD_PACKAGE, PD_CHANGED, x->id, NULL, f, "(not included)", nv);
            }
        }
        bool ok1, ok2;
        int64_t so = list_a_la_carte(x, &ok1) - x->list_price;
        int64_t sn = list_a_la_carte(y, &ok2) - y->list_price;
        if (ok1 && ok2 && so != sn) {
            struct pd_entry *e = add_money(b, PD_PACKAGE, PD_CHANGED, x->id, NULL, "saving", so, sn,
                                           false, false);
            if (sn <= 0 && so > 0) {
                char why[200];
                snprintf(why, sizeof why,
                         "the package no longer saves the patient anything (its items cost %s separately)",
                         money_usd(sn + y->list_price, a, sizeof a));
                set_check(b, e, PD_FLAG_NO_SAVING, why);
            }
        }
    }
    for (size_t i = 0; i < n->n_packages; i++)
        if (!pt_find_package(o, n->packages[i].id))
            add(b, PD_PACKAGE, PD_ADDED, n->packages[i].id, NULL, NULL, NULL,
                money_usd(n->packages[i].list_price, a, sizeof a));
}

/* ---- discounts ----------------------------------------------------------- */

static void discount_value(const struct pt_discount *d, int64_t *v, bool *pct)
{
    *pct = d->type == DISCOUNT_PERCENT;
    *v = *pct ? d->percent : d->amount;
}

static void diff_discount_num(struct builder *b, const char *id, const char *field, int64_t o,
                              int64_t n, bool pct, bool zero_is_none)
{
    if (o == n)
        return;
    if (zero_is_none && (o == 0 || n == 0)) {
        char x[40], y[40];
        if (pct) {
            percent_format((int32_t)o, '.', x, sizeof x);
            percent_format((int32_t)n, '.', y, sizeof y);
        } else {
            money_usd(o, x, sizeof x);
            money_usd(n, y, sizeof y);
        }
        add(b, PD_DISCOUNT, PD_CHANGED, id, NULL, field, o ? x : "(none)", n ? y : "(none)");
        return;
    }
    add_money(b, PD_DISCOUNT, PD_CHANGED, id, NULL, field, o, n, pct, true);
}

static void applies_text(const struct pt_discount *d, char *buf, size_t size)
{
    size_t off = 0;
    buf[0] = '\0';
    if (!d->applies_to) {
        snprintf(buf, size, "(every service)");
        return;
    }
    for (size_t k = 0; k < d->n_applies_to && off < size; k++)
        off += (size_t)snprintf(buf + off, size - off, "%s%s", k ? ", " : "", d->applies_to[k]->id);
}

static void diff_discounts(struct builder *b, const struct price_table *o, const struct price_table *n)
{
    for (size_t i = 0; i < o->n_discounts; i++) {
        const struct pt_discount *x = &o->discounts[i];
        const struct pt_discount *y = pt_find_discount(n, x->id);
        if (!y) {
            add(b, PD_DISCOUNT, PD_REMOVED, x->id, NULL, NULL, x->name, NULL);
            continue;
        }
        diff_text(b, PD_DISCOUNT, x->id, "name", x->name, y->name);
        if (x->type != y->type) {
            diff_text(b, PD_DISCOUNT, x->id, "type", x->type == DISCOUNT_PERCENT ? "percent" : "amount",
                      y->type == DISCOUNT_PERCENT ? "percent" : "amount");
        } else {
            int64_t vo, vn;
            bool pct;
            discount_value(x, &vo, &pct);
            discount_value(y, &vn, &pct);
            if (x->has_value || y->has_value)
                diff_discount_num(b, x->id, pct ? "percent" : "amount", x->has_value ? vo : 0,
                                  y->has_value ? vn : 0, pct, !(x->has_value && y->has_value));
            if (pct)
                diff_discount_num(b, x->id, "max_percent", x->max_percent, y->max_percent, true, true);
            else
                diff_discount_num(b, x->id, "max_amount", x->max_amount, y->max_amount, false, true);
        }
        diff_discount_num(b, x->id, "cap", x->cap, y->cap, false, true);
        diff_bool(b, PD_DISCOUNT, x->id, "requires_reason", x->requires_reason, y->requires_reason);
        diff_bool(b, PD_DISCOUNT, x->id, "with_package", x->with_package, y->with_package);
        char ao[600], an[600];
        applies_text(x, ao, sizeof ao);
        applies_text(y, an, sizeof an);
        diff_text(b, PD_DISCOUNT, x->id, "applies_to", ao, an);
    }
    for (size_t i = 0; i < n->n_discounts; i++)
        if (!pt_find_discount(o, n->discounts[i].id))
            add(b, PD_DISCOUNT, PD_ADDED, n->discounts[i].id, NULL, NULL, NULL, n->discounts[i].name);
}

/* ---- scheduled changes ------------------------------------------------------ */

static const struct pt_change *find_change(const struct price_table *pt, rq_date on)
{
    for (size_t i = 0; i < pt->n_changes; i++)
        if (pt->changes[i].effective_date == on)
            return &pt->changes[i];
    return NULL;
}

/* The price of item (or package, when pkg) in force just before date on. */
static int64_t price_before(const struct price_table *pt, const char *id, bool pkg, rq_date on)
{
    int64_t v = 0;
    if (pkg) {
        const struct pt_package *p = pt_find_package(pt, id);
        v = p ? p->list_price : 0;
    } else {
        const struct pt_item *it = pt_find_item(pt, id);
        v = it ? it->list_price : 0;
    }
    for (size_t i = 0; i < pt->n_changes && pt->changes[i].effective_date < on; i++) {
        const struct pt_change *c = &pt->changes[i];
        if (pkg) {
            for (size_t k = 0; k < c->n_package_prices; k++)
                if (!strcmp(c->package_prices[k].package->id, id))
                    v = c->package_prices[k].price;
        } else {
            for (size_t k = 0; k < c->n_prices; k++)
                if (!strcmp(c->prices[k].item->id, id))
                    v = c->prices[k].price;
        }
    }
    return v;
}

/* A scheduled price of change c (of table t), if it lists id. */
static bool change_price(const struct pt_change *c, const char *id, bool pkg, int64_t *out)
{
    if (!c)
        return false;
    if (pkg) {
        for (size_t k = 0; k < c->n_package_prices; k++)
            if (!strcmp(c->package_prices[k].package->id, id)) {
                *out = c->package_prices[k].price;
                return true;
            }
    } else {
        for (size_t k = 0; k < c->n_prices; k++)
            if (!strcmp(c->prices[k].item->id, id)) {
                *out = c->prices[k].price;
                return true;
            }
    }
    return false;
}

static void diff_change_prices(struct builder *b, const struct pt_change *co,
                               const struct price_table *n,
                               const struct pt_change *cn, bool pkg)
{
    char date[16], a[40];
    const struct pt_change *c = cn ? cn : co;
    date_iso(c->effective_date, date);
    const char *field = pkg ? "package price" : "price";
    size_t nn = cn ? (pkg ? cn->n_package_prices : cn->n_prices) : 0;
    for (size_t k = 0; k < nn; k++) {
        const char *id = pkg ? cn->package_prices[k].package->id : cn->prices[k].item->id;
        int64_t v = pkg ? cn->package_prices[k].price : cn->prices[k].price, old;
        if (change_price(co, id, pkg, &old)) {
            if (old != v)
                add_money(b, PD_SCHEDULE, PD_CHANGED, id, date, field, old, v, false, true);
        } else {
            /* newly scheduled: compare with what is in force just before */
            add_money(b, PD_SCHEDULE, PD_ADDED, id, date, field,
                      price_before(n, id, pkg, cn->effective_date), v, false, true);
        }
    }
    size_t no = co ? (pkg ? co->n_package_prices : co->n_prices) : 0;
    for (size_t k = 0; k < no; k++) {
        const char *id = pkg ? co->package_prices[k].package->id : co->prices[k].item->id;
        int64_t v = pkg ? co->package_prices[k].price : co->prices[k].price, x;
        if (!change_price(cn, id, pkg, &x))
            add(b, PD_SCHEDULE, PD_REMOVED, id, date, field, money_usd(v, a, sizeof a), NULL);
    }
}

static void diff_schedule(struct builder *b, const struct price_table *o, const struct price_table *n)
{
    char date[16], desc[400];
    for (size_t i = 0; i < o->n_changes; i++) {
        const struct pt_change *co = &o->changes[i];
        const struct pt_change *cn = find_change(n, co->effective_date);
        date_iso(co->effective_date, date);
        if (!cn) {
            snprintf(desc, sizeof desc, "version %s, %zu price%s", co->version ? co->version : "?",
                     co->n_prices + co->n_package_prices,
                     co->n_prices + co->n_package_prices == 1 ? "" : "s");
            add(b, PD_SCHEDULE, PD_REMOVED, co->version, date, NULL, desc, NULL);
            diff_change_prices(b, co, n, NULL, false);
            diff_change_prices(b, co, n, NULL, true);
            continue;
        }
        if (!str_eq(co->version, cn->version))
            add(b, PD_SCHEDULE, PD_CHANGED, cn->version, date, "version", co->version, cn->version);
        if (!str_eq(co->note, cn->note))
            add(b, PD_SCHEDULE, PD_CHANGED, cn->version, date, "note", co->note ? co->note : "(none)",
                cn->note ? cn->note : "(none)");
        diff_change_prices(b, co, n, cn, false);
        diff_change_prices(b, co, n, cn, true);
    }
    for (size_t i = 0; i < n->n_changes; i++) {
        const struct pt_change *cn = &n->changes[i];
        if (find_change(o, cn->effective_date))
            continue;
        date_iso(cn->effective_date, date);
        snprintf(desc, sizeof desc, "version %s, %zu price%s%s%s", cn->version ? cn->version : "?",
                 cn->n_prices + cn->n_package_prices, cn->n_prices + cn->n_package_prices == 1 ? "" : "s",
                 cn->note ? ": " : "", cn->note ? cn->note : "");
        add(b, PD_SCHEDULE, PD_ADDED, cn->version, date, NULL, NULL, desc);
        diff_change_prices(b, NULL, n, cn, false);
        diff_change_prices(b, NULL, n, cn, true);
    }
}

/* ---- the rest of the catalog --------------------------------------------- */

#define DIFF_IDS(sec, type, arr, count, find, name)                                     \
    do {                                                                                \
        for (size_t i = 0; i < o->count; i++) {                                         \
            const type *x = &o->arr[i], *y = find(n, x->id);                            \
            if (!y)                                                                     \
                add(b, sec, PD_REMOVED, x->id, NULL, NULL, x->name, NULL);              \
            else                                                                        \
                diff_text(b, sec, x->id, "name", x->name, y->name);                     \
        }                                                                               \
        for (size_t i = 0; i < n->count; i++)                                           \
            if (!find(o, n->arr[i].id))                                                 \
                add(b, sec, PD_ADDED, n->arr[i].id, NULL, NULL, NULL, n->arr[i].name);  \
    } while (0)

static void diff_rest(struct builder *b, const struct price_table *o, const struct price_table *n)
{
    DIFF_IDS(PD_AREA, struct pt_area, areas, n_areas, pt_find_area, name);
    DIFF_IDS(PD_SOURCE, struct pt_source, sources, n_sources, pt_find_source, name);
    DIFF_IDS(PD_METHOD, struct pt_method, methods, n_methods, pt_find_method, name);
    DIFF_IDS(PD_ADJUNCT, struct pt_adjunct, adjuncts, n_adjuncts, pt_find_adjunct, name);
    for (size_t i = 0; i < o->n_adjuncts; i++) {
        const struct pt_adjunct *x = &o->adjuncts[i], *y = pt_find_adjunct(n, x->id);
        if (!y)
            continue;
        diff_text(b, PD_ADJUNCT, x->id, "item", x->item ? x->item->id : "", y->item ? y->item->id : "");
        diff_bool(b, PD_ADJUNCT, x->id, "included", x->included, y->included);
        diff_int(b, PD_ADJUNCT, x->id, "default_count", x->default_count, y->default_count);
        diff_int(b, PD_ADJUNCT, x->id, "max_count", x->max_count, y->max_count);
    }
}
#undef DIFF_IDS

/* ---- entry points --------------------------------------------------------- */

static bool any_price_change(const struct price_diff *d)
{
    for (size_t i = 0; i < d->n; i++) {
        const struct pd_entry *e = &d->v[i];
        if ((e->section == PD_ITEM || e->section == PD_PACKAGE) && e->field &&
            !strcmp(e->field, "price"))
            return true;
        if (e->section == PD_SCHEDULE)
            return true;
    }
    return false;
}

int price_diff_compute(struct price_diff *d, const struct price_table *o,
                       const struct price_table *n, struct diag_list *dl)
{
    memset(d, 0, sizeof *d);
    struct builder b = { .d = d };
    d->old_version = xstrdup(&b, o->version ? o->version : "");
    d->new_version = xstrdup(&b, n->version ? n->version : "");
    d->old_effective = o->effective_date;
    d->new_effective = n->effective_date;
    char x[16], y[16];
    if (!str_eq(o->version, n->version))
        add(&b, PD_TABLE, PD_CHANGED, NULL, NULL, "version", o->version, n->version);
    if (o->effective_date != n->effective_date) {
        struct pd_entry *e = add(&b, PD_TABLE, PD_CHANGED, NULL, NULL, "effective_date",
                                 date_iso(o->effective_date, x), date_iso(n->effective_date, y));
        if (n->effective_date < o->effective_date)
            set_check(&b, e, PD_FLAG_DATE_EARLIER,
                      "the new effective date is earlier than the old one: quotes already issued may show prices that were not yet in force");
    }
    diff_items(&b, o, n);
    diff_codes(&b, o, n);
    diff_packages(&b, o, n);
    diff_discounts(&b, o, n);
    diff_schedule(&b, o, n);
    diff_rest(&b, o, n);
    if (!b.oom && str_eq(o->version, n->version) && any_price_change(d)) {
        struct pd_entry *e = add(&b, PD_TABLE, PD_CHANGED, NULL, NULL, "version", o->version, n->version);
        set_check(&b, e, PD_FLAG_VERSION_UNCHANGED,
                  "prices change but the version does not: quotes could not be traced to the prices they used; give the table a new version");
    }
    if (b.oom) {
        price_diff_free(d);
        diag_error(dl, NULL, NULL, "out of memory while comparing price tables");
        return -1;
    }
    return 0;
}

void price_diff_free(struct price_diff *d)
{
    for (size_t i = 0; i < d->n; i++) {
        struct pd_entry *e = &d->v[i];
        free(e->id);
        free(e->date);
        free(e->field);
        free(e->old_value);
        free(e->new_value);
        free(e->check);
    }
    free(d->v);
    free(d->old_version);
    free(d->new_version);
    memset(d, 0, sizeof *d);
}

/* ---- writing -------------------------------------------------------------- */

/* A value on one line: line breaks and tabs shown as \n and \t. */
static void put_visible(const char *s, FILE *out)
{
    for (; *s; s++) {
        if (*s == '\n')
            fputs("\\n", out);
        else if (*s == '\t')
            fputs("\\t", out);
        else if (*s == '\r')
            fputs("\\r", out);
        else
            fputc(*s, out);
    }
}

static void write_entry_text(const struct pd_entry *e, FILE *out)
{
    char name[200], a[40], p[40];
    if (e->section == PD_TABLE)
        snprintf(name, sizeof name, "%s", e->field);
    else if (e->date)
        snprintf(name, sizeof name, "%s %s", e->date, e->id ? e->id : "");
    else
        snprintf(name, sizeof name, "%s", e->id ? e->id : "");
    if (e->flags & PD_FLAG_VERSION_UNCHANGED) {
        fprintf(out, "  %-28s %s (unchanged)\n", name, e->new_value ? e->new_value : "");
    } else if (e->change == PD_ADDED && !e->field) {
        fprintf(out, "  %-28s added: %s\n", name, e->new_value ? e->new_value : "");
    } else if (e->change == PD_REMOVED && !e->field) {
        fprintf(out, "  %-28s removed (was %s)\n", name, e->old_value ? e->old_value : "");
    } else if (e->section == PD_CODE) {
        fprintf(out, "  %-28s moved from %s to %s\n", name, e->old_value, e->new_value);
    } else {
        const char *field = e->section == PD_TABLE ? "" : e->field;
        const char *how = e->change == PD_ADDED ? " (newly scheduled)" :
                          e->change == PD_REMOVED ? " (no longer scheduled)" : "";
        const char *o = e->old_value ? e->old_value : "(none)";
        const char *n = e->new_value ? e->new_value : "(none)";
        if (e->money || e->percent_field) {
            char delta[80] = "";
            if (e->money)
                snprintf(delta, sizeof delta, " (%s%s%s%s)", e->delta_cents >= 0 ? "+" : "",
                         money_usd(e->delta_cents, a, sizeof a), e->has_percent ? ", " : "",
                         e->has_percent ? fmt_signed_bp(e->percent_bp, p, sizeof p) : "");
            fprintf(out, "  %-28s %s %s -> %s%s%s\n", name, field, o, n, delta, how);
        } else if (strlen(o) + strlen(n) > 60 || strchr(o, '\n') || strchr(n, '\n')) {
            fprintf(out, "  %-28s %s%s\n      was: ", name, field, how);
            put_visible(o, out);
            fputs("\n      now: ", out);
            put_visible(n, out);
            fputc('\n', out);
        } else {
            fprintf(out, "  %-28s %s%s%s -> %s%s\n", name, field, *field ? " " : "", o, n, how);
        }
    }
    if (e->flags)
        fprintf(out, "      CHECK: %s\n", e->check ? e->check : "");
}

/* Entries that are differences (the "version unchanged" check is not one). */
static size_t count_differences(const struct price_diff *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++)
        n += !(d->v[i].flags & PD_FLAG_VERSION_UNCHANGED);
    return n;
}

int price_diff_write_text(const struct price_diff *d, const char *old_label, const char *new_label,
                          FILE *out)
{
    char a[16], b[16];
    fprintf(out, "Old: %s (version %s, effective %s)\n", old_label, d->old_version,
            date_iso(d->old_effective, a));
    fprintf(out, "New: %s (version %s, effective %s)\n", new_label, d->new_version,
            date_iso(d->new_effective, b));
    if (d->n == 0) {
        fprintf(out, "\nNo differences.\n");
        return ferror(out) ? -1 : 0;
    }
    for (int s = 0; s < PD_SECTION_COUNT; s++) {
        bool title = false;
        for (size_t i = 0; i < d->n; i++) {
            if ((int)d->v[i].section != s)
                continue;
            if (!title)
                fprintf(out, "\n%s\n", SECTION_TITLES[s]);
            title = true;
            write_entry_text(&d->v[i], out);
        }
    }
    size_t n = count_differences(d);
    fprintf(out, "\n%zu difference%s", n, n == 1 ? "" : "s");
    if (d->n_flagged)
        fprintf(out, "; %zu to check (marked CHECK)", d->n_flagged);
    fprintf(out, ".\n");
    return ferror(out) ? -1 : 0;
}

/* ---- JSON (through cJSON) ---------------------------------------------------- */

/* Each adds one member and returns false when out of memory. */
static bool put_str(cJSON *o, const char *name, const char *s)
{
    return (s ? cJSON_AddStringToObject(o, name, s) : cJSON_AddNullToObject(o, name)) != NULL;
}

/* An exact integer: cJSON's numbers are doubles, which would write a
 * percent_bp of 10^16 as 1e+16. */
static bool put_int(cJSON *o, const char *name, int64_t v)
{
    char b[24];
    snprintf(b, sizeof b, "%" PRId64, v);
    return cJSON_AddRawToObject(o, name, b) != NULL;
}

static bool put_side(cJSON *root, const char *side, const char *label, const char *version,
                     rq_date effective)
{
    char date[16];
    cJSON *o = cJSON_AddObjectToObject(root, side);
    return o && put_str(o, "source", label) && put_str(o, "version", version) &&
           put_str(o, "effective_date", date_iso(effective, date));
}

static bool put_flags(cJSON *o, const struct pd_entry *e)
{
    static const struct {
        unsigned bit;
        const char *id;
    } named[] = {
        { PD_FLAG_OVER_50, "over_50_percent" },       { PD_FLAG_ZERO, "set_to_zero" },
        { PD_FLAG_FROM_ZERO, "was_free" },            { PD_FLAG_CODE_MOVED, "code_moved" },
        { PD_FLAG_NO_SAVING, "package_saves_nothing" }, { PD_FLAG_VERSION_UNCHANGED, "version_unchanged" },
        { PD_FLAG_BILLER_CHANGED, "billed_by_changed" },
        { PD_FLAG_DATE_EARLIER, "effective_date_earlier" }, { PD_FLAG_BILLER_CHANGED, "billed_by_changed" },
    };
    cJSON *a = cJSON_AddArrayToObject(o, "flags");
    bool ok = a != NULL;
    char scale[32];
    if (ok && (e->flags & (PD_FLAG_SCALE_UP | PD_FLAG_SCALE_DOWN))) {
        snprintf(scale, sizeof scale, "%s_%d", e->flags & PD_FLAG_SCALE_UP ? "times" : "divided_by", e->scale);
        ok = cJSON_AddItemToArray(a, cJSON_CreateString(scale));
    }
    for (size_t i = 0; ok && i < sizeof named / sizeof named[0]; i++)
        if (e->flags & named[i].bit)
            ok = cJSON_AddItemToArray(a, cJSON_CreateString(named[i].id));
    return ok;
}

static bool put_entry(cJSON *changes, const struct pd_entry *e)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToArray(changes, o)) {
        cJSON_Delete(o);
        return false;
    }
    bool ok = put_str(o, "section", pd_section_id(e->section)) && put_str(o, "change", pd_change_id(e->change)) &&
              put_str(o, "id", e->id) && put_str(o, "effective_date", e->date) &&
              put_str(o, "field", e->field) && put_str(o, "old", e->old_value) &&
              put_str(o, "new", e->new_value);
    if (ok && (e->money || e->percent_field)) {
        char name[16];
        const char *unit = e->money ? "cents" : "bp";
        bool was = e->change != PD_ADDED || e->field;
        snprintf(name, sizeof name, "old_%s", unit);
        ok = !was || put_int(o, name, e->old_cents);
        snprintf(name, sizeof name, "new_%s", unit);
        ok = ok && put_int(o, name, e->new_cents);
        snprintf(name, sizeof name, "delta_%s", unit);
        ok = ok && (!was || put_int(o, name, e->delta_cents));
        ok = ok && (!e->has_percent || put_int(o, "percent_bp", e->percent_bp));
    }
    return ok && put_flags(o, e) && put_str(o, "check", e->check);
}

int price_diff_write_json(const struct price_diff *d, const char *old_label, const char *new_label,
                          FILE *out)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *changes = NULL;
    bool ok = root && put_side(root, "old", old_label, d->old_version, d->old_effective) &&
              put_side(root, "new", new_label, d->new_version, d->new_effective) &&
              put_int(root, "differences", (int64_t)count_differences(d)) &&
              put_int(root, "flagged", (int64_t)d->n_flagged) &&
              (changes = cJSON_AddArrayToObject(root, "changes")) != NULL;
    for (size_t i = 0; ok && i < d->n; i++)
        ok = put_entry(changes, &d->v[i]);
    char *text = ok ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return -1;
    int rc = fputs(text, out) < 0 || fputc('\n', out) == EOF || ferror(out) ? -1 : 0;
    cJSON_free(text);
    return rc;
}
