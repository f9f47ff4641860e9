/* notice — state stem-cell notices as data (notice.h). */
#include "notice.h"

#include <stdlib.h>
#include <string.h>

#include "price_table.h"
#include "quote.h"
#include "sha256.h"

static const char *const TOP_KEYS[] = { "about", "notices", NULL };
static const char *const KEYS[] = { "state", "state_name", "citation", "text", "text_es",
                                    "translation_note_es", "appears_on", "signed_consent",
                                    "template", "source", NULL };

static bool state_code_ok(const char *s)
{
    return s && strlen(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

static void load_entry(struct jreader *r, const cJSON *o, const char *path, struct notice *n)
{
    char p[256];
    jr_check_keys(r, o, path, KEYS);
    jr_bool(r, o, path, "template", false, &n->is_template);
    if (jr_string(r, o, path, "state", true, &n->state) && n->state && !state_code_ok(n->state))
        jdoc_diag(r->doc, r->dl, DIAG_ERROR, jr_member(o, "state"), jpath_key(p, sizeof p, path, "state"),
                  "'%.20s' is not a state; expected its two-letter code such as \"CA\"", n->state);
    jr_string(r, o, path, "state_name", true, &n->state_name);
    jr_string(r, o, path, "citation", true, &n->citation);
    jr_string(r, o, path, "source", false, &(const char *){NULL});
    if (jr_string(r, o, path, "text", true, &n->text) && n->text && !*n->text)
        jdoc_diag(r->doc, r->dl, DIAG_ERROR, jr_member(o, "text"), jpath_key(p, sizeof p, path, "text"),
                  "is empty; give the statute's exact words");
    jr_string(r, o, path, "text_es", false, &n->text_es);
    jr_string(r, o, path, "translation_note_es", false, &n->translation_note_es);
    if (n->text_es && !n->translation_note_es)
        jdoc_diag(r->doc, r->dl, DIAG_ERROR, jr_member(o, "text_es"), jpath_key(p, sizeof p, path, "text_es"),
                  "a translation must be marked as one; add \"translation_note_es\"");
    jr_bool(r, o, path, "signed_consent", true, &n->signed_consent);
    const cJSON *on = NULL;
    if (jr_array(r, o, path, "appears_on", true, &on) && on) {
        int i = 0;
        for (const cJSON *e = on->child; e; e = e->next, i++) {
            const char *w = cJSON_IsString(e) ? e->valuestring : "";
            if (!strcmp(w, "estimate"))
                n->on_estimate = true;
            else if (!strcmp(w, "poster"))
                n->on_poster = true;
            else if (!strcmp(w, "consent"))
                n->on_consent = true;
            else {
                char pa[256];
                jpath_key(pa, sizeof pa, path, "appears_on");
                jdoc_diag(r->doc, r->dl, DIAG_ERROR, e, jpath_idx(p, sizeof p, pa, i),
                          "'%.30s' is not a place; expected \"estimate\", \"poster\" or \"consent\"", w);
            }
        }
    }
    if (n->text)
        sha256_hex(n->text, strlen(n->text), n->sha256);
}

int notice_set_load(struct notice_set **out, const char *path, struct diag_list *dl)
{
    *out = NULL;
    size_t errors = dl->errors;
    struct notice_set *s = calloc(1, sizeof *s);
    if (!s) {
        diag_error(dl, path, NULL, "out of memory");
        return -1;
    }
    if (jdoc_load_file(&s->doc, path, dl) != 0) {
        notice_set_free(s);
        return -1;
    }
    struct jreader r = { .doc = &s->doc, .dl = dl };
    const cJSON *root = s->doc.root, *arr = NULL;
    if (!cJSON_IsObject(root)) {
        jdoc_diag(&s->doc, dl, DIAG_ERROR, root, "", "expected an object with \"notices\"");
        notice_set_free(s);
        return -1;
    }
    jr_check_keys(&r, root, "", TOP_KEYS);
    jr_string(&r, root, "", "about", false, &(const char *){NULL});
    if (jr_array(&r, root, "", "notices", true, &arr) && arr) {
        s->n = (size_t)cJSON_GetArraySize(arr);
        s->v = s->n ? calloc(s->n, sizeof *s->v) : NULL;
        if (s->n && !s->v) {
            diag_error(dl, path, NULL, "out of memory");
            notice_set_free(s);
            return -1;
        }
        size_t i = 0;
        for (const cJSON *e = arr->child; e; e = e->next, i++) {
            char p[64];
            jpath_idx(p, sizeof p, "notices", (int)i);
            if (!cJSON_IsObject(e)) {
                jdoc_diag(&s->doc, dl, DIAG_ERROR, e, p, "expected an object");
                continue;
            }
            load_entry(&r, e, p, &s->v[i]);
            for (size_t k = 0; k < i; k++)
                if (s->v[i].state && s->v[k].state && !strcmp(s->v[i].state, s->v[k].state))
                    jdoc_diag(&s->doc, dl, DIAG_ERROR, e, p, "a second entry for %s", s->v[i].state);
        }
    }
    if (dl->errors > errors) {
        notice_set_free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void notice_set_free(struct notice_set *s)
{
    if (!s)
        return;
    free(s->v);
    jdoc_free(&s->doc);
    free(s);
}

const struct notice *notice_find(const struct notice_set *s, const char *state)
{
    if (!s || !state)
        return NULL;
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].state && !strcmp(s->v[i].state, state))
            return &s->v[i];
    return NULL;
}

const char *notice_quote_state(const struct quote *q)
{
    if (q->location && q->location->state)
        return q->location->state;
    return q->pt->clinic.state;
}

const struct notice *notice_for_quote(const struct quote *q)
{
    bool marked = (q->source && q->source->state_notice) || (q->method && q->method->state_notice);
    if (!marked)
        return NULL;
    const struct notice *n = notice_find(q->pt->notices, notice_quote_state(q));
    return n && n->on_estimate && !n->is_template ? n : NULL;
}

/* Is the element of list (an array of objects) with "id" == id marked "state_notice"? */
static bool marked_in(const cJSON *list, const char *id)
{
    if (!id)
        return false;
    for (const cJSON *e = list ? list->child : NULL; e; e = e->next) {
        const cJSON *i = jr_member(e, "id");
        if (cJSON_IsString(i) && !strcmp(i->valuestring, id))
            return cJSON_IsTrue(jr_member(e, "state_notice"));
    }
    return false;
}

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = o ? jr_member(o, key) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

const struct notice *notice_for_issued(const struct notice_set *s, const char *request_json,
                                       const char *clinic_json, const char *catalog_json)
{
    if (!s || !request_json || !clinic_json || !catalog_json)
        return NULL;
    cJSON *rq = cJSON_Parse(request_json), *cl = cJSON_Parse(clinic_json), *ca = cJSON_Parse(catalog_json);
    const struct notice *n = NULL;
    if (rq && cl && ca) {
        bool marked = marked_in(jr_member(ca, "cell_sources"), str_of(rq, "cell_source")) ||
                      marked_in(jr_member(ca, "processing_methods"), str_of(rq, "processing_method"));
        const cJSON *clinic = jr_member(cl, "clinic");
        const char *state = str_of(clinic, "state");
        const char *loc = str_of(rq, "location");
        if (!loc)
            loc = str_of(clinic, "default_location");
        const cJSON *locs = clinic ? jr_member(clinic, "locations") : NULL;
        for (const cJSON *e = locs ? locs->child : NULL; e; e = e->next)
            if ((loc && str_of(e, "id") && !strcmp(str_of(e, "id"), loc)) || (!loc && e == locs->child)) {
                if (str_of(e, "state"))
                    state = str_of(e, "state");
                break;
            }
        const struct notice *f = marked ? notice_find(s, state) : NULL;
        if (f && f->on_estimate && !f->is_template)
            n = f;
    }
    cJSON_Delete(rq);
    cJSON_Delete(cl);
    cJSON_Delete(ca);
    return n;
}

static void check_state(const struct notice_set *s, const char *state, const char *where,
                        struct diag_list *dl)
{
    const struct notice *n = notice_find(s, state);
    if (n && n->is_template) {
        int line = 0, col = 0;
        for (const cJSON *e = jr_member(s->doc.root, "notices") ? jr_member(s->doc.root, "notices")->child : NULL;
             e; e = e->next) {
            const cJSON *st = jr_member(e, "state");
            if (cJSON_IsString(st) && !strcmp(st->valuestring, state)) {
                jdoc_where(&s->doc, e, &line, &col);
                break;
            }
        }
        diag_add(dl, DIAG_ERROR, s->doc.name, line, col, state,
                 "the %s notice is a template (%s is in %s); put in the statute's exact words "
                 "and citation and remove \"template\"",
                 n->state_name ? n->state_name : state, where, state);
    }
}

void notice_check_clinic(const struct notice_set *s, const struct price_table *pt,
                         struct diag_list *dl)
{
    if (!s)
        return;
    if (pt->clinic.state)
        check_state(s, pt->clinic.state, "the clinic", dl);
    for (size_t i = 0; i < pt->clinic.n_locations; i++)
        if (pt->clinic.locations[i].state && (!pt->clinic.state ||
                                             strcmp(pt->clinic.locations[i].state, pt->clinic.state)))
            check_state(s, pt->clinic.locations[i].state, pt->clinic.locations[i].id, dl);
}
