/* price_table — loading clinic.json and catalog.json into a price_table,
 * and freeing it.
 *
 * Every field and cross-reference is checked here as it is read; the rest
 * of the module does one job a file: price_schedule.c loads and applies
 * scheduled price changes, price_rules.c holds the billing-code and
 * wording rules the loader runs, price_lookup.c finds things by id.  What
 * they share while loading is in the private price_table_int.h. */
#include "price_table.h"
#include "price_table_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "money.h"
#include "notice.h"
#include "sha256.h"

static const char *const PHASE_IDS[PHASE_COUNT] = { "before", "procedure", "after", "repeat",
                                                    "follow-up" };

const char *phase_id(enum phase p)
{
    return (unsigned)p < PHASE_COUNT ? PHASE_IDS[p] : "?";
}

const char *coverage_id(enum coverage c)
{
    return c == COVERAGE_MAY_BE_BILLABLE ? "may_be_billable" : "not_covered";
}

bool phase_parse(const char *s, enum phase *out, char *why, size_t size)
{
    for (int k = 0; k < PHASE_COUNT; k++)
        if (!strcmp(s, PHASE_IDS[k])) {
            *out = (enum phase)k;
            return true;
        }
    const char *hint = jr_suggest(s, PHASE_IDS, PHASE_COUNT);
    snprintf(why, size, "'%.30s' is not a phase; expected before, procedure, after, repeat or follow-up%s%s%s", s,
             hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
    return false;
}

bool coverage_parse(const char *s, enum coverage *out, char *why, size_t size)
{
    if (!strcmp(s, "not_covered") || !strcmp(s, "may_be_billable")) {
        *out = !strcmp(s, "may_be_billable") ? COVERAGE_MAY_BE_BILLABLE : COVERAGE_NOT_COVERED;
        return true;
    }
    snprintf(why, size, "'%.30s' is not a coverage status; expected \"not_covered\" or \"may_be_billable\"", s);
    return false;
}

/* ---- the loader's helpers (price_table_int.h) ---------------------------- */

bool ld_failed(const struct ld *l)
{
    return l->dl->errors > l->errors_at_start;
}

void ld_say(struct ld *l, enum diag_severity sev, const cJSON *node, const char *path,
            const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    jdoc_diag(l->r.doc, l->dl, sev, node, path, "%s", msg);
}

void *ld_calloc(struct ld *l, size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        diag_error(l->dl, l->r.doc->name, NULL, "out of memory");
    return p;
}

/* obj.id, read and checked (price_id_valid) into *out. */
static bool check_id(struct ld *l, const cJSON *obj, const char *path, const char **out)
{
    const char *id = NULL;
    if (!jr_string(&l->r, obj, path, "id", true, &id) || !id)
        return false;
    char p[256], why[PRICE_RULE_MSG_SIZE];
    jpath_key(p, sizeof p, path, "id");
    if (!price_id_valid(id, why, sizeof why)) {
        err(l, jr_member(obj, "id"), p, "%s", why);
        return false;
    }
    *out = id;
    return true;
}

size_t ld_walk_array(struct ld *l, const cJSON *parent, const char *key, bool required,
                     elem_fn fn)
{
    const cJSON *arr = NULL;
    if (!jr_array(&l->r, parent, "", key, required, &arr) || !arr)
        return 0;
    size_t i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        char p[256];
        jpath_idx(p, sizeof p, key, (int)i);
        if (!cJSON_IsObject(e)) {
            err(l, e, p, "expected an object { … }");
            continue;
        }
        fn(l, e, p, i);
    }
    return i;
}

size_t ld_array_len(const cJSON *parent, const char *key)
{
    const cJSON *a = jr_member(parent, key);
    return cJSON_IsArray(a) ? (size_t)cJSON_GetArraySize(a) : 0;
}

/* Resolve a string node naming an item; reports unknown ids with a hint. */
static const struct pt_item *ref_item(struct ld *l, const cJSON *node, const char *path)
{
    if (!cJSON_IsString(node)) {
        err(l, node, path, "expected an item id (a string)");
        return NULL;
    }
    const struct pt_item *it = pt_find_item(l->pt, node->valuestring);
    if (!it) {
        const char *hint = pt_suggest(l->pt, "item", node->valuestring);
        if (hint)
            err(l, node, path, "unknown item '%.60s'; did you mean '%s'?", node->valuestring, hint);
        else
            err(l, node, path, "unknown item '%.60s'; it must be an id from items[]",
                node->valuestring);
    }
    return it;
}

static const struct pt_item *ref_item_key(struct ld *l, const cJSON *obj, const char *path,
                                          const char *key, bool required)
{
    char p[256];
    jpath_key(p, sizeof p, path, key);
    const cJSON *n = jr_member(obj, key);
    if (!n) {
        if (required)
            err(l, obj, p, "is missing; it is required");
        return NULL;
    }
    return ref_item(l, n, p);
}

/* An array of item ids into a freshly allocated array. */
static const struct pt_item **ref_item_list(struct ld *l, const cJSON *obj, const char *path,
                                            const char *key, bool required, size_t *n_out)
{
    const cJSON *arr = NULL;
    *n_out = 0;
    if (!jr_array(&l->r, obj, path, key, required, &arr) || !arr)
        return NULL;
    size_t n = (size_t)cJSON_GetArraySize(arr);
    const struct pt_item **v = ld_calloc(l, n, sizeof *v);
    if (!v)
        return NULL;
    size_t i = 0, k = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        char p[256], q[256];
        jpath_idx(q, sizeof q, jpath_key(p, sizeof p, path, key), (int)i);
        const struct pt_item *it = ref_item(l, e, q);
        if (it)
            v[k++] = it;
    }
    *n_out = k;
    return v;
}

static const char **string_list(struct ld *l, const cJSON *obj, const char *path,
                                const char *key, bool required, size_t *n_out)
{
    const cJSON *arr = NULL;
    *n_out = 0;
    if (!jr_array(&l->r, obj, path, key, required, &arr) || !arr)
        return NULL;
    size_t n = (size_t)cJSON_GetArraySize(arr);
    const char **v = ld_calloc(l, n, sizeof *v);
    if (!v)
        return NULL;
    size_t i = 0, k = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        char p[256], q[256];
        jpath_idx(q, sizeof q, jpath_key(p, sizeof p, path, key), (int)i);
        if (!cJSON_IsString(e) || !e->valuestring[0])
            err(l, e, q, "expected a line of text");
        else
            v[k++] = e->valuestring;
    }
    *n_out = k;
    return v;
}

/* Read the Spanish variant KEY_es of a text already read into *field (if
 * any) and remember both, for price_table_use_language(). */
static void text_es(struct ld *l, const cJSON *obj, const char *path, const char *key,
                    const char **field)
{
    char k[64];
    const char *es = NULL;
    snprintf(k, sizeof k, "%s_es", key);
    if (!jr_string(&l->r, obj, path, k, false, &es) || !es || !*field)
        return;
    struct price_table *pt = l->pt;
    if (pt->n_texts == pt->cap_texts) {
        size_t cap = pt->cap_texts ? pt->cap_texts * 2 : 64;
        struct pt_text_slot *nv = realloc(pt->texts, cap * sizeof *nv);
        if (!nv) {
            diag_error(l->dl, l->r.doc->name, NULL, "out of memory");
            return;
        }
        pt->texts = nv;
        pt->cap_texts = cap;
    }
    pt->texts[pt->n_texts++] = (struct pt_text_slot){ field, *field, es };
}

void price_table_use_language(struct price_table *pt, const char *lang)
{
    bool es = lang && !strcmp(lang, "es");
    for (size_t i = 0; i < pt->n_texts; i++)
        *pt->texts[i].field = es ? pt->texts[i].es : pt->texts[i].en;
    pt->language = es ? "es" : "en";
}

/* ---- clinic.json --------------------------------------------------------- */

static void check_npi(struct ld *l, const cJSON *obj, const char *path, const char *npi)
{
    if (npi && !npi_valid(npi)) {
        char p[256];
        err(l, jr_member(obj, "npi"), jpath_key(p, sizeof p, path, "npi"),
            "'%.20s' is not a valid NPI; expected 10 digits with a correct check digit", npi);
    }
}

static void check_tin(struct ld *l, const cJSON *obj, const char *path, const char *tin)
{
    if (tin && !tin_valid(tin)) {
        char p[256];
        err(l, jr_member(obj, "tin"), jpath_key(p, sizeof p, path, "tin"),
            "'%.20s' is not a TIN; expected nine digits as NN-NNNNNNN", tin);
    }
}

static void load_provider(struct ld *l, const cJSON *o, const char *path, size_t i)
{
    static const char *const keys[] = { "id", "name", "npi", "specialty", "specialty_es", NULL };
    struct pt_provider *pv = &l->pt->clinic.providers[i];
    jr_check_keys(&l->r, o, path, keys);
    check_id(l, o, path, &pv->id);
    jr_string(&l->r, o, path, "name", true, &pv->name);
    jr_string(&l->r, o, path, "npi", true, &pv->npi);
    jr_string(&l->r, o, path, "specialty", false, &pv->specialty);
    text_es(l, o, path, "specialty", &pv->specialty);
    check_npi(l, o, path, pv->npi);
    for (size_t k = 0; k < i; k++)
        if (pv->id && l->pt->clinic.providers[k].id && !strcmp(pv->id, l->pt->clinic.providers[k].id))
            err(l, o, path, "duplicate provider id '%s'", pv->id);
}

/* obj.state: a two-letter state code (it picks the state notice: notice.h). */
static void check_state(struct ld *l, const cJSON *o, const char *path, const char **out)
{
    if (!jr_string(&l->r, o, path, "state", false, out) || !*out)
        return;
    const char *s = *out;
    if (strlen(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z') {
        char p[256];
        err(l, jr_member(o, "state"), jpath_key(p, sizeof p, path, "state"),
            "'%.20s' is not a state; expected its two-letter code such as \"CA\"", s);
    }
}

static void load_location(struct ld *l, const cJSON *o, const char *path, size_t i)
{
    static const char *const keys[] = { "id", "name", "name_es", "address", "state", NULL };
    struct pt_location *lc = &l->pt->clinic.locations[i];
    jr_check_keys(&l->r, o, path, keys);
    check_id(l, o, path, &lc->id);
    check_state(l, o, path, &lc->state);
    jr_string(&l->r, o, path, "name", true, &lc->name);
    text_es(l, o, path, "name", &lc->name);
    lc->address = string_list(l, o, path, "address", true, &lc->n_address);
    for (size_t k = 0; k < i; k++)
        if (lc->id && l->pt->clinic.locations[k].id && !strcmp(lc->id, l->pt->clinic.locations[k].id))
            err(l, o, path, "duplicate location id '%s'", lc->id);
}

/* clinic.outside[i]: an outside provider or facility that bills items itself. */
static void load_outside(struct ld *l, const cJSON *o, const char *path, size_t i)
{
    static const char *const keys[] = { "id", "kind", "name", "npi", "tin", "address",
                                        "clinic_collects", NULL };
    struct pt_outside *x = &l->pt->clinic.outside[i];
    char p[256];
    jr_check_keys(&l->r, o, path, keys);
    check_id(l, o, path, &x->id);
    const char *kind = NULL;
    if (jr_string(&l->r, o, path, "kind", true, &kind) && kind) {
        if (!strcmp(kind, "facility"))
            x->facility = true;
        else if (strcmp(kind, "provider") != 0)
            err(l, jr_member(o, "kind"), jpath_key(p, sizeof p, path, "kind"),
                "'%.20s' is not a kind; expected \"provider\" (a practitioner or group) or \"facility\"",
                kind);
    }
    jr_string(&l->r, o, path, "name", true, &x->name);
    jr_string(&l->r, o, path, "npi", true, &x->npi);
    check_npi(l, o, path, x->npi);
    jr_string(&l->r, o, path, "tin", true, &x->tin);
    check_tin(l, o, path, x->tin);
    x->address = string_list(l, o, path, "address", true, &x->n_address);
    if (!jr_member(o, "clinic_collects"))
        err(l, o, jpath_key(p, sizeof p, path, "clinic_collects"),
            "is missing; say true when the clinic collects these charges with its own, false when "
            "this provider or facility bills the patient directly");
    jr_bool(&l->r, o, path, "clinic_collects", false, &x->clinic_collects);
    const struct pt_clinic *c = &l->pt->clinic;
    for (size_t k = 0; k < i; k++)
        if (x->id && c->outside[k].id && !strcmp(x->id, c->outside[k].id))
            err(l, o, path, "duplicate outside provider id '%s'", x->id);
    for (size_t k = 0; k < c->n_providers; k++)
        if (x->id && c->providers[k].id && !strcmp(x->id, c->providers[k].id))
            err(l, o, jpath_key(p, sizeof p, path, "id"),
                "'%s' is already the id of one of the clinic's providers; items name who bills them "
                "by id, so each id must be used once", x->id);
}

static void load_financing(struct ld *l, const cJSON *o, const char *path, size_t i)
{
    static const char *const keys[] = { "name", "name_es", "apr", "months", NULL };
    struct pt_financing *f = &l->pt->clinic.financing[i];
    jr_check_keys(&l->r, o, path, keys);
    jr_string(&l->r, o, path, "name", true, &f->name);
    text_es(l, o, path, "name", &f->name);
    jr_percent(&l->r, o, path, "apr", true, &f->apr);
    jr_int(&l->r, o, path, "months", true, 1, 120, &f->months);
}

/* A language tag as BCP 47 writes the common ones: a 2–3 letter language
 * and optional subtags of 2–8 letters or digits ("vi", "zh-Hant", "es-MX"). */
static bool lang_tag_ok(const char *s)
{
    size_t n = 0;
    while (s[n] >= 'a' && s[n] <= 'z')
        n++;
    if (n < 2 || n > 3)
        return false;
    for (s += n; *s;) {
        if (*s++ != '-')
            return false;
        size_t k = 0;
        while ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') || (s[k] >= '0' && s[k] <= '9'))
            k++;
        if (k < 2 || k > 8)
            return false;
        s += k;
    }
    return true;
}

static void load_tagline(struct ld *l, const cJSON *o, const char *path, size_t i)
{
    static const char *const keys[] = { "lang", "text", NULL };
    struct pt_tagline *t = &l->pt->clinic.taglines[i];
    jr_check_keys(&l->r, o, path, keys);
    if (jr_string(&l->r, o, path, "lang", true, &t->lang) && t->lang && !lang_tag_ok(t->lang))
        err(l, jr_member(o, "lang"), path, "'%s' is not a language tag such as vi, zh-Hant or es-MX", t->lang);
    jr_string(&l->r, o, path, "text", true, &t->text);
    for (size_t k = 0; k < i && t->lang; k++)
        if (l->pt->clinic.taglines[k].lang && !strcmp(l->pt->clinic.taglines[k].lang, t->lang))
            err(l, jr_member(o, "lang"), path, "language '%s' is given twice", t->lang);
}

/* clinic.KEY: a non-empty array of objects, each given to fn. */
static void clinic_list(struct ld *l, const cJSON *co, const char *key, elem_fn fn, const char *if_empty)
{
    const cJSON *arr = NULL;
    char base[64];
    snprintf(base, sizeof base, "clinic.%s", key);
    if (!jr_array(&l->r, co, "clinic", key, true, &arr) || !arr)
        return;
    size_t i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        char p[256];
        jpath_idx(p, sizeof p, base, (int)i);
        if (cJSON_IsObject(e))
            fn(l, e, p, i);
        else
            err(l, e, p, "expected an object { … }");
    }
    if (i == 0)
        err(l, arr, base, "%s", if_empty);
}

static void load_clinic(struct ld *l)
{
    struct pt_clinic *c = &l->pt->clinic;
    const cJSON *root = l->r.doc->root;
    static const char *const top_keys[] = { "clinic", "currency", "quote_validity_days", "deposit",
                                            "tax", "financing", "language_assistance", NULL };
    static const char *const clinic_keys[] = { "name", "address", "phone", "email", "website",
                                               "tin", "npi", "providers", "locations", "outside",
                                               "logo", "default_provider", "default_location", "state",
                                               NULL };
    if (!cJSON_IsObject(root)) {
        err(l, root, NULL, "expected a JSON object at the top");
        return;
    }
    jr_check_keys(&l->r, root, "", top_keys);
    const cJSON *co = NULL;
    if (!jr_object(&l->r, root, "", "clinic", true, &co) || !co)
        return;
    jr_check_keys(&l->r, co, "clinic", clinic_keys);
    jr_string(&l->r, co, "clinic", "name", true, &c->name);
    c->address = string_list(l, co, "clinic", "address", true, &c->n_address);
    jr_string(&l->r, co, "clinic", "phone", true, &c->phone);
    jr_string(&l->r, co, "clinic", "email", false, &c->email);
    jr_string(&l->r, co, "clinic", "website", false, &c->website);
    jr_string(&l->r, co, "clinic", "logo", false, &c->logo);
    check_state(l, co, "clinic", &c->state);
    jr_string(&l->r, co, "clinic", "tin", true, &c->tin);
    check_tin(l, co, "clinic", c->tin);
    jr_string(&l->r, co, "clinic", "npi", true, &c->npi);
    check_npi(l, co, "clinic", c->npi);

    c->n_providers = ld_array_len(co, "providers");
    c->providers = ld_calloc(l, c->n_providers, sizeof *c->providers);
    c->n_locations = ld_array_len(co, "locations");
    c->locations = ld_calloc(l, c->n_locations, sizeof *c->locations);
    c->n_outside = ld_array_len(co, "outside");
    c->outside = ld_calloc(l, c->n_outside, sizeof *c->outside);
    if (!c->providers || !c->locations || !c->outside)
        return;
    clinic_list(l, co, "providers", load_provider, "is empty; list at least one provider with an NPI");
    clinic_list(l, co, "locations", load_location, "is empty; list where services are given");
    if (jr_member(co, "outside"))
        clinic_list(l, co, "outside", load_outside,
                    "is empty; leave it out when no outside provider or facility bills an item");
    const char *dp = NULL, *dloc = NULL;
    jr_string(&l->r, co, "clinic", "default_provider", false, &dp);
    jr_string(&l->r, co, "clinic", "default_location", false, &dloc);
    c->default_provider = dp ? pt_find_provider(l->pt, dp) : (c->n_providers ? &c->providers[0] : NULL);
    c->default_location = dloc ? pt_find_location(l->pt, dloc) : (c->n_locations ? &c->locations[0] : NULL);
    if (dp && !c->default_provider)
        err(l, jr_member(co, "default_provider"), "clinic.default_provider",
            "unknown provider '%.40s'; it must be an id from clinic.providers", dp);
    if (dloc && !c->default_location)
        err(l, jr_member(co, "default_location"), "clinic.default_location",
            "unknown location '%.40s'; it must be an id from clinic.locations", dloc);

    if (jr_string(&l->r, root, "", "currency", true, &c->currency) && c->currency &&
        strcmp(c->currency, "USD") != 0)
        err(l, jr_member(root, "currency"), "currency", "'%.10s' is not supported; expected \"USD\"",
            c->currency);
    jr_int(&l->r, root, "", "quote_validity_days", true, 1, 365, &c->validity_days);

    const cJSON *dep = NULL;
    if (jr_object(&l->r, root, "", "deposit", true, &dep) && dep) {
        static const char *const keys[] = { "percent", "minimum", "days_before_procedure", NULL };
        jr_check_keys(&l->r, dep, "deposit", keys);
        jr_percent(&l->r, dep, "deposit", "percent", true, &c->deposit_percent);
        jr_money(&l->r, dep, "deposit", "minimum", false, false, &c->deposit_minimum);
        jr_int(&l->r, dep, "deposit", "days_before_procedure", true, 0, 90, &c->deposit_days_before);
    }
    const cJSON *tax = NULL;
    if (jr_object(&l->r, root, "", "tax", false, &tax) && tax) {
        static const char *const keys[] = { "percent", "label", "label_es", NULL };
        jr_check_keys(&l->r, tax, "tax", keys);
        jr_percent(&l->r, tax, "tax", "percent", true, &c->tax_percent);
        jr_string(&l->r, tax, "tax", "label", true, &c->tax_label);
        text_es(l, tax, "tax", "label", &c->tax_label);
    }
    c->n_financing = ld_array_len(root, "financing");
    c->financing = ld_calloc(l, c->n_financing, sizeof *c->financing);
    if (c->financing)
        ld_walk_array(l, root, "financing", false, load_financing);
    c->n_taglines = ld_array_len(root, "language_assistance");
    if (c->n_taglines > PT_MAX_TAGLINES) {
        err(l, jr_member(root, "language_assistance"), "language_assistance",
            "at most %d taglines (the state's top languages)", PT_MAX_TAGLINES);
        c->n_taglines = 0;
    } else if (c->n_taglines) {
        c->taglines = ld_calloc(l, c->n_taglines, sizeof *c->taglines);
        if (c->taglines)
            ld_walk_array(l, root, "language_assistance", false, load_tagline);
    }
}

/* ---- catalog.json -------------------------------------------------------- */

static void load_item(struct ld *l, const cJSON *o, const char *path, size_t i)
{
    static const char *const keys[] = { "id", "description", "description_es", "code", "price", "unit",
                                        "phase", "coverage", "coverage_reason", "coverage_reason_es",
                                        "taxable", "separate", "billed_by", NULL };
    struct pt_item *it = &l->pt->items[i];
    jr_check_keys(&l->r, o, path, keys);
    check_id(l, o, path, &it->id);
    jr_string(&l->r, o, path, "description", true, &it->description);
    text_es(l, o, path, "description", &it->description);
    jr_string(&l->r, o, path, "description_es", false, &it->description_es);
    it->code = "";
    jr_string(&l->r, o, path, "code", false, &it->code);
    char why[PRICE_RULE_MSG_SIZE];
    char p[256];
    if (!price_code_valid(it->code, why, sizeof why))
        err(l, jr_member(o, "code"), jpath_key(p, sizeof p, path, "code"), "%s", why);
    jr_money(&l->r, o, path, "price", true, false, &it->price);
    jr_string(&l->r, o, path, "unit", true, &it->unit);
    const char *ph = NULL, *cov = NULL;
    if (jr_string(&l->r, o, path, "phase", true, &ph) && ph && !phase_parse(ph, &it->phase, why, sizeof why))
        err(l, jr_member(o, "phase"), jpath_key(p, sizeof p, path, "phase"), "%s", why);
    if (jr_string(&l->r, o, path, "coverage", true, &cov) && cov && !coverage_parse(cov, &it->coverage, why, sizeof why))
        err(l, jr_member(o, "coverage"), jpath_key(p, sizeof p, path, "coverage"), "%s", why);
    jr_string(&l->r, o, path, "coverage_reason", true, &it->coverage_reason);
    text_es(l, o, path, "coverage_reason", &it->coverage_reason);
    jr_string(&l->r, o, path, "coverage_reason_es", false, &it->coverage_reason_es);
    jr_bool(&l->r, o, path, "taxable", false, &it->taxable);
    jr_bool(&l->r, o, path, "separate", false, &it->separate);
    if (jr_string(&l->r, o, path, "billed_by", false, &it->billed_by) && it->billed_by &&
        !price_id_valid(it->billed_by, why, sizeof why)) {
        err(l, jr_member(o, "billed_by"), jpath_key(p, sizeof p, path, "billed_by"), "%s", why);
        it->billed_by = NULL;
    }
    it->list_price = it->price;
    ld_check_item_code(l, o, path, it);
    for (size_t k = 0; k < i; k++)
        if (it->id && l->pt->items[k].id && !strcmp(it->id, l->pt->items[k].id))
            err(l, o, path, "duplicate item id '%s'", it->id);
}

static void load_area(struct ld *l, const cJSON *o, const char *path, size_t i)
{
    static const char *const keys[] = { "id", "name", "name_es", NULL };
    struct pt_area *a = &l->pt->areas[i];
    jr_check_keys(&l->r, o, path, keys);
    check_id(l, o, path, &a->id);
    jr_string(&l->r, o, path, "name", true, &a->name);
    text_es(l, o, path, "name", &a->name);
    for (size_t k = 0; k < i; k++)
        if (a->id && l->pt->areas[k].id && !strcmp(a->id, l->pt->areas[k].id))
            err(l, o, path, "duplicate area id '%s'", a->id);
}

static void load_source(struct ld *l, const cJSON *o, const char *path, size_t i)
{
    static const char *const keys[] = { "id", "name", "name_es", "origin", "items", "bankable",
                                        "research_only", "research_only_es", "state_notice", NULL };
    struct pt_source *s = &l->pt->sources[i];
    jr_check_keys(&l->r, o, path, keys);
    check_id(l, o, path, &s->id);
    jr_string(&l->r, o, path, "name", true, &s->name);
    text_es(l, o, path, "name", &s->name);
    const char *origin = NULL;
    if (jr_string(&l->r, o, path, "origin", true, &origin) && origin) {
        if (!strcmp(origin, "allogeneic"))
            s->allogeneic = true;
        else if (strcmp(origin, "autologous") != 0) {
            char p[256];
            err(l, jr_member(o, "origin"), jpath_key(p, sizeof p, path, "origin"),
                "'%.30s' is not an origin; expected \"autologous\" (the patient's own cells) or \"allogeneic\" (donated)",
                origin);
        }
    }
    jr_string(&l->r, o, path, "research_only", false, &s->research_only);
    text_es(l, o, path, "research_only", &s->research_only);
    jr_bool(&l->r, o, path, "bankable", false, &s->bankable);
    jr_bool(&l->r, o, path, "state_notice", false, &s->state_notice);
    s->items = ref_item_list(l, o, path, "items", !s->research_only, &s->n_items);
    if (s->bankable && s->allogeneic) {
        char p[256];
        err(l, jr_member(o, "bankable"), jpath_key(p, sizeof p, path, "bankable"),
            "donated (allogeneic) cells are not banked for the patient; remove \"bankable\"");
    }
    ld_check_source_codes(l, o, path, s);
    for (size_t k = 0; k < i; k++)
        if (s->id && l->pt->sources[k].id && !strcmp(s->id, l->pt->sources[k].id))
            err(l, o, path, "duplicate cell source id '%s'", s->id);
}

static void load_method(struct ld *l, const cJSON *o, const char *path, size_t i)
{
    static const char *const keys[] = { "id", "name", "name_es", "fits", "items", "state_notice", NULL };
    struct pt_method *m = &l->pt->methods[i];
    jr_check_keys(&l->r, o, path, keys);
    check_id(l, o, path, &m->id);
    jr_string(&l->r, o, path, "name", true, &m->name);
    text_es(l, o, path, "name", &m->name);
    m->items = ref_item_list(l, o, path, "items", true, &m->n_items);
    jr_bool(&l->r, o, path, "state_notice", false, &m->state_notice);
    const cJSON *fits = NULL;
    if (jr_array(&l->r, o, path, "fits", true, &fits) && fits) {
        size_t n = (size_t)cJSON_GetArraySize(fits), k = 0, j = 0;
        m->fits = ld_calloc(l, n, sizeof *m->fits);
        if (!m->fits)
            return;
        for (const cJSON *e = fits->child; e; e = e->next, j++) {
            char p[256], q[256];
            jpath_idx(q, sizeof q, jpath_key(p, sizeof p, path, "fits"), (int)j);
            const struct pt_source *s = cJSON_IsString(e) ? pt_find_source(l->pt, e->valuestring) : NULL;
            if (!s) {
                const char *hint = cJSON_IsString(e) ? pt_suggest(l->pt, "source", e->valuestring) : NULL;
                err(l, e, q, "unknown cell source%s%s%s", hint ? "; did you mean '" : "",
                    hint ? hint : "", hint ? "'?" : "");
            } else if (s->research_only) {
                err(l, e, q, "'%s' is research-only and cannot be processed for a patient", s->id);
            } else {
                m->fits[k++] = s;
            }
        }
        m->n_fits = k;
        if (j == 0)
            err(l, fits, jpath_key((char[256]){ 0 }, 256, path, "fits"),
                "is empty; list the cell sources this method can process");
    }
    for (size_t k = 0; k < i; k++)
        if (m->id && l->pt->methods[k].id && !strcmp(m->id, l->pt->methods[k].id))
            err(l, o, path, "duplicate processing method id '%s'", m->id);
}

static void load_guidance(struct ld *l, const cJSON *o, const char *path, size_t i)
{
    static const char *const keys[] = { "id", "name", "name_es", "item", NULL };
    struct pt_guidance *g = &l->pt->guidance[i];
    jr_check_keys(&l->r, o, path, keys);
    check_id(l, o, path, &g->id);
    jr_string(&l->r, o, path, "name", true, &g->name);
    text_es(l, o, path, "name", &g->name);
    g->item = ref_item_key(l, o, path, "item", true);
}

static void load_adjunct(struct ld *l, const cJSON *o, const char *path, size_t i)
{
    static const char *const keys[] = { "id", "name", "name_es", "item", "included", "default_count",
                                        "max_count", "weeks", "start_week", "interval_weeks",
                                        "window_weeks", "course", NULL };
    struct pt_adjunct *a = &l->pt->adjuncts[i];
    jr_check_keys(&l->r, o, path, keys);
    check_id(l, o, path, &a->id);
    jr_string(&l->r, o, path, "name", true, &a->name);
    text_es(l, o, path, "name", &a->name);
    a->item = ref_item_key(l, o, path, "item", true);
    jr_bool(&l->r, o, path, "included", false, &a->included);
    a->default_count = 1;
    jr_int(&l->r, o, path, "default_count", false, 1, 1000, &a->default_count);
    a->max_count = a->default_count;
    jr_int(&l->r, o, path, "max_count", false, 1, 1000, &a->max_count);
    jr_bool(&l->r, o, path, "course", false, &a->course);
    const cJSON *weeks = NULL;
    jr_array(&l->r, o, path, "weeks", false, &weeks);
    char p[256];
    if (weeks) {
        if (jr_member(o, "start_week") || jr_member(o, "interval_weeks") || jr_member(o, "window_weeks"))
            err(l, weeks, jpath_key(p, sizeof p, path, "weeks"),
                "give either \"weeks\" or \"start_week\"/\"interval_weeks\"/\"window_weeks\", not both");
        size_t n = (size_t)cJSON_GetArraySize(weeks), k = 0;
        int *w = ld_calloc(l, n, sizeof *w);
        if (!w)
            return;
        for (const cJSON *e = weeks->child; e; e = e->next, k++) {
            char q[256];
            jpath_idx(q, sizeof q, jpath_key(p, sizeof p, path, "weeks"), (int)k);
            jr_int_node(&l->r, e, q, -52, 260, &w[k]);
            if (k > 0 && w[k] < w[k - 1])
                err(l, e, q, "weeks must be in order, earliest first");
        }
        a->weeks = w;
        a->n_weeks = n;
        if (n == 0)
            err(l, weeks, jpath_key(p, sizeof p, path, "weeks"), "is empty; give at least one week");
        else if (!a->course && (size_t)a->max_count > n)
            err(l, jr_member(o, "max_count") ? jr_member(o, "max_count") : o,
                jpath_key(p, sizeof p, path, "max_count"),
                "is %d but only %zu weeks are listed; list a week for each session", a->max_count, n);
    } else {
        if (!jr_int(&l->r, o, path, "start_week", true, -52, 260, &a->start_week))
            return;
        jr_int(&l->r, o, path, "interval_weeks", false, 0, 52, &a->interval_weeks);
        jr_int(&l->r, o, path, "window_weeks", false, 0, 12, &a->window_weeks);
        if (!a->course && a->max_count > 1 && a->interval_weeks == 0)
            err(l, o, jpath_key(p, sizeof p, path, "interval_weeks"),
                "is needed: more than one session and not a course");
    }
    if (a->default_count > a->max_count)
        err(l, jr_member(o, "default_count"), jpath_key(p, sizeof p, path, "default_count"),
            "is %d, more than max_count %d", a->default_count, a->max_count);
    for (size_t k = 0; k < i; k++)
        if (a->id && l->pt->adjuncts[k].id && !strcmp(a->id, l->pt->adjuncts[k].id))
            err(l, o, path, "duplicate adjunct id '%s'", a->id);
}

static void load_package(struct ld *l, const cJSON *o, const char *path, size_t i)
{
    static const char *const keys[] = { "id", "name", "name_es", "description", "description_es", "price",
                                        "includes", NULL };
    struct pt_package *pk = &l->pt->packages[i];
    jr_check_keys(&l->r, o, path, keys);
    check_id(l, o, path, &pk->id);
    jr_string(&l->r, o, path, "name", true, &pk->name);
    text_es(l, o, path, "name", &pk->name);
    jr_string(&l->r, o, path, "description", true, &pk->description);
    text_es(l, o, path, "description", &pk->description);
    jr_money(&l->r, o, path, "price", true, false, &pk->price);
    pk->list_price = pk->price;
    const cJSON *inc = NULL;
    char p[256];
    if (!jr_array(&l->r, o, path, "includes", true, &inc) || !inc)
        return;
    size_t n = (size_t)cJSON_GetArraySize(inc), k = 0, j = 0;
    pk->includes = ld_calloc(l, n, sizeof *pk->includes);
    if (!pk->includes)
        return;
    bool complete = true;
    for (const cJSON *e = inc->child; e; e = e->next, j++) {
        char q[256];
        jpath_idx(q, sizeof q, jpath_key(p, sizeof p, path, "includes"), (int)j);
        static const char *const ikeys[] = { "item", "quantity", NULL };
        if (!cJSON_IsObject(e)) {
            err(l, e, q, "expected an object { \"item\": …, \"quantity\": … }");
            complete = false;
            continue;
        }
        jr_check_keys(&l->r, e, q, ikeys);
        const struct pt_item *it = ref_item_key(l, e, q, "item", true);
        int qty = 1;
        jr_int(&l->r, e, q, "quantity", false, 1, 100, &qty);
        if (!it) {
            complete = false;
            continue;
        }
        for (size_t m = 0; m < k; m++)
            if (pk->includes[m].item == it)
                err(l, e, q, "item '%s' is listed twice; give one quantity", it->id);
        if (it->taxable || it->coverage != COVERAGE_NOT_COVERED || it->separate)
            err(l, jr_member(e, "item"), jpath_key(p, sizeof p, q, "item"),
                "'%s' %s; a package includes only services the patient pays the clinic for, so "
                "that its saving comes off them", it->id,
                it->taxable ? "is taxable goods"
                : it->separate ? "is scheduled and billed separately"
                               : "may be billed to insurance");
        pk->includes[k].item = it;
        pk->includes[k].quantity = qty;
        int64_t amt;
        if (!money_mul(it->price, qty, &amt) || !money_add(pk->a_la_carte, amt, &pk->a_la_carte))
            err(l, e, q, "amount overflows");
        k++;
    }
    pk->n_includes = k;
    if (j == 0)
        err(l, inc, jpath_key(p, sizeof p, path, "includes"), "is empty; list what the package includes");
    if (complete && j > 0 && pk->price >= pk->a_la_carte)
        warn(l, jr_member(o, "price"), jpath_key(p, sizeof p, path, "price"),
             "the package price is not below the separate prices of what it includes; patients save nothing");
    for (size_t m = 0; m < i; m++)
        if (pk->id && l->pt->packages[m].id && !strcmp(pk->id, l->pt->packages[m].id))
            err(l, o, path, "duplicate package id '%s'", pk->id);
}

static void load_discount(struct ld *l, const cJSON *o, const char *path, size_t i)
{
    static const char *const keys[] = { "id", "name", "name_es", "type", "percent", "amount", "max_percent",
                                        "max_amount", "cap", "requires_reason", "with_package",
                                        "applies_to", "pay_in_full", NULL };
    struct pt_discount *d = &l->pt->discounts[i];
    char p[256];
    jr_check_keys(&l->r, o, path, keys);
    check_id(l, o, path, &d->id);
    jr_string(&l->r, o, path, "name", true, &d->name);
    text_es(l, o, path, "name", &d->name);
    const char *type = NULL;
    if (jr_string(&l->r, o, path, "type", true, &type) && type) {
        if (!strcmp(type, "percent"))
            d->type = DISCOUNT_PERCENT;
        else if (!strcmp(type, "amount"))
            d->type = DISCOUNT_AMOUNT;
        else
            err(l, jr_member(o, "type"), jpath_key(p, sizeof p, path, "type"),
                "'%.20s' is not a discount type; expected \"percent\" or \"amount\"", type);
    }
    const char *wrong = d->type == DISCOUNT_PERCENT ? "amount" : "percent";
    const char *wrong_max = d->type == DISCOUNT_PERCENT ? "max_amount" : "max_percent";
    if (type && (jr_member(o, wrong) || jr_member(o, wrong_max)))
        err(l, jr_member(o, wrong) ? jr_member(o, wrong) : jr_member(o, wrong_max),
            jpath_key(p, sizeof p, path, jr_member(o, wrong) ? wrong : wrong_max),
            "does not fit a discount of type \"%s\"", type);
    if (d->type == DISCOUNT_PERCENT) {
        d->has_value = jr_member(o, "percent") != NULL;
        jr_percent(&l->r, o, path, "percent", false, &d->percent);
        jr_percent(&l->r, o, path, "max_percent", false, &d->max_percent);
        if (!d->has_value && !jr_member(o, "max_percent"))
            err(l, o, jpath_key(p, sizeof p, path, "percent"),
                "is missing; give \"percent\", or \"max_percent\" to let staff enter it");
    } else {
        d->has_value = jr_member(o, "amount") != NULL;
        jr_money(&l->r, o, path, "amount", false, false, &d->amount);
        jr_money(&l->r, o, path, "max_amount", false, false, &d->max_amount);
        if (!d->has_value && !jr_member(o, "max_amount"))
            err(l, o, jpath_key(p, sizeof p, path, "amount"),
                "is missing; give \"amount\", or \"max_amount\" to let staff enter it");
    }
    jr_money(&l->r, o, path, "cap", false, false, &d->cap);
    jr_bool(&l->r, o, path, "requires_reason", false, &d->requires_reason);
    jr_bool(&l->r, o, path, "with_package", false, &d->with_package);
    jr_bool(&l->r, o, path, "pay_in_full", false, &d->pay_in_full);
    d->applies_to = ref_item_list(l, o, path, "applies_to", false, &d->n_applies_to);
    if (jr_member(o, "applies_to") && d->with_package)
        err(l, jr_member(o, "with_package"), jpath_key(p, sizeof p, path, "with_package"),
            "a discount limited by \"applies_to\" cannot also apply with a package; remove one");
    for (size_t k = 0; k < i; k++)
        if (d->id && l->pt->discounts[k].id && !strcmp(d->id, l->pt->discounts[k].id))
            err(l, o, path, "duplicate discount id '%s'", d->id);
}

static void load_catalog(struct ld *l)
{
    struct price_table *pt = l->pt;
    const cJSON *root = l->r.doc->root;
    static const char *const top_keys[] = { "version", "effective_date", "scheduled_changes",
                                            "items", "areas", "cell_sources",
                                            "processing_methods", "procedure", "repeats",
                                            "adjuncts", "packages", "discounts", NULL };
    if (!cJSON_IsObject(root)) {
        err(l, root, NULL, "expected a JSON object at the top");
        return;
    }
    jr_check_keys(&l->r, root, "", top_keys);
    jr_string(&l->r, root, "", "version", true, &pt->version);
    const char *eff = NULL;
    if (jr_string(&l->r, root, "", "effective_date", true, &eff) && eff) {
        if (date_parse(eff, &pt->effective_date))
            l->has_effective_date = true;
        else
            err(l, jr_member(root, "effective_date"), "effective_date",
                "'%.20s' is not a date; expected YYYY-MM-DD", eff);
    }

#define ALLOC_WALK(field, count, key, required, fn)                      \
    do {                                                                 \
        pt->count = ld_array_len(root, key);                                \
        pt->field = ld_calloc(l, pt->count, sizeof *pt->field);            \
        if (!pt->field)                                                  \
            return;                                                      \
        ld_walk_array(l, root, key, required, fn);                          \
    } while (0)

    ALLOC_WALK(items, n_items, "items", true, load_item);
    ALLOC_WALK(areas, n_areas, "areas", true, load_area);
    ALLOC_WALK(sources, n_sources, "cell_sources", true, load_source);
    ALLOC_WALK(methods, n_methods, "processing_methods", true, load_method);
    ALLOC_WALK(adjuncts, n_adjuncts, "adjuncts", false, load_adjunct);
    ALLOC_WALK(packages, n_packages, "packages", false, load_package);
    ALLOC_WALK(discounts, n_discounts, "discounts", false, load_discount);
#undef ALLOC_WALK

    const cJSON *proc = NULL;
    if (jr_object(&l->r, root, "", "procedure", true, &proc) && proc) {
        static const char *const keys[] = { "injection_item", "max_areas", "guidance",
                                            "default_guidance", NULL };
        jr_check_keys(&l->r, proc, "procedure", keys);
        pt->injection_item = ref_item_key(l, proc, "procedure", "injection_item", true);
        pt->max_areas = 1;
        jr_int(&l->r, proc, "procedure", "max_areas", true, 1, 20, &pt->max_areas);
        pt->n_guidance = ld_array_len(proc, "guidance");
        pt->guidance = ld_calloc(l, pt->n_guidance, sizeof *pt->guidance);
        const cJSON *g = NULL;
        if (pt->guidance && jr_array(&l->r, proc, "procedure", "guidance", true, &g) && g) {
            size_t i = 0;
            for (const cJSON *e = g->child; e; e = e->next, i++) {
                char p[256];
                jpath_idx(p, sizeof p, "procedure.guidance", (int)i);
                if (cJSON_IsObject(e))
                    load_guidance(l, e, p, i);
                else
                    err(l, e, p, "expected an object { … }");
            }
        }
        const char *dg = NULL;
        if (jr_string(&l->r, proc, "procedure", "default_guidance", true, &dg) && dg) {
            pt->default_guidance = pt_find_guidance(pt, dg);
            if (!pt->default_guidance)
                err(l, jr_member(proc, "default_guidance"), "procedure.default_guidance",
                    "unknown guidance '%.30s'; it must be an id from procedure.guidance", dg);
        }
    }

    const cJSON *rep = NULL;
    if (jr_object(&l->r, root, "", "repeats", true, &rep) && rep) {
        static const char *const keys[] = { "max_sessions", "spacing_weeks", "min_spacing_weeks",
                                            "max_spacing_weeks", "injection_item", "banking_item",
                                            "thaw_item", "default_cells", NULL };
        jr_check_keys(&l->r, rep, "repeats", keys);
        pt->max_sessions = 1;
        jr_int(&l->r, rep, "repeats", "max_sessions", true, 1, 12, &pt->max_sessions);
        jr_int(&l->r, rep, "repeats", "spacing_weeks", true, 1, 104, &pt->spacing_weeks);
        pt->min_spacing_weeks = 1;
        pt->max_spacing_weeks = 104;
        jr_int(&l->r, rep, "repeats", "min_spacing_weeks", false, 1, 104, &pt->min_spacing_weeks);
        jr_int(&l->r, rep, "repeats", "max_spacing_weeks", false, 1, 104, &pt->max_spacing_weeks);
        if (pt->spacing_weeks < pt->min_spacing_weeks || pt->spacing_weeks > pt->max_spacing_weeks)
            err(l, jr_member(rep, "spacing_weeks"), "repeats.spacing_weeks",
                "%d is outside min_spacing_weeks..max_spacing_weeks (%d..%d)", pt->spacing_weeks,
                pt->min_spacing_weeks, pt->max_spacing_weeks);
        pt->repeat_injection_item = ref_item_key(l, rep, "repeats", "injection_item", false);
        pt->banking_item = ref_item_key(l, rep, "repeats", "banking_item", false);
        pt->thaw_item = ref_item_key(l, rep, "repeats", "thaw_item", false);
        if ((pt->banking_item == NULL) != (pt->thaw_item == NULL) && !ld_failed(l))
            err(l, rep, "repeats", "give both \"banking_item\" and \"thaw_item\", or neither");
        const char *dc = NULL;
        pt->default_banked = pt->banking_item != NULL;
        if (jr_string(&l->r, rep, "repeats", "default_cells", false, &dc) && dc) {
            if (!strcmp(dc, "banked"))
                pt->default_banked = true;
            else if (!strcmp(dc, "new-harvest"))
                pt->default_banked = false;
            else
                err(l, jr_member(rep, "default_cells"), "repeats.default_cells",
                    "'%.20s' is not valid; expected \"banked\" or \"new-harvest\"", dc);
        }
    }

    /* Every source that can be sold needs at least one method that fits. */
    for (size_t i = 0; i < pt->n_sources; i++) {
        const struct pt_source *s = &pt->sources[i];
        if (!s->id || s->research_only)
            continue;
        bool any = false;
        for (size_t k = 0; k < pt->n_methods; k++)
            any |= pt_method_fits(&pt->methods[k], s);
        if (!any) {
            char p[64];
            const cJSON *arr = jr_member(root, "cell_sources");
            jpath_idx(p, sizeof p, "cell_sources", (int)i);
            err(l, cJSON_GetArrayItem(arr, (int)i), p,
                "no processing method fits '%s'; add it to a method's \"fits\"", s->id);
        }
    }

    ld_load_schedule(l, root);
    ld_check_ultrasound_pairs(l, root);
    ld_check_coverage(l, root);
    pt->prices_on = pt->effective_date;
    pt->change_in_force = NULL;
}

/* ---- across the two files ------------------------------------------------ */

/* Resolve every item's "billed_by" against clinic.json (its providers and
 * outside providers and facilities), and refuse what an outside biller
 * that bills the patient directly makes impossible: a package saving or a
 * discount on charges the clinic does not collect.  Runs with l->r on the
 * catalog, after both files are loaded. */
static void link_billers(struct ld *l)
{
    struct price_table *pt = l->pt;
    const cJSON *root = pt->catalog_doc.root;
    const cJSON *items = jr_member(root, "items");
    for (size_t i = 0; i < pt->n_items; i++) {
        struct pt_item *it = &pt->items[i];
        if (!it->billed_by)
            continue;
        it->billed_by_provider = pt_find_provider(pt, it->billed_by);
        it->billed_by_outside = pt_find_outside(pt, it->billed_by);
        if (it->billed_by_provider || it->billed_by_outside)
            continue;
        char p[256], q[64];
        jpath_idx(q, sizeof q, "items", (int)i);
        jpath_key(p, sizeof p, q, "billed_by");
        const cJSON *node = jr_member(cJSON_GetArrayItem(items, (int)i), "billed_by");
        const char *hint = pt_suggest(pt, "biller", it->billed_by);
        if (hint)
            err(l, node, p, "unknown provider or facility '%.60s'; did you mean '%s'?", it->billed_by, hint);
        else
            err(l, node, p, "unknown provider or facility '%.60s'; it must be an id from clinic.providers "
                "or clinic.outside in clinic.json", it->billed_by);
    }
    const cJSON *pkgs = jr_member(root, "packages");
    for (size_t i = 0; i < pt->n_packages; i++)
        for (size_t k = 0; k < pt->packages[i].n_includes; k++) {
            const struct pt_item *it = pt->packages[i].includes[k].item;
            if (!pt_item_billed_directly(it))
                continue;
            char p[128];
            snprintf(p, sizeof p, "packages[%zu].includes", i);
            err(l, jr_member(cJSON_GetArrayItem(pkgs, (int)i), "includes"), p,
                "'%s' is billed to the patient directly by '%s'; a package saving cannot come off "
                "charges the clinic does not collect", it->id, it->billed_by);
        }
    const cJSON *discs = jr_member(root, "discounts");
    for (size_t i = 0; i < pt->n_discounts; i++)
        for (size_t k = 0; k < pt->discounts[i].n_applies_to; k++) {
            const struct pt_item *it = pt->discounts[i].applies_to[k];
            if (!pt_item_billed_directly(it))
                continue;
            char p[128];
            snprintf(p, sizeof p, "discounts[%zu].applies_to[%zu]", i, k);
            err(l, cJSON_GetArrayItem(jr_member(cJSON_GetArrayItem(discs, (int)i), "applies_to"), (int)k), p,
                "'%s' is billed to the patient directly by '%s'; the clinic cannot discount charges "
                "it does not collect", it->id, it->billed_by);
        }
}

/* ---- entry points ------------------------------------------------------ */

static int digest_files(struct price_table *pt)
{
    struct sha256 c;
    unsigned char d[32];
    sha256_init(&c);
    if (pt->has_clinic)
        sha256_update(&c, pt->clinic_doc.text, pt->clinic_doc.len);
    if (pt->has_catalog)
        sha256_update(&c, pt->catalog_doc.text, pt->catalog_doc.len);
    sha256_final(&c, d);
    sha256_to_hex(d, pt->sha256);
    return 0;
}

int price_table_load_files(struct price_table *pt, const char *clinic_path,
                           const char *catalog_path, struct diag_list *dl)
{
    memset(pt, 0, sizeof *pt);
    pt->language = "en";
    struct ld l = { .pt = pt, .dl = dl, .errors_at_start = dl->errors };
    l.r.dl = dl;
    /* Catalog first: clinic checks never refer to it, but keep one order. */
    if (catalog_path) {
        if (jdoc_load_file(&pt->catalog_doc, catalog_path, dl) == 0) {
            pt->has_catalog = true;
            l.r.doc = &pt->catalog_doc;
            load_catalog(&l);
            ld_check_words(&l, pt->catalog_doc.root, "");
        }
    }
    if (clinic_path) {
        if (jdoc_load_file(&pt->clinic_doc, clinic_path, dl) == 0) {
            pt->has_clinic = true;
            l.r.doc = &pt->clinic_doc;
            load_clinic(&l);
            ld_check_words(&l, pt->clinic_doc.root, "");
        }
    }
    if (pt->has_catalog && pt->has_clinic) {
        l.r.doc = &pt->catalog_doc;
        link_billers(&l);
    }
    digest_files(pt);
    return ld_failed(&l) ? -1 : 0;
}

int price_table_load_catalog_text(struct price_table *pt, const char *name, const char *text,
                                  size_t len, struct diag_list *dl)
{
    memset(pt, 0, sizeof *pt);
    pt->language = "en";
    struct ld l = { .pt = pt, .dl = dl, .errors_at_start = dl->errors };
    l.r.dl = dl;
    if (jdoc_parse(&pt->catalog_doc, name, text, len, dl) == 0) {
        pt->has_catalog = true;
        l.r.doc = &pt->catalog_doc;
        load_catalog(&l);
        ld_check_words(&l, pt->catalog_doc.root, "");
    }
    digest_files(pt);
    return ld_failed(&l) ? -1 : 0;
}

int price_table_load(struct price_table *pt, const char *dir, struct diag_list *dl)
{
    char clinic[4096], catalog[4096], notices[4096];
    snprintf(clinic, sizeof clinic, "%s/clinic.json", dir);
    snprintf(catalog, sizeof catalog, "%s/catalog.json", dir);
    snprintf(notices, sizeof notices, "%s/notices.json", dir);
    int rc = price_table_load_files(pt, clinic, catalog, dl);
    if (access(notices, F_OK) == 0) {
        size_t errors = dl->errors;
        if (notice_set_load(&pt->notices, notices, dl) == 0 && pt->has_clinic)
            notice_check_clinic(pt->notices, pt, dl);
        if (dl->errors > errors)
            rc = -1;
    }
    return rc;
}

void price_table_free(struct price_table *pt)
{
    for (size_t i = 0; i < pt->n_changes; i++) {
        free(pt->changes[i].prices);
        free(pt->changes[i].package_prices);
    }
    free(pt->changes);
    for (size_t i = 0; i < pt->n_sources; i++)
        free(pt->sources[i].items);
    for (size_t i = 0; i < pt->n_methods; i++) {
        free(pt->methods[i].items);
        free(pt->methods[i].fits);
    }
    for (size_t i = 0; i < pt->n_adjuncts; i++)
        free((void *)pt->adjuncts[i].weeks);
    for (size_t i = 0; i < pt->n_packages; i++)
        free(pt->packages[i].includes);
    for (size_t i = 0; i < pt->n_discounts; i++)
        free(pt->discounts[i].applies_to);
    for (size_t i = 0; i < pt->clinic.n_locations; i++)
        free(pt->clinic.locations[i].address);
    for (size_t i = 0; i < pt->clinic.n_outside; i++)
        free(pt->clinic.outside[i].address);
    free(pt->clinic.outside);
    free(pt->clinic.address);
    free(pt->clinic.providers);
    free(pt->clinic.locations);
    free(pt->clinic.financing);
    free(pt->clinic.taglines);
    free(pt->items);
    free(pt->areas);
    free(pt->sources);
    free(pt->methods);
    free(pt->guidance);
    free(pt->adjuncts);
    free(pt->packages);
    free(pt->discounts);
    jdoc_free(&pt->clinic_doc);
    jdoc_free(&pt->catalog_doc);
    free(pt->texts);
    notice_set_free(pt->notices);
    memset(pt, 0, sizeof *pt);
}
