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
#include "fhir.h"
#include "money.h"
#include "notice.h"
#include "outfile.h"
#include "sha256.h"
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
    {"table.note_billable", ""}, {"table.note_separate", ""}, {"table.note_direct", ""},
    {"table.note_beyond", ""}, {"table.savings", ""}, {"table.shared", "shares"},
    {"phase.before", ""}, {"phase.procedure", ""}, {"phase.after", ""}, {"phase.repeat", ""},
    {"phase.follow_up", ""},
    {"when.day0", ""}, {"when.week", "week"}, {"when.weeks", "from to"}, {"when.before_one", ""},
    {"when.before", "weeks"},
    {"totals.services", ""}, {"totals.savings", ""}, {"totals.tax", "label percent"},
    {"totals.total", ""}, {"totals.currency", "currency"},
    {"billable.heading", ""}, {"billable.intro", ""}, {"billable.sum", ""},
    {"separate.heading", ""}, {"separate.intro", ""}, {"separate.sum", ""},
    {"separate.billed_by", "name"}, {"separate.beyond", ""},
    {"providers.heading", ""}, {"providers.intro", ""}, {"providers.clinic", ""},
    {"providers.provider", ""}, {"providers.facility", ""}, {"providers.ids", "npi tin"},
    {"providers.collected", ""}, {"providers.direct", ""}, {"providers.treating", "name"},
    {"providers.all_items", ""}, {"providers.services", ""}, {"providers.savings", ""},
    {"providers.tax", ""}, {"providers.estimate", ""}, {"providers.threshold", "amount"},
    {"providers.all", ""},
    {"schedule.heading", ""}, {"schedule.when", ""}, {"schedule.visit", ""}, {"schedule.due", ""},
    {"schedule.deposit", ""}, {"schedule.deposit_dated", "date"},
    {"schedule.deposit_undated", "days"}, {"schedule.credit", "charges deposit"},
    {"schedule.total", ""}, {"schedule.deposit_note", ""}, {"schedule.shared", "services savings"},
    {"schedule.direct", "name amount"}, {"schedule.in_full", "discount"},
    {"schedule.in_full_visit", "when"}, {"schedule.prepaid", "charges"},
    {"financing.heading", ""}, {"financing.note", "principal"}, {"financing.plan", ""},
    {"financing.months", ""}, {"financing.apr", ""}, {"financing.monthly", ""},
    {"financing.total", ""}, {"financing.charge", ""}, {"financing.last", "amount"},
    {"financing.none", "discount"},
    {"gfe.heading", ""}, {"gfe.estimate", ""}, {"gfe.other", ""}, {"gfe.dispute", ""},
    {"gfe.learn", ""}, {"gfe.contract", ""}, {"gfe.copy", ""}, {"gfe.other_listed", ""},
    {"gfe.new_estimate", ""},
    {"ack.heading", ""}, {"ack.text", "total"}, {"ack.signature", ""}, {"ack.date", ""},
    {"ack.name", ""},
    {"help.heading", ""},
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
    struct template_words w;     /* t's words, and every string made while rendering */
    struct canvas cv;
    struct canvas_lines lines;
    bool failed;
    const char *lang;            /* "en" or "es" */

    float x0, x1, top, bottom, y;
    bool table_open;             /* repeat the table header on a new page */
    float c_code, c_desc, c_qty, c_unit, c_amount, c_mark; /* table columns */
    float c_desc_w;              /* width of the description column */
    char *quote_json;            /* an issued quote: the quote JSON it carries */
    char *qr_text;               /* and its QR code's text */
};

/* Text made for the document, kept with its words. */
#define fmt(r, ...) template_words_printf(&(r)->w, __VA_ARGS__)

/* The document's words (template.h): a value as written (checked present
 * before layout starts), a value with placeholders filled in (name, value,
 * …, NULL), an amount in the template's money style, a date in its words.
 * What they return lives until the end of rendering. */
#define T(r, key) template_words_get(&(r)->w, key)
#define TX(r, ...) template_words_expand(&(r)->w, __VA_ARGS__)
#define MONEY(r, cents, symbol) template_words_money(&(r)->w, cents, symbol)
#define DATE(r, d) template_words_date(&(r)->w, d)

static const char *when_text(struct rctx *r, const struct quote_visit *v)
{
    if (v->dated) {
        if (v->date_from == v->date_to)
            return DATE(r, v->date_from);
        return TX(r, "date.range", "from", DATE(r, v->date_from), "to", DATE(r, v->date_to),
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

/* A label ending at x (right-aligned): on one line when it fits between
 * the left margin and x, else wrapped at its spaces within w, each line
 * ending at x.  label_lines says how many lines; label_r draws them, the
 * first baseline at y. */
static size_t label_lines(struct rctx *r, enum canvas_style st, float size, const char *s, float x, float w)
{
    if (width(r, st, size, s) <= x - r->x0)
        return 1;
    return wrap(r, st, size, s, w);
}

static void label_r(struct rctx *r, float x, float y, enum canvas_style st, float size, struct canvas_rgb c,
                    const char *s, float w, float lead)
{
    if (width(r, st, size, s) <= x - r->x0) {
        txt_r(r, x, y, st, size, c, s);
        return;
    }
    wrap(r, st, size, s, w);
    for (size_t i = 0; i < r->lines.n; i++)
        canvas_text_right(&r->cv, NULL, x, y - lead * (float)i, st, size, c, s + r->lines.v[i].off,
                          r->lines.v[i].len);
}

static void table_header(struct rctx *r, bool continued);

static void running_header(struct rctx *r)
{
    const struct plan *p = r->q->plan;
    float base = r->y - SMALL;
    txt(r, r->x0, base, CANVAS_BOLD, SMALL, MUTED, r->q->pt->clinic.name);
    const char *number = r->o->quote_number
                             ? TX(r, "doc.footer_number", "number", r->o->quote_number, NULL)
                             : T(r, "doc.footer_draft");
    const char *right = number;
    if (p->patient_name)
        right = fmt(r, "%s  ·  %s", TX(r, "doc.running", "patient", p->patient_name, NULL), number);
    /* beside the clinic's name when both fit, else on the line below;
     * there, in large print, from the left margin (and wrapped, in any
     * size, when wider than the page's text: in large print, the patient
     * and the number each on a line of their own) */
    float room = r->x1 - r->x0 - width(r, CANVAS_BOLD, SMALL, r->q->pt->clinic.name) - 16;
    if (width(r, CANVAS_REGULAR, SMALL, right) <= room) {
        txt_r(r, r->x1, base, CANVAS_REGULAR, SMALL, MUTED, right);
    } else {
        if (r->o->large_print && p->patient_name && width(r, CANVAS_REGULAR, SMALL, right) > r->x1 - r->x0)
            right = fmt(r, "%s\n%s", TX(r, "doc.running", "patient", p->patient_name, NULL), number);
        wrap(r, CANVAS_REGULAR, SMALL, right, r->x1 - r->x0);
        for (size_t i = 0; i < r->lines.n; i++) {
            const char *line = right + r->lines.v[i].off;
            base -= LEAD(SMALL);
            if (r->o->large_print)
                canvas_text(&r->cv, NULL, r->x0, base, CANVAS_REGULAR, SMALL, MUTED, line, r->lines.v[i].len);
            else
                canvas_text_right(&r->cv, NULL, r->x1, base, CANVAS_REGULAR, SMALL, MUTED, line,
                                  r->lines.v[i].len);
        }
    }
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
    if (width(r, CANVAS_BOLD, HEAD, s) <= r->x1 - r->x0) {
        need(r, HEAD + 10 + with);
        txt(r, r->x0, r->y - HEAD, CANVAS_BOLD, HEAD, ACCENT, s);
        canvas_hline(&r->cv, r->x0, r->x1, r->y - HEAD - 4, 0.8f, ACCENT);
        r->y -= HEAD + 10;
        return;
    }
    /* wider than the page's text: wrapped at its spaces, the rule under
     * the last line */
    float more = LEAD(HEAD) * (float)(wrap(r, CANVAS_BOLD, HEAD, s, r->x1 - r->x0) - 1);
    need(r, HEAD + more + 10 + with);
    wrap(r, CANVAS_BOLD, HEAD, s, r->x1 - r->x0);
    draw_lines(r, s, r->x0, r->y - HEAD, CANVAS_BOLD, HEAD, ACCENT, LEAD(HEAD));
    canvas_hline(&r->cv, r->x0, r->x1, r->y - HEAD - more - 4, 0.8f, ACCENT);
    r->y -= HEAD + more + 10;
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
    return template_words_keep(&r->w, s);
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
    /* on as few lines as fit before the margin (large print needs two), each detail whole */
    for (size_t from = 0; from < n;) {
        size_t k = from + 1;
        while (k < n && width(r, CANVAS_REGULAR, BODY - 0.5f, joined(r, contact + from, k + 1 - from, "  ·  ")) <=
                            r->x1 - x)
            k++;
        txt(r, x, y, CANVAS_REGULAR, BODY - 0.5f, MUTED, joined(r, contact + from, k - from, "  ·  "));
        if ((from = k) < n)
            y -= LEAD(BODY);
    }
    float ry = top - 15;
    if (r->o->large_print) {
        /* no room beside the name: the clinic's numbers go under the contact line */
        const char *ids[2];
        size_t ni = 0;
        if (c->tin)
            ids[ni++] = TX(r, "clinic.tin", "tin", c->tin, NULL);
        if (c->npi)
            ids[ni++] = TX(r, "clinic.npi", "npi", c->npi, NULL);
        y -= LEAD(BODY);
        txt(r, x, y, CANVAS_REGULAR, BODY - 0.5f, MUTED, joined(r, ids, ni, "  ·  "));
        ry = -1;
    }
    if (c->tin && ry > 0) {
        txt_r(r, r->x1, ry, CANVAS_REGULAR, BODY - 0.5f, MUTED, TX(r, "clinic.tin", "tin", c->tin, NULL));
        ry -= LEAD(BODY);
    }
    if (c->npi && ry > 0)
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
    float boxw = o->large_print ? (r->x1 - r->x0) * 0.36f : 150, bx = r->x1 - boxw;
    /* an issued quote proves itself: a QR code with its number and the
     * digest of the quote attached to the PDF, left of the number */
    float qr = 0;
    if (o->quote_number && r->qr_text) {
        qr = o->large_print ? 64 / LARGE_PRINT_SCALE : 64;
        if (canvas_qr(&r->cv, bx - 8 - qr, top - qr + 4, qr, r->qr_text) != 0)
            r->failed = true;
        qr += 8;
    }
    size_t n = wrap(r, CANVAS_BOLD, 17, T(r, "doc.title"), bx - qr - r->x0 - 12);
    draw_lines(r, T(r, "doc.title"), r->x0, top - 17, CANVAS_BOLD, 17, INK, 21);
    float ty = top - 21 * (float)n;
    if (qr > 0 && ty > top - qr + 4)
        ty = top - qr + 4;
    if (o->quote_number) {
        canvas_fill_rect(&r->cv, bx, top - 34, boxw, 34, BAND);
        txt(r, bx + 8, top - 12, CANVAS_REGULAR, SMALL, MUTED, T(r, "doc.number_label"));
        txt(r, bx + 8, top - 27, CANVAS_BOLD, 12, INK, o->quote_number);
    } else {
        canvas_fill_rect(&r->cv, bx, top - 34, boxw, 34, ALERT);
        float w = width(r, CANVAS_BOLD, 14, T(r, "doc.draft"));
        txt(r, bx + (boxw - w) / 2, top - 17, CANVAS_BOLD, 14, WHITE, T(r, "doc.draft"));
        /* the note stays inside the box: smaller type where a language's words are longer */
        float ns = SMALL;
        w = width(r, CANVAS_REGULAR, ns, T(r, "doc.draft_note"));
        if (w > boxw - 8) {
            ns = SMALL * (boxw - 8) / w;
            w = width(r, CANVAS_REGULAR, ns, T(r, "doc.draft_note"));
        }
        txt(r, bx + (boxw - w) / 2, top - 28, CANVAS_REGULAR, ns, WHITE, T(r, "doc.draft_note"));
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
       p->patient_dob && date_parse(p->patient_dob, &dob) ? DATE(r, dob) : T(r, "patient.blank"));
    if (p->patient_id)
        kv(r, r->x0, lw, colw, T(r, "patient.id"), p->patient_id);
    float left_end = r->y;

    /* right: dates */
    r->y = top;
    txt(r, rx, r->y - 9, CANVAS_BOLD, 9.5f, ACCENT, T(r, "dates.heading"));
    r->y -= 15;
    kv(r, rx, rlw, colw, T(r, "dates.issued"), DATE(r, q->issued));
    kv(r, rx, rlw, colw, T(r, "dates.valid"), DATE(r, q->valid_until));
    kv(r, rx, rlw, colw, T(r, "dates.scheduled"),
       q->has_scheduled ? DATE(r, q->scheduled) : T(r, "dates.not_scheduled"));
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

/* ---- the state's stem-cell notice (notice.h) ---------------------------------------- */

/* The notice that applies to this quote, printed verbatim in a framed box:
 * the statute's English words always, its citation, and on a Spanish quote
 * the Spanish companion below, headed by its note marking it a translation.
 * Nothing when no notice applies (then the page is as before, byte for byte). */
static void check(struct rctx *r, const char *path, const char *s);

static void state_notice_box(struct rctx *r)
{
    const struct notice *n = notice_for_quote(r->q);
    if (!n)
        return;
    bool es = !strcmp(r->lang, "es") && n->text_es;
    const char *fields[] = { n->text, n->citation, es ? n->translation_note_es : NULL,
                             es ? n->text_es : NULL };
    for (size_t i = 0; i < 4; i++)
        check(r, "notices.json", fields[i]);
    if (r->failed)
        return;
    float pad = 10, w = r->x1 - r->x0, iw = w - 2 * pad, tsz = 10.5f, tl = LEAD(10.5f);
    size_t nt = wrap(r, CANVAS_BOLD, tsz, n->text, iw);
    float h = pad + tl * (float)nt + 4 + LEAD(SMALL);
    size_t nn = 0, ne = 0;
    if (es) {
        nn = wrap(r, CANVAS_ITALIC, SMALL, n->translation_note_es, iw);
        ne = wrap(r, CANVAS_REGULAR, BODY, n->text_es, iw);
        h += 8 + LEAD(SMALL) * (float)nn + 2 + LEAD(BODY) * (float)ne;
    }
    h += pad - 2;
    r->y -= 10;
    need(r, h);
    float top = r->y, y = top - pad - tsz + 1;
    canvas_fill_rect(&r->cv, r->x0, top - h, w, h, WHITE);
    canvas_stroke_rect(&r->cv, r->x0, top - h, w, h, 2.5f, INK);
    wrap(r, CANVAS_BOLD, tsz, n->text, iw);
    draw_lines(r, n->text, r->x0 + pad, y, CANVAS_BOLD, tsz, INK, tl);
    y -= tl * (float)(nt - 1) + 4 + LEAD(SMALL);
    txt(r, r->x0 + pad, y + 2, CANVAS_REGULAR, SMALL, MUTED, n->citation);
    if (es) {
        canvas_hline(&r->cv, r->x0 + pad, r->x1 - pad, y - 4, 0.5f, RULE);
        y -= 8 + LEAD(SMALL);
        wrap(r, CANVAS_ITALIC, SMALL, n->translation_note_es, iw);
        draw_lines(r, n->translation_note_es, r->x0 + pad, y + 2, CANVAS_ITALIC, SMALL, MUTED, LEAD(SMALL));
        y -= LEAD(SMALL) * (float)(nn - 1) + 2 + LEAD(BODY);
        wrap(r, CANVAS_REGULAR, BODY, n->text_es, iw);
        draw_lines(r, n->text_es, r->x0 + pad, y + 2, CANVAS_REGULAR, BODY, INK, LEAD(BODY));
    }
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
              MONEY(r, q->package->a_la_carte - q->package->price, true), NULL));
}

/* ---- the itemised table ------------------------------------------------------------------ */

#define ROW_PAD 2.5f
#define COL_GAP 14.0f

/* w, or the width of s when wider. */
static float wider(struct rctx *r, float w, enum canvas_style st, float size, const char *s)
{
    float sw = width(r, st, size, s);
    return sw > w ? sw : w;
}

/* The width of the widest word of s (words end at spaces), or w when wider. */
static float widest_word_max(struct rctx *r, float w, enum canvas_style st, float size, const char *s)
{
    while (*s) {
        size_t n = strcspn(s, " \n");
        if (n) {
            float ww = canvas_width(&r->cv, st, size, s, n);
            if (ww > w)
                w = ww;
        }
        s += n;
        s += strspn(s, " \n");
    }
    return w;
}

static float widest_word(struct rctx *r, enum canvas_style st, float size, const char *s)
{
    return widest_word_max(r, 0, st, size, s);
}

/* Who bills line l, when it is an outside provider or facility (else NULL). */
static const struct quote_provider *outside_of(const struct quote *q, const struct quote_line *l)
{
    if (l->provider == QUOTE_NONE || q->providers[l->provider].kind != BILLER_OUTSIDE)
        return NULL;
    return &q->providers[l->provider];
}

/* The mark after a line that is not in the total. */
static const char *line_mark(const struct quote_line *l)
{
    if (l->in_total)
        return "";
    if (l->beyond)
        return "\xE2\x80\xA0";          /* † */
    if (l->separate)
        return "\xC2\xA7";              /* § */
    if (l->direct)
        return "\xE2\x80\xA1";          /* ‡ */
    return "*";
}

/* Columns of the itemised table (also used by the lists after it): each
 * money column as wide as the widest thing it holds, header included, so
 * that no amount runs into its neighbour whatever the language. */
static void table_columns(struct rctx *r)
{
    const struct quote *q = r->q;
    float wq = wider(r, 18, CANVAS_BOLD, TABLE, T(r, "table.qty"));
    float wu = wider(r, 56, CANVAS_BOLD, TABLE, T(r, "table.unit"));
    float wa = wider(r, 56, CANVAS_BOLD, TABLE, T(r, "table.amount"));
    for (size_t i = 0; i < q->n_lines; i++) {
        const struct quote_line *l = &q->lines[i];
        wa = wider(r, wa, CANVAS_REGULAR, TABLE, MONEY(r, l->amount_cents, false));
        if (l->kind != LINE_ITEM)
            continue;
        wq = wider(r, wq, CANVAS_REGULAR, TABLE, fmt(r, "%d", l->quantity));
        wu = wider(r, wu, CANVAS_REGULAR, TABLE, MONEY(r, l->unit_cents, false));
        if (!l->in_total && l->quantity > 1)
            wu = wider(r, wu, CANVAS_REGULAR, TABLE,
                       fmt(r, "%d \xC3\x97 %s", l->quantity, MONEY(r, l->unit_cents, false)));
    }
    for (size_t i = 0; i < q->n_visits; i++)
        wa = wider(r, wa, CANVAS_BOLD, TABLE,
                   MONEY(r, q->visits[i].services_cents + q->visits[i].tax_cents, false));
    r->c_code = r->x0 + 4;
    r->c_desc = r->x0 + 46;
    r->c_mark = r->x1 - 9;
    r->c_amount = r->x1 - 12;      /* right edges */
    r->c_unit = r->c_amount - wa - COL_GAP;
    r->c_qty = r->c_unit - wu - COL_GAP;
    r->c_desc_w = r->c_qty - wq - COL_GAP - r->c_desc;
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

/* How a package saving or discount line is shared, visit by visit:
 * "Shared among the visits: Procedure day -$808.93; PRP booster -$91.07",
 * or NULL for other lines. */
static const char *shared_text(struct rctx *r, const struct quote_line *l)
{
    const struct quote *q = r->q;
    if (!l->n_shares)
        return NULL;
    const char *list = "";
    for (size_t v = 0; v < q->n_visits; v++) {
        int64_t part = 0;
        for (size_t k = 0; k < l->n_shares; k++)
            if (q->lines[l->shares[k].line].visit == v)
                part += l->shares[k].cents;
        if (part)
            list = fmt(r, "%s%s%s %s", list, *list ? "; " : "", q->visits[v].label, MONEY(r, -part, true));
    }
    return TX(r, "table.shared", "shares", list, NULL);
}

static float line_height(struct rctx *r, const struct quote_line *l, const char *note)
{
    enum canvas_style st = l->kind == LINE_ITEM ? CANVAS_REGULAR : CANVAS_ITALIC;
    float h = LEAD(TABLE) * (float)wrap(r, st, TABLE, l->description, r->c_desc_w) + ROW_PAD;
    if (note)
        h += LEAD(SMALL) * (float)wrap(r, CANVAS_ITALIC, SMALL, note, r->c_desc_w);
    return h;
}

/* One row, never split; `keep` more points must fit below it (the visit
 * subtotal after a visit's last row).  note: a small line under the
 * description, or NULL. */
static void table_row(struct rctx *r, const struct quote_line *l, const char *note, float keep)
{
    enum canvas_style st = l->kind == LINE_ITEM ? CANVAS_REGULAR : CANVAS_ITALIC;
    float h = line_height(r, l, note);
    need(r, h + keep);
    float base = r->y - TABLE - 1;
    struct canvas_rgb amt = l->in_total ? INK : MUTED;
    size_t nd = wrap(r, st, TABLE, l->description, r->c_desc_w);
    draw_lines(r, l->description, r->c_desc, base, st, TABLE, l->in_total ? INK : MUTED, LEAD(TABLE));
    if (note) {
        wrap(r, CANVAS_ITALIC, SMALL, note, r->c_desc_w);
        draw_lines(r, note, r->c_desc, base - LEAD(TABLE) * (float)nd, CANVAS_ITALIC, SMALL, MUTED, LEAD(SMALL));
    }
    if (l->kind == LINE_ITEM) {
        txt(r, r->c_code, base, CANVAS_REGULAR, TABLE, INK, l->code);
        txt_r(r, r->c_qty, base, CANVAS_REGULAR, TABLE, INK, fmt(r, "%d", l->quantity));
        txt_r(r, r->c_unit, base, CANVAS_REGULAR, TABLE, INK, MONEY(r, l->unit_cents, false));
    }
    txt_r(r, r->c_amount, base, CANVAS_REGULAR, TABLE, amt, MONEY(r, l->amount_cents, false));
    if (!l->in_total)
        txt(r, r->c_mark + 2, base, CANVAS_BOLD, TABLE, MUTED, line_mark(l));
    r->y -= h;
    canvas_hline(&r->cv, r->c_desc, r->x1, r->y + 1, 0.3f, RULE);
}

/* A tinted band naming a group of rows (a phase, the savings). */
static void band(struct rctx *r, const char *title, float with)
{
    need(r, 20 + with);
    r->y -= 4;
    canvas_fill_rect(&r->cv, r->x0, r->y - 15, r->x1 - r->x0, 15, BAND);
    txt(r, r->c_code, r->y - 11, CANVAS_BOLD, 9.5f, ACCENT, title);
    r->y -= 16;
}

/* The notes that explain the marks, for the marks the table uses. */
static const char *const NOTE_KEYS[] = {"table.note_billable", "table.note_separate", "table.note_beyond",
                                        "table.note_direct"};

static bool note_wanted(const struct quote *q, size_t k)
{
    for (size_t i = 0; i < q->n_lines; i++) {
        const struct quote_line *l = &q->lines[i];
        if (l->in_total)
            continue;
        bool hit = k == 0 ? !l->separate && !l->direct
                 : k == 1 ? l->separate && !l->beyond
                 : k == 2 ? l->beyond
                          : l->direct;
        if (hit)
            return true;
    }
    return false;
}

static void items_table(struct rctx *r)
{
    const struct quote *q = r->q;
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
        float first_h = line_height(r, &q->lines[first], NULL);
        float vh = 13.5f;
        if ((int)v->phase != last_phase) {
            band(r, phase_title(r, v->phase), vh + first_h);
            last_phase = (int)v->phase;
        }
        /* the visit's name, then when it is: on the same line when both fit */
        const char *when = when_text(r, v);
        float avail = r->x1 - r->c_desc;
        size_t nl = wrap(r, CANVAS_BOLD, TABLE, v->label, avail);
        float lw = nl == 1 ? width(r, CANVAS_BOLD, TABLE, v->label) : avail;
        bool beside = nl == 1 && lw + 8 + width(r, CANVAS_REGULAR, TABLE, when) <= avail;
        vh += LEAD(TABLE) * (float)(nl - 1 + !beside);
        need(r, vh + first_h);
        float base = r->y - 10;
        wrap(r, CANVAS_BOLD, TABLE, v->label, avail);
        draw_lines(r, v->label, r->c_desc, base, CANVAS_BOLD, TABLE, INK, LEAD(TABLE));
        if (beside)
            txt(r, r->c_desc + lw + 8, base, CANVAS_REGULAR, TABLE, MUTED, when);
        else
            txt(r, r->c_desc, base - LEAD(TABLE) * (float)nl, CANVAS_REGULAR, TABLE, MUTED, when);
        r->y -= vh;
        size_t left = count;
        for (size_t li = first; li < q->n_lines; li++)
            if (q->lines[li].visit == vi)
                table_row(r, &q->lines[li], NULL, --left == 0 && count > 1 ? LEAD(TABLE) + ROW_PAD : 0);
        if (count > 1) {
            const char *sl = T(r, "table.visit_subtotal");
            float sw = r->c_unit - r->c_desc;
            float sh = LEAD(TABLE) * (float)label_lines(r, CANVAS_ITALIC, TABLE, sl, r->c_unit, sw);
            need(r, sh + ROW_PAD);
            float b = r->y - TABLE - 1;
            label_r(r, r->c_unit, b, CANVAS_ITALIC, TABLE, MUTED, sl, sw, LEAD(TABLE));
            txt_r(r, r->c_amount, b - sh + LEAD(TABLE), CANVAS_BOLD, TABLE, INK,
                  MONEY(r, v->services_cents + v->tax_cents, false));
            r->y -= sh + ROW_PAD;
        }
    }
    /* the package saving and discounts: rows of their own, each with how
     * it is shared among the visits */
    bool band_done = false;
    for (size_t li = 0; li < q->n_lines; li++) {
        const struct quote_line *l = &q->lines[li];
        if (l->visit != QUOTE_NONE)
            continue;
        const char *note = shared_text(r, l);
        if (!band_done) {
            band(r, T(r, "table.savings"), line_height(r, l, note));
            band_done = true;
        }
        table_row(r, l, note, 0);
    }
    r->table_open = false;

    /* totals: kept together, after the last row; the label column starts
     * where the longest label and amount fit */
    const struct pt_clinic *c = &q->pt->clinic;
    size_t rows = 1 + (q->discount_cents != 0) + (q->tax_cents != 0);
    const char *tax_label = NULL;
    if (q->tax_cents) {
        char pb[32];
        percent_format(c->tax_percent, r->w.money.decimal, pb, sizeof pb);
        tax_label = TX(r, "totals.tax", "label", c->tax_label ? c->tax_label : "", "percent", pb, NULL);
    }
    float lwid = wider(r, 0, CANVAS_REGULAR, BODY, T(r, "totals.services"));
    lwid = wider(r, lwid, CANVAS_REGULAR, BODY, T(r, "totals.savings"));
    if (tax_label)
        lwid = wider(r, lwid, CANVAS_REGULAR, BODY, tax_label);
    lwid = wider(r, lwid, CANVAS_BOLD, 12, T(r, "totals.total"));
    float awid = wider(r, 0, CANVAS_BOLD, 12, MONEY(r, q->total_cents, true));
    awid = wider(r, awid, CANVAS_REGULAR, BODY, MONEY(r, q->subtotal_cents, true));
    awid = wider(r, awid, CANVAS_REGULAR, BODY, MONEY(r, -q->discount_cents, true));
    float lx = r->x0 + (r->x1 - r->x0) * 0.45f;
    if (lx > r->c_amount - awid - COL_GAP - lwid - 6)
        lx = r->c_amount - awid - COL_GAP - lwid - 6;
    if (lx < r->x0)
        lx = r->x0;
    float notes_h = 0;
    for (size_t k = 0; k < sizeof NOTE_KEYS / sizeof *NOTE_KEYS; k++)
        if (note_wanted(q, k))
            notes_h += LEAD(SMALL) * (float)wrap(r, CANVAS_REGULAR, SMALL, T(r, NOTE_KEYS[k]), r->x1 - r->x0) + 2;
    float lead = LEAD(BODY) + 2;
    float h = 8 + lead * (float)rows + 24 + 14 + notes_h;
    need(r, h);
    r->y -= 8;
    canvas_hline(&r->cv, lx, r->x1, r->y, 0.8f, INK);
    r->y -= 4;
    txt(r, lx + 4, r->y - BODY - 1, CANVAS_REGULAR, BODY, INK, T(r, "totals.services"));
    txt_r(r, r->c_amount, r->y - BODY - 1, CANVAS_REGULAR, BODY, INK, MONEY(r, q->subtotal_cents, true));
    r->y -= lead;
    if (q->discount_cents) {
        txt(r, lx + 4, r->y - BODY - 1, CANVAS_REGULAR, BODY, INK, T(r, "totals.savings"));
        txt_r(r, r->c_amount, r->y - BODY - 1, CANVAS_REGULAR, BODY, INK,
              MONEY(r, -q->discount_cents, true));
        r->y -= lead;
    }
    if (tax_label) {
        txt(r, lx + 4, r->y - BODY - 1, CANVAS_REGULAR, BODY, INK, tax_label);
        txt_r(r, r->c_amount, r->y - BODY - 1, CANVAS_REGULAR, BODY, INK, MONEY(r, q->tax_cents, true));
        r->y -= lead;
    }
    r->y -= 2;
    canvas_fill_rect(&r->cv, lx, r->y - 22, r->x1 - lx, 22, ACCENT);
    txt(r, lx + 6, r->y - 15.5f, CANVAS_BOLD, 12, WHITE, T(r, "totals.total"));
    txt_r(r, r->c_amount, r->y - 15.5f, CANVAS_BOLD, 12, WHITE, MONEY(r, q->total_cents, true));
    r->y -= 24;
    txt_r(r, r->c_amount, r->y - SMALL - 2, CANVAS_ITALIC, SMALL, MUTED,
          TX(r, "totals.currency", "currency", c->currency ? c->currency : "USD", NULL));
    r->y -= 14;
    for (size_t k = 0; k < sizeof NOTE_KEYS / sizeof *NOTE_KEYS; k++)
        if (note_wanted(q, k))
            para(r, r->x0, r->x1 - r->x0, CANVAS_REGULAR, SMALL, MUTED, T(r, NOTE_KEYS[k]), 2);
}

/* ---- outside the total -------------------------------------------------------------- */

/* The lines not in the total: separate ones (the GFE's list, with the
 * ones more than 12 months away) or those that may be billable to
 * insurance, with their reasons and a sum. */
static void apart_list(struct rctx *r, bool separate, const char *head, const char *intro,
                       const char *sum_label, int64_t sum)
{
    const struct quote *q = r->q;
    size_t n = 0;
    for (size_t li = 0; li < q->n_lines; li++) {
        const struct quote_line *l = &q->lines[li];
        n += !l->in_total && !l->direct && l->separate == separate;
    }
    if (!n)
        return;
    heading(r, head, 40);
    para(r, r->x0, r->x1 - r->x0, CANVAS_REGULAR, BODY, INK, intro, 4);
    float dw_all = r->c_unit - 10 - r->c_desc;
    for (size_t li = 0; li < q->n_lines; li++) {
        const struct quote_line *l = &q->lines[li];
        if (l->in_total || l->direct || l->separate != separate)
            continue;
        const char *desc = l->description;
        const char *note = l->coverage_reason ? l->coverage_reason : "";
        if (separate) {
            const struct quote_provider *g = outside_of(q, l);
            note = when_text(r, &q->visits[l->visit]);
            if (g)
                note = fmt(r, "%s  \xC2\xB7  %s", note, TX(r, "separate.billed_by", "name", g->name, NULL));
        }
        /* the description and its note keep clear of "n × unit" on their
         * first line: narrower when they would run into it */
        const char *times = l->quantity > 1 ? fmt(r, "%d \xC3\x97 %s", l->quantity, MONEY(r, l->unit_cents, false))
                                            : NULL;
        float dw = dw_all;
        if (times) {
            float clear = r->c_unit - width(r, CANVAS_REGULAR, TABLE, times) - 10 - r->c_desc;
            wrap(r, CANVAS_REGULAR, TABLE, desc, dw);
            if (r->lines.n && canvas_width(&r->cv, CANVAS_REGULAR, TABLE, desc + r->lines.v[0].off,
                                           r->lines.v[0].len) > clear)
                dw = clear;
        }
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
        if (times)
            txt_r(r, r->c_unit, base, CANVAS_REGULAR, TABLE, MUTED, times);
        txt_r(r, r->c_amount, base, CANVAS_REGULAR, TABLE, INK, MONEY(r, l->amount_cents, false));
        if (l->beyond)
            txt(r, r->c_mark + 2, base, CANVAS_BOLD, TABLE, MUTED, line_mark(l));
        r->y -= h;
        canvas_hline(&r->cv, r->c_desc, r->x1, r->y + 1, 0.3f, RULE);
    }
    float sw = r->c_unit - r->c_desc;
    float sh = LEAD(BODY) * (float)label_lines(r, CANVAS_BOLD, BODY, sum_label, r->c_unit, sw);
    need(r, sh + 4);
    label_r(r, r->c_unit, r->y - BODY - 2, CANVAS_BOLD, BODY, INK, sum_label, sw, LEAD(BODY));
    txt_r(r, r->c_amount, r->y - BODY - 2 - sh + LEAD(BODY), CANVAS_BOLD, BODY, INK, MONEY(r, sum, true));
    r->y -= sh + 4;
    if (separate && quote_has_beyond(q))
        para(r, r->x0, r->x1 - r->x0, CANVAS_REGULAR, BODY - 0.5f, INK, T(r, "separate.beyond"), 4);
}

/* ---- by provider or facility ---------------------------------------------------------- */

/* A label and an amount on one line, both right-aligned (the label at
 * the unit column). */
static void sum_row(struct rctx *r, enum canvas_style st, const char *label, const char *amount)
{
    float lw = r->c_unit - r->c_desc;
    float lh = LEAD(TABLE) * (float)label_lines(r, st, TABLE, label, r->c_unit, lw);
    need(r, lh + ROW_PAD);
    float b = r->y - TABLE - 1;
    label_r(r, r->c_unit, b, st, TABLE, st == CANVAS_BOLD ? INK : MUTED, label, lw, LEAD(TABLE));
    if (amount)
        txt_r(r, r->c_amount, b - lh + LEAD(TABLE), st, TABLE, INK, amount);
    r->y -= lh + ROW_PAD;
}

/* The Good Faith Estimate's groups: who bills what, with its NPI, TIN and
 * address, its lines (when there is more than one group), its estimate,
 * and the amount from which a bill from it may be disputed. */
static void providers_section(struct rctx *r)
{
    const struct quote *q = r->q;
    size_t groups = quote_estimate_groups(q);
    /* the heading stays with its introduction and the first group's head */
    size_t ni0 = wrap(r, CANVAS_REGULAR, BODY, T(r, "providers.intro"), r->x1 - r->x0);
    heading(r, T(r, "providers.heading"), LEAD(BODY) * (float)ni0 + 4 + 80);
    para(r, r->x0, r->x1 - r->x0, CANVAS_REGULAR, BODY, INK, T(r, "providers.intro"), 4);
    float dw = r->c_unit - 10 - r->c_desc;
    for (size_t gi = 0; gi < q->n_providers; gi++) {
        const struct quote_provider *g = &q->providers[gi];
        if (!quote_in_estimate(q, gi))
            continue;
        const char *kind = g->kind == BILLER_CLINIC ? T(r, "providers.clinic")
                           : g->facility            ? T(r, "providers.facility")
                                                    : T(r, "providers.provider");
        const char *ids = TX(r, "providers.ids", "npi", g->npi, "tin", g->tin, NULL);
        const char *addr = joined(r, g->address, g->n_address, ", ");
        const char *who = g->kind == BILLER_OUTSIDE
                              ? T(r, g->clinic_collects ? "providers.collected" : "providers.direct")
                          : g->kind == BILLER_CLINIC && q->provider
                              ? TX(r, "providers.treating", "name", q->provider->name, NULL)
                              : NULL;
        const char *info = fmt(r, "%s  \xC2\xB7  %s%s%s", ids, addr, who ? "\n" : "", who ? who : "");
        float w = r->x1 - r->x0 - 8;
        size_t ni = wrap(r, CANVAS_REGULAR, SMALL + 0.5f, info, w);
        /* the name in a tinted band, wrapped beside the kind of biller */
        float kw = width(r, CANVAS_BOLD, SMALL + 0.5f, kind), nw = w - kw - COL_GAP;
        size_t nn = wrap(r, CANVAS_BOLD, 9.5f, g->name, nw);
        float bh = 15 + LEAD(9.5f) * (float)(nn - 1);
        need(r, 4 + bh + 1 + LEAD(SMALL + 0.5f) * (float)ni + 3 * LEAD(TABLE));
        r->y -= 4;
        canvas_fill_rect(&r->cv, r->x0, r->y - bh, r->x1 - r->x0, bh, BAND);
        wrap(r, CANVAS_BOLD, 9.5f, g->name, nw);
        draw_lines(r, g->name, r->c_code, r->y - 11, CANVAS_BOLD, 9.5f, ACCENT, LEAD(9.5f));
        txt_r(r, r->x1 - 4, r->y - 10.5f, CANVAS_BOLD, SMALL + 0.5f, ACCENT, kind);
        r->y -= bh + 1;
        wrap(r, CANVAS_REGULAR, SMALL + 0.5f, info, w);
        draw_lines(r, info, r->x0 + 4, r->y - SMALL - 1, CANVAS_REGULAR, SMALL + 0.5f, MUTED, LEAD(SMALL + 0.5f));
        r->y -= LEAD(SMALL + 0.5f) * (float)ni + 3;
        /* the sums stay with the group's last row */
        size_t nsums = 2 + (g->savings_cents || g->tax_cents) + (g->savings_cents != 0) + (g->tax_cents != 0);
        float sums_h = (LEAD(TABLE) + ROW_PAD) * (float)nsums;
        size_t left = 0;
        for (size_t li = 0; li < q->n_lines; li++)
            left += q->lines[li].provider == gi && (q->lines[li].in_total || q->lines[li].direct);
        if (groups < 2) {
            need(r, LEAD(TABLE) + sums_h);
            para(r, r->c_desc, r->x1 - r->c_desc, CANVAS_ITALIC, TABLE, INK, T(r, "providers.all_items"), 2);
        } else {
            for (size_t li = 0; li < q->n_lines; li++) {
                const struct quote_line *l = &q->lines[li];
                if (l->provider != gi || !(l->in_total || l->direct))
                    continue;
                const char *note = when_text(r, &q->visits[l->visit]);
                size_t nd = wrap(r, l->kind == LINE_ITEM ? CANVAS_REGULAR : CANVAS_ITALIC, TABLE,
                                 l->description, dw);
                float h = LEAD(TABLE) * (float)nd + LEAD(SMALL) + ROW_PAD;
                need(r, h + (--left == 0 ? sums_h : 0));
                wrap(r, l->kind == LINE_ITEM ? CANVAS_REGULAR : CANVAS_ITALIC, TABLE, l->description, dw);
                float base = r->y - TABLE - 1;
                txt(r, r->c_code, base, CANVAS_REGULAR, TABLE, INK, l->code);
                draw_lines(r, l->description, r->c_desc, base, l->kind == LINE_ITEM ? CANVAS_REGULAR : CANVAS_ITALIC,
                           TABLE, INK, LEAD(TABLE));
                txt(r, r->c_desc, base - LEAD(TABLE) * (float)nd, CANVAS_ITALIC, SMALL, MUTED, note);
                if (l->kind == LINE_ITEM && l->quantity > 1)
                    txt_r(r, r->c_unit, base, CANVAS_REGULAR, TABLE, MUTED,
                          fmt(r, "%d \xC3\x97 %s", l->quantity, MONEY(r, l->unit_cents, false)));
                txt_r(r, r->c_amount, base, CANVAS_REGULAR, TABLE, INK, MONEY(r, l->amount_cents, false));
                r->y -= h;
                canvas_hline(&r->cv, r->c_desc, r->x1, r->y + 1, 0.3f, RULE);
            }
        }
        if (g->savings_cents || g->tax_cents) {
            sum_row(r, CANVAS_ITALIC, T(r, "providers.services"), MONEY(r, g->services_cents, true));
            if (g->savings_cents)
                sum_row(r, CANVAS_ITALIC, T(r, "providers.savings"), MONEY(r, -g->savings_cents, true));
            if (g->tax_cents)
                sum_row(r, CANVAS_ITALIC, T(r, "providers.tax"), MONEY(r, g->tax_cents, true));
        }
        sum_row(r, CANVAS_BOLD, T(r, "providers.estimate"), MONEY(r, g->total_cents, true));
        sum_row(r, CANVAS_ITALIC,
                TX(r, "providers.threshold", "amount", MONEY(r, g->total_cents + 40000, true), NULL), NULL);
    }
    if (q->direct_cents) {
        r->y -= 4;
        sum_row(r, CANVAS_BOLD, T(r, "providers.all"), MONEY(r, q->total_cents + q->direct_cents, true));
    }
}

/* ---- timeline and payments --------------------------------------------------------------- */

struct sched_cols {
    float cw, cv, cd, ww, vw;
};

/* One row of the timeline: when, what (bold for the deposit), small lines
 * under it (subs, n of them), and the amount due. */
static void schedule_row(struct rctx *r, const struct sched_cols *k, const char *when, const char *what,
                         bool bold, const char *const *subs, size_t n, int64_t due)
{
    enum canvas_style st = bold ? CANVAS_BOLD : CANVAS_REGULAR;
    size_t nw = wrap(r, CANVAS_REGULAR, TABLE, when, k->ww);
    size_t nv = wrap(r, st, TABLE, what, k->vw);
    float hv = LEAD(TABLE) * (float)nv;
    for (size_t i = 0; i < n; i++)
        hv += LEAD(SMALL) * (float)wrap(r, CANVAS_ITALIC, SMALL, subs[i], k->vw);
    float hw = LEAD(TABLE) * (float)nw;
    float rh = (hv > hw ? hv : hw) + ROW_PAD;
    need(r, rh);
    float base = r->y - TABLE - 1;
    wrap(r, CANVAS_REGULAR, TABLE, when, k->ww);
    draw_lines(r, when, k->cw, base, CANVAS_REGULAR, TABLE, INK, LEAD(TABLE));
    wrap(r, st, TABLE, what, k->vw);
    draw_lines(r, what, k->cv, base, st, TABLE, INK, LEAD(TABLE));
    float y = base - LEAD(TABLE) * (float)nv;
    for (size_t i = 0; i < n; i++) {
        size_t ns = wrap(r, CANVAS_ITALIC, SMALL, subs[i], k->vw);
        draw_lines(r, subs[i], k->cv, y, CANVAS_ITALIC, SMALL, MUTED, LEAD(SMALL));
        y -= LEAD(SMALL) * (float)ns;
    }
    txt_r(r, k->cd, base, st, TABLE, due ? INK : MUTED, MONEY(r, due, true));
    r->y -= rh;
    canvas_hline(&r->cv, r->x0, r->x1, r->y + 1, 0.3f, RULE);
}

/* The deposit's (or the payment in full's) row. */
static void advance_row(struct rctx *r, const struct sched_cols *k, const struct quote_payment *pm)
{
    const struct quote *q = r->q;
    const char *when, *what;
    if (pm->kind == PAYMENT_IN_FULL) {
        what = TX(r, "schedule.in_full", "discount", q->in_full->name, NULL);
        when = pm->dated ? TX(r, "schedule.deposit_dated", "date", DATE(r, pm->date), NULL)
               : pm->visit != QUOTE_NONE
                   ? TX(r, "schedule.in_full_visit", "when", when_text(r, &q->visits[pm->visit]), NULL)
                   : TX(r, "schedule.deposit_undated", "days", fmt(r, "%d", -pm->day), NULL);
    } else {
        what = T(r, "schedule.deposit");
        when = pm->dated ? TX(r, "schedule.deposit_dated", "date", DATE(r, pm->date), NULL)
                         : TX(r, "schedule.deposit_undated", "days", fmt(r, "%d", q->deposit_days_before), NULL);
    }
    schedule_row(r, k, when, what, true, NULL, 0, pm->cents);
}

static void schedule(struct rctx *r)
{
    const struct quote *q = r->q;
    struct sched_cols k;
    float wd = wider(r, 50, CANVAS_BOLD, TABLE, T(r, "schedule.due"));
    wd = wider(r, wd, CANVAS_BOLD, TABLE, MONEY(r, q->total_cents, true));
    k.cw = r->x0 + 4;
    k.cv = r->x0 + (r->o->large_print ? (r->x1 - r->x0) * 0.3f : 168);
    k.cd = r->c_amount;
    k.ww = k.cv - k.cw - 10;
    k.vw = k.cd - wd - COL_GAP - k.cv;
    heading(r, T(r, "schedule.heading"), 60);
    if (!q->in_full)
        para(r, r->x0, r->x1 - r->x0, CANVAS_ITALIC, BODY - 0.5f, MUTED, T(r, "schedule.deposit_note"), 4);
    float h = 15;
    canvas_fill_rect(&r->cv, r->x0, r->y - h, r->x1 - r->x0, h, BAND);
    txt(r, k.cw, r->y - 10.5f, CANVAS_BOLD, TABLE, ACCENT, T(r, "schedule.when"));
    txt(r, k.cv, r->y - 10.5f, CANVAS_BOLD, TABLE, ACCENT, T(r, "schedule.visit"));
    txt_r(r, k.cd, r->y - 10.5f, CANVAS_BOLD, TABLE, ACCENT, T(r, "schedule.due"));
    r->y -= h + 2;

    const struct quote_payment *adv = quote_advance_payment(q);
    size_t at = adv ? (adv->visit != QUOTE_NONE ? adv->visit : quote_day_position(q, adv->day)) : QUOTE_NONE;
    for (size_t i = 0; i <= q->n_visits; i++) {
        if (i == at)
            advance_row(r, &k, adv);
        if (i == q->n_visits)
            break;
        const struct quote_visit *v = &q->visits[i];
        if (v->beyond)
            continue;
        const char *subs[8];
        size_t n = 0;
        if (q->in_full) {
            if (v->charges_cents)
                subs[n++] = TX(r, "schedule.prepaid", "charges", MONEY(r, v->charges_cents, true), NULL);
        } else {
            if (v->savings_cents)
                subs[n++] = TX(r, "schedule.shared", "services", MONEY(r, v->services_cents, true), "savings",
                               MONEY(r, v->savings_cents, true), NULL);
            if (v->deposit_cents)
                subs[n++] = TX(r, "schedule.credit", "charges", MONEY(r, v->charges_cents, true), "deposit",
                               MONEY(r, v->deposit_cents, true), NULL);
        }
        for (size_t gi = 0; gi < q->n_providers && n < 8; gi++) {
            int64_t direct = 0;
            for (size_t li = 0; li < q->n_lines; li++)
                if (q->lines[li].visit == i && q->lines[li].direct && q->lines[li].provider == gi)
                    direct += q->lines[li].amount_cents;
            if (direct)
                subs[n++] = TX(r, "schedule.direct", "name", q->providers[gi].name, "amount",
                               MONEY(r, direct, true), NULL);
        }
        schedule_row(r, &k, when_text(r, v), v->label, false, subs, n, v->due_cents);
    }
    need(r, LEAD(BODY) + 6);
    r->y -= 2;
    txt(r, k.cv, r->y - BODY - 2, CANVAS_BOLD, BODY, INK, T(r, "schedule.total"));
    txt_r(r, k.cd, r->y - BODY - 2, CANVAS_BOLD, BODY, INK, MONEY(r, q->total_cents, true));
    r->y -= LEAD(BODY) + 6;
}

/* Financing examples in a framed box; each column as wide as its widest
 * content, the last payment (when it differs) on a line of its own under
 * the monthly payment.  With a payment-in-full discount, the box says why
 * there are none. */
static void financing(struct rctx *r)
{
    const struct quote *q = r->q;
    float pad = 8, w = r->x1 - r->x0, lead = LEAD(TABLE);
    if (q->in_full) {
        const char *none = TX(r, "financing.none", "discount", q->in_full->name, NULL);
        const char *title = T(r, "financing.heading");
        size_t nn = wrap(r, CANVAS_ITALIC, SMALL + 0.5f, none, w - 2 * pad);
        float th = LEAD(10) * (float)(wrap(r, CANVAS_BOLD, 10, title, w - 2 * pad) - 1);
        float h = pad + 10 + th + 13 + LEAD(SMALL + 0.5f) * (float)nn + pad - 4;
        r->y -= 10;
        need(r, h);
        float top = r->y;
        canvas_stroke_rect(&r->cv, r->x0, top - h, w, h, 0.8f, MUTED);
        wrap(r, CANVAS_BOLD, 10, title, w - 2 * pad);
        draw_lines(r, title, r->x0 + pad, top - pad - 10, CANVAS_BOLD, 10, INK, LEAD(10));
        wrap(r, CANVAS_ITALIC, SMALL + 0.5f, none, w - 2 * pad);
        draw_lines(r, none, r->x0 + pad, top - pad - 23 - 1 - th, CANVAS_ITALIC, SMALL + 0.5f, MUTED,
                   LEAD(SMALL + 0.5f));
        r->y = top - h - 4;
        return;
    }
    if (!q->n_financing)
        return;
    const char *note = TX(r, "financing.note", "principal", MONEY(r, q->financing[0].principal, true), NULL);
    size_t nn = wrap(r, CANVAS_ITALIC, SMALL + 0.5f, note, w - 2 * pad);
    /* the heading wraps when wider than the box */
    const char *title = T(r, "financing.heading");
    size_t nt = wrap(r, CANVAS_BOLD, 10, title, w - 2 * pad);
    /* columns right to left: charge, total, monthly, APR, months */
    static const char *const heads[] = {"financing.months", "financing.apr", "financing.monthly",
                                        "financing.total", "financing.charge"};
    float cc[5] = {0}, cw[5];
    for (size_t i = 0; i < q->n_financing; i++) {
        const struct quote_financing *f = &q->financing[i];
        char pb[32];
        percent_format(f->apr, r->w.money.decimal, pb, sizeof pb);
        cc[0] = wider(r, cc[0], CANVAS_REGULAR, TABLE, fmt(r, "%d", f->months));
        cc[1] = wider(r, cc[1], CANVAS_REGULAR, TABLE, pb);
        cc[2] = wider(r, cc[2], CANVAS_REGULAR, TABLE, MONEY(r, f->monthly, true));
        bool last = f->last_payment != f->monthly && f->months > 1;
        if (last)
            cc[2] = wider(r, cc[2], CANVAS_ITALIC, SMALL,
                          TX(r, "financing.last", "amount", MONEY(r, f->last_payment, true), NULL));
        cc[3] = wider(r, cc[3], CANVAS_REGULAR, TABLE, MONEY(r, f->total_paid, true));
        cc[4] = wider(r, cc[4], CANVAS_REGULAR, TABLE, MONEY(r, f->finance_charge, true));
    }
    /* the plan's column needs at least its head and its longest word; when
     * the heads on one line leave it less, each head wraps at its spaces
     * over its column (as wide as its content or its longest word), and
     * when that is not enough either the gaps narrow */
    float name_min = widest_word(r, CANVAS_BOLD, TABLE, T(r, "financing.plan"));
    for (size_t i = 0; i < q->n_financing; i++)
        name_min = widest_word_max(r, name_min, CANVAS_REGULAR, TABLE, q->financing[i].name);
    bool wrap_heads = false;
    float gap = COL_GAP, right[5], name_w = 0;
    for (int pass = 0; pass < 3; pass++) {
        wrap_heads = pass > 0;
        gap = pass > 1 ? COL_GAP / 2 : COL_GAP;
        for (size_t c = 0; c < 5; c++) {
            float hw = wrap_heads ? widest_word(r, CANVAS_BOLD, TABLE, T(r, heads[c]))
                                  : width(r, CANVAS_BOLD, TABLE, T(r, heads[c]));
            cw[c] = cc[c] > hw ? cc[c] : hw;
        }
        right[4] = r->x1 - pad;
        for (int c = 3; c >= 0; c--)
            right[c] = right[c + 1] - cw[c + 1] - gap;
        name_w = right[0] - cw[0] - gap - (r->x0 + pad);
        if (name_w >= name_min)
            break;
    }
    /* the header's lines: each head within its column, the lines of all
     * of them ending on one baseline */
    size_t hl = wrap(r, CANVAS_BOLD, TABLE, T(r, "financing.plan"), name_w);
    if (wrap_heads)
        for (size_t c = 0; c < 5; c++) {
            size_t n = wrap(r, CANVAS_BOLD, TABLE, T(r, heads[c]), cw[c]);
            if (n > hl)
                hl = n;
        }
    float rows_h = 0;
    for (size_t i = 0; i < q->n_financing; i++) {
        const struct quote_financing *f = &q->financing[i];
        bool last = f->last_payment != f->monthly && f->months > 1;
        float hn = lead * (float)wrap(r, CANVAS_REGULAR, TABLE, f->name, name_w);
        float hm = lead + (last ? LEAD(SMALL) : 0);
        rows_h += hn > hm ? hn : hm;
    }
    /* heading baseline (10) + gap (13) + note + gap (4) + header + rows + descent and padding */
    float h = pad + 10 + LEAD(10) * (float)(nt - 1) + 13 + LEAD(SMALL + 0.5f) * (float)nn + 4 + TABLE +
              lead * (float)(hl - 1) + rows_h + 4 + pad;
    r->y -= 10;
    need(r, h);
    float top = r->y;
    canvas_stroke_rect(&r->cv, r->x0, top - h, w, h, 0.8f, MUTED);
    float y = top - pad - 10;
    wrap(r, CANVAS_BOLD, 10, title, w - 2 * pad);
    draw_lines(r, title, r->x0 + pad, y, CANVAS_BOLD, 10, INK, LEAD(10));
    y -= LEAD(10) * (float)(nt - 1) + 13;
    wrap(r, CANVAS_ITALIC, SMALL + 0.5f, note, w - 2 * pad);
    draw_lines(r, note, r->x0 + pad, y - 1, CANVAS_ITALIC, SMALL + 0.5f, MUTED, LEAD(SMALL + 0.5f));
    y -= LEAD(SMALL + 0.5f) * (float)nn + 4;
    y -= TABLE + lead * (float)(hl - 1);
    size_t n = wrap(r, CANVAS_BOLD, TABLE, T(r, "financing.plan"), name_w);
    draw_lines(r, T(r, "financing.plan"), r->x0 + pad, y + lead * (float)(n - 1), CANVAS_BOLD, TABLE, MUTED, lead);
    for (size_t c = 0; c < 5; c++) {
        if (!wrap_heads) {
            txt_r(r, right[c], y, CANVAS_BOLD, TABLE, MUTED, T(r, heads[c]));
            continue;
        }
        const char *hs = T(r, heads[c]);
        n = wrap(r, CANVAS_BOLD, TABLE, hs, cw[c]);
        for (size_t i = 0; i < r->lines.n; i++)
            canvas_text_right(&r->cv, NULL, right[c], y + lead * (float)(n - 1 - i), CANVAS_BOLD, TABLE, MUTED,
                              hs + r->lines.v[i].off, r->lines.v[i].len);
    }
    for (size_t i = 0; i < q->n_financing; i++) {
        const struct quote_financing *f = &q->financing[i];
        char pb[32];
        y -= lead;
        size_t nl = wrap(r, CANVAS_REGULAR, TABLE, f->name, name_w);
        draw_lines(r, f->name, r->x0 + pad, y, CANVAS_REGULAR, TABLE, INK, lead);
        float row_end = y - lead * (float)(nl - 1);
        txt_r(r, right[0], y, CANVAS_REGULAR, TABLE, INK, fmt(r, "%d", f->months));
        percent_format(f->apr, r->w.money.decimal, pb, sizeof pb);
        txt_r(r, right[1], y, CANVAS_REGULAR, TABLE, INK, pb);
        txt_r(r, right[2], y, CANVAS_REGULAR, TABLE, INK, MONEY(r, f->monthly, true));
        txt_r(r, right[3], y, CANVAS_REGULAR, TABLE, INK, MONEY(r, f->total_paid, true));
        txt_r(r, right[4], y, CANVAS_REGULAR, TABLE, INK, MONEY(r, f->finance_charge, true));
        if (f->last_payment != f->monthly && f->months > 1) {
            y -= LEAD(SMALL);
            txt_r(r, right[2], y, CANVAS_ITALIC, SMALL, MUTED,
                  TX(r, "financing.last", "amount", MONEY(r, f->last_payment, true), NULL));
        }
        if (row_end < y)
            y = row_end;
    }
    r->y = top - h - 4;
}

/* ---- Good Faith Estimate, acknowledgement ------------------------------------------------ */

static void gfe(struct rctx *r)
{
    const struct quote *q = r->q;
    const char *paras[8];
    size_t n = 0;
    paras[n++] = "gfe.estimate";
    paras[n++] = "gfe.other";
    if (quote_has_separate(q))
        paras[n++] = "gfe.other_listed";
    if (quote_has_beyond(q))
        paras[n++] = "gfe.new_estimate";
    paras[n++] = "gfe.dispute";
    paras[n++] = "gfe.learn";
    paras[n++] = "gfe.contract";
    paras[n++] = "gfe.copy";
    heading(r, T(r, "gfe.heading"), 3 * LEAD(BODY));
    for (size_t i = 0; i < n; i++) {
        /* a short bar marks each statement */
        need(r, LEAD(BODY));
        canvas_fill_rect(&r->cv, r->x0, r->y - BODY + 1, 2.5f, BODY - 1, ACCENT);
        para(r, r->x0 + 10, r->x1 - r->x0 - 10, CANVAS_REGULAR, BODY - 0.5f, INK, T(r, paras[i]), 3);
    }
}

static void acknowledgement(struct rctx *r)
{
    const struct plan *p = r->q->plan;
    const char *text = TX(r, "ack.text", "total", MONEY(r, r->q->total_cents, true), NULL);
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

/* Language assistance: the clinic's taglines, each in its own language,
 * on a page of their own (only when clinic.json lists them). */
static void language_help(struct rctx *r)
{
    const struct pt_clinic *c = &r->q->pt->clinic;
    if (!c->n_taglines)
        return;
    new_page(r);
    heading(r, T(r, "help.heading"), 3 * LEAD(BODY));
    for (size_t i = 0; i < c->n_taglines; i++)
        para(r, r->x0, r->x1 - r->x0, CANVAS_REGULAR, BODY, INK, c->taglines[i].text, 6);
}

static void footers(struct rctx *r)
{
    const struct price_table *pt = r->q->pt;
    char digest[13];
    snprintf(digest, sizeof digest, "%.12s", pt->sha256);
    const char *trace = TX(r, "doc.trace", "version", price_table_prices_version(pt), "effective",
                           DATE(r, pt->change_in_force ? pt->change_in_force->effective_date
                                                            : pt->effective_date),
                           "digest", digest, NULL);
    const char *id = r->o->quote_number ? TX(r, "doc.footer_number", "number", r->o->quote_number, NULL)
                                        : T(r, "doc.footer_draft");
    const char *pages = fmt(r, "%zu", r->cv.n_pages);
    for (size_t i = 0; i < r->cv.n_pages; i++) {
        HPDF_Page pg = r->cv.pages[i];
        float y = r->bottom - 26;
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
    for (size_t i = 0; i < c->n_taglines; i++)
        checkf(r, c->taglines[i].text, "language_assistance", i, ".text");
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
    for (size_t i = 0; i < q->n_providers; i++) {
        const struct quote_provider *g = &q->providers[i];
        checkf(r, g->name, "providers", i, ".name");
        checkf(r, g->npi, "providers", i, ".npi");
        checkf(r, g->tin, "providers", i, ".tin");
        for (size_t k = 0; k < g->n_address; k++) {
            char path[64];
            snprintf(path, sizeof path, "providers[%zu].address[%zu]", i, k);
            check(r, path, g->address[k]);
        }
    }
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

/* Attach the quote (the JSON the register keeps) and its FHIR packet; the
 * quote's description names the number, the page count and the digest,
 * which `regenquote verify` checks (src/core/pdf_verify.h). */
static int attach(struct rctx *r)
{
    char hex[65];
    sha256_hex(r->quote_json, strlen(r->quote_json), hex);
    const char *desc = fmt(r, "regenquote quote %s; pages %zu; sha256 %s", r->o->quote_number, r->cv.n_pages, hex);
    if (canvas_attach(&r->cv, "quote.json", "application/json", desc, r->quote_json, strlen(r->quote_json)) != 0)
        return -1;
    struct fhir_opts fo = { .quote_number = r->o->quote_number, .supersedes = r->o->supersedes };
    char *fhir = fhir_gfe_packet(r->quote_json, &fo, r->dl);
    if (!fhir)
        return -1;
    int rc = canvas_attach(&r->cv, "gfe-packet.fhir.json", "application/fhir+json",
                           "HL7 FHIR Good Faith Estimate packet", fhir, strlen(fhir));
    free(fhir);
    return rc;
}

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
    r.lang = lang;
    /* large print: a page LARGE_PRINT_SCALE times smaller is laid out and
     * printed that much larger; the margins stay as they are on paper */
    float k = o->large_print ? LARGE_PRINT_SCALE : 1.0f;
    if (o->large_print) {     /* landscape, so the table keeps its columns */
        float t = w;
        w = h;
        h = t;
    }
    w /= k;
    h /= k;

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
    if (template_words_init(&r.w, r.t, dl) != 0)
        goto out;
    if (canvas_open(&r.cv, w, h, font, dl) != 0)
        goto out;
    if (o->uncompressed)
        canvas_compress(&r.cv, false);
    if (o->large_print)
        canvas_set_scale(&r.cv, k);
    preflight(&r);
    if (r.failed || r.w.failed)
        goto out;

    r.x0 = MARGIN_X / k;
    r.x1 = w - MARGIN_X / k;
    r.top = h - MARGIN_TOP / k;
    r.bottom = o->large_print ? 38.0f : MARGIN_BOTTOM;
    if (o->quote_number) {
        char hex[65];
        r.quote_json = quote_json_text(q);
        if (!r.quote_json) {
            diag_error(dl, NULL, NULL, "out of memory");
            goto out;
        }
        sha256_hex(r.quote_json, strlen(r.quote_json), hex);
        r.qr_text = (char *)fmt(&r, "RQ1 %s sha256:%s", o->quote_number, hex);
    }
    canvas_info(&r.cv, HPDF_INFO_TITLE, T(&r, "doc.title"));
    canvas_info(&r.cv, HPDF_INFO_AUTHOR, q->pt->clinic.name);
    canvas_info(&r.cv, HPDF_INFO_CREATOR, "regenquote");
    new_page(&r);
    letterhead(&r);
    title_block(&r);
    who_and_when(&r);
    state_notice_box(&r);
    insurance_box(&r);
    plan_block(&r);
    table_columns(&r);
    items_table(&r);
    apart_list(&r, false, T(&r, "billable.heading"), T(&r, "billable.intro"), T(&r, "billable.sum"),
               q->billable_cents);
    apart_list(&r, true, T(&r, "separate.heading"), T(&r, "separate.intro"), T(&r, "separate.sum"),
               q->separate_cents);
    providers_section(&r);
    schedule(&r);
    financing(&r);
    gfe(&r);
    acknowledgement(&r);
    language_help(&r);
    footers(&r);
    if (r.failed || r.w.failed || dl->errors > errors)
        goto out;
    if (r.quote_json && attach(&r) != 0)
        goto out;
    rc = canvas_finish(&r.cv, buf, len, dl);
out:
    if (rc != 0 && dl->errors == errors)
        diag_error(dl, NULL, NULL, "cannot lay out the PDF quote");
    canvas_lines_free(&r.lines);
    canvas_free(&r.cv);
    free(r.quote_json);
    template_words_free(&r.w);
    template_free(&r.own_t);
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
