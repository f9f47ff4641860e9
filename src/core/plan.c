#include "plan.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "human_text.h"
#include "money.h"

/* Scalar fields, their JSON path and their option; the bit marks a field
 * replaced by an option (its position in the file no longer applies). */
enum field {
    F_NAME, F_DOB, F_PID, F_CONDITION, F_SOURCE, F_METHOD, F_GUIDANCE, F_SESSIONS,
    F_SPACING, F_CELLS, F_PACKAGE, F_DATE, F_PROVIDER, F_LOCATION, F_LANG, F_COUNT
};
static const char *const FIELD_PATH[F_COUNT] = {
    "patient.name", "patient.date_of_birth", "patient.id", "condition", "cell_source",
    "processing_method", "guidance", "sessions", "session_spacing_weeks", "repeat_cells",
    "package", "scheduled_date", "provider", "location", "language",
};

const char *const plan_option_names[] = {
    "patient-name", "dob", "patient-id", "condition", "icd10", "area", "source", "method",
    "guidance", "sessions", "spacing", "repeat-cells", "add", "without", "package",
    "discount", "date", "provider", "location", "lang", NULL,
};

void plan_init(struct plan *p)
{
    memset(p, 0, sizeof *p);
}

static char **strv_push(char ***v, size_t *n, const char *s)
{
    char **nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv)
        return NULL;
    *v = nv;
    nv[*n] = strdup(s);
    if (!nv[*n])
        return NULL;
    (*n)++;
    return nv;
}

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static bool set_str(char **dst, const char *s)
{
    char *d = strdup(s);
    if (!d)
        return false;
    free(*dst);
    *dst = d;
    return true;
}

/* Text a person typed, or an id: human_text.h's one rule, at most
 * PLAN_MAX_TEXT characters.  why: HUMAN_TEXT_WHY bytes of room. */
static const char *text_problem(const char *s, char *why)
{
    return human_text_problem(s, PLAN_MAX_TEXT, why);
}

static bool icd10_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 3 || n > 8)
        return false;
    if (!isupper((unsigned char)s[0]) || s[0] == 'U' || !isdigit((unsigned char)s[1]) ||
        !(isdigit((unsigned char)s[2]) || isupper((unsigned char)s[2])))
        return false;
    if (n == 3)
        return true;
    if (s[3] != '.' || n == 4)
        return false;
    for (size_t i = 4; i < n; i++)
        if (!isdigit((unsigned char)s[i]) && !isupper((unsigned char)s[i]))
            return false;
    return true;
}

/* ---- request file ------------------------------------------------------- */

struct rd {
    struct plan *p;
    struct jreader r;
};

static void rerr(struct rd *d, const cJSON *node, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void rerr(struct rd *d, const cJSON *node, const char *path, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    jdoc_diag(d->r.doc, d->r.dl, DIAG_ERROR, node, path, "%s", msg);
}

/* Read a text field into *dst (a copy), checking it as typed text. */
static void read_text(struct rd *d, const cJSON *obj, const char *path, const char *key,
                      char **dst)
{
    const char *s = NULL;
    if (!jr_string(&d->r, obj, path, key, false, &s) || !s)
        return;
    char p[256];
    jpath_key(p, sizeof p, path, key);
    char wb[HUMAN_TEXT_WHY];
    const char *why = text_problem(s, wb);
    if (why) {
        rerr(d, jr_member(obj, key), p, "%s", why);
        return;
    }
    if (!set_str(dst, s))
        rerr(d, NULL, p, "out of memory");
}

static void read_text_list(struct rd *d, const cJSON *obj, const char *key, char ***v, size_t *n,
                           bool is_code)
{
    const cJSON *arr = NULL;
    if (!jr_array(&d->r, obj, "", key, false, &arr) || !arr)
        return;
    int i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        char p[256];
        jpath_idx(p, sizeof p, key, i);
        if (i >= PLAN_MAX_LIST) {
            rerr(d, e, p, "too many entries; at most %d", PLAN_MAX_LIST);
            return;
        }
        if (!cJSON_IsString(e)) {
            rerr(d, e, p, "expected a string");
            continue;
        }
        char wb[HUMAN_TEXT_WHY];
        const char *why = text_problem(e->valuestring, wb);
        if (why) {
            rerr(d, e, p, "%s", why);
            continue;
        }
        if (is_code && !icd10_ok(e->valuestring)) {
            rerr(d, e, p, "'%.20s' is not an ICD-10 code; expected a form such as \"M72.2\"",
                 e->valuestring);
            continue;
        }
        if (!strv_push(v, n, e->valuestring))
            rerr(d, NULL, p, "out of memory");
    }
}

static void read_adjuncts(struct rd *d, const cJSON *root)
{
    const cJSON *arr = NULL;
    if (!jr_array(&d->r, root, "", "adjuncts", false, &arr) || !arr)
        return;
    int i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        char p[256];
        jpath_idx(p, sizeof p, "adjuncts", i);
        if (i >= PLAN_MAX_LIST) {
            rerr(d, e, p, "too many entries; at most %d", PLAN_MAX_LIST);
            return;
        }
        const char *id = NULL;
        int count = 0;
        if (cJSON_IsString(e)) {
            id = e->valuestring;
        } else if (cJSON_IsObject(e)) {
            static const char *const keys[] = { "id", "count", NULL };
            jr_check_keys(&d->r, e, p, keys);
            jr_string(&d->r, e, p, "id", true, &id);
            if (jr_member(e, "count") && !jr_int(&d->r, e, p, "count", false, 1, 1000, &count)) {
                /* jr_int reported it; refine the zero/negative case */
                continue;
            }
        } else {
            rerr(d, e, p, "expected an adjunct id, or { \"id\": …, \"count\": … }");
            continue;
        }
        if (!id)
            continue;
        /* an id is checked as typed text too: never empty (the canonical
         * form could not be read back), no control characters (they would
         * reach messages) */
        char wb[HUMAN_TEXT_WHY];
        const char *why = text_problem(id, wb);
        if (why) {
            char ip[300];
            bool bare = cJSON_IsString(e);
            rerr(d, bare ? e : jr_member(e, "id"), bare ? p : jpath_key(ip, sizeof ip, p, "id"), "%s", why);
            continue;
        }
        struct plan_adjunct *na = realloc(d->p->adjuncts, (d->p->n_adjuncts + 1) * sizeof *na);
        if (!na || !(id = strdup(id))) {
            if (na)
                d->p->adjuncts = na;
            rerr(d, NULL, p, "out of memory");
            return;
        }
        d->p->adjuncts = na;
        na[d->p->n_adjuncts].id = (char *)id;
        na[d->p->n_adjuncts].count = count;
        d->p->n_adjuncts++;
    }
}

static struct plan_discount *push_discount(struct plan *p)
{
    struct plan_discount *nd = realloc(p->discounts, (p->n_discounts + 1) * sizeof *nd);
    if (!nd)
        return NULL;
    p->discounts = nd;
    memset(&nd[p->n_discounts], 0, sizeof *nd);
    return &nd[p->n_discounts++];
}

static void read_discounts(struct rd *d, const cJSON *root)
{
    const cJSON *arr = NULL;
    if (!jr_array(&d->r, root, "", "discounts", false, &arr) || !arr)
        return;
    int i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        char p[256];
        jpath_idx(p, sizeof p, "discounts", i);
        if (i >= PLAN_MAX_LIST) {
            rerr(d, e, p, "too many entries; at most %d", PLAN_MAX_LIST);
            return;
        }
        if (!cJSON_IsObject(e)) {
            rerr(d, e, p, "expected { \"id\": …, \"reason\": … }");
            continue;
        }
        static const char *const keys[] = { "id", "reason", "percent", "amount", NULL };
        jr_check_keys(&d->r, e, p, keys);
        const char *id = NULL;
        if (!jr_string(&d->r, e, p, "id", true, &id) || !id)
            continue;
        char wb[HUMAN_TEXT_WHY];
        const char *why = text_problem(id, wb);
        if (why) {
            char ip[300];
            rerr(d, jr_member(e, "id"), jpath_key(ip, sizeof ip, p, "id"), "%s", why);
            continue;
        }
        struct plan_discount *pd = push_discount(d->p);
        if (!pd || !(pd->id = strdup(id))) {
            rerr(d, NULL, p, "out of memory");
            return;
        }
        read_text(d, e, p, "reason", &pd->reason);
        if (jr_member(e, "percent"))
            pd->has_percent = jr_percent(&d->r, e, p, "percent", false, &pd->percent);
        if (jr_member(e, "amount"))
            pd->has_amount = jr_money(&d->r, e, p, "amount", false, false, &pd->amount);
    }
}

static const char *const REQUEST_KEYS[] = {
    "patient", "condition", "icd10", "areas", "cell_source", "processing_method", "guidance",
    "sessions", "session_spacing_weeks", "repeat_cells", "adjuncts", "without", "package",
    "discounts", "scheduled_date", "provider", "location", "language", "notes", "idempotency_key", NULL,
};

static bool check_cells(const char *s, enum plan_cells *out)
{
    if (!strcmp(s, "banked"))
        *out = PLAN_CELLS_BANKED;
    else if (!strcmp(s, "new-harvest"))
        *out = PLAN_CELLS_NEW_HARVEST;
    else
        return false;
    return true;
}

static bool check_lang(const char *s)
{
    return !strcmp(s, "en") || !strcmp(s, "es");
}

static int plan_read_doc(struct plan *p, struct diag_list *dl);

int plan_load_file(struct plan *p, const char *path, struct diag_list *dl)
{
    if (jdoc_load_named(&p->doc, path, dl) != 0)
        return -1;
    return plan_read_doc(p, dl);
}

int plan_load_text(struct plan *p, const char *name, const char *text, size_t len,
                   struct diag_list *dl)
{
    if (jdoc_parse(&p->doc, name, text, len, dl) != 0)
        return -1;
    return plan_read_doc(p, dl);
}

static int plan_read_doc(struct plan *p, struct diag_list *dl)
{
    size_t errors = dl->errors;
    p->has_doc = true;
    struct rd d = { .p = p, .r = { .doc = &p->doc, .dl = dl } };
    const cJSON *root = p->doc.root;
    if (!cJSON_IsObject(root)) {
        rerr(&d, root, NULL, "expected a JSON object { … } describing the plan");
        return -1;
    }
    jr_check_keys(&d.r, root, "", REQUEST_KEYS);

    const cJSON *pat = NULL;
    if (jr_object(&d.r, root, "", "patient", false, &pat) && pat) {
        static const char *const keys[] = { "name", "date_of_birth", "id", NULL };
        jr_check_keys(&d.r, pat, "patient", keys);
        read_text(&d, pat, "patient", "name", &p->patient_name);
        read_text(&d, pat, "patient", "id", &p->patient_id);
        const char *dob = NULL;
        if (jr_string(&d.r, pat, "patient", "date_of_birth", false, &dob) && dob) {
            rq_date t;
            if (!date_parse(dob, &t))
                rerr(&d, jr_member(pat, "date_of_birth"), "patient.date_of_birth",
                     "is not a date; expected YYYY-MM-DD");
            else
                set_str(&p->patient_dob, dob);
        }
    }
    read_text(&d, root, "", "condition", &p->condition);
    read_text_list(&d, root, "icd10", &p->icd10, &p->n_icd10, true);
    read_text_list(&d, root, "areas", &p->areas, &p->n_areas, false);
    read_text(&d, root, "", "cell_source", &p->source);
    read_text(&d, root, "", "processing_method", &p->method);
    read_text(&d, root, "", "guidance", &p->guidance);
    jr_int(&d.r, root, "", "sessions", false, 1, 1000000000, &p->sessions);
    jr_int(&d.r, root, "", "session_spacing_weeks", false, 1, 1000, &p->spacing_weeks);
    const char *cells = NULL;
    if (jr_string(&d.r, root, "", "repeat_cells", false, &cells) && cells &&
        !check_cells(cells, &p->cells))
        rerr(&d, jr_member(root, "repeat_cells"), "repeat_cells",
             "'%.20s' is not valid; expected \"banked\" or \"new-harvest\"", cells);
    read_adjuncts(&d, root);
    read_text_list(&d, root, "without", &p->without, &p->n_without, false);
    read_text(&d, root, "", "package", &p->package);
    read_discounts(&d, root);
    const char *sd = NULL;
    if (jr_string(&d.r, root, "", "scheduled_date", false, &sd) && sd) {
        if (date_parse(sd, &p->scheduled))
            p->has_scheduled = true;
        else
            rerr(&d, jr_member(root, "scheduled_date"), "scheduled_date",
                 "'%.20s' is not a date; expected YYYY-MM-DD", sd);
    }
    read_text(&d, root, "", "provider", &p->provider);
    read_text(&d, root, "", "location", &p->location);
    const char *lang = NULL;
    if (jr_string(&d.r, root, "", "language", false, &lang) && lang) {
        if (check_lang(lang))
            set_str(&p->language, lang);
        else
            rerr(&d, jr_member(root, "language"), "language",
                 "'%.10s' is not a supported language; expected \"en\" or \"es\"", lang);
    }
    const char *notes = NULL;
    jr_string(&d.r, root, "", "notes", false, &notes);
    read_text(&d, root, "", "idempotency_key", &p->idempotency_key);
    return dl->errors > errors ? -1 : 0;
}

/* ---- options ------------------------------------------------------------ */

static int opt_err(struct diag_list *dl, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int opt_err(struct diag_list *dl, const char *name, const char *fmt, ...)
{
    char msg[400], path[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(path, sizeof path, "--%s", name);
    diag_add(dl, DIAG_ERROR, NULL, 0, 0, path, "%s", msg);
    return -1;
}

static bool parse_count(const char *s, long min, long max, int *out)
{
    if (!*s || !isdigit((unsigned char)s[0]))
        return false;
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = (int)v;
    return true;
}

static int text_opt(struct plan *p, enum field f, char **dst, const char *name, const char *value,
                    struct diag_list *dl)
{
    char wb[HUMAN_TEXT_WHY];
    const char *why = text_problem(value, wb);
    if (why)
        return opt_err(dl, name, "%s", why);
    if (!set_str(dst, value))
        return opt_err(dl, name, "out of memory");
    p->flag_fields |= 1u << f;
    return 0;
}

int plan_apply_option(struct plan *p, const char *name, const char *value, struct diag_list *dl)
{
    if (!strcmp(name, "patient-name"))
        return text_opt(p, F_NAME, &p->patient_name, name, value, dl);
    if (!strcmp(name, "patient-id"))
        return text_opt(p, F_PID, &p->patient_id, name, value, dl);
    if (!strcmp(name, "condition"))
        return text_opt(p, F_CONDITION, &p->condition, name, value, dl);
    if (!strcmp(name, "source"))
        return text_opt(p, F_SOURCE, &p->source, name, value, dl);
    if (!strcmp(name, "method"))
        return text_opt(p, F_METHOD, &p->method, name, value, dl);
    if (!strcmp(name, "guidance"))
        return text_opt(p, F_GUIDANCE, &p->guidance, name, value, dl);
    if (!strcmp(name, "package"))
        return text_opt(p, F_PACKAGE, &p->package, name, value, dl);
    if (!strcmp(name, "provider"))
        return text_opt(p, F_PROVIDER, &p->provider, name, value, dl);
    if (!strcmp(name, "location"))
        return text_opt(p, F_LOCATION, &p->location, name, value, dl);
    if (!strcmp(name, "dob") || !strcmp(name, "date")) {
        rq_date t;
        if (!date_parse(value, &t)) {
            if (!strcmp(name, "dob")) /* a patient's birth date is never repeated */
                return opt_err(dl, name, "is not a date; expected YYYY-MM-DD");
            return opt_err(dl, name, "'%.20s' is not a date; expected YYYY-MM-DD", value);
        }
        if (!strcmp(name, "date")) {
            p->scheduled = t;
            p->has_scheduled = true;
            p->flag_fields |= 1u << F_DATE;
            return 0;
        }
        return text_opt(p, F_DOB, &p->patient_dob, name, value, dl);
    }
    if (!strcmp(name, "lang")) {
        if (!check_lang(value))
            return opt_err(dl, name, "'%.10s' is not a supported language; expected en or es", value);
        return text_opt(p, F_LANG, &p->language, name, value, dl);
    }
    if (!strcmp(name, "sessions")) {
        if (!parse_count(value, 1, 1000000000, &p->sessions))
            return opt_err(dl, name, "'%.20s' is not a number of sessions; expected 1 or more", value);
        p->flag_fields |= 1u << F_SESSIONS;
        return 0;
    }
    if (!strcmp(name, "spacing")) {
        if (!parse_count(value, 1, 1000, &p->spacing_weeks))
            return opt_err(dl, name, "'%.20s' is not a number of weeks; expected 1 or more", value);
        p->flag_fields |= 1u << F_SPACING;
        return 0;
    }
    if (!strcmp(name, "repeat-cells")) {
        if (!check_cells(value, &p->cells))
            return opt_err(dl, name, "'%.20s' is not valid; expected banked or new-harvest", value);
        p->flag_fields |= 1u << F_CELLS;
        return 0;
    }
    if (!strcmp(name, "icd10") || !strcmp(name, "area") || !strcmp(name, "without")) {
        char wb[HUMAN_TEXT_WHY];
        const char *why = text_problem(value, wb);
        if (why)
            return opt_err(dl, name, "%s", why);
        if (!strcmp(name, "icd10") && !icd10_ok(value))
            return opt_err(dl, name, "'%.20s' is not an ICD-10 code; expected a form such as M72.2",
                           value);
        char ***v = !strcmp(name, "icd10") ? &p->icd10 : !strcmp(name, "area") ? &p->areas : &p->without;
        size_t *n = !strcmp(name, "icd10") ? &p->n_icd10 : !strcmp(name, "area") ? &p->n_areas : &p->n_without;
        if (*n >= PLAN_MAX_LIST)
            return opt_err(dl, name, "given too often; at most %d", PLAN_MAX_LIST);
        if (!strv_push(v, n, value))
            return opt_err(dl, name, "out of memory");
        return 0;
    }
    if (!strcmp(name, "add")) {
        /* ID or ID:COUNT */
        char id[128];
        int count = 0;
        const char *colon = strchr(value, ':');
        size_t idlen = colon ? (size_t)(colon - value) : strlen(value);
        if (idlen == 0 || idlen >= sizeof id)
            return opt_err(dl, name, "expected ID or ID:COUNT, such as prp-booster or physical-therapy:12");
        memcpy(id, value, idlen);
        id[idlen] = '\0';
        char wb[HUMAN_TEXT_WHY];
        const char *why = text_problem(id, wb);
        if (why)
            return opt_err(dl, name, "the id %s", why);
        if (colon && !parse_count(colon + 1, 1, 1000, &count))
            return opt_err(dl, name, "'%.20s' is not a count; expected a whole number from 1", colon + 1);
        if (p->n_adjuncts >= PLAN_MAX_LIST)
            return opt_err(dl, name, "given too often; at most %d", PLAN_MAX_LIST);
        struct plan_adjunct *na = realloc(p->adjuncts, (p->n_adjuncts + 1) * sizeof *na);
        if (!na)
            return opt_err(dl, name, "out of memory");
        p->adjuncts = na;
        if (!(na[p->n_adjuncts].id = strdup(id)))
            return opt_err(dl, name, "out of memory");
        na[p->n_adjuncts++].count = count;
        return 0;
    }
    if (!strcmp(name, "discount")) {
        /* ID[=VALUE][:REASON]; VALUE is a percent ("10%") or an amount ("250.00") */
        const char *colon = strchr(value, ':');
        const char *eq = strchr(value, '=');
        if (eq && colon && eq > colon)
            eq = NULL;
        size_t idlen = eq ? (size_t)(eq - value) : colon ? (size_t)(colon - value) : strlen(value);
        char id[128];
        if (idlen == 0 || idlen >= sizeof id)
            return opt_err(dl, name, "expected ID, ID:REASON or ID=VALUE:REASON");
        memcpy(id, value, idlen);
        id[idlen] = '\0';
        char wb[HUMAN_TEXT_WHY];
        const char *why = text_problem(id, wb);
        if (why)
            return opt_err(dl, name, "the id %s", why);
        if (p->n_discounts >= PLAN_MAX_LIST)
            return opt_err(dl, name, "given too often; at most %d", PLAN_MAX_LIST);
        struct plan_discount *pd = push_discount(p);
        if (!pd || !(pd->id = strdup(id)))
            return opt_err(dl, name, "out of memory");
        if (eq) {
            const char *v = eq + 1;
            size_t vlen = colon ? (size_t)(colon - v) : strlen(v);
            if (vlen > 0 && v[vlen - 1] == '%') {
                if (percent_parse(v, vlen - 1, &pd->percent) != MONEY_OK)
                    return opt_err(dl, name, "'%.*s' is not a percentage from 0 to 100", (int)vlen, v);
                pd->has_percent = true;
            } else {
                enum money_status st = money_parse(v, vlen, false, &pd->amount);
                if (st != MONEY_OK)
                    return opt_err(dl, name, "'%.*s' %s", (int)(vlen > 30 ? 30 : vlen), v,
                                   money_status_str(st));
                pd->has_amount = true;
            }
        }
        if (colon) {
            why = text_problem(colon + 1, wb);
            if (why)
                return opt_err(dl, name, "the reason %s", why);
            if (!(pd->reason = strdup(colon + 1)))
                return opt_err(dl, name, "out of memory");
        }
        return 0;
    }
    return opt_err(dl, name, "is not a plan option");
}

/* ---- canonical form ------------------------------------------------------ */

static void put_str(cJSON *o, const char *key, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, key, v);
}

static void put_strv(cJSON *o, const char *key, char *const *v, size_t n)
{
    if (n == 0)
        return;
    cJSON *a = cJSON_AddArrayToObject(o, key);
    for (size_t i = 0; a && i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
}

char *plan_to_json(const struct plan *p)
{
    char b[64];
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    if (p->patient_name || p->patient_dob || p->patient_id) {
        cJSON *pat = cJSON_AddObjectToObject(o, "patient");
        put_str(pat, "name", p->patient_name);
        put_str(pat, "date_of_birth", p->patient_dob);
        put_str(pat, "id", p->patient_id);
    }
    put_str(o, "condition", p->condition);
    put_strv(o, "icd10", p->icd10, p->n_icd10);
    put_strv(o, "areas", p->areas, p->n_areas);
    put_str(o, "cell_source", p->source);
    put_str(o, "processing_method", p->method);
    put_str(o, "guidance", p->guidance);
    if (p->sessions)
        cJSON_AddNumberToObject(o, "sessions", p->sessions);
    if (p->spacing_weeks)
        cJSON_AddNumberToObject(o, "session_spacing_weeks", p->spacing_weeks);
    if (p->cells != PLAN_CELLS_DEFAULT)
        cJSON_AddStringToObject(o, "repeat_cells", p->cells == PLAN_CELLS_BANKED ? "banked" : "new-harvest");
    if (p->n_adjuncts) {
        cJSON *a = cJSON_AddArrayToObject(o, "adjuncts");
        for (size_t i = 0; a && i < p->n_adjuncts; i++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "id", p->adjuncts[i].id);
            if (p->adjuncts[i].count)
                cJSON_AddNumberToObject(e, "count", p->adjuncts[i].count);
            cJSON_AddItemToArray(a, e);
        }
    }
    put_strv(o, "without", p->without, p->n_without);
    put_str(o, "package", p->package);
    if (p->n_discounts) {
        cJSON *a = cJSON_AddArrayToObject(o, "discounts");
        for (size_t i = 0; a && i < p->n_discounts; i++) {
            const struct plan_discount *d = &p->discounts[i];
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "id", d->id);
            if (d->reason)
                cJSON_AddStringToObject(e, "reason", d->reason);
            if (d->has_percent) {
                int32_t bp = d->percent;
                snprintf(b, sizeof b, "%d.%02d", (int)(bp / 100), (int)(bp % 100));
                cJSON_AddStringToObject(e, "percent", b);
            }
            if (d->has_amount) {
                money_format(d->amount, "", '.', 0, b, sizeof b);
                cJSON_AddStringToObject(e, "amount", b);
            }
            cJSON_AddItemToArray(a, e);
        }
    }
    if (p->has_scheduled)
        cJSON_AddStringToObject(o, "scheduled_date", date_iso(p->scheduled, b));
    put_str(o, "provider", p->provider);
    put_str(o, "location", p->location);
    put_str(o, "language", p->language);
    char *s = cJSON_Print(o);
    cJSON_Delete(o);
    return s;
}

/* ---- locating fields ----------------------------------------------------- */

/* Walk "a.b[3].c" from the root; NULL if any step is missing. */
static const cJSON *find_path(const cJSON *root, const char *path)
{
    const cJSON *n = root;
    const char *s = path;
    while (n && *s) {
        if (*s == '.')
            s++;
        if (*s == '[') {
            int idx = atoi(s + 1);
            n = cJSON_GetArrayItem(n, idx);
            s = strchr(s, ']');
            if (!s)
                return NULL;
            s++;
            continue;
        }
        char key[128];
        size_t k = 0;
        while (*s && *s != '.' && *s != '[' && k + 1 < sizeof key)
            key[k++] = *s++;
        key[k] = '\0';
        n = jr_member(n, key);
    }
    return n;
}

void plan_diag(const struct plan *p, struct diag_list *dl, enum diag_severity sev,
               const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    bool from_flag = false;
    for (int f = 0; f < F_COUNT; f++)
        if ((p->flag_fields & (1u << f)) && !strcmp(path, FIELD_PATH[f]))
            from_flag = true;
    const cJSON *node = (p->has_doc && !from_flag) ? find_path(p->doc.root, path) : NULL;
    if (node)
        jdoc_diag(&p->doc, dl, sev, node, path, "%s", msg);
    else
        diag_add(dl, sev, p->has_doc && !from_flag ? p->doc.name : NULL, 0, 0, path, "%s", msg);
}

void plan_free(struct plan *p)
{
    free(p->patient_name);
    free(p->patient_dob);
    free(p->patient_id);
    free(p->condition);
    strv_free(p->icd10, p->n_icd10);
    strv_free(p->areas, p->n_areas);
    free(p->source);
    free(p->method);
    free(p->guidance);
    for (size_t i = 0; i < p->n_adjuncts; i++)
        free(p->adjuncts[i].id);
    free(p->adjuncts);
    strv_free(p->without, p->n_without);
    free(p->package);
    for (size_t i = 0; i < p->n_discounts; i++) {
        free(p->discounts[i].id);
        free(p->discounts[i].reason);
    }
    free(p->discounts);
    free(p->provider);
    free(p->location);
    free(p->language);
    free(p->idempotency_key);
    if (p->has_doc)
        jdoc_free(&p->doc);
    memset(p, 0, sizeof *p);
}
