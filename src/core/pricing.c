#include "pricing.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"
#include "template.h"

/* Engine state while building one quote. */
struct eng {
    const struct price_table *pt;
    const struct plan *plan;
    struct quote *q;
    struct diag_list *dl;
    struct template words;      /* the engine's words in the quote's language */
    size_t errors_at_start;
    size_t cap_lines, cap_visits;
};

/* The engine's own words: visit names and the descriptions of the lines it
 * adds, from templates/<lang>/engine.txt (built into the program, so that
 * pricing needs the price tables only; texts from the tables come in the
 * language they were set to with price_table_use_language). */
static const struct template_key WORDS[] = {
    { "visit.procedure", "" },
    { "visit.repeat", "session" },
    { "adjunct.course", "name count" },
    { "package.saving", "name price separate" },
    { "discount.percent", "name percent base" },
    { "discount.percent_capped", "name percent base cap" },
    { "discount.reason", "discount reason" },
    { "tax.line", "label percent amount" },
    { "tax.label", "" },
};

/* The value of key with its placeholders filled (name, value, …, NULL):
 * malloc'd, or NULL with a diagnostic. */
#define SAY(e, ...) template_expand_pairs(&(e)->words, (e)->dl, __VA_ARGS__)

static bool failed(const struct eng *e)
{
    return e->dl->errors > e->errors_at_start;
}

#define PERR(e, path, ...) plan_diag((e)->plan, (e)->dl, DIAG_ERROR, path, __VA_ARGS__)

static void oom(struct eng *e)
{
    diag_error(e->dl, NULL, NULL, "out of memory");
}

/* A comma-separated list of ids for "expected one of" messages. */
static const char *list_ids(char *buf, size_t size, const void *arr, size_t n, size_t stride,
                            size_t id_off, bool (*keep)(const void *))
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const void *el = (const char *)arr + i * stride;
        if (keep && !keep(el))
            continue;
        const char *id = *(const char *const *)((const char *)el + id_off);
        int w = snprintf(buf + off, off < size ? size - off : 0, "%s%s", off ? ", " : "", id);
        if (w > 0)
            off += (size_t)w;
    }
    return buf;
}

static bool sellable_source(const void *p)
{
    return ((const struct pt_source *)p)->research_only == NULL;
}

static void unknown(struct eng *e, const char *path, const char *kind, const char *what,
                    const char *word, const char *choices)
{
    const char *hint = pt_suggest(e->pt, kind, word);
    if (hint)
        PERR(e, path, "unknown %s '%.60s'; did you mean '%s'?", what, word, hint);
    else
        PERR(e, path, "unknown %s '%.60s'; expected one of: %s", what, word, choices);
}

/* ---- resolving the plan against the tables ------------------------------ */

static void resolve(struct eng *e)
{
    const struct price_table *pt = e->pt;
    const struct plan *p = e->plan;
    struct quote *q = e->q;
    char buf[1024];

    /* cell source and processing method */
    list_ids(buf, sizeof buf, pt->sources, pt->n_sources, sizeof *pt->sources,
             offsetof(struct pt_source, id), sellable_source);
    if (!p->source) {
        PERR(e, "cell_source", "is missing; choose one of: %s", buf);
    } else if (!(q->source = pt_find_source(pt, p->source))) {
        unknown(e, "cell_source", "source", "cell source", p->source, buf);
    } else if (q->source->research_only) {
        PERR(e, "cell_source", "'%s' cannot be quoted: %s", q->source->id, q->source->research_only);
        q->source = NULL;
    }
    if (q->source) {
        char fit[512];
        size_t off = 0, nfit = 0;
        const struct pt_method *only = NULL;
        fit[0] = '\0';
        for (size_t i = 0; i < pt->n_methods; i++)
            if (pt_method_fits(&pt->methods[i], q->source)) {
                int w = snprintf(fit + off, sizeof fit - off, "%s%s", off ? ", " : "", pt->methods[i].id);
                if (w > 0 && (size_t)w < sizeof fit - off)
                    off += (size_t)w;
                nfit++;
                only = &pt->methods[i];
            }
        if (!p->method) {
            if (nfit == 1)
                q->method = only;
            else
                PERR(e, "processing_method", "is missing; for '%s' choose one of: %s", q->source->id, fit);
        } else if (!(q->method = pt_find_method(pt, p->method))) {
            list_ids(buf, sizeof buf, pt->methods, pt->n_methods, sizeof *pt->methods,
                     offsetof(struct pt_method, id), NULL);
            unknown(e, "processing_method", "method", "processing method", p->method, buf);
        } else if (!pt_method_fits(q->method, q->source)) {
            PERR(e, "processing_method", "'%s' does not fit cell source '%s'; for %s use: %s",
                 q->method->id, q->source->id, q->source->id, fit);
            q->method = NULL;
        }
    }

    /* areas */
    if (p->n_areas == 0)
        PERR(e, "areas", "is missing; name at least one treatment area such as left-ankle");
    else if (p->n_areas > (size_t)pt->max_areas)
        PERR(e, "areas", "has %zu areas; the clinic treats at most %d in one visit", p->n_areas,
             pt->max_areas);
    q->areas = calloc(p->n_areas ? p->n_areas : 1, sizeof *q->areas);
    if (!q->areas) {
        oom(e);
        return;
    }
    list_ids(buf, sizeof buf, pt->areas, pt->n_areas, sizeof *pt->areas,
             offsetof(struct pt_area, id), NULL);
    for (size_t i = 0; i < p->n_areas; i++) {
        char path[64];
        snprintf(path, sizeof path, "areas[%zu]", i);
        const struct pt_area *a = pt_find_area(pt, p->areas[i]);
        if (!a) {
            unknown(e, path, "area", "treatment area", p->areas[i], buf);
            continue;
        }
        for (size_t k = 0; k < q->n_areas; k++)
            if (q->areas[k] == a)
                PERR(e, path, "'%s' is listed twice; list each area once", a->id);
        q->areas[q->n_areas++] = a;
    }

    /* guidance */
    if (p->guidance) {
        if (!(q->guidance = pt_find_guidance(pt, p->guidance))) {
            list_ids(buf, sizeof buf, pt->guidance, pt->n_guidance, sizeof *pt->guidance,
                     offsetof(struct pt_guidance, id), NULL);
            unknown(e, "guidance", "guidance", "image guidance", p->guidance, buf);
        }
    } else {
        q->guidance = pt->default_guidance;
    }

    /* sessions and repeats */
    q->sessions = p->sessions ? p->sessions : 1;
    if (q->sessions < 1 || q->sessions > pt->max_sessions) {
        PERR(e, "sessions", "%d is out of range; the clinic offers 1 to %d MSC sessions", q->sessions,
             pt->max_sessions);
        q->sessions = 1;
    }
    q->spacing_weeks = p->spacing_weeks ? p->spacing_weeks : pt->spacing_weeks;
    if (p->spacing_weeks && (p->spacing_weeks < pt->min_spacing_weeks ||
                             p->spacing_weeks > pt->max_spacing_weeks))
        PERR(e, "session_spacing_weeks", "%d weeks is out of range; repeats are spaced %d to %d weeks apart",
             p->spacing_weeks, pt->min_spacing_weeks, pt->max_spacing_weeks);
    if (q->source) {
        bool can_bank = q->source->bankable && pt->banking_item && pt->thaw_item;
        if (p->cells == PLAN_CELLS_BANKED && !can_bank)
            PERR(e, "repeat_cells", "cells from '%s' cannot be banked; use \"new-harvest\"", q->source->id);
        q->banked = can_bank && (p->cells == PLAN_CELLS_BANKED ||
                                 (p->cells == PLAN_CELLS_DEFAULT && pt->default_banked));
    }

    /* package */
    if (p->package && !(q->package = pt_find_package(pt, p->package))) {
        list_ids(buf, sizeof buf, pt->packages, pt->n_packages, sizeof *pt->packages,
                 offsetof(struct pt_package, id), NULL);
        unknown(e, "package", "package", "package", p->package, buf);
    }

    /* provider, location, language */
    const struct pt_clinic *c = &pt->clinic;
    q->provider = c->default_provider;
    if (p->provider && !(q->provider = pt_find_provider(pt, p->provider))) {
        list_ids(buf, sizeof buf, c->providers, c->n_providers, sizeof *c->providers,
                 offsetof(struct pt_provider, id), NULL);
        unknown(e, "provider", "provider", "provider", p->provider, buf);
    }
    q->location = c->default_location;
    if (p->location && !(q->location = pt_find_location(pt, p->location))) {
        list_ids(buf, sizeof buf, c->locations, c->n_locations, sizeof *c->locations,
                 offsetof(struct pt_location, id), NULL);
        unknown(e, "location", "location", "location", p->location, buf);
    }
    q->language = p->language ? p->language : "en";

    /* dates */
    q->valid_until = q->issued + c->validity_days;
    if (p->has_scheduled) {
        if (p->scheduled < q->issued) {
            char a[11], b[11];
            PERR(e, "scheduled_date", "%s is before the quote date %s; give a future date",
                 date_iso(p->scheduled, a), date_iso(q->issued, b));
        }
        q->has_scheduled = true;
        q->scheduled = p->scheduled;
    }

    /* adjuncts named in "without" must be ones every plan includes */
    for (size_t i = 0; i < p->n_without; i++) {
        char path[64];
        snprintf(path, sizeof path, "without[%zu]", i);
        const struct pt_adjunct *a = pt_find_adjunct(pt, p->without[i]);
        if (!a) {
            list_ids(buf, sizeof buf, pt->adjuncts, pt->n_adjuncts, sizeof *pt->adjuncts,
                     offsetof(struct pt_adjunct, id), NULL);
            unknown(e, path, "adjunct", "adjunct", p->without[i], buf);
        } else if (!a->included) {
            PERR(e, path, "'%s' is not part of every plan; there is nothing to leave out", a->id);
        }
    }
}

/* ---- building lines and visits ------------------------------------------- */

static int phase_rank(enum phase p)
{
    switch (p) {
    case PHASE_PROCEDURE: return 0;
    case PHASE_REPEAT: return 1;
    case PHASE_BEFORE: return 2;
    case PHASE_AFTER: return 3;
    case PHASE_FOLLOW_UP: return 4;
    default: return 5;
    }
}

/* The visit spanning weeks wf..wt, created if needed; SIZE_MAX on failure. */
static size_t visit_at(struct eng *e, enum phase ph, int wf, int wt, const char *label)
{
    struct quote *q = e->q;
    for (size_t i = 0; i < q->n_visits; i++) {
        struct quote_visit *v = &q->visits[i];
        if (v->week_from != wf || v->week_to != wt)
            continue;
        if (phase_rank(ph) < phase_rank(v->phase))
            v->phase = ph;
        /* a session visit keeps its name ("Procedure day"); others list
         * what happens at them ("Repeat MSC session 2, Follow-up visit 2") */
        bool session = v->phase == PHASE_PROCEDURE && v->week_from == 0;
        if (!session && !strstr(v->label, label)) {
            size_t n = strlen(v->label) + strlen(label) + 3;
            char *nl = malloc(n);
            if (!nl) {
                oom(e);
                return SIZE_MAX;
            }
            snprintf(nl, n, "%s, %s", v->label, label);
            free(v->label);
            v->label = nl;
        }
        return i;
    }
    if (q->n_visits == e->cap_visits) {
        size_t ncap = e->cap_visits ? e->cap_visits * 2 : 16;
        struct quote_visit *nv = realloc(q->visits, ncap * sizeof *nv);
        if (!nv) {
            oom(e);
            return SIZE_MAX;
        }
        q->visits = nv;
        e->cap_visits = ncap;
    }
    struct quote_visit *v = &q->visits[q->n_visits];
    memset(v, 0, sizeof *v);
    v->label = strdup(label);
    if (!v->label) {
        oom(e);
        return SIZE_MAX;
    }
    v->phase = ph;
    v->week_from = wf;
    v->week_to = wt;
    v->beyond = wf > QUOTE_PERIOD_WEEKS;
    return q->n_visits++;
}

/* A new zeroed line at visit (QUOTE_NONE for a package or discount line),
 * or NULL when out of memory.  May move q->lines. */
static struct quote_line *append_line(struct eng *e, size_t visit)
{
    struct quote *q = e->q;
    if (q->n_lines == e->cap_lines) {
        size_t ncap = e->cap_lines ? e->cap_lines * 2 : 32;
        struct quote_line *nl = realloc(q->lines, ncap * sizeof *nl);
        if (!nl) {
            oom(e);
            return NULL;
        }
        q->lines = nl;
        e->cap_lines = ncap;
    }
    struct quote_line *l = &q->lines[q->n_lines++];
    memset(l, 0, sizeof *l);
    l->visit = visit;
    l->provider = QUOTE_NONE;
    l->code = "";
    l->unit = "";
    return l;
}

/* A line at a visit visit_at() made; NULL when it failed (SIZE_MAX). */
static struct quote_line *new_line(struct eng *e, size_t visit)
{
    return visit == SIZE_MAX ? NULL : append_line(e, visit);
}

/* An item line.  Where it counts: a visit more than 12 months after the
 * first session is not on this estimate (listed as expected separately);
 * an item billed directly by an outside provider is in that provider's
 * estimate but not in the total the clinic collects. */
static struct quote_line *add_item(struct eng *e, size_t visit, const struct pt_item *it, int qty)
{
    if (!it || qty <= 0)
        return NULL;
    struct quote_line *l = new_line(e, visit);
    if (!l)
        return NULL;
    l->kind = LINE_ITEM;
    l->item = it;
    l->item_id = it->id;
    l->code = it->code;
    l->description = strdup(it->description);
    if (!l->description)
        oom(e);
    l->unit = it->unit;
    l->quantity = qty;
    l->unit_cents = it->price;
    if (!money_mul(it->price, qty, &l->amount_cents))
        diag_error(e->dl, NULL, NULL, "the amount for '%s' overflows", it->id);
    l->coverage = it->coverage;
    l->coverage_reason = it->coverage_reason;
    l->beyond = e->q->visits[visit].beyond;
    l->separate = it->separate || l->beyond;
    l->direct = !l->separate && it->coverage == COVERAGE_NOT_COVERED && pt_item_billed_directly(it);
    l->in_total = it->coverage == COVERAGE_NOT_COVERED && !l->separate && !l->direct;
    return l;
}

static void add_session(struct eng *e, int session)
{
    const struct price_table *pt = e->pt;
    struct quote *q = e->q;
    int na = (int)q->n_areas;
    size_t v = SIZE_MAX;
    char n[16];
    snprintf(n, sizeof n, "%d", session);
    char *label = session == 1 ? SAY(e, "visit.procedure", NULL) : SAY(e, "visit.repeat", "session", n, NULL);
    int week = (session - 1) * q->spacing_weeks;
    if (label)
        v = visit_at(e, session == 1 ? PHASE_PROCEDURE : PHASE_REPEAT, week, week, label);
    free(label);
    if (session == 1)
        q->procedure_visit = v;
    bool fresh_cells = session == 1 || q->source->allogeneic || !q->banked;
    if (fresh_cells) {
        for (size_t i = 0; i < q->source->n_items; i++)
            add_item(e, v, q->source->items[i], 1);
        for (size_t i = 0; i < q->method->n_items; i++)
            add_item(e, v, q->method->items[i], 1);
    } else {
        add_item(e, v, pt->thaw_item, 1);
    }
    const struct pt_item *inj = pt->injection_item;
    if (session > 1 && pt->repeat_injection_item)
        inj = pt->repeat_injection_item;
    add_item(e, v, inj, na);
    if (q->guidance)
        add_item(e, v, q->guidance->item, na);
    if (session == 1 && q->sessions > 1 && q->banked && !q->source->allogeneic)
        add_item(e, v, pt->banking_item, 1);
}

static void add_adjunct(struct eng *e, const struct pt_adjunct *a, int count)
{
    char label[160];
    enum phase ph = a->item->phase;
    if (a->course) {
        int wf = a->weeks ? a->weeks[0] : a->start_week;
        int wt = a->weeks ? wf : wf + a->interval_weeks * (count - 1) + a->window_weeks;
        char n[16], *course = NULL;
        snprintf(n, sizeof n, "%d", count);
        if (count > 1 && a->interval_weeks > 0) {
            course = SAY(e, "adjunct.course", "name", a->name, "count", n, NULL);
            if (!course)
                return;
        }
        struct quote_line *l = add_item(e, visit_at(e, ph, wf, wt, course ? course : a->name), a->item, count);
        if (l)
            l->adjunct = a;
        free(course);
        return;
    }
    for (int i = 0; i < count; i++) {
        int wf = a->weeks ? a->weeks[i] : a->start_week + i * a->interval_weeks;
        int wt = a->weeks ? wf : wf + a->window_weeks;
        if (count > 1)
            snprintf(label, sizeof label, "%s %d", a->name, i + 1);
        else
            snprintf(label, sizeof label, "%s", a->name);
        struct quote_line *l = add_item(e, visit_at(e, ph, wf, wt, label), a->item, 1);
        if (l)
            l->adjunct = a;
    }
}

static void add_adjuncts(struct eng *e)
{
    const struct price_table *pt = e->pt;
    const struct plan *p = e->plan;
    char buf[1024];
    /* requested adjuncts: check first */
    for (size_t i = 0; i < p->n_adjuncts; i++) {
        char path[64];
        snprintf(path, sizeof path, "adjuncts[%zu]", i);
        const struct pt_adjunct *a = pt_find_adjunct(pt, p->adjuncts[i].id);
        if (!a) {
            list_ids(buf, sizeof buf, pt->adjuncts, pt->n_adjuncts, sizeof *pt->adjuncts,
                     offsetof(struct pt_adjunct, id), NULL);
            unknown(e, path, "adjunct", "adjunct", p->adjuncts[i].id, buf);
            continue;
        }
        for (size_t k = 0; k < i; k++)
            if (!strcmp(p->adjuncts[k].id, a->id))
                PERR(e, path, "'%s' is listed twice; give one entry with a count", a->id);
        if (p->adjuncts[i].count > a->max_count)
            PERR(e, path, "%d × '%s' is more than the %d the clinic schedules", p->adjuncts[i].count,
                 a->id, a->max_count);
        for (size_t k = 0; k < p->n_without; k++)
            if (!strcmp(p->without[k], a->id))
                PERR(e, path, "'%s' is both added and left out", a->id);
    }
    if (failed(e))
        return;
    /* in table order, so every quote lists adjuncts the same way */
    for (size_t i = 0; i < pt->n_adjuncts; i++) {
        const struct pt_adjunct *a = &pt->adjuncts[i];
        int count = 0;
        bool asked = false;
        for (size_t k = 0; k < p->n_adjuncts; k++)
            if (!strcmp(p->adjuncts[k].id, a->id)) {
                asked = true;
                count = p->adjuncts[k].count ? p->adjuncts[k].count : a->default_count;
            }
        if (!asked && a->included) {
            bool left_out = false;
            for (size_t k = 0; k < p->n_without; k++)
                left_out |= !strcmp(p->without[k], a->id);
            if (!left_out)
                count = a->default_count;
        }
        if (count > 0)
            add_adjunct(e, a, count);
    }
}

/* ---- packages, discounts, tax -------------------------------------------- */

/* How many of item it the plan has in the total (a package covers those). */
static int64_t plan_quantity(const struct quote *q, const struct pt_item *it)
{
    int64_t n = 0;
    for (size_t i = 0; i < q->n_lines; i++)
        if (q->lines[i].kind == LINE_ITEM && q->lines[i].item == it && q->lines[i].in_total)
            n += q->lines[i].quantity;
    return n;
}

static void apply_package(struct eng *e)
{
    struct quote *q = e->q;
    const struct pt_package *pk = q->package;
    if (!pk)
        return;
    bool ok = true;
    for (size_t i = 0; i < pk->n_includes; i++) {
        int64_t have = plan_quantity(q, pk->includes[i].item);
        if (have < pk->includes[i].quantity) {
            PERR(e, "package", "'%s' includes %d × %s but the plan has %lld; change the plan or drop the package",
                 pk->id, pk->includes[i].quantity, pk->includes[i].item->id, (long long)have);
            ok = false;
        }
    }
    int64_t saving = pk->a_la_carte - pk->price;
    if (!ok || saving <= 0)
        return;
    struct quote_line *l = append_line(e, QUOTE_NONE);
    if (!l)
        return;
    char a[32], b[32];
    money_usd(pk->price, a, sizeof a);
    money_usd(pk->a_la_carte, b, sizeof b);
    l->kind = LINE_PACKAGE;
    l->item_id = pk->id;
    l->description = SAY(e, "package.saving", "name", pk->name, "price", a, "separate", b, NULL);
    l->quantity = 1;
    l->unit_cents = l->amount_cents = -saving;
    l->in_total = true;
}

/* Discounts apply to out-of-pocket services; taxable goods keep full price. */
static bool discount_applies(const struct pt_discount *d, const struct quote_line *l)
{
    if (l->kind == LINE_PACKAGE)
        return d->n_applies_to == 0;
    if (l->kind != LINE_ITEM || !l->in_total || l->item->taxable)
        return false;
    if (d->n_applies_to == 0)
        return true;
    for (size_t i = 0; i < d->n_applies_to; i++)
        if (d->applies_to[i] == l->item)
            return true;
    return false;
}

static void apply_discounts(struct eng *e)
{
    const struct price_table *pt = e->pt;
    const struct plan *p = e->plan;
    struct quote *q = e->q;
    char buf[1024];
    size_t n_before = q->n_lines;  /* discounts are all computed on the same base */
    for (size_t i = 0; i < p->n_discounts; i++) {
        const struct plan_discount *pd = &p->discounts[i];
        char path[64];
        snprintf(path, sizeof path, "discounts[%zu]", i);
        const struct pt_discount *d = pt_find_discount(pt, pd->id);
        if (!d) {
            list_ids(buf, sizeof buf, pt->discounts, pt->n_discounts, sizeof *pt->discounts,
                     offsetof(struct pt_discount, id), NULL);
            unknown(e, path, "discount", "discount", pd->id, buf);
            continue;
        }
        bool bad = false;
        for (size_t k = 0; k < i; k++)
            if (!strcmp(p->discounts[k].id, d->id)) {
                PERR(e, path, "'%s' is listed twice", d->id);
                bad = true;
            }
        if (d->requires_reason && !pd->reason) {
            PERR(e, path, "'%s' needs a reason (for example the ID that was checked)", d->id);
            bad = true;
        }
        if (q->package && !d->with_package) {
            PERR(e, path, "'%s' cannot be combined with package '%s'", d->id, q->package->id);
            bad = true;
        }
        int32_t pct = d->percent;
        int64_t amount = d->amount;
        char a[32], b[32];
        if (d->type == DISCOUNT_PERCENT) {
            if (pd->has_amount) {
                PERR(e, path, "'%s' is a percentage; give \"percent\", not \"amount\"", d->id);
                bad = true;
            } else if (d->has_value && pd->has_percent && pd->percent != d->percent) {
                percent_format(d->percent, '.', a, sizeof a);
                PERR(e, path, "'%s' is fixed at %s by the price table", d->id, a);
                bad = true;
            } else if (!d->has_value) {
                percent_format(d->max_percent, '.', a, sizeof a);
                if (!pd->has_percent) {
                    PERR(e, path, "'%s' needs a percent (up to %s)", d->id, a);
                    bad = true;
                } else if (pd->percent > d->max_percent) {
                    percent_format(pd->percent, '.', b, sizeof b);
                    PERR(e, path, "%s is over the %s limit for '%s'", b, a, d->id);
                    bad = true;
                }
                pct = pd->percent;
            }
        } else {
            if (pd->has_percent) {
                PERR(e, path, "'%s' is an amount; give \"amount\", not \"percent\"", d->id);
                bad = true;
            } else if (d->has_value && pd->has_amount && pd->amount != d->amount) {
                money_usd(d->amount, a, sizeof a);
                PERR(e, path, "'%s' is fixed at %s by the price table", d->id, a);
                bad = true;
            } else if (!d->has_value) {
                money_usd(d->max_amount, a, sizeof a);
                if (!pd->has_amount) {
                    PERR(e, path, "'%s' needs an amount (up to %s)", d->id, a);
                    bad = true;
                } else if (pd->amount > d->max_amount) {
                    money_usd(pd->amount, b, sizeof b);
                    PERR(e, path, "%s is over the %s limit for '%s'", b, a, d->id);
                    bad = true;
                }
                amount = pd->amount;
            }
        }
        if (bad)
            continue;
        int64_t base = 0;
        for (size_t k = 0; k < n_before; k++)
            if (discount_applies(d, &q->lines[k]) && !money_add(base, q->lines[k].amount_cents, &base))
                diag_error(e->dl, NULL, path, "amount overflows");
        if (base <= 0) {
            PERR(e, path, "'%s' applies to nothing in this plan", d->id);
            continue;
        }
        int64_t value;
        bool capped = false;
        if (d->type == DISCOUNT_PERCENT) {
            if (!money_percent(base, pct, &value)) {
                diag_error(e->dl, NULL, path, "amount overflows");
                continue;
            }
            capped = d->cap > 0 && value > d->cap;
            if (capped)
                value = d->cap;
        } else {
            value = amount;
            if (d->cap > 0 && value > d->cap)
                value = d->cap;
            if (value > base) {
                money_usd(value, a, sizeof a);
                money_usd(base, b, sizeof b);
                PERR(e, path, "'%s' of %s is more than the %s it applies to", d->id, a, b);
                continue;
            }
        }
        if (value == 0)
            continue;
        char *desc;
        if (d->type == DISCOUNT_PERCENT) {
            char c[32];
            percent_format(pct, '.', a, sizeof a);
            money_usd(base, b, sizeof b);
            money_usd(d->cap, c, sizeof c);
            if (capped)
                desc = SAY(e, "discount.percent_capped", "name", d->name, "percent", a, "base", b, "cap", c,
                           NULL);
            else
                desc = SAY(e, "discount.percent", "name", d->name, "percent", a, "base", b, NULL);
        } else if (!(desc = strdup(d->name))) {
            oom(e);
        }
        if (desc && pd->reason) {
            char *with = SAY(e, "discount.reason", "discount", desc, "reason", pd->reason, NULL);
            free(desc);
            desc = with;
        }
        if (!desc)
            continue;
        struct quote_line *l = append_line(e, QUOTE_NONE);
        if (!l) {
            free(desc);
            return;
        }
        l->kind = LINE_DISCOUNT;
        l->item_id = d->id;
        l->description = desc;
        l->quantity = 1;
        l->unit_cents = l->amount_cents = -value;
        l->in_total = true;
    }
}

static void apply_tax(struct eng *e)
{
    const struct pt_clinic *c = &e->pt->clinic;
    struct quote *q = e->q;
    if (c->tax_percent == 0)
        return;
    size_t n = q->n_lines;
    for (size_t i = 0; i < n; i++) {
        const struct quote_line *src = &q->lines[i];
        if (src->kind != LINE_ITEM || !src->in_total || !src->item->taxable)
            continue;
        int64_t tax;
        if (!money_percent(src->amount_cents, c->tax_percent, &tax)) {
            diag_error(e->dl, NULL, NULL, "tax overflows");
            return;
        }
        if (tax == 0)
            continue;
        char a[32], b[32];
        percent_format(c->tax_percent, '.', a, sizeof a);
        money_usd(src->amount_cents, b, sizeof b);
        const char *label = c->tax_label ? c->tax_label : template_get(&e->words, "tax.label");
        char *desc = SAY(e, "tax.line", "label", label, "percent", a, "amount", b, NULL);
        if (!desc)
            return;
        size_t visit = src->visit;
        const char *item_id = src->item->id;
        struct quote_line *l = new_line(e, visit); /* may move q->lines */
        if (!l) {
            free(desc);
            return;
        }
        l->kind = LINE_TAX;
        l->item_id = item_id;
        l->description = desc;
        l->quantity = 1;
        l->unit_cents = l->amount_cents = tax;
        l->in_total = true;
    }
}

/* ---- dates that are possible --------------------------------------------- */

/* With a scheduled date, every visit must fall on or after the quote's
 * date.  When the plan starts too early, refuse with the earliest
 * procedure date that fits, and the adjuncts whose visits do not fit (to
 * leave out what is already done). */
static void check_dates(struct eng *e)
{
    struct quote *q = e->q;
    if (!q->has_scheduled)
        return;
    int first = 0;
    for (size_t i = 0; i < q->n_visits; i++)
        if (q->visits[i].week_from < first)
            first = q->visits[i].week_from;
    rq_date start = q->scheduled + 7 * first;
    if (start >= q->issued)
        return;
    /* the adjuncts whose visits would fall before the quote, in table order */
    char ids[512] = "", a[11], b[11], c[11];
    size_t off = 0;
    for (size_t k = 0; k < e->pt->n_adjuncts; k++) {
        const struct pt_adjunct *adj = &e->pt->adjuncts[k];
        bool early = false;
        for (size_t i = 0; i < q->n_lines && !early; i++)
            early = q->lines[i].adjunct == adj &&
                    q->scheduled + 7 * q->visits[q->lines[i].visit].week_from < q->issued;
        if (!early)
            continue;
        int w = snprintf(ids + off, sizeof ids - off, "%s%s", off ? ", " : "", adj->id);
        if (w > 0 && (size_t)w < sizeof ids - off)
            off += (size_t)w;
    }
    rq_date earliest = q->issued - 7 * first;
    PERR(e, "scheduled_date",
         "the plan starts %d week%s before the procedure, on %s, which is before the quote date %s; "
         "the earliest procedure date that fits is %s%s%s%s",
         -first, first == -1 ? "" : "s", date_iso(start, a), date_iso(q->issued, b), date_iso(earliest, c),
         *ids ? ", or leave out what is already done or cannot fit (" : "", ids, *ids ? ")" : "");
}

/* ---- ordering ------------------------------------------------------------ */

static int cmp_visit_order(const struct quote_visit *a, const struct quote_visit *b, size_t sa,
                           size_t sb)
{
    if (a->week_from != b->week_from)
        return a->week_from < b->week_from ? -1 : 1;
    if (a->week_to != b->week_to)
        return a->week_to < b->week_to ? -1 : 1;
    return sa < sb ? -1 : sa > sb;
}

/* Sort visits by time (stable), then lines by visit (stable); package and
 * discount lines (QUOTE_NONE) go last, in the order they were made. */
static void order(struct eng *e)
{
    struct quote *q = e->q;
    size_t n = q->n_visits;
    size_t *perm = malloc((n ? n : 1) * sizeof *perm);   /* perm[new] = old */
    size_t *inv = malloc((n ? n : 1) * sizeof *inv);     /* inv[old] = new */
    struct quote_visit *sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!perm || !inv || !sorted) {
        free(perm);
        free(inv);
        free(sorted);
        oom(e);
        return;
    }
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = 1; i < n; i++)
        for (size_t k = i; k > 0 && cmp_visit_order(&q->visits[perm[k]], &q->visits[perm[k - 1]],
                                                    perm[k], perm[k - 1]) < 0; k--) {
            size_t t = perm[k];
            perm[k] = perm[k - 1];
            perm[k - 1] = t;
        }
    for (size_t i = 0; i < n; i++) {
        sorted[i] = q->visits[perm[i]];
        inv[perm[i]] = i;
    }
    memcpy(q->visits, sorted, n * sizeof *sorted);
    for (size_t i = 0; i < q->n_lines; i++)
        if (q->lines[i].visit != QUOTE_NONE)
            q->lines[i].visit = inv[q->lines[i].visit];
    q->procedure_visit = inv[q->procedure_visit];
    /* stable insertion sort of lines by visit (QUOTE_NONE is the largest) */
    for (size_t i = 1; i < q->n_lines; i++) {
        struct quote_line t = q->lines[i];
        size_t k = i;
        while (k > 0 && q->lines[k - 1].visit > t.visit) {
            q->lines[k] = q->lines[k - 1];
            k--;
        }
        q->lines[k] = t;
    }
    free(perm);
    free(inv);
    free(sorted);
}

/* ---- sharing the package saving and the discounts ------------------------ */

/* Share the amount of adjustment line adj among the lines by weight w
 * (money_share), record the shares on adj and add them to each line's
 * savings_cents.  scratch holds n_lines values. */
static void share_line(struct eng *e, struct quote_line *adj, const int64_t *w, int64_t *shares,
                       uint64_t *scratch)
{
    struct quote *q = e->q;
    size_t n = q->n_lines, k = 0;
    if (!money_share(-adj->amount_cents, w, n, shares, scratch)) {
        diag_error(e->dl, NULL, NULL, "internal error: '%s' has nothing to be shared among", adj->item_id);
        return;
    }
    for (size_t i = 0; i < n; i++)
        k += shares[i] > 0;
    adj->shares = calloc(k ? k : 1, sizeof *adj->shares);
    if (!adj->shares) {
        oom(e);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (shares[i] > 0) {
            adj->shares[adj->n_shares++] = (struct quote_share){ i, shares[i] };
            q->lines[i].savings_cents += shares[i];
        }
}

/* Every package saving and discount is shared among the lines it was
 * computed on, in proportion to their amounts (docs/pricing.md):
 *   the package saving among the lines of the items the package includes,
 *     each weighing its unit price times the units the package covers on
 *     it (earliest lines first);
 *   a discount among the lines it applies to, each weighing its amount
 *     less its share of the package saving (the same base the discount's
 *     percentage was taken of).
 * Lines are in their final order, so equal remainders go to the earliest. */
static void share_savings(struct eng *e)
{
    struct quote *q = e->q;
    size_t n = q->n_lines;
    int64_t *w = calloc(n ? n : 1, sizeof *w), *shares = calloc(n ? n : 1, sizeof *shares);
    uint64_t *scratch = calloc(n ? n : 1, sizeof *scratch);
    if (!w || !shares || !scratch) {
        oom(e);
        goto out;
    }
    for (size_t a = 0; a < n && !failed(e); a++) {
        struct quote_line *adj = &q->lines[a];
        if (adj->kind == LINE_PACKAGE) {
            memset(w, 0, n * sizeof *w);
            const struct pt_package *pk = q->package;
            for (size_t k = 0; k < pk->n_includes; k++) {
                int left = pk->includes[k].quantity;
                for (size_t i = 0; i < n && left > 0; i++) {
                    const struct quote_line *l = &q->lines[i];
                    if (l->kind != LINE_ITEM || !l->in_total || l->item != pk->includes[k].item)
                        continue;
                    int take = l->quantity < left ? l->quantity : left;
                    w[i] += l->unit_cents * take; /* at most the package's a_la_carte */
                    left -= take;
                }
            }
            share_line(e, adj, w, shares, scratch);
        } else if (adj->kind == LINE_DISCOUNT) {
            const struct pt_discount *d = pt_find_discount(e->pt, adj->item_id);
            for (size_t i = 0; i < n; i++) {
                const struct quote_line *l = &q->lines[i];
                w[i] = l->kind == LINE_ITEM && discount_applies(d, l) ? l->amount_cents : 0;
            }
            /* less the package saving each line already has (the discount's
             * base is the services less the package saving) */
            for (size_t p = 0; p < n; p++)
                if (q->lines[p].kind == LINE_PACKAGE && discount_applies(d, &q->lines[p]))
                    for (size_t k = 0; k < q->lines[p].n_shares; k++)
                        w[q->lines[p].shares[k].line] -= q->lines[p].shares[k].cents;
            share_line(e, adj, w, shares, scratch);
        }
    }
    for (size_t i = 0; i < n && !failed(e); i++)
        if (q->lines[i].kind == LINE_ITEM && q->lines[i].savings_cents > q->lines[i].amount_cents)
            PERR(e, "discounts", "the package saving and discounts together are more than the charges "
                 "of '%s' they apply to; give a smaller discount", q->lines[i].item_id);
out:
    free(w);
    free(shares);
    free(scratch);
}

/* ---- providers and facilities -------------------------------------------- */

/* The group of lines billed by the clinic (who == NULL, outside == NULL),
 * by one of its providers, or by an outside provider or facility; made on
 * first use.  Returns its index, or QUOTE_NONE when out of memory. */
static size_t provider_group(struct eng *e, const struct pt_provider *who, const struct pt_outside *outside)
{
    struct quote *q = e->q;
    const struct pt_clinic *c = &e->pt->clinic;
    for (size_t i = 0; i < q->n_providers; i++) {
        const struct quote_provider *g = &q->providers[i];
        if (outside ? g->kind == BILLER_OUTSIDE && !strcmp(g->id, outside->id)
            : who   ? g->kind == BILLER_CLINIC_PROVIDER && !strcmp(g->id, who->id)
                    : g->kind == BILLER_CLINIC)
            return i;
    }
    struct quote_provider *np = realloc(q->providers, (q->n_providers + 1) * sizeof *np);
    if (!np) {
        oom(e);
        return QUOTE_NONE;
    }
    q->providers = np;
    struct quote_provider *g = &q->providers[q->n_providers];
    memset(g, 0, sizeof *g);
    const struct pt_location *loc = q->location;
    if (outside) {
        g->kind = BILLER_OUTSIDE;
        g->id = outside->id;
        g->name = outside->name;
        g->npi = outside->npi;
        g->tin = outside->tin;
        g->address = outside->address;
        g->n_address = outside->n_address;
        g->facility = outside->facility;
        g->clinic_collects = outside->clinic_collects;
    } else {
        g->kind = who ? BILLER_CLINIC_PROVIDER : BILLER_CLINIC;
        g->id = who ? who->id : NULL;
        g->name = who ? who->name : c->name;
        g->npi = who ? who->npi : c->npi;
        g->tin = c->tin;
        g->address = loc ? loc->address : c->address;
        g->n_address = loc ? loc->n_address : c->n_address;
        g->facility = !who;
        g->clinic_collects = true;
    }
    return q->n_providers++;
}

/* The item a line is billed for: its own, or the taxed one of a tax line;
 * NULL for package and discount lines. */
static const struct pt_item *billed_item(const struct eng *e, const struct quote_line *l)
{
    return l->kind == LINE_ITEM ? l->item : l->kind == LINE_TAX ? pt_find_item(e->pt, l->item_id) : NULL;
}

/* Does some line of the quote go to the group of who / outside? */
static bool bills_a_line(const struct eng *e, const struct pt_provider *who, const struct pt_outside *outside)
{
    for (size_t i = 0; i < e->q->n_lines; i++) {
        const struct pt_item *it = billed_item(e, &e->q->lines[i]);
        if (it && it->billed_by_provider == who && it->billed_by_outside == outside)
            return true;
    }
    return false;
}

/* Group every item and tax line by who bills it.  The groups are made in
 * the order they are listed: the clinic first, then its providers and the
 * outside ones in the order of clinic.json (those that bill a line). */
static void group_providers(struct eng *e)
{
    struct quote *q = e->q;
    const struct pt_clinic *c = &e->pt->clinic;
    if (provider_group(e, NULL, NULL) == QUOTE_NONE)
        return;
    for (size_t k = 0; k < c->n_providers; k++)
        if (bills_a_line(e, &c->providers[k], NULL) && provider_group(e, &c->providers[k], NULL) == QUOTE_NONE)
            return;
    for (size_t k = 0; k < c->n_outside; k++)
        if (bills_a_line(e, NULL, &c->outside[k]) && provider_group(e, NULL, &c->outside[k]) == QUOTE_NONE)
            return;
    for (size_t i = 0; i < q->n_lines; i++) {
        struct quote_line *l = &q->lines[i];
        const struct pt_item *it = billed_item(e, l);
        if (it)
            l->provider = provider_group(e, it->billed_by_provider, it->billed_by_outside);
    }
}

/* ---- totals ----------------------------------------------------------------- */

static void totals(struct eng *e)
{
    struct quote *q = e->q;
    int64_t total = 0;
    bool ovf = false;
    for (size_t i = 0; i < q->n_lines; i++) {
        const struct quote_line *l = &q->lines[i];
        struct quote_visit *v = l->visit != QUOTE_NONE ? &q->visits[l->visit] : NULL;
        struct quote_provider *g = l->provider != QUOTE_NONE ? &q->providers[l->provider] : NULL;
        if (l->in_total) {
            ovf |= !money_add(total, l->amount_cents, &total);
            switch (l->kind) {
            case LINE_ITEM:
                ovf |= !money_add(q->subtotal_cents, l->amount_cents, &q->subtotal_cents);
                ovf |= !money_add(v->services_cents, l->amount_cents, &v->services_cents);
                ovf |= !money_add(v->savings_cents, l->savings_cents, &v->savings_cents);
                ovf |= !money_add(g->services_cents, l->amount_cents, &g->services_cents);
                ovf |= !money_add(g->savings_cents, l->savings_cents, &g->savings_cents);
                break;
            case LINE_PACKAGE:
            case LINE_DISCOUNT: ovf |= !money_sub(q->discount_cents, l->amount_cents, &q->discount_cents); break;
            case LINE_TAX:
                ovf |= !money_add(q->tax_cents, l->amount_cents, &q->tax_cents);
                ovf |= !money_add(v->tax_cents, l->amount_cents, &v->tax_cents);
                ovf |= !money_add(g->tax_cents, l->amount_cents, &g->tax_cents);
                break;
            }
        } else if (l->direct) {
            ovf |= !money_add(q->direct_cents, l->amount_cents, &q->direct_cents);
            ovf |= !money_add(v->direct_cents, l->amount_cents, &v->direct_cents);
            ovf |= !money_add(g->services_cents, l->amount_cents, &g->services_cents);
        } else if (l->separate) {
            ovf |= !money_add(q->separate_cents, l->amount_cents, &q->separate_cents);
            ovf |= !money_add(g->separate_cents, l->amount_cents, &g->separate_cents);
        } else {
            ovf |= !money_add(q->billable_cents, l->amount_cents, &q->billable_cents);
            ovf |= !money_add(g->billable_cents, l->amount_cents, &g->billable_cents);
        }
    }
    int64_t sum = 0;
    for (size_t i = 0; i < q->n_visits; i++) {
        struct quote_visit *v = &q->visits[i];
        ovf |= !money_sub(v->services_cents, v->savings_cents, &v->charges_cents) ||
               !money_add(v->charges_cents, v->tax_cents, &v->charges_cents) ||
               !money_add(sum, v->charges_cents, &sum);
    }
    for (size_t i = 0; i < q->n_providers; i++) {
        struct quote_provider *g = &q->providers[i];
        ovf |= !money_sub(g->services_cents, g->savings_cents, &g->total_cents) ||
               !money_add(g->total_cents, g->tax_cents, &g->total_cents);
    }
    if (ovf || total > MONEY_LIMIT_CENTS) {
        diag_error(e->dl, NULL, NULL, "the total is over the $10,000,000,000.00 limit");
        return;
    }
    q->total_cents = total;
    if (sum != total)
        diag_error(e->dl, NULL, NULL, "internal error: the visits' charges (%lld) do not add up to the "
                   "total (%lld)", (long long)sum, (long long)total);
}

/* ---- payments ----------------------------------------------------------------- */

static void date_visits(struct eng *e)
{
    struct quote *q = e->q;
    if (!q->has_scheduled)
        return;
    for (size_t i = 0; i < q->n_visits; i++) {
        struct quote_visit *v = &q->visits[i];
        v->dated = true;
        v->date_from = q->scheduled + 7 * v->week_from;
        v->date_to = q->scheduled + 7 * v->week_to;
    }
}

static bool add_payment(struct eng *e, struct quote_payment p)
{
    struct quote *q = e->q;
    struct quote_payment *np = realloc(q->payments, (q->n_payments + 1) * sizeof *np);
    if (!np) {
        oom(e);
        return false;
    }
    q->payments = np;
    q->payments[q->n_payments++] = p;
    return true;
}

/* The schedule (docs/pricing.md, "Deposit and payments"):
 *   by default, visits before the procedure are paid at the visit; the
 *   deposit (percent of the total, at least the minimum) is credited to
 *   the procedure day, then to later visits, and never exceeds what they
 *   charge; it is due days_before_procedure before the procedure (never
 *   before the quote);
 *   with a discount given for payment in full before the procedure, the
 *   whole total is one payment, due by the deposit's date or at the first
 *   visit with charges, whichever is first; no financing examples. */
static void payments(struct eng *e)
{
    const struct pt_clinic *c = &e->pt->clinic;
    struct quote *q = e->q;
    q->deposit_days_before = c->deposit_days_before;
    for (size_t i = 0; i < q->n_lines; i++)
        if (q->lines[i].kind == LINE_DISCOUNT) {
            const struct pt_discount *d = pt_find_discount(e->pt, q->lines[i].item_id);
            if (d && d->pay_in_full && !q->in_full)
                q->in_full = d;
        }
    int dep_day = -c->deposit_days_before;
    rq_date dep_date = 0;
    if (q->has_scheduled) {
        q->deposit_dated = true;
        dep_date = q->scheduled - c->deposit_days_before;
        if (dep_date < q->issued)
            dep_date = q->issued;
        dep_day = (int)(dep_date - q->scheduled);
    }

    if (q->in_full) {
        struct quote_payment p = { .kind = PAYMENT_IN_FULL, .visit = QUOTE_NONE, .day = dep_day,
                                   .dated = q->has_scheduled, .date = dep_date, .cents = q->total_cents };
        for (size_t i = 0; i < q->n_visits; i++) {
            struct quote_visit *v = &q->visits[i];
            v->due_cents = 0;
            if (v->charges_cents > 0 && p.visit == QUOTE_NONE && quote_visit_day(v) < p.day) {
                p.visit = i;
                p.day = quote_visit_day(v);
                p.date = v->date_from;
            }
        }
        if (q->total_cents > 0)
            add_payment(e, p);
        q->deposit_due = p.date;
        return;
    }

    /* the deposit: credited to the procedure day and later visits only */
    int64_t later = 0, dep;
    for (size_t i = q->procedure_visit; i < q->n_visits; i++)
        later += q->visits[i].charges_cents;
    if (!money_percent(q->total_cents, c->deposit_percent, &dep))
        dep = q->total_cents;
    if (dep < c->deposit_minimum)
        dep = c->deposit_minimum;
    if (dep > later)
        dep = later;
    q->deposit_cents = dep;
    q->deposit_due = dep_date;
    int64_t credit = dep;
    for (size_t i = 0; i < q->n_visits; i++) {
        struct quote_visit *v = &q->visits[i];
        int64_t take = 0;
        if (i >= q->procedure_visit && credit > 0)
            take = credit < v->charges_cents ? credit : v->charges_cents;
        v->deposit_cents = take;
        v->due_cents = v->charges_cents - take;
        credit -= take;
    }
    /* the schedule in time order: the deposit before visits of its day */
    size_t at = quote_day_position(q, dep_day);
    for (size_t i = 0; i <= q->n_visits; i++) {
        if (i == at && dep > 0 &&
            !add_payment(e, (struct quote_payment){ .kind = PAYMENT_DEPOSIT, .visit = QUOTE_NONE,
                                                    .day = dep_day, .dated = q->has_scheduled,
                                                    .date = dep_date, .cents = dep }))
            return;
        if (i == q->n_visits)
            break;
        const struct quote_visit *v = &q->visits[i];
        if (v->due_cents > 0 &&
            !add_payment(e, (struct quote_payment){ .kind = PAYMENT_VISIT, .visit = i,
                                                    .day = quote_visit_day(v), .dated = v->dated,
                                                    .date = v->date_from, .cents = v->due_cents }))
            return;
    }

    /* financing examples on what is due from the procedure day on, after
     * the deposit (visits before it are paid at the visit) */
    int64_t principal = later - dep;
    if (principal <= 0 || c->n_financing == 0)
        return;
    q->financing = calloc(c->n_financing, sizeof *q->financing);
    if (!q->financing) {
        oom(e);
        return;
    }
    for (size_t i = 0; i < c->n_financing; i++) {
        const struct pt_financing *f = &c->financing[i];
        struct quote_financing *r = &q->financing[q->n_financing++];
        r->name = f->name;
        r->apr = f->apr;
        r->months = f->months;
        r->principal = principal;
        struct money_loan loan;
        if (!money_loan(principal, f->apr, f->months, &loan)) {
            diag_error(e->dl, NULL, NULL, "the financing example '%s' overflows", f->name);
            return;
        }
        r->monthly = loan.payment;
        r->last_payment = loan.last_payment;
        r->total_paid = loan.total_paid;
        r->finance_charge = loan.finance_charge;
    }
}

int pricing_compute(const struct price_table *pt, const struct plan *plan, rq_date issued,
                    struct quote *q, struct diag_list *dl)
{
    memset(q, 0, sizeof *q);
    struct eng e = { .pt = pt, .plan = plan, .q = q, .dl = dl, .errors_at_start = dl->errors };
    q->pt = pt;
    q->plan = plan;
    q->issued = issued;
    if (!pt->has_catalog || !pt->has_clinic) {
        diag_error(dl, NULL, NULL, "the price tables are incomplete; run 'regenquote validate'");
        return -1;
    }
    /* A quote uses the prices in force on its date: the tables must have
     * been set to them (price_table_use_date) when a scheduled change
     * separates the two dates. */
    const struct pt_change *in_force = NULL;
    for (size_t i = 0; i < pt->n_changes; i++)
        if (pt->changes[i].effective_date <= issued)
            in_force = &pt->changes[i];
    if (in_force != pt->change_in_force) {
        char a[11];
        diag_error(dl, NULL, NULL, "internal error: the price tables hold other prices than those in force on %s",
                   date_iso(issued, a));
        return -1;
    }
    resolve(&e);
    if (!failed(&e) && (template_load_builtin(&e.words, q->language, "engine.txt", dl) != 0 ||
                        template_check(&e.words, WORDS, sizeof WORDS / sizeof WORDS[0], dl) != 0))
        diag_error(dl, NULL, NULL, "internal error: the engine's words (templates/%s/engine.txt) are "
                   "incomplete", q->language);
    if (!failed(&e) && q->source && q->method) {
        for (int s = 1; s <= q->sessions; s++)
            add_session(&e, s);
        add_adjuncts(&e);
    }
    if (!failed(&e))
        check_dates(&e);
    if (!failed(&e))
        apply_package(&e);
    if (!failed(&e))
        apply_discounts(&e);
    if (!failed(&e))
        apply_tax(&e);
    if (!failed(&e))
        order(&e);
    if (!failed(&e))
        share_savings(&e);
    if (!failed(&e))
        group_providers(&e);
    if (!failed(&e))
        totals(&e);
    if (!failed(&e)) {
        date_visits(&e);
        payments(&e);
    }
    template_free(&e.words);
    if (failed(&e)) {
        quote_free(q);
        return -1;
    }
    return 0;
}
