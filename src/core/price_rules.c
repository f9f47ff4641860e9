/* price_rules — what a price table must say, beyond being well formed.
 *
 * Field rules (price_id_valid, price_code_valid, npi_valid and tin_valid, shared
 * with the CSV import of items in catalog_csv.c), billing-code rules (a diagnostic bone-marrow
 * code on a harvest; ultrasound guidance 76942 at the same visit as a code
 * that already includes it; coverage that payers contradict) and wording
 * (no treatment is ever called FDA-approved or FDA-cleared).  The loader in
 * price_table.c runs the ld_check_*() checks (price_table_int.h). */
#include "price_table.h"
#include "price_table_int.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- field rules ------------------------------------------------------------ */

bool price_id_valid(const char *s, char *why, size_t size)
{
    size_t n = strlen(s);
    bool good = n > 0 && n <= 48 && (islower((unsigned char)s[0]) || isdigit((unsigned char)s[0]));
    for (size_t i = 0; good && i < n; i++)
        good = islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-';
    if (!good && why && size)
        snprintf(why, size,
                 "'%.60s' is not a valid id; use lowercase letters, digits and '-' (at most 48)", s);
    return good;
}

bool price_code_valid(const char *code, char *why, size_t size)
{
    bool good = true; /* "": no code applies */
    if (code[0]) {
        good = strlen(code) == 5;
        for (int k = 0; good && k < 5; k++)
            good = isalnum((unsigned char)code[k]) && !islower((unsigned char)code[k]);
    }
    if (!good && why && size)
        snprintf(why, size,
                 "'%.20s' is not a CPT/HCPCS code; expected five characters such as 20610 or L3000, or nothing",
                 code);
    return good;
}

bool npi_valid(const char *npi)
{
    if (!npi || strlen(npi) != 10)
        return false;
    char s[16];
    snprintf(s, sizeof s, "80840%s", npi);
    int sum = 0;
    for (int i = 14, pos = 0; i >= 0; i--, pos++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        int d = s[i] - '0';
        if (pos % 2 == 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return sum % 10 == 0;
}

bool tin_valid(const char *tin)
{
    if (!tin || strlen(tin) != 10 || tin[2] != '-')
        return false;
    bool nonzero = false;
    for (int i = 0; i < 10; i++) {
        if (i == 2)
            continue;
        if (!isdigit((unsigned char)tin[i]))
            return false;
        nonzero |= tin[i] != '0';
    }
    return nonzero;
}

/* ---- billing codes ---------------------------------------------------------- */

/* 38220 and 38222 bill a bone-marrow aspiration or biopsy for diagnosis;
 * a therapeutic harvest is 38232. */
static bool code_is_diagnostic_marrow(const char *code)
{
    return !strcmp(code, "38220") || !strcmp(code, "38222");
}

void ld_check_item_code(struct ld *l, const cJSON *o, const char *path, const struct pt_item *it)
{
    if (code_is_diagnostic_marrow(it->code)) {
        char p[256];
        warn(l, jr_member(o, "code"), jpath_key(p, sizeof p, path, "code"),
             "%s is a diagnostic bone-marrow code (aspiration or biopsy for diagnosis); a therapeutic harvest is billed 38232; check that this item is really diagnostic",
             it->code);
    }
}

void ld_check_source_codes(struct ld *l, const cJSON *o, const char *path, const struct pt_source *s)
{
    for (size_t k = 0; k < s->n_items; k++)
        if (code_is_diagnostic_marrow(s->items[k]->code)) {
            char p[256];
            err(l, jr_member(o, "items"), jpath_key(p, sizeof p, path, "items"),
                "item '%s' has code %s, a diagnostic bone-marrow code; a therapeutic harvest is not billed with it (38232 is the harvest code)",
                s->items[k]->id, s->items[k]->code);
        }
}

/* Codes that already include ultrasound guidance (76942 must not be added). */
static const char *const INCLUDES_US[] = { "0232T", "20604", "20606", "20611" };

static bool code_includes_us(const struct pt_item *it)
{
    for (size_t k = 0; it && k < sizeof INCLUDES_US / sizeof INCLUDES_US[0]; k++)
        if (!strcmp(it->code, INCLUDES_US[k]))
            return true;
    return false;
}

static bool code_is_us_guidance(const struct pt_item *it)
{
    return it && !strcmp(it->code, "76942");
}

/* Visit slots: weeks from the procedure day, and one slot for a repeat session. */
#define SLOT_REPEAT 100000
#define SLOT_MAX 64

struct slots {
    int v[SLOT_MAX];
    size_t n;
};

static void slot_add(struct slots *s, int week)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i] == week)
            return;
    if (s->n < SLOT_MAX)
        s->v[s->n++] = week;
}

/* The weeks an adjunct's sessions fall on: all of them, or the first count. */
static void adjunct_slots(const struct pt_adjunct *a, int count, struct slots *s)
{
    for (int k = 0; k < count && k < SLOT_MAX; k++) {
        if (a->weeks) {
            if ((size_t)k >= a->n_weeks)
                break;
            slot_add(s, a->weeks[k]);
        } else {
            slot_add(s, a->start_week + k * a->interval_weeks);
        }
    }
}

static bool list_has(const struct pt_item *const *v, size_t n, const struct pt_item *it)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == it)
            return true;
    return false;
}

/* Every visit at which any plan could bill item it. */
static void item_slots(const struct price_table *pt, const struct pt_item *it, struct slots *s)
{
    s->n = 0;
    bool repeats = pt->max_sessions > 1;
    bool procedure = it == pt->injection_item || it == pt->banking_item;
    bool repeat = it == pt->thaw_item || it == pt->repeat_injection_item ||
                  (it == pt->injection_item && !pt->repeat_injection_item);
    for (size_t i = 0; i < pt->n_guidance; i++)
        if (pt->guidance[i].item == it)
            procedure = repeat = true;
    for (size_t i = 0; i < pt->n_sources; i++)
        if (list_has(pt->sources[i].items, pt->sources[i].n_items, it))
            procedure = repeat = true;
    for (size_t i = 0; i < pt->n_methods; i++)
        if (list_has(pt->methods[i].items, pt->methods[i].n_items, it))
            procedure = repeat = true;
    if (procedure)
        slot_add(s, 0);
    if (repeat && repeats)
        slot_add(s, SLOT_REPEAT);
    for (size_t i = 0; i < pt->n_adjuncts; i++)
        if (pt->adjuncts[i].item == it)
            adjunct_slots(&pt->adjuncts[i], pt->adjuncts[i].max_count, s);
    if (s->n == 0 && it->phase == PHASE_PROCEDURE)
        slot_add(s, 0);
    if (s->n == 0 && it->phase == PHASE_REPEAT && repeats)
        slot_add(s, SLOT_REPEAT);
}

/* A slot both share, or INT32_MIN. */
static int common_slot(const struct slots *a, const struct slots *b)
{
    for (size_t i = 0; i < a->n; i++)
        for (size_t k = 0; k < b->n; k++)
            if (a->v[i] == b->v[k])
                return a->v[i];
    return INT32_MIN;
}

static const char *slot_name(int slot, char *buf, size_t size)
{
    if (slot == SLOT_REPEAT)
        snprintf(buf, size, "a repeat session");
    else if (slot == 0)
        snprintf(buf, size, "the procedure day");
    else
        snprintf(buf, size, "week %d", slot);
    return buf;
}

/* 76942 must not be billed at the same visit as a code that includes it. */
void ld_check_ultrasound_pairs(struct ld *l, const cJSON *root)
{
    struct price_table *pt = l->pt;
    char p[256], when[40];
    /* The injection items themselves (procedure day and repeats). */
    const struct pt_item *inj[2] = { pt->injection_item, pt->repeat_injection_item };
    const cJSON *proc = jr_member(root, "procedure"), *rep = jr_member(root, "repeats");
    for (size_t k = 0; k < pt->n_guidance; k++) {
        if (!code_is_us_guidance(pt->guidance[k].item))
            continue;
        if (code_includes_us(inj[0]))
            err(l, jr_member(proc, "injection_item"), "procedure.injection_item",
                "code %s already includes ultrasound guidance; 76942 must not be billed with it",
                inj[0]->code);
        if (inj[1] && inj[1] != inj[0] && code_includes_us(inj[1]))
            err(l, jr_member(rep, "injection_item"), "repeats.injection_item",
                "code %s already includes ultrasound guidance; 76942 must not be billed with it",
                inj[1]->code);
        break;
    }

    /* Adjuncts: in the standard plan (included, default count) an error;
     * a plan that adds one is a warning. Guidance is billed on the procedure
     * day and at repeats; the default guidance is in the standard plan. */
    const cJSON *adj = jr_member(root, "adjuncts");
    for (size_t i = 0; i < pt->n_adjuncts; i++) {
        const struct pt_adjunct *a = &pt->adjuncts[i];
        if (!a->item || !a->id)
            continue;
        bool a_us = code_is_us_guidance(a->item), a_inc = code_includes_us(a->item);
        if (!a_us && !a_inc)
            continue;
        struct slots sa = { .n = 0 }, sa_std = { .n = 0 };
        adjunct_slots(a, a->max_count, &sa);
        if (a->included)
            adjunct_slots(a, a->default_count, &sa_std);
        jpath_idx(p, sizeof p, "adjuncts", (int)i);
        const cJSON *node = cJSON_GetArrayItem(adj, (int)i);
        /* against image guidance on the procedure day */
        for (size_t k = 0; a_inc && k < pt->n_guidance; k++) {
            const struct pt_item *g = pt->guidance[k].item;
            if (!code_is_us_guidance(g))
                continue;
            struct slots day = { .v = { 0 }, .n = 1 };
            bool std = a->included && &pt->guidance[k] == pt->default_guidance &&
                       common_slot(&sa_std, &day) != INT32_MIN;
            if (common_slot(&sa, &day) == INT32_MIN)
                continue;
            if (std)
                err(l, node, p,
                    "is in every plan and bills %s (item '%s') on the procedure day, with ultrasound guidance 76942 (item '%s'); %s already includes ultrasound guidance",
                    a->item->code, a->item->id, g->id, a->item->code);
            else
                warn(l, node, p,
                     "a plan with this adjunct bills %s (item '%s') on the procedure day, with ultrasound guidance 76942 (item '%s'); %s already includes ultrasound guidance",
                     a->item->code, a->item->id, g->id, a->item->code);
            break;
        }
        /* against another adjunct */
        for (size_t j = 0; j < i; j++) {
            const struct pt_adjunct *b = &pt->adjuncts[j];
            if (!b->item || !((a_us && code_includes_us(b->item)) || (a_inc && code_is_us_guidance(b->item))))
                continue;
            struct slots sb = { .n = 0 }, sb_std = { .n = 0 };
            adjunct_slots(b, b->max_count, &sb);
            if (b->included)
                adjunct_slots(b, b->default_count, &sb_std);
            int std = common_slot(&sa_std, &sb_std), any = common_slot(&sa, &sb);
            if (std != INT32_MIN)
                err(l, node, p,
                    "is in every plan, as is adjunct '%s': they bill 76942 and %s at the same visit (%s); %s already includes ultrasound guidance",
                    b->id ? b->id : "?", a_us ? b->item->code : a->item->code,
                    slot_name(std, when, sizeof when), a_us ? b->item->code : a->item->code);
            else if (any != INT32_MIN)
                warn(l, node, p,
                     "a plan with this adjunct and adjunct '%s' bills 76942 and %s at the same visit (%s); %s already includes ultrasound guidance",
                     b->id ? b->id : "?", a_us ? b->item->code : a->item->code,
                     slot_name(any, when, sizeof when), a_us ? b->item->code : a->item->code);
        }
    }

    /* Packages: two included items that can fall on the same visit. */
    const cJSON *pkgs = jr_member(root, "packages");
    for (size_t i = 0; i < pt->n_packages; i++) {
        const struct pt_package *pk = &pt->packages[i];
        for (size_t j = 0; j < pk->n_includes; j++) {
            const struct pt_item *x = pk->includes[j].item;
            if (!code_includes_us(x))
                continue;
            for (size_t k = 0; k < pk->n_includes; k++) {
                const struct pt_item *g = pk->includes[k].item;
                if (!code_is_us_guidance(g))
                    continue;
                struct slots sx, sg;
                item_slots(pt, x, &sx);
                item_slots(pt, g, &sg);
                int at = common_slot(&sx, &sg);
                if (at == INT32_MIN)
                    continue;
                char q[256];
                const cJSON *inc = jr_member(cJSON_GetArrayItem(pkgs, (int)i), "includes");
                jpath_idx(q, sizeof q, jpath_key(p, sizeof p, jpath_idx(when, sizeof when, "packages", (int)i), "includes"),
                          (int)j);
                char w2[40];
                err(l, cJSON_GetArrayItem(inc, (int)j), q,
                    "the package bills %s (item '%s') and ultrasound guidance 76942 (item '%s') at the same visit (%s); %s already includes ultrasound guidance",
                    x->code, x->id, g->id, slot_name(at, w2, sizeof w2), x->code);
            }
        }
    }
}

/* Coverage that contradicts what payers say about these codes and services. */
void ld_check_coverage(struct ld *l, const cJSON *root)
{
    struct price_table *pt = l->pt;
    const cJSON *items = jr_member(root, "items");
    for (size_t i = 0; i < pt->n_items; i++) {
        const struct pt_item *it = &pt->items[i];
        if (it->coverage != COVERAGE_MAY_BE_BILLABLE || !it->id)
            continue;
        char p[256], q[256];
        jpath_key(p, sizeof p, jpath_idx(q, sizeof q, "items", (int)i), "coverage");
        const cJSON *node = jr_member(cJSON_GetArrayItem(items, (int)i), "coverage");
        bool orthotic = strlen(it->code) == 5 && it->code[0] == 'L' && strcmp(it->code, "L3000") >= 0 &&
                        strcmp(it->code, "L3020") <= 0;
        if (!strcmp(it->code, "M0076") || orthotic) {
            warn(l, node, p,
                 "code %s (%s) is excluded from Medicare coverage; mark it \"not_covered\" unless you have confirmed a payer covers it",
                 it->code, orthotic ? "custom foot orthotic" : "prolotherapy");
            continue;
        }
        bool msc = it == pt->injection_item || it == pt->repeat_injection_item ||
                   it == pt->banking_item || it == pt->thaw_item;
        for (size_t k = 0; !msc && k < pt->n_sources; k++)
            msc = list_has(pt->sources[k].items, pt->sources[k].n_items, it);
        for (size_t k = 0; !msc && k < pt->n_methods; k++)
            msc = list_has(pt->methods[k].items, pt->methods[k].n_items, it);
        if (msc)
            warn(l, node, p,
                 "item '%s' is part of the MSC treatment, which is investigational for all major payers; mark it \"not_covered\"",
                 it->id);
    }
}

/* ---- wording -------------------------------------------------------------- */

/* Lowercase letters and digits; every other run of bytes (spaces, hyphens,
 * dashes, punctuation, non-ASCII) becomes one space.  Accented letters of
 * "aprobado" are ASCII anyway. */
static void normalize_words(const char *s, char *out, size_t size)
{
    size_t n = 0;
    bool space = true;
    out[n++] = ' ';
    for (; *s && n + 2 < size; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) && c < 0x80) {
            out[n++] = (char)tolower(c);
            space = false;
        } else if (!space) {
            out[n++] = ' ';
            space = true;
        }
    }
    if (!space)
        out[n++] = ' ';
    out[n] = '\0';
}

bool pt_text_claims_fda(const char *text, const char **what)
{
    static const struct { const char *words, *what; } claims[] = {
        { " fda approved ", "FDA-approved" },
        { " approved by the fda ", "FDA-approved" },
        { " approved by fda ", "FDA-approved" },
        { " fda cleared ", "FDA-cleared" },
        { " cleared by the fda ", "FDA-cleared" },
        { " cleared by fda ", "FDA-cleared" },
        { " aprobado por la fda ", "FDA-approved" },
        { " aprobada por la fda ", "FDA-approved" },
        { " aprobados por la fda ", "FDA-approved" },
        { " aprobadas por la fda ", "FDA-approved" },
    };
    static const char *const denials[] = { " not", " no", " never", " nor", " isn t", " aren t",
                                            " without", " lacks", " lack" };
    char norm[2048];
    normalize_words(text, norm, sizeof norm);
    for (size_t i = 0; i < sizeof claims / sizeof claims[0]; i++) {
        for (const char *at = strstr(norm, claims[i].words); at;
             at = strstr(at + 1, claims[i].words)) {
            bool denied = false;
            for (size_t k = 0; k < sizeof denials / sizeof denials[0]; k++) {
                size_t dl = strlen(denials[k]);
                if ((size_t)(at - norm) >= dl && !strncmp(at - dl, denials[k], dl))
                    denied = true;
            }
            /* "no está aprobado por la FDA": the accent makes "est" + space */
            if ((size_t)(at - norm) >= 7 && !strncmp(at - 7, " no est", 7))
                denied = true;
            if (!denied) {
                if (what)
                    *what = claims[i].what;
                return true;
            }
        }
    }
    return false;
}

/* Patient-facing text must never call these treatments FDA-approved. */
void ld_check_words(struct ld *l, const cJSON *node, const char *path)
{
    int i = 0;
    for (const cJSON *c = node ? node->child : NULL; c; c = c->next, i++) {
        const char *what = NULL;
        bool hit = cJSON_IsString(c) && pt_text_claims_fda(c->valuestring, &what);
        if (!hit && !c->child)
            continue; /* the path is only built where it is needed */
        char p[256];
        if (c->string)
            jpath_key(p, sizeof p, path, c->string);
        else
            jpath_idx(p, sizeof p, path, i);
        if (hit)
            err(l, c, p, "says \"%s\"; these treatments are not %s and must never be described so", what,
                what);
        else
            ld_check_words(l, c, p);
    }
}
