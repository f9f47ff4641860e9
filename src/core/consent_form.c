/* consent_form — the consent form of a state stem-cell notice (consent_form.h). */
#include "consent_form.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canvas.h"
#include "register.h"
#include "pdf_scan.h"
#include "template.h"

static const struct canvas_rgb INK = {0.12f, 0.14f, 0.17f};
static const struct canvas_rgb MUTED = {0.40f, 0.43f, 0.48f};
static const struct canvas_rgb ACCENT = {0.04f, 0.32f, 0.44f};
static const struct canvas_rgb RULE = {0.55f, 0.58f, 0.62f};

static const char *const KEYS[] = {
    "consent.title", "consent.subtitle", "consent.number", "consent.patient", "consent.patient_id",
    "consent.clinic", "consent.issued", "consent.intro", "consent.notice_heading", "consent.notice_digest",
    "consent.statement_heading", "consent.statement", "consent.patient_signature", "consent.printed_name",
    "consent.date", "consent.witness_signature", "consent.footer",
};

bool consent_form_called_for(const struct notice *n)
{
    return n && !n->is_template && (n->on_consent || n->signed_consent);
}

/* The page being laid out: text from the top down between x0 and x1. */
struct page {
    struct canvas cv;
    struct canvas_lines lines;
    float x0, x1, y, bottom, ph;
};

/* A new sheet when fewer than need points are left above the bottom. */
static void room_for(struct page *p, float need)
{
    if (p->y - need < p->bottom) {
        canvas_add_page(&p->cv);
        p->y = p->ph - 50;
    }
}

static void para(struct page *p, enum canvas_style st, float size, struct canvas_rgb c, const char *s)
{
    canvas_wrap(&p->cv, st, size, s, p->x1 - p->x0, &p->lines);
    for (size_t i = 0; i < p->lines.n; i++) {
        room_for(p, size * 1.3f);
        canvas_text(&p->cv, NULL, p->x0, p->y - size, st, size, c, s + p->lines.v[i].off, p->lines.v[i].len);
        p->y -= size * 1.3f;
    }
}

static void kv(struct page *p, const char *label, const char *value)
{
    room_for(p, 14);
    canvas_text(&p->cv, NULL, p->x0, p->y - 10, CANVAS_BOLD, 10, MUTED, label, strlen(label));
    canvas_text(&p->cv, NULL, p->x0 + 130, p->y - 10, CANVAS_REGULAR, 10, INK, value, strlen(value));
    p->y -= 14;
}

static void heading(struct page *p, const char *s)
{
    room_for(p, 40);
    p->y -= 10;
    canvas_text(&p->cv, NULL, p->x0, p->y - 11.5f, CANVAS_BOLD, 11.5f, ACCENT, s, strlen(s));
    canvas_hline(&p->cv, p->x0, p->x1, p->y - 15.5f, 0.8f, ACCENT);
    p->y -= 24;
}

/* A line to sign or write on from x0 to x1, its label under it. */
static void blank(struct page *p, float x0, float x1, float y, const char *label)
{
    canvas_hline(&p->cv, x0, x1, y, 0.7f, RULE);
    canvas_text(&p->cv, NULL, x0, y - 10, CANVAS_REGULAR, 8, MUTED, label, strlen(label));
}

/* A signature row: a long line for the signature and a short one for the date. */
static void signature_row(struct page *p, const char *who, const char *date)
{
    room_for(p, 52);
    p->y -= 34;
    float split = p->x1 - 130;
    blank(p, p->x0, split - 20, p->y, who);
    blank(p, split, p->x1, p->y, date);
    p->y -= 18;
}

#define W(key) template_get(&t, key)

int consent_form_render(const struct consent_form *f, const char *templates_dir, const char *font_path,
                        unsigned char **buf, size_t *len, struct diag_list *dl)
{
    *buf = NULL;
    *len = 0;
    const struct notice *n = f->notice;
    if (!n || n->is_template) {
        diag_error(dl, NULL, n ? n->state : NULL, "the %s notice is a template; fill in the statute's words first",
                   n && n->state_name ? n->state_name : "state");
        return -1;
    }
    size_t errors = dl->errors;
    struct template t;
    struct page p;
    memset(&t, 0, sizeof t);
    memset(&p, 0, sizeof p);
    char *title = NULL, *subtitle = NULL, *intro = NULL, *statement = NULL, *footer = NULL;
    int rc = -1;
    bool es = f->language && !strcmp(f->language, "es");
    if (template_load(&t, templates_dir ? templates_dir : "templates", es ? "es" : "en", "consent.txt", dl) != 0)
        goto out;
    for (size_t i = 0; i < sizeof KEYS / sizeof *KEYS; i++)
        if (!template_get(&t, KEYS[i])) {
            diag_error(dl, t.file, KEYS[i], "missing");
            goto out;
        }
    const char *state_name = n->state_name ? n->state_name : n->state;
    if (!(title = template_expand_pairs(&t, dl, "consent.title", NULL)) ||
        !(subtitle = template_expand_pairs(&t, dl, "consent.subtitle", "state_name", state_name, "citation",
                                           n->citation, NULL)) ||
        !(intro = template_expand_pairs(&t, dl, "consent.intro", "state_name", state_name, NULL)) ||
        !(statement = template_expand_pairs(&t, dl, "consent.statement", "number", f->number, NULL)) ||
        !(footer = template_expand_pairs(&t, dl, "consent.footer", "number", f->number, NULL)))
        goto out;
    bool companion = es && n->text_es;
    float pw = f->a4 ? 595.276f : 612.0f;
    p.ph = f->a4 ? 841.89f : 792.0f;
    if (canvas_open(&p.cv, pw, p.ph, font_path, dl) != 0)
        goto out;
    /* every text that comes from a file or a person, before anything is drawn */
    const struct { const char *s, *what; } texts[] = {
        { n->text, "notice" }, { n->citation, "notice" }, { companion ? n->text_es : NULL, "notice" },
        { companion ? n->translation_note_es : NULL, "notice" }, { f->patient_name, "patient.name" },
        { f->patient_id, "patient.id" }, { f->clinic_name, "clinic.name" }, { subtitle, "notice" },
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        if (texts[i].s && canvas_check_text(&p.cv, texts[i].s, NULL, texts[i].what, dl) != 0)
            goto out;
    canvas_info(&p.cv, HPDF_INFO_TITLE, title);
    canvas_info(&p.cv, HPDF_INFO_CREATOR, "regenquote");
    canvas_add_page(&p.cv);
    p.x0 = 54;
    p.x1 = pw - 54;
    p.y = p.ph - 50;
    p.bottom = 50;
    canvas_text(&p.cv, NULL, p.x0, p.y - 17, CANVAS_BOLD, 17, INK, title, strlen(title));
    p.y -= 24;
    para(&p, CANVAS_REGULAR, 9, MUTED, subtitle);
    p.y -= 8;
    kv(&p, W("consent.number"), f->number);
    kv(&p, W("consent.patient"), f->patient_name ? f->patient_name : "");
    if (f->patient_id && *f->patient_id)
        kv(&p, W("consent.patient_id"), f->patient_id);
    kv(&p, W("consent.clinic"), f->clinic_name ? f->clinic_name : "");
    kv(&p, W("consent.issued"), f->issued ? f->issued : "");
    p.y -= 6;
    para(&p, CANVAS_REGULAR, 10, INK, intro);
    heading(&p, W("consent.notice_heading"));
    para(&p, CANVAS_BOLD, 11, INK, n->text);
    para(&p, CANVAS_REGULAR, 8, MUTED, n->citation);
    if (companion) {
        p.y -= 6;
        para(&p, CANVAS_ITALIC, 8.5f, MUTED, n->translation_note_es ? n->translation_note_es : "");
        para(&p, CANVAS_REGULAR, 10.5f, INK, n->text_es);
    }
    p.y -= 4;
    char digest[200];
    snprintf(digest, sizeof digest, "%s: %s", W("consent.notice_digest"), n->sha256);
    para(&p, CANVAS_REGULAR, 7.5f, MUTED, digest);
    heading(&p, W("consent.statement_heading"));
    para(&p, CANVAS_REGULAR, 10.5f, INK, statement);
    signature_row(&p, W("consent.patient_signature"), W("consent.date"));
    room_for(&p, 52);
    p.y -= 34;
    blank(&p, p.x0, p.x1 - 150, p.y, W("consent.printed_name"));
    p.y -= 18;
    signature_row(&p, W("consent.witness_signature"), W("consent.date"));
    room_for(&p, 24);
    p.y -= 14;
    para(&p, CANVAS_ITALIC, 8.5f, MUTED, footer);
    rc = canvas_finish(&p.cv, buf, len, dl);
out:
    if (rc != 0 && dl->errors == errors)
        diag_error(dl, NULL, NULL, "cannot make the consent form");
    free(title);
    free(subtitle);
    free(intro);
    free(statement);
    free(footer);
    canvas_lines_free(&p.lines);
    canvas_free(&p.cv);
    template_free(&t);
    return rc;
}

/* The string at obj.a.b, or NULL. */
static const char *str_at(const cJSON *obj, const char *a, const char *b)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(obj, a);
    const cJSON *v = b ? cJSON_GetObjectItemCaseSensitive(o, b) : o;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int consent_form_for_quote(struct reg *r, const char *number, const struct notice_set *notices, rq_date today,
                           const char *templates_dir, const char *font_path, unsigned char **buf, size_t *len,
                           struct diag_list *dl)
{
    *buf = NULL;
    *len = 0;
    struct reg_entry e;
    int got = register_get(r, number, true, &e, dl);
    if (got != 0)
        return got == 1 ? 1 : -1;
    char *clinic = NULL, *catalog = NULL;
    cJSON *req = NULL, *cl = NULL;
    int rc = -1;
    const char *st = reg_entry_status(&e, today);
    if (strcmp(st, "issued") != 0 && strcmp(st, "accepted") != 0) {
        diag_error(dl, NULL, NULL, "quote %s is %s%s%s; a consent form is made for the estimate in force", e.number, st,
                   e.superseded_by ? " by " : "", e.superseded_by ? e.superseded_by : "");
        rc = 1;
        goto out;
    }
    if (register_get_tables(r, e.tables_sha256, &clinic, &catalog, dl) != 0)
        goto out;
    const struct notice *n = notice_for_issued(notices, e.request_json, clinic, catalog);
    if (!n) {
        diag_error(dl, NULL, NULL, "no state stem-cell notice applies to %s, so it needs no consent form", e.number);
        rc = 1;
        goto out;
    }
    if (!consent_form_called_for(n)) {
        diag_error(dl, NULL, n->state,
                   "the %s notice (%s) calls for no consent form: notices.json lists no \"consent\" in its "
                   "\"appears_on\" and no \"signed_consent\"",
                   n->state_name ? n->state_name : n->state, n->citation);
        rc = 1;
        goto out;
    }
    req = e.request_json ? cJSON_Parse(e.request_json) : NULL;
    cl = cJSON_Parse(clinic);
    struct consent_form f = {
        .notice = n, .number = e.number,
        .patient_name = e.patient_name ? e.patient_name : str_at(req, "patient", "name"),
        .patient_id = e.patient_id ? e.patient_id : str_at(req, "patient", "id"),
        .clinic_name = str_at(cl, "clinic", "name"), .issued = e.issued, .language = e.language,
        .a4 = pdf_is_a4(e.pdf, e.pdf_len),
    };
    rc = consent_form_render(&f, templates_dir, font_path, buf, len, dl) == 0 ? 0 : -1;
out:
    cJSON_Delete(req);
    cJSON_Delete(cl);
    free(clinic);
    free(catalog);
    reg_entry_free(&e);
    return rc;
}
