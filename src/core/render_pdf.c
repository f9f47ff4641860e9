/* render_pdf — layout of the patient's PDF quote.  See render_pdf.h and
 * docs/pdf.md.  Drawing goes through canvas; words through template. */
#include "render_pdf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

#include "canvas.h"
#include "money.h"
#include "outfile.h"
#include "template.h"

/* ---- the words the document needs --------------------------------------- */

static const struct template_key keys[] = {
    {"date.months", ""}, {"date.long", "month day year"}, {"date.range", "from to"},
    {"money.symbol", ""}, {"money.decimal", ""}, {"money.group", ""},
    {"doc.title", ""}, {"doc.number_label", ""}, {"doc.draft", ""}, {"doc.draft_note", ""},
    {"doc.supersedes", "number"}, {"doc.page", "page pages"}, {"doc.running", "patient"},
    {"doc.trace", "version effective digest"}, {"doc.footer_number", "number"},
    {"doc.footer_draft", ""},
    {"clinic.phone", "phone"}, {"clinic.tin", "tin"}, {"clinic.npi", "npi"},
    {"patient.heading", ""}, {"patient.name", ""}, {"patient.dob", ""}, {"patient.id", ""},
    {"patient.blank", ""}, {"dates.heading", ""}, {"dates.issued", ""}, {"dates.valid", ""},
    {"dates.scheduled", ""}, {"dates.not_scheduled", ""}, {"provider.heading", ""},
    {"provider.line", "name specialty npi"}, {"location.heading", ""},
    {"insurance.title", ""}, {"insurance.body", ""},
    {"plan.heading", ""}, {"plan.condition", ""}, {"plan.icd10", ""}, {"plan.areas", ""},
    {"plan.source", ""}, {"plan.method", ""}, {"plan.guidance", ""}, {"plan.sessions", ""},
    {"plan.sessions_one", ""}, {"plan.sessions_many", "count weeks"}, {"plan.repeat_banked", ""},
    {"plan.repeat_new", ""}, {"plan.repeat_donated", ""}, {"plan.adjuncts", ""},
    {"plan.adjunct", "name count"}, {"plan.none", ""}, {"plan.not_given", ""}, {"plan.package", ""},
    {"plan.package_line", "name description saving"},
    {"table.heading", ""}, {"table.continued", ""}, {"table.code", ""}, {"table.description", ""},
    {"table.qty", ""}, {"table.unit", ""}, {"table.amount", ""}, {"table.visit_subtotal", ""},
    {"table.note_billable", ""}, {"table.note_separate", ""},
    {"phase.before", ""}, {"phase.procedure", ""}, {"phase.after", ""}, {"phase.repeat", ""},
    {"phase.follow_up", ""},
    {"when.day0", ""}, {"when.week", "week"}, {"when.weeks", "from to"}, {"when.before_one", ""},
    {"when.before", "weeks"},
    {"totals.services", ""}, {"totals.savings", ""}, {"totals.tax", "label percent"},
    {"totals.total", ""}, {"totals.currency", "currency"},
    {"billable.heading", ""}, {"billable.intro", ""}, {"billable.sum", ""},
    {"separate.heading", ""}, {"separate.intro", ""}, {"separate.sum", ""},
    {"schedule.heading", ""}, {"schedule.when", ""}, {"schedule.visit", ""}, {"schedule.due", ""},
    {"schedule.deposit", ""}, {"schedule.deposit_dated", "date"},
    {"schedule.deposit_undated", "days"}, {"schedule.credit", "charges deposit"},
    {"schedule.total", ""},
    {"financing.heading", ""}, {"financing.note", "principal"}, {"financing.plan", ""},
    {"financing.months", ""}, {"financing.apr", ""}, {"financing.monthly", ""},
    {"financing.total", ""}, {"financing.charge", ""}, {"financing.last", "amount"},
    {"gfe.heading", ""}, {"gfe.estimate", ""}, {"gfe.other", ""}, {"gfe.dispute", ""},
    {"gfe.learn", ""}, {"gfe.contract", ""}, {"gfe.copy", ""},
    {"ack.heading", ""}, {"ack.text", "total"}, {"ack.signature", ""}, {"ack.date", ""},
    {"ack.name", ""},
};

/* ---- look ----------------------------------------------------------------- */

static const struct canvas_rgb INK = {0.12f, 0.14f, 0.17f};
static const struct canvas_rgb MUTED = {0.40f, 0.43f, 0.48f};
static const struct canvas_rgb ACCENT = {0.04f, 0.32f, 0.44f};
static const struct canvas_rgb BAND = {0.91f, 0.94f, 0.96f};
static const struct canvas_rgb RULE = {0.80f, 0.83f, 0.86f};
static const struct canvas_rgb WHITE = {1, 1, 1};
static const struct canvas_rgb ALERT = {0.70f, 0.10f, 0.08f};
static const struct canvas_rgb ALERT_BG = {1.00f, 0.95f, 0.93f};

#define MARGIN_X 50.0f
#define MARGIN_TOP 46.0f
#define MARGIN_BOTTOM 58.0f   /* the footer lives below this */
#define BODY 9.0f
#define SMALL 7.5f
#define TABLE 8.5f
#define HEAD 11.5f
#define LEAD(s) ((s) * 1.28f)

/* ---- render context ----------------------------------------------------------- */

struct rctx {
    const struct quote *q;
    const struct render_opts *o;
    struct diag_list *dl;
    const struct template *t;    /* the words: own_t, or one from the cache */
    struct template own_t;
    struct canvas cv;
    struct canvas_lines lines;
    char **arena;                /* strings made while rendering */
    size_t n_arena, cap_arena;
    bool failed;

    const char *months[12];
    char dec, group;
    const char *symbol;

    float x0, x1, top, bottom, y;
    bool table_open;             /* repeat the table header on a new page */
    float c_code, c_desc, c_qty, c_unit, c_amount, c_mark; /* table columns */
};

static const char *keep(struct rctx *r, char *s)
{
    if (!s) {
        r->failed = true;
        return "";
    }
    if (r->n_arena == r->cap_arena) {
        size_t cap = r->cap_arena ? r->cap_arena * 2 : 64;
        char **a = realloc(r->arena, cap * sizeof *a);
        if (!a) {
            free(s);
            r->failed = true;
            diag_error(r->dl, NULL, NULL, "out of memory");
            return "";
        }
        r->arena = a;
        r->cap_arena = cap;
    }
    r->arena[r->n_arena++] = s;
    return s;
}

static const char *fmt(struct rctx *r, const char *f, ...) __attribute__((format(printf, 2, 3)));
static const char *fmt(struct rctx *r, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *s = NULL;
    int n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    if (n >= 0 && (s = malloc((size_t)n + 1)) != NULL) {
        va_start(ap, f);
        vsnprintf(s, (size_t)n + 1, f, ap);
        va_end(ap);
    }
    return keep(r, s);
}

/* A template value as is (checked present before layout starts). */
static const char *T(struct rctx *r, const char *key)
{
    const char *v = template_get(r->t, key);
    return v ? v : "";
}

/* A template value with placeholders: TX(r, key, name, value, ..., NULL). */
static const char *TX(struct rctx *r, const char *key, ...)
{
    struct template_var v[8];
    size_t n = 0;
    va_list ap;
    va_start(ap, key);
    for (const char *name; n < 8 && (name = va_arg(ap, const char *)) != NULL; n++) {
        v[n].name = name;
        v[n].value = va_arg(ap, const char *);
    }
    va_end(ap);
    return keep(r, template_expand(r->t, key, v, n, r->dl));
}

static const char *money(struct rctx *r, int64_t cents, bool symbol)
{
    char b[64];
    return fmt(r, "%s", money_format(cents, symbol ? r->symbol : "", r->dec, r->group, b, sizeof b));
}

static const char *date_long(struct rctx *r, rq_date d)
{
    int y, m, day;
    date_ymd(d, &y, &m, &day);
    const char *ys = fmt(r, "%d", y), *ds = fmt(r, "%d", day);
    return TX(r, "date.long", "month", r->months[(m - 1) % 12], "day", ds, "year", ys, NULL);
}

static const char *when_text(struct rctx *r, const struct quote_visit *v)
{
    if (v->dated) {
        if (v->date_from == v->date_to)
            return date_long(r, v->date_from);
        return TX(r, "date.range", "from", date_long(r, v->date_from), "to", date_long(r, v->date_to),
                  NULL);
    }
    if (v->week_from == 0 && v->week_to == 0)
        return T(r, "when.day0");
    if (v->week_from == v->week_to && v->week_from < 0)
        return v->week_from == -1 ? T(r, "when.before_one")
                                  : TX(r, "when.before", "weeks", fmt(r, "%d", -v->week_from), NULL);
    if (v->week_from == v->week_to)
        return TX(r, "when.week", "week", fmt(r, "%d", v->week_from), NULL);
    return TX(r, "when.weeks", "from", fmt(r, "%d", v->week_from), "to", fmt(r, "%d", v->week_to), NULL);
}

static const char *phase_title(struct rctx *r, enum phase p)
{
    static const char *const k[PHASE_COUNT] = {"phase.before", "phase.procedure", "phase.after",
                                               "phase.repeat", "phase.follow_up"};
    return (unsigned)p < PHASE_COUNT ? T(r, k[p]) : "";
}

/* ---- drawing helpers -------------------------------------------------------------- */

static void txt(struct rctx *r, float x, float y, enum canvas_style st, float size,
                struct canvas_rgb c, const char *s)
{
    canvas_text(&r->cv, NULL, x, y, st, size, c, s, strlen(s));
}

static void txt_r(struct rctx *r, float x, float y, enum canvas_style st, float size,
                  struct canvas_rgb c, const char *s)
{
    canvas_text_right(&r->cv, NULL, x, y, st, size, c, s, strlen(s));
}

static float width(struct rctx *r, enum canvas_style st, float size, const char *s)
{
    return canvas_width(&r->cv, st, size, s, strlen(s));
}

/* Wrap s into r->lines; returns the number of lines (at least 1). */
static size_t wrap(struct rctx *r, enum canvas_style st, float size, const char *s, float w)
{
    canvas_wrap(&r->cv, st, size, s, w, &r->lines);
    return r->lines.n ? r->lines.n : 1;
}

/* Draw r->lines of s, first baseline at y, lines lead apart. */
static void draw_lines(struct rctx *r, const char *s, float x, float y, enum canvas_style st,
                       float size, struct canvas_rgb c, float lead)
{
    for (size_t i = 0; i < r->lines.n; i++)
        canvas_text(&r->cv, NULL, x, y - lead * (float)i, st, size, c, s + r->lines.v[i].off,
                    r->lines.v[i].len);
}

static void table_header(struct rctx *r, bool continued);

static void running_header(struct rctx *r)
{
    const struct plan *p = r->q->plan;
    float base = r->y - SMALL;
    txt(r, r->x0, base, CANVAS_BOLD, SMALL, MUTED, r->q->pt->clinic.name);
    const char *right = r->o->quote_number
                            ? TX(r, "doc.footer_number", "number", r->o->quote_number, NULL)
                            : T(r, "doc.footer_draft");
    if (p->patient_name)
        right = fmt(r, "%s  ·  %s", TX(r, "doc.running", "patient", p->patient_name, NULL), right);
    txt_r(r, r->x1, base, CANVAS_REGULAR, SMALL, MUTED, right);
    canvas_hline(&r->cv, r->x0, r->x1, base - 5, 0.5f, RULE);
    r->y = base - 16;
}

static void new_page(struct rctx *r)
{
    canvas_add_page(&r->cv);
    r->y = r->top;
    if (r->cv.n_pages > 1)
        running_header(r);
    if (r->table_open)
        table_header(r, true);
}

/* Make room for h points, starting a new page when there is not enough. */
static void need(struct rctx *r, float h)
{
    if (r->y - h < r->bottom)
        new_page(r);
}

/* A wrapped paragraph at the cursor; it may break between lines. */
static void para(struct rctx *r, float x, float w, enum canvas_style st, float size,
                 struct canvas_rgb c, const char *s, float after)
{
    float lead = LEAD(size);
    canvas_wrap(&r->cv, st, size, s, w, &r->lines);
    for (size_t i = 0; i < r->lines.n; i++) {
        need(r, lead);
        canvas_text(&r->cv, NULL, x, r->y - size, st, size, c, s + r->lines.v[i].off,
                    r->lines.v[i].len);
        r->y -= lead;
    }
    r->y -= after;
}

/* A section heading, kept with at least `with` points of what follows. */
static void heading(struct rctx *r, const char *s, float with)
{
    r->y -= 8;
    need(r, HEAD + 10 + with);
    txt(r, r->x0, r->y - HEAD, CANVAS_BOLD, HEAD, ACCENT, s);
    canvas_hline(&r->cv, r->x0, r->x1, r->y - HEAD - 4, 0.8f, ACCENT);
    r->y -= HEAD + 10;
}

/* A label: value row; both wrap (the label within lw).  Moves the cursor. */
static void kv(struct rctx *r, float x, float lw, float w, const char *label, const char *value)
{
    float lead = LEAD(BODY);
    size_t nl = wrap(r, CANVAS_BOLD, BODY - 0.5f, label, lw - 6);
    size_t nv = wrap(r, CANVAS_REGULAR, BODY, value, w - lw);
    size_t n = nl > nv ? nl : nv;
    need(r, lead * (float)n);
    wrap(r, CANVAS_BOLD, BODY - 0.5f, label, lw - 6);
    draw_lines(r, label, x, r->y - BODY, CANVAS_BOLD, BODY - 0.5f, MUTED, lead);
    wrap(r, CANVAS_REGULAR, BODY, value, w - lw);
    draw_lines(r, value, x + lw, r->y - BODY, CANVAS_REGULAR, BODY, INK, lead);
    r->y -= lead * (float)n + 1.5f;
}

/* The label column width for kv rows: the widest label plus a gap, at
 * least min and at most max. */
static float label_width(struct rctx *r, const char *const *keys_, size_t n, float min, float max)
{
    float w = 0;
    for (size_t i = 0; i < n; i++) {
        float lw = width(r, CANVAS_BOLD, BODY - 0.5f, T(r, keys_[i]));
        if (lw > w)
            w = lw;
    }
    w += 12;
    return w < min ? min : w > max ? max : w;
}

/* ---- page 1: letterhead, title, who and when --------------------------------------- */

static const char *joined(struct rctx *r, const char *const *v, size_t n, const char *sep)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(v[i]) + strlen(sep);
    char *s = malloc(len);
    if (s) {
        s[0] = '\0';
        for (size_t i = 0; i < n; i++) {
            if (i)
                strcat(s, sep);
            strcat(s, v[i]);
        }
    }
    return keep(r, s);
}

/* The price-table folder's path joined with a relative file name. */
static const char *table_relative(struct rctx *r, const char *file)
{
    const char *ref = r->q->pt->clinic_doc.name;
    if (file[0] == '/' || !ref || !strrchr(ref, '/'))
        return file;
    return fmt(r, "%.*s/%s", (int)(strrchr(ref, '/') - ref), ref, file);
}

static void letterhead(struct rctx *r)
{
    const struct pt_clinic *c = &r->q->pt->clinic;
    float x = r->x0, top = r->y;
    if (c->logo && canvas_png(&r->cv, table_relative(r, c->logo), x, top - 46, 90, 46, r->dl) == 0)
        x += 100;
    float y = top - 15;
    txt(r, x, y, CANVAS_BOLD, 15, ACCENT, c->name);
    y -= 14;
    txt(r, x, y, CANVAS_REGULAR, BODY, INK, joined(r, c->address, c->n_address, ", "));
    y -= LEAD(BODY);
    const char *contact[3];
    size_t n = 0;
    if (c->phone)
        contact[n++] = TX(r, "clinic.phone", "phone", c->phone, NULL);
    if (c->email)
        contact[n++] = c->email;
    if (c->website)
        contact[n++] = c->website;
    txt(r, x, y, CANVAS_REGULAR, BODY - 0.5f, MUTED, joined(r, contact, n, "  ·  "));
    float ry = top - 15;
    if (c->tin) {
        txt_r(r, r->x1, ry, CANVAS_REGULAR, BODY - 0.5f, MUTED, TX(r, "clinic.tin", "tin", c->tin, NULL));
        ry -= LEAD(BODY);
    }
    if (c->npi)
        txt_r(r, r->x1, ry, CANVAS_REGULAR, BODY - 0.5f, MUTED, TX(r, "clinic.npi", "npi", c->npi, NULL));
    if (y > top - 46)
        y = top - 46;
    canvas_hline(&r->cv, r->x0, r->x1, y - 8, 1.5f, ACCENT);
    r->y = y - 22;
}

static void title_block(struct rctx *r)
{
    const struct render_opts *o = r->o;
    float top = r->y;
    float boxw = 150, bx = r->x1 - boxw;
    size_t n = wrap(r, CANVAS_BOLD, 17, T(r, "doc.title"), bx - r->x0 - 12);
    draw_lines(r, T(r, "doc.title"), r->x0, top - 17, CANVAS_BOLD, 17, INK, 21);
    float ty = top - 21 * (float)n;
    if (o->quote_number) {
        canvas_fill_rect(&r->cv, bx, top - 34, boxw, 34, BAND);
        txt(r, bx + 8, top - 12, CANVAS_REGULAR, SMALL, MUTED, T(r, "doc.number_label"));
        txt(r, bx + 8, top - 27, CANVAS_BOLD, 12, INK, o->quote_number);
    } else {
        canvas_fill_rect(&r->cv, bx, top - 34, boxw, 34, ALERT);
        float w = width(r, CANVAS_BOLD, 14, T(r, "doc.draft"));
        txt(r, bx + (boxw - w) / 2, top - 17, CANVAS_BOLD, 14, WHITE, T(r, "doc.draft"));
        w = width(r, CANVAS_REGULAR, SMALL, T(r, "doc.draft_note"));
        txt(r, bx + (boxw - w) / 2, top - 28, CANVAS_REGULAR, SMALL, WHITE, T(r, "doc.draft_note"));
    }
    float by = top - 34;
    if (o->supersedes) {
        txt_r(r, r->x1, by - 11, CANVAS_ITALIC, SMALL + 0.5f, INK,
              TX(r, "doc.supersedes", "number", o->supersedes, NULL));
        by -= 14;
    }
    r->y = (ty < by ? ty : by) - 10;
}

static void who_and_when(struct rctx *r)
{
    const struct quote *q = r->q;
    const struct plan *p = q->plan;
    float colw = (r->x1 - r->x0 - 20) / 2, rx = r->x0 + colw + 20;
    float top = r->y;
    static const char *const left[] = {"patient.name", "patient.dob", "patient.id"};
    static const char *const right[] = {"dates.issued", "dates.valid", "dates.scheduled"};
    static const char *const full[] = {"provider.heading", "location.heading"};
    float lw = label_width(r, left, 3, 70, colw * 0.5f);
    float rlw = label_width(r, right, 3, 70, colw * 0.5f);

    /* left: patient */
    txt(r, r->x0, r->y - 9, CANVAS_BOLD, 9.5f, ACCENT, T(r, "patient.heading"));
    r->y -= 15;
    kv(r, r->x0, lw, colw, T(r, "patient.name"), p->patient_name ? p->patient_name : T(r, "patient.blank"));
    rq_date dob;
    kv(r, r->x0, lw, colw, T(r, "patient.dob"),
       p->patient_dob && date_parse(p->patient_dob, &dob) ? date_long(r, dob) : T(r, "patient.blank"));
    if (p->patient_id)
        kv(r, r->x0, lw, colw, T(r, "patient.id"), p->patient_id);
    float left_end = r->y;

    /* right: dates */
    r->y = top;
    txt(r, rx, r->y - 9, CANVAS_BOLD, 9.5f, ACCENT, T(r, "dates.heading"));
    r->y -= 15;
    kv(r, rx, rlw, colw, T(r, "dates.issued"), date_long(r, q->issued));
    kv(r, rx, rlw, colw, T(r, "dates.valid"), date_long(r, q->valid_until));
    kv(r, rx, rlw, colw, T(r, "dates.scheduled"),
       q->has_scheduled ? date_long(r, q->scheduled) : T(r, "dates.not_scheduled"));
    if (left_end < r->y)
        r->y = left_end;
    r->y -= 6;

    /* provider and place, full width */
    float w = r->x1 - r->x0, flw = label_width(r, full, 2, 150, w * 0.4f);
    if (q->provider)
        kv(r, r->x0, flw, w, T(r, "provider.heading"),
           TX(r, "provider.line", "name", q->provider->name, "specialty",
              q->provider->specialty ? q->provider->specialty : "", "npi", q->provider->npi, NULL));
    if (q->location) {
        const char *addr = joined(r, q->location->address, q->location->n_address, ", ");
        kv(r, r->x0, flw, w, T(r, "location.heading"),
           *addr ? fmt(r, "%s, %s", q->location->name, addr) : q->location->name);
    }
}

static void insurance_box(struct rctx *r)
{
    float pad = 9, w = r->x1 - r->x0, lead = LEAD(BODY);
    const char *title = T(r, "insurance.title"), *body = T(r, "insurance.body");
    size_t nt = wrap(r, CANVAS_BOLD, 10.5f, title, w - 2 * pad);
    float th = 13 * (float)nt;
    size_t nb = wrap(r, CANVAS_REGULAR, BODY, body, w - 2 * pad);
    float h = pad + th + 3 + lead * (float)nb + pad - 3;
    r->y -= 10;
    need(r, h);
    float top = r->y;
    canvas_fill_rect(&r->cv, r->x0, top - h, w, h, ALERT_BG);
    canvas_stroke_rect(&r->cv, r->x0, top - h, w, h, 2.0f, ALERT);
    wrap(r, CANVAS_BOLD, 10.5f, title, w - 2 * pad);
    draw_lines(r, title, r->x0 + pad, top - pad - 9, CANVAS_BOLD, 10.5f, ALERT, 13);
    wrap(r, CANVAS_REGULAR, BODY, body, w - 2 * pad);
    draw_lines(r, body, r->x0 + pad, top - pad - th - 3 - BODY + 1, CANVAS_REGULAR, BODY, INK, lead);
    r->y = top - h - 4;
}

/* ---- the plan ------------------------------------------------------------------------ */

static void plan_block(struct rctx *r)
{
    const struct quote *q = r->q;
    const struct plan *p = q->plan;
    static const char *const labels[] = {"plan.condition", "plan.icd10", "plan.areas", "plan.source",
                                         "plan.method", "plan.guidance", "plan.sessions",
                                         "plan.adjuncts", "plan.package"};
    float w = r->x1 - r->x0, lw = label_width(r, labels, 9, 150, w * 0.4f);
    heading(r, T(r, "plan.heading"), 3 * LEAD(BODY));
    kv(r, r->x0, lw, w, T(r, "plan.condition"), p->condition ? p->condition : T(r, "plan.not_given"));
    if (p->n_icd10)
        kv(r, r->x0, lw, w, T(r, "plan.icd10"), joined(r, (const char *const *)p->icd10, p->n_icd10, ", "));
    const char **areas = malloc((q->n_areas ? q->n_areas : 1) * sizeof *areas);
    if (!areas) {
        r->failed = true;
        return;
    }
    for (size_t i = 0; i < q->n_areas; i++)
        areas[i] = q->areas[i]->name;
    kv(r, r->x0, lw, w, T(r, "plan.areas"), joined(r, areas, q->n_areas, ", "));
    free(areas);
    kv(r, r->x0, lw, w, T(r, "plan.source"), q->source->name);
    kv(r, r->x0, lw, w, T(r, "plan.method"), q->method->name);
    if (q->guidance)
        kv(r, r->x0, lw, w, T(r, "plan.guidance"), q->guidance->name);
    const char *sess = T(r, "plan.sessions_one");
    if (q->sessions > 1) {
        const char *how = q->source->allogeneic ? T(r, "plan.repeat_donated")
                          : q->banked           ? T(r, "plan.repeat_banked")
                                                : T(r, "plan.repeat_new");
        sess = fmt(r, "%s; %s",
                   TX(r, "plan.sessions_many", "count", fmt(r, "%d", q->sessions), "weeks",
                      fmt(r, "%d", q->spacing_weeks), NULL),
                   how);
    }
    kv(r, r->x0, lw, w, T(r, "plan.sessions"), sess);
    const char *adj = T(r, "plan.none");
    for (size_t i = 0; i < p->n_adjuncts; i++) {
        const struct pt_adjunct *a = pt_find_adjunct(q->pt, p->adjuncts[i].id);
        if (!a)
            continue;
        int count = p->adjuncts[i].count ? p->adjuncts[i].count : a->default_count;
        const char *one = TX(r, "plan.adjunct", "name", a->name, "count", fmt(r, "%d", count), NULL);
        adj = i ? fmt(r, "%s; %s", adj, one) : one;
    }
    kv(r, r->x0, lw, w, T(r, "plan.adjuncts"), adj);
    if (q->package)
        kv(r, r->x0, lw, w, T(r, "plan.package"),
           TX(r, "plan.package_line", "name", q->package->name, "description",
              q->package->description ? q->package->description : "", "saving",
              money(r, q->package->a_la_carte - q->package->price, true), NULL));
}

/* ---- the itemised table ------------------------------------------------------------------ */

#define ROW_PAD 2.5f

static void table_columns(struct rctx *r)
{
    r->c_code = r->x0 + 4;
    r->c_desc = r->x0 + 46;
    r->c_mark = r->x1 - 9;
    r->c_amount = r->x1 - 12;      /* right edges */
    r->c_unit = r->c_amount - 72;
    r->c_qty = r->c_unit - 78;
}

static float desc_width(struct rctx *r)
{
    return r->c_qty - 24 - r->c_desc;
}

static void table_header(struct rctx *r, bool continued)
{
    if (continued) {
        txt(r, r->x0, r->y - 9, CANVAS_BOLD, 9.5f, ACCENT, T(r, "table.continued"));
        r->y -= 15;
    }
    float h = 16, base = r->y - 11;
    canvas_fill_rect(&r->cv, r->x0, r->y - h, r->x1 - r->x0, h, ACCENT);
    txt(r, r->c_code, base, CANVAS_BOLD, TABLE, WHITE, T(r, "table.code"));
    txt(r, r->c_desc, base, CANVAS_BOLD, TABLE, WHITE, T(r, "table.description"));
    txt_r(r, r->c_qty, base, CANVAS_BOLD, TABLE, WHITE, T(r, "table.qty"));
    txt_r(r, r->c_unit, base, CANVAS_BOLD, TABLE, WHITE, T(r, "table.unit"));
    txt_r(r, r->c_amount, base, CANVAS_BOLD, TABLE, WHITE, T(r, "table.amount"));
    r->y -= h + 2;
}

static float line_height(struct rctx *r, const struct quote_line *l)
{
    enum canvas_style st = l->kind == LINE_ITEM ? CANVAS_REGULAR : CANVAS_ITALIC;
    return LEAD(TABLE) * (float)wrap(r, st, TABLE, l->description, desc_width(r)) + ROW_PAD;
}

/* One row, never split; `keep` more points must fit below it (the visit
 * subtotal after a visit's last row). */
static void table_row(struct rctx *r, const struct quote_line *l, float keep)
{
    enum canvas_style st = l->kind == LINE_ITEM ? CANVAS_REGULAR : CANVAS_ITALIC;
    float h = line_height(r, l);
    need(r, h + keep);
    float base = r->y - TABLE - 1;
    struct canvas_rgb amt = l->in_total ? INK : MUTED;
    wrap(r, st, TABLE, l->description, desc_width(r));
    draw_lines(r, l->description, r->c_desc, base, st, TABLE, l->in_total ? INK : MUTED, LEAD(TABLE));
    if (l->kind == LINE_ITEM) {
        txt(r, r->c_code, base, CANVAS_REGULAR, TABLE, INK, l->code);
        txt_r(r, r->c_qty, base, CANVAS_REGULAR, TABLE, INK, fmt(r, "%d", l->quantity));
        txt_r(r, r->c_unit, base, CANVAS_REGULAR, TABLE, INK, money(r, l->unit_cents, false));
    }
    txt_r(r, r->c_amount, base, CANVAS_REGULAR, TABLE, amt, money(r, l->amount_cents, false));
    if (!l->in_total)
        txt(r, r->c_mark + 2, base, CANVAS_BOLD, TABLE, MUTED, l->separate ? "\xC2\xA7" : "*");
    r->y -= h;
    canvas_hline(&r->cv, r->c_desc, r->x1, r->y + 1, 0.3f, RULE);
}

static void items_table(struct rctx *r)
{
    const struct quote *q = r->q;
    table_columns(r);
    heading(r, T(r, "table.heading"), 60);
    table_header(r, false);
    r->table_open = true;
    int last_phase = -1;
    for (size_t vi = 0; vi < q->n_visits; vi++) {
        const struct quote_visit *v = &q->visits[vi];
        size_t first = SIZE_MAX, count = 0;
        for (size_t li = 0; li < q->n_lines; li++)
            if (q->lines[li].visit == vi) {
                if (first == SIZE_MAX)
                    first = li;
                count++;
            }
        if (!count)
            continue;
        float first_h = line_height(r, &q->lines[first]);
        float vh = 13.5f;
        if ((int)v->phase != last_phase) {
            need(r, 20 + vh + first_h);
            r->y -= 4;
            canvas_fill_rect(&r->cv, r->x0, r->y - 15, r->x1 - r->x0, 15, BAND);
            txt(r, r->c_code, r->y - 11, CANVAS_BOLD, 9.5f, ACCENT, phase_title(r, v->phase));
            r->y -= 16;
            last_phase = (int)v->phase;
        }
        need(r, vh + first_h);
        float base = r->y - 10;
        txt(r, r->c_desc, base, CANVAS_BOLD, TABLE, INK, v->label);
        float lw = width(r, CANVAS_BOLD, TABLE, v->label);
        txt(r, r->c_desc + lw + 8, base, CANVAS_REGULAR, TABLE, MUTED, when_text(r, v));
        r->y -= vh;
        size_t left = count;
        for (size_t li = first; li < q->n_lines; li++)
            if (q->lines[li].visit == vi)
                table_row(r, &q->lines[li], --left == 0 && count > 1 ? LEAD(TABLE) + ROW_PAD : 0);
        if (count > 1) {
            need(r, LEAD(TABLE) + ROW_PAD);
            float b = r->y - TABLE - 1;
            txt_r(r, r->c_unit, b, CANVAS_ITALIC, TABLE, MUTED, T(r, "table.visit_subtotal"));
            txt_r(r, r->c_amount, b, CANVAS_BOLD, TABLE, INK, money(r, v->charges_cents, false));
            r->y -= LEAD(TABLE) + ROW_PAD;
        }
    }
    r->table_open = false;

    /* totals: kept together, after the last row */
    const struct pt_clinic *c = &q->pt->clinic;
    size_t rows = 1 + (q->discount_cents != 0) + (q->tax_cents != 0);
    bool note_b = false, note_s = false;
    for (size_t li = 0; li < q->n_lines; li++) {
        if (!q->lines[li].in_total && q->lines[li].separate)
            note_s = true;
        else if (!q->lines[li].in_total)
            note_b = true;
    }
    float lead = LEAD(BODY) + 2;
    float h = 8 + lead * (float)rows + 24 + 14 + (note_b ? 11.f : 0.f) + (note_s ? 11.f : 0.f);
    need(r, h);
    r->y -= 8;
    float lx = r->x0 + (r->x1 - r->x0) * 0.45f;
    canvas_hline(&r->cv, lx, r->x1, r->y, 0.8f, INK);
    r->y -= 4;
    txt(r, lx + 4, r->y - BODY - 1, CANVAS_REGULAR, BODY, INK, T(r, "totals.services"));
    txt_r(r, r->c_amount, r->y - BODY - 1, CANVAS_REGULAR, BODY, INK, money(r, q->subtotal_cents, true));
    r->y -= lead;
    if (q->discount_cents) {
        txt(r, lx + 4, r->y - BODY - 1, CANVAS_REGULAR, BODY, INK, T(r, "totals.savings"));
        txt_r(r, r->c_amount, r->y - BODY - 1, CANVAS_REGULAR, BODY, INK,
              money(r, -q->discount_cents, true));
        r->y -= lead;
    }
    if (q->tax_cents) {
        char pb[32];
        const char *label = TX(r, "totals.tax", "label", c->tax_label ? c->tax_label : "", "percent",
                               fmt(r, "%s", percent_format(c->tax_percent, r->dec, pb, sizeof pb)), NULL);
        txt(r, lx + 4, r->y - BODY - 1, CANVAS_REGULAR, BODY, INK, label);
        txt_r(r, r->c_amount, r->y - BODY - 1, CANVAS_REGULAR, BODY, INK, money(r, q->tax_cents, true));
        r->y -= lead;
    }
    r->y -= 2;
    canvas_fill_rect(&r->cv, lx, r->y - 22, r->x1 - lx, 22, ACCENT);
    txt(r, lx + 6, r->y - 15.5f, CANVAS_BOLD, 12, WHITE, T(r, "totals.total"));
    txt_r(r, r->c_amount, r->y - 15.5f, CANVAS_BOLD, 12, WHITE, money(r, q->total_cents, true));
    r->y -= 24;
    txt_r(r, r->c_amount, r->y - SMALL - 2, CANVAS_ITALIC, SMALL, MUTED,
          TX(r, "totals.currency", "currency", c->currency ? c->currency : "USD", NULL));
    r->y -= 14;
    if (note_b) {
        txt(r, r->x0, r->y - SMALL - 1, CANVAS_REGULAR, SMALL, MUTED, T(r, "table.note_billable"));
        r->y -= 11;
    }
    if (note_s) {
        txt(r, r->x0, r->y - SMALL - 1, CANVAS_REGULAR, SMALL, MUTED, T(r, "table.note_separate"));
        r->y -= 11;
    }
}

/* ---- outside the total -------------------------------------------------------------- */

/* The lines not in the total: separate ones (GFE list) or the others
 * (may be billable to insurance), with their reasons and a sum. */
static void apart_list(struct rctx *r, bool separate, const char *head, const char *intro,
                       const char *sum_label, int64_t sum)
{
    const struct quote *q = r->q;
    size_t n = 0;
    for (size_t li = 0; li < q->n_lines; li++)
        if (!q->lines[li].in_total && q->lines[li].separate == separate)
            n++;
    if (!n)
        return;
    heading(r, head, 40);
    para(r, r->x0, r->x1 - r->x0, CANVAS_REGULAR, BODY, INK, intro, 4);
    float dw = r->c_unit - 10 - r->c_desc;
    for (size_t li = 0; li < q->n_lines; li++) {
        const struct quote_line *l = &q->lines[li];
        if (l->in_total || l->separate != separate)
            continue;
        const char *desc = l->description;
        const char *note = separate ? when_text(r, &q->visits[l->visit])
                                    : (l->coverage_reason ? l->coverage_reason : "");
        size_t nd = wrap(r, CANVAS_REGULAR, TABLE, desc, dw);
        size_t nn = *note ? wrap(r, CANVAS_ITALIC, SMALL, note, dw) : 0;
        float h = LEAD(TABLE) * (float)nd + LEAD(SMALL) * (float)nn + ROW_PAD;
        need(r, h);
        float base = r->y - TABLE - 1;
        txt(r, r->c_code, base, CANVAS_REGULAR, TABLE, INK, l->code);
        wrap(r, CANVAS_REGULAR, TABLE, desc, dw);
        draw_lines(r, desc, r->c_desc, base, CANVAS_REGULAR, TABLE, INK, LEAD(TABLE));
        if (nn) {
            wrap(r, CANVAS_ITALIC, SMALL, note, dw);
            draw_lines(r, note, r->c_desc, base - LEAD(TABLE) * (float)nd, CANVAS_ITALIC, SMALL, MUTED,
                       LEAD(SMALL));
        }
        if (l->quantity > 1)
            txt_r(r, r->c_unit, base, CANVAS_REGULAR, TABLE, MUTED,
                  fmt(r, "%d \xC3\x97 %s", l->quantity, money(r, l->unit_cents, false)));
        txt_r(r, r->c_amount, base, CANVAS_REGULAR, TABLE, INK, money(r, l->amount_cents, false));
        r->y -= h;
        canvas_hline(&r->cv, r->c_desc, r->x1, r->y + 1, 0.3f, RULE);
    }
    need(r, LEAD(BODY) + 4);
    txt_r(r, r->c_unit, r->y - BODY - 2, CANVAS_BOLD, BODY, INK, sum_label);
    txt_r(r, r->c_amount, r->y - BODY - 2, CANVAS_BOLD, BODY, INK, money(r, sum, true));
    r->y -= LEAD(BODY) + 4;
}

/* ---- timeline and payments --------------------------------------------------------------- */

static void schedule(struct rctx *r)
{
    const struct quote *q = r->q;
    float cw = r->x0 + 4, cv = r->x0 + 168, cd = r->c_amount;
    float ww = cv - cw - 10, vw = cd - 80 - cv;
    heading(r, T(r, "schedule.heading"), 60);
    float h = 15;
    canvas_fill_rect(&r->cv, r->x0, r->y - h, r->x1 - r->x0, h, BAND);
    txt(r, cw, r->y - 10.5f, CANVAS_BOLD, TABLE, ACCENT, T(r, "schedule.when"));
    txt(r, cv, r->y - 10.5f, CANVAS_BOLD, TABLE, ACCENT, T(r, "schedule.visit"));
    txt_r(r, cd, r->y - 10.5f, CANVAS_BOLD, TABLE, ACCENT, T(r, "schedule.due"));
    r->y -= h + 2;

    for (size_t i = 0; i <= q->n_visits; i++) {
        const char *when, *what, *sub = NULL;
        int64_t due;
        bool bold = false;
        if (i == 0) {
            if (!q->deposit_cents)
                continue;
            when = q->deposit_dated
                       ? TX(r, "schedule.deposit_dated", "date", date_long(r, q->deposit_due), NULL)
                       : TX(r, "schedule.deposit_undated", "days", fmt(r, "%d", q->deposit_days_before), NULL);
            what = T(r, "schedule.deposit");
            due = q->deposit_cents;
            bold = true;
        } else {
            const struct quote_visit *v = &q->visits[i - 1];
            when = when_text(r, v);
            what = v->label;
            due = v->due_cents;
            if (v->due_cents != v->charges_cents)
                sub = TX(r, "schedule.credit", "charges", money(r, v->charges_cents, true), "deposit",
                         money(r, v->charges_cents - v->due_cents, true), NULL);
        }
        size_t nw = wrap(r, CANVAS_REGULAR, TABLE, when, ww);
        size_t nv = wrap(r, bold ? CANVAS_BOLD : CANVAS_REGULAR, TABLE, what, vw);
        size_t ns = sub ? wrap(r, CANVAS_ITALIC, SMALL, sub, vw) : 0;
        float hv = LEAD(TABLE) * (float)nv + LEAD(SMALL) * (float)ns;
        float hw = LEAD(TABLE) * (float)nw;
        float rh = (hv > hw ? hv : hw) + ROW_PAD;
        need(r, rh);
        float base = r->y - TABLE - 1;
        wrap(r, CANVAS_REGULAR, TABLE, when, ww);
        draw_lines(r, when, cw, base, CANVAS_REGULAR, TABLE, INK, LEAD(TABLE));
        wrap(r, bold ? CANVAS_BOLD : CANVAS_REGULAR, TABLE, what, vw);
        draw_lines(r, what, cv, base, bold ? CANVAS_BOLD : CANVAS_REGULAR, TABLE, INK, LEAD(TABLE));
        if (sub) {
            wrap(r, CANVAS_ITALIC, SMALL, sub, vw);
            draw_lines(r, sub, cv, base - LEAD(TABLE) * (float)nv, CANVAS_ITALIC, SMALL, MUTED, LEAD(SMALL));
        }
        txt_r(r, cd, base, bold ? CANVAS_BOLD : CANVAS_REGULAR, TABLE, due ? INK : MUTED, money(r, due, true));
        r->y -= rh;
        canvas_hline(&r->cv, r->x0, r->x1, r->y + 1, 0.3f, RULE);
    }
    need(r, LEAD(BODY) + 6);
    r->y -= 2;
    txt(r, cv, r->y - BODY - 2, CANVAS_BOLD, BODY, INK, T(r, "schedule.total"));
    txt_r(r, cd, r->y - BODY - 2, CANVAS_BOLD, BODY, INK, money(r, q->total_cents, true));
    r->y -= LEAD(BODY) + 6;
}

static void financing(struct rctx *r)
{
    const struct quote *q = r->q;
    if (!q->n_financing)
        return;
    float pad = 8, w = r->x1 - r->x0, lead = LEAD(TABLE);
    const char *note = TX(r, "financing.note", "principal", money(r, q->financing[0].principal, true), NULL);
    size_t nn = wrap(r, CANVAS_ITALIC, SMALL + 0.5f, note, w - 2 * pad);
    /* heading baseline (10) + gap (13) + note + gap (4) + header + rows + descent and padding */
    float h = pad + 10 + 13 + LEAD(SMALL + 0.5f) * (float)nn + 4 + TABLE + lead * (float)q->n_financing + 4 + pad;
    r->y -= 10;
    need(r, h);
    float top = r->y;
    canvas_stroke_rect(&r->cv, r->x0, top - h, w, h, 0.8f, MUTED);
    float y = top - pad - 10;
    txt(r, r->x0 + pad, y, CANVAS_BOLD, 10, INK, T(r, "financing.heading"));
    y -= 13;
    wrap(r, CANVAS_ITALIC, SMALL + 0.5f, note, w - 2 * pad);
    draw_lines(r, note, r->x0 + pad, y - 1, CANVAS_ITALIC, SMALL + 0.5f, MUTED, LEAD(SMALL + 0.5f));
    y -= LEAD(SMALL + 0.5f) * (float)nn + 4;
    float cm = r->x0 + 170, ca = cm + 50, cmo = ca + 95, ctot = cmo + 85, cch = r->x1 - pad;
    y -= TABLE;
    txt(r, r->x0 + pad, y, CANVAS_BOLD, TABLE, MUTED, T(r, "financing.plan"));
    txt_r(r, cm, y, CANVAS_BOLD, TABLE, MUTED, T(r, "financing.months"));
    txt_r(r, ca, y, CANVAS_BOLD, TABLE, MUTED, T(r, "financing.apr"));
    txt_r(r, cmo, y, CANVAS_BOLD, TABLE, MUTED, T(r, "financing.monthly"));
    txt_r(r, ctot, y, CANVAS_BOLD, TABLE, MUTED, T(r, "financing.total"));
    txt_r(r, cch, y, CANVAS_BOLD, TABLE, MUTED, T(r, "financing.charge"));
    for (size_t i = 0; i < q->n_financing; i++) {
        const struct quote_financing *f = &q->financing[i];
        char pb[32];
        y -= lead;
        txt(r, r->x0 + pad, y, CANVAS_REGULAR, TABLE, INK, f->name);
        txt_r(r, cm, y, CANVAS_REGULAR, TABLE, INK, fmt(r, "%d", f->months));
        txt_r(r, ca, y, CANVAS_REGULAR, TABLE, INK, fmt(r, "%s", percent_format(f->apr, r->dec, pb, sizeof pb)));
        const char *mo = money(r, f->monthly, true);
        if (f->last_payment != f->monthly && f->months > 1)
            mo = fmt(r, "%s (%s)", mo, TX(r, "financing.last", "amount", money(r, f->last_payment, true), NULL));
        txt_r(r, cmo, y, CANVAS_REGULAR, TABLE, INK, mo);
        txt_r(r, ctot, y, CANVAS_REGULAR, TABLE, INK, money(r, f->total_paid, true));
        txt_r(r, cch, y, CANVAS_REGULAR, TABLE, INK, money(r, f->finance_charge, true));
    }
    r->y = top - h - 4;
}

/* ---- Good Faith Estimate, acknowledgement ------------------------------------------------ */

static void gfe(struct rctx *r)
{
    static const char *const paras[] = {"gfe.estimate", "gfe.other", "gfe.dispute",
                                        "gfe.learn", "gfe.contract", "gfe.copy"};
    heading(r, T(r, "gfe.heading"), 3 * LEAD(BODY));
    for (size_t i = 0; i < sizeof paras / sizeof *paras; i++) {
        /* a short bar marks each statement */
        need(r, LEAD(BODY));
        canvas_fill_rect(&r->cv, r->x0, r->y - BODY + 1, 2.5f, BODY - 1, ACCENT);
        para(r, r->x0 + 10, r->x1 - r->x0 - 10, CANVAS_REGULAR, BODY - 0.5f, INK, T(r, paras[i]), 3);
    }
}

static void acknowledgement(struct rctx *r)
{
    const struct plan *p = r->q->plan;
    const char *text = TX(r, "ack.text", "total", money(r, r->q->total_cents, true), NULL);
    size_t n = wrap(r, CANVAS_REGULAR, BODY, text, r->x1 - r->x0);
    heading(r, T(r, "ack.heading"), LEAD(BODY) * (float)n + 80);
    para(r, r->x0, r->x1 - r->x0, CANVAS_REGULAR, BODY, INK, text, 0);
    float sx = r->x0, dx = r->x0 + (r->x1 - r->x0) * 0.68f;
    r->y -= 34;
    canvas_hline(&r->cv, sx, dx - 20, r->y, 0.7f, INK);
    canvas_hline(&r->cv, dx, r->x1, r->y, 0.7f, INK);
    txt(r, sx, r->y - SMALL - 3, CANVAS_REGULAR, SMALL, MUTED, T(r, "ack.signature"));
    txt(r, dx, r->y - SMALL - 3, CANVAS_REGULAR, SMALL, MUTED, T(r, "ack.date"));
    r->y -= 30;
    if (p->patient_name)
        txt(r, sx, r->y + 3, CANVAS_REGULAR, BODY, INK, p->patient_name);
    canvas_hline(&r->cv, sx, dx - 20, r->y, 0.7f, INK);
    txt(r, sx, r->y - SMALL - 3, CANVAS_REGULAR, SMALL, MUTED, T(r, "ack.name"));
    r->y -= 14;
}

static void footers(struct rctx *r)
{
    const struct price_table *pt = r->q->pt;
    char digest[13];
    snprintf(digest, sizeof digest, "%.12s", pt->sha256);
    const char *trace = TX(r, "doc.trace", "version", price_table_prices_version(pt), "effective",
                           date_long(r, pt->change_in_force ? pt->change_in_force->effective_date
                                                            : pt->effective_date),
                           "digest", digest, NULL);
    const char *id = r->o->quote_number ? TX(r, "doc.footer_number", "number", r->o->quote_number, NULL)
                                        : T(r, "doc.footer_draft");
    const char *pages = fmt(r, "%zu", r->cv.n_pages);
    for (size_t i = 0; i < r->cv.n_pages; i++) {
        HPDF_Page pg = r->cv.pages[i];
        float y = MARGIN_BOTTOM - 26;
        HPDF_Page_SetRGBStroke(pg, RULE.r, RULE.g, RULE.b);
        HPDF_Page_SetLineWidth(pg, 0.5f);
        HPDF_Page_MoveTo(pg, r->x0, y + 12);
        HPDF_Page_LineTo(pg, r->x1, y + 12);
        HPDF_Page_Stroke(pg);
        canvas_text(&r->cv, pg, r->x0, y, r->o->quote_number ? CANVAS_BOLD : CANVAS_BOLD, SMALL,
                    r->o->quote_number ? INK : ALERT, id, strlen(id));
        canvas_text(&r->cv, pg, r->x0, y - 9, CANVAS_REGULAR, SMALL - 1, MUTED, trace, strlen(trace));
        const char *pn = TX(r, "doc.page", "page", fmt(r, "%zu", i + 1), "pages", pages, NULL);
        canvas_text_right(&r->cv, pg, r->x1, y, CANVAS_BOLD, SMALL + 0.5f, INK, pn, strlen(pn));
    }
}

/* ---- checks before drawing ------------------------------------------------------------------ */

static void check(struct rctx *r, const char *path, const char *s)
{
    if (s && canvas_check_text(&r->cv, s, NULL, path, r->dl) != 0)
        r->failed = true;
}

/* Check element i of a list: path "prefix[i]suffix". */
static void checkf(struct rctx *r, const char *s, const char *prefix, size_t i, const char *suffix)
{
    char path[96];
    snprintf(path, sizeof path, "%s[%zu]%s", prefix, i, suffix);
    check(r, path, s);
}

static void preflight(struct rctx *r)
{
    const struct quote *q = r->q;
    const struct plan *p = q->plan;
    const struct pt_clinic *c = &q->pt->clinic;
    for (size_t i = 0; i < r->t->n; i++)
        if (canvas_check_text(&r->cv, r->t->v[i].value, r->t->file, r->t->v[i].key, r->dl) != 0)
            r->failed = true;
    check(r, "patient.name", p->patient_name);
    check(r, "patient.id", p->patient_id);
    check(r, "condition", p->condition);
    for (size_t i = 0; i < p->n_icd10; i++)
        checkf(r, p->icd10[i], "icd10", i, "");
    check(r, "quote_number", r->o->quote_number);
    check(r, "supersedes", r->o->supersedes);
    check(r, "clinic.name", c->name);
    for (size_t i = 0; i < c->n_address; i++)
        checkf(r, c->address[i], "clinic.address", i, "");
    check(r, "clinic.phone", c->phone);
    check(r, "clinic.email", c->email);
    check(r, "clinic.website", c->website);
    check(r, "clinic.tin", c->tin);
    check(r, "clinic.npi", c->npi);
    check(r, "tax.label", c->tax_label);
    check(r, "version", q->pt->version);
    if (q->provider) {
        check(r, "provider.name", q->provider->name);
        check(r, "provider.specialty", q->provider->specialty);
    }
    if (q->location) {
        check(r, "location.name", q->location->name);
        for (size_t i = 0; i < q->location->n_address; i++)
            checkf(r, q->location->address[i], "location.address", i, "");
    }
    for (size_t i = 0; i < q->n_areas; i++)
        checkf(r, q->areas[i]->name, "areas", i, ".name");
    check(r, "source.name", q->source->name);
    check(r, "method.name", q->method->name);
    if (q->guidance)
        check(r, "guidance.name", q->guidance->name);
    if (q->package) {
        check(r, "package.name", q->package->name);
        check(r, "package.description", q->package->description);
    }
    for (size_t i = 0; i < p->n_adjuncts; i++) {
        const struct pt_adjunct *a = pt_find_adjunct(q->pt, p->adjuncts[i].id);
        if (a)
            checkf(r, a->name, "adjuncts", i, ".name");
    }
    for (size_t i = 0; i < q->n_lines; i++) {
        checkf(r, q->lines[i].description, "lines", i, ".description");
        checkf(r, q->lines[i].code, "lines", i, ".code");
        checkf(r, q->lines[i].coverage_reason, "lines", i, ".coverage_reason");
    }
    for (size_t i = 0; i < q->n_visits; i++)
        checkf(r, q->visits[i].label, "visits", i, ".label");
    for (size_t i = 0; i < q->n_financing; i++)
        checkf(r, q->financing[i].name, "financing", i, ".name");
}

/* Read the date and money words. */
static int setup_words(struct rctx *r)
{
    const char *m = T(r, "date.months");
    size_t n = 0;
    while (*m && n < 12) {
        while (*m == ' ')
            m++;
        const char *e = strchr(m, ',');
        if (!e)
            e = m + strlen(m);
        const char *b = e;
        while (b > m && b[-1] == ' ')
            b--;
        r->months[n++] = fmt(r, "%.*s", (int)(b - m), m);
        m = *e ? e + 1 : e;
    }
    if (n != 12 || *m) {
        diag_error(r->dl, r->t->file, "date.months", "expected the 12 month names separated by commas");
        return -1;
    }
    const char *d = T(r, "money.decimal"), *g = T(r, "money.group");
    if (strlen(d) != 1 || strlen(g) > 1 || (*g && *g == *d)) {
        diag_error(r->dl, r->t->file, "money.decimal",
                   "money.decimal must be one character and money.group one character or empty, and differ");
        return -1;
    }
    r->dec = d[0];
    r->group = g[0];
    r->symbol = T(r, "money.symbol");
    return 0;
}

/* ---- the template cache --------------------------------------------------------------------- */

#define CACHE_SLOTS 8

struct render_cache {
    struct {
        char *dir, *lang;
        struct template t;
    } slot[CACHE_SLOTS];
    size_t n;
};

struct render_cache *render_cache_new(void)
{
    return calloc(1, sizeof(struct render_cache));
}

void render_cache_free(struct render_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->slot[i].dir);
        free(c->slot[i].lang);
        template_free(&c->slot[i].t);
    }
    free(c);
}

static const struct template *cache_get(struct render_cache *c, const char *dir, const char *lang)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->slot[i].dir, dir) && !strcmp(c->slot[i].lang, lang))
            return &c->slot[i].t;
    return NULL;
}

/* Move a loaded, checked template into the cache (t is left empty).
 * Returns true if the cache took it. */
static bool cache_put(struct render_cache *c, const char *dir, const char *lang, struct template *t)
{
    if (c->n == CACHE_SLOTS)
        return false;
    char *d = strdup(dir), *l = strdup(lang);
    if (!d || !l) {
        free(d);
        free(l);
        return false;
    }
    c->slot[c->n].dir = d;
    c->slot[c->n].lang = l;
    c->slot[c->n].t = *t;
    memset(t, 0, sizeof *t);
    c->n++;
    return true;
}

/* ---- entry points ------------------------------------------------------------------------ */

int render_pdf_mem(const struct quote *q, const struct render_opts *o, unsigned char **buf,
                   size_t *len, struct diag_list *dl)
{
    *buf = NULL;
    *len = 0;
    struct rctx r;
    memset(&r, 0, sizeof r);
    r.q = q;
    r.o = o;
    r.dl = dl;
    size_t errors = dl->errors;
    const char *dir = o->templates_dir ? o->templates_dir : "templates";
    const char *lang = o->lang ? o->lang : q->language ? q->language : "en";
    char font[4096];
    if (o->font_path)
        snprintf(font, sizeof font, "%s", o->font_path);
    else
        snprintf(font, sizeof font, "%s/%s", dir, RENDER_PDF_FONT);
    float w = o->a4 ? 595.276f : 612.0f, h = o->a4 ? 841.89f : 792.0f;

    int rc = -1;
    r.t = o->cache ? cache_get(o->cache, dir, lang) : NULL;
    if (!r.t) {
        if (template_load(&r.own_t, dir, lang, "quote.txt", dl) != 0 ||
            template_check(&r.own_t, keys, sizeof keys / sizeof *keys, dl) != 0)
            goto out;
        r.t = &r.own_t;
        if (o->cache && cache_put(o->cache, dir, lang, &r.own_t))
            r.t = cache_get(o->cache, dir, lang); /* the cache owns it now */
    }
    if (setup_words(&r) != 0)
        goto out;
    if (canvas_open(&r.cv, w, h, font, dl) != 0)
        goto out;
    if (o->uncompressed)
        canvas_compress(&r.cv, false);
    preflight(&r);
    if (r.failed)
        goto out;

    r.x0 = MARGIN_X;
    r.x1 = w - MARGIN_X;
    r.top = h - MARGIN_TOP;
    r.bottom = MARGIN_BOTTOM;
    canvas_info(&r.cv, HPDF_INFO_TITLE, T(&r, "doc.title"));
    canvas_info(&r.cv, HPDF_INFO_AUTHOR, q->pt->clinic.name);
    canvas_info(&r.cv, HPDF_INFO_CREATOR, "regenquote");
    new_page(&r);
    letterhead(&r);
    title_block(&r);
    who_and_when(&r);
    insurance_box(&r);
    plan_block(&r);
    items_table(&r);
    apart_list(&r, false, T(&r, "billable.heading"), T(&r, "billable.intro"), T(&r, "billable.sum"),
               q->billable_cents);
    apart_list(&r, true, T(&r, "separate.heading"), T(&r, "separate.intro"), T(&r, "separate.sum"),
               q->separate_cents);
    schedule(&r);
    financing(&r);
    gfe(&r);
    acknowledgement(&r);
    footers(&r);
    if (r.failed || dl->errors > errors)
        goto out;
    rc = canvas_finish(&r.cv, buf, len, dl);
out:
    if (rc != 0 && dl->errors == errors)
        diag_error(dl, NULL, NULL, "cannot lay out the PDF quote");
    canvas_lines_free(&r.lines);
    canvas_free(&r.cv);
    template_free(&r.own_t);
    for (size_t i = 0; i < r.n_arena; i++)
        free(r.arena[i]);
    free(r.arena);
    return rc;
}

int render_pdf(const struct quote *q, const struct render_opts *o, const char *path,
               struct diag_list *dl)
{
    unsigned char *buf;
    size_t len;
    if (render_pdf_mem(q, o, &buf, &len, dl) != 0)
        return -1;
    struct outfile of;
    if (outfile_open_output(&of, path, dl) != 0) {
        free(buf);
        return -1;
    }
    if (fwrite(buf, 1, len, of.f) != len) {
        int e = errno ? errno : EIO;
        outfile_abort(&of);
        free(buf);
        diag_error(dl, path, NULL, "cannot write PDF: %s", strerror(e));
        return -1;
    }
    free(buf);
    return outfile_commit(&of, dl);
}
