/* render_html — the estimate as one accessible HTML page (render_html.h).
 *
 * The sections follow the PDF's (docs/pdf.md, "Layout"), made from the
 * quote JSON: letterhead, title and number, patient and dates, insurance
 * notice, plan, itemised estimate, what is listed apart from the total,
 * the estimate by provider or facility, timeline and payments, financing
 * examples, the Good Faith Estimate's statements, acknowledgement. */
#include "render_html.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "date.h"
#include "qjson.h"
#include "template.h"

/* ---- an output buffer ---------------------------------------------------------- */

struct hbuf {
    char *s;
    size_t n, cap;
    bool oom;
};

static void put_n(struct hbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 16384;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void put(struct hbuf *b, const char *s)
{
    put_n(b, s, strlen(s));
}

/* Text, escaped for HTML content and attribute values; "\n" in a template
 * value becomes a line break. */
static void esc(struct hbuf *b, const char *s)
{
    if (!s)
        return;
    for (const char *p = s; *p; p++) {
        switch (*p) {
        case '&': put(b, "&amp;"); break;
        case '<': put(b, "&lt;"); break;
        case '>': put(b, "&gt;"); break;
        case '"': put(b, "&quot;"); break;
        case '\'': put(b, "&#39;"); break;
        case '\n': put(b, "<br>"); break;
        default: put_n(b, p, 1);
        }
    }
}

static void putf(struct hbuf *b, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct hbuf *b, const char *f, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(tmp, sizeof tmp, f, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        b->oom = true;
        return;
    }
    put_n(b, tmp, (size_t)n);
}

/* ---- the context ------------------------------------------------------------------ */

struct hctx {
    const cJSON *q;
    const struct html_opts *o;
    struct template t;
    struct template_words w;
    struct hbuf b;
    const char *lang;
};

#define T(h, key) template_words_get(&(h)->w, key)
#define TX(h, ...) template_words_expand(&(h)->w, __VA_ARGS__)
#define MONEY(h, cents, symbol) template_words_money(&(h)->w, cents, symbol)

/* Text made for the document, kept with its words. */
#define fmt(h, ...) template_words_printf(&(h)->w, __VA_ARGS__)

/* ---- reading the quote JSON ----------------------------------------------------------- */








/* A date "YYYY-MM-DD" in the document's words, or NULL. */
static const char *date_words(struct hctx *h, const char *iso)
{
    rq_date d;
    if (!iso || !date_parse(iso, &d))
        return NULL;
    return template_words_date(&h->w, d);
}

/* The strings of array key, joined with sep. */
static const char *joined(struct hctx *h, const cJSON *o, const char *key, const char *field,
                          const char *sep)
{
    const char *s = "";
    for (int i = 0; i < qj_size(o, key); i++) {
        const cJSON *v = qj_at(o, key, i);
        const char *one = field ? qj_str(v, field) : (cJSON_IsString(v) ? v->valuestring : NULL);
        if (one)
            s = *s ? fmt(h, "%s%s%s", s, sep, one) : one;
    }
    return s;
}

/* When a visit happens, as the PDF says it. */
static const char *when_text(struct hctx *h, const cJSON *v)
{
    const char *from = date_words(h, qj_str(v, "date_from")), *to = date_words(h, qj_str(v, "date_to"));
    if (from && to) {
        if (strcmp(qj_str(v, "date_from"), qj_str(v, "date_to")) == 0)
            return from;
        return TX(h, "date.range", "from", from, "to", to, NULL);
    }
    int wf = (int)qj_int(v, "week_from"), wt = (int)qj_int(v, "week_to");
    if (wf == 0 && wt == 0)
        return T(h, "when.day0");
    if (wf == wt && wf < 0)
        return wf == -1 ? T(h, "when.before_one") : TX(h, "when.before", "weeks", fmt(h, "%d", -wf), NULL);
    if (wf == wt)
        return TX(h, "when.week", "week", fmt(h, "%d", wf), NULL);
    return TX(h, "when.weeks", "from", fmt(h, "%d", wf), "to", fmt(h, "%d", wt), NULL);
}

static const char *phase_title(struct hctx *h, const char *phase)
{
    static const char *const ids[] = {"before", "procedure", "after", "repeat", "follow-up"};
    static const char *const keys[] = {"phase.before", "phase.procedure", "phase.after", "phase.repeat",
                                       "phase.follow_up"};
    for (size_t i = 0; phase && i < sizeof ids / sizeof *ids; i++)
        if (strcmp(phase, ids[i]) == 0)
            return T(h, keys[i]);
    return "";
}

static const char *line_mark(const cJSON *l)
{
    if (qj_bool(l, "in_total"))
        return "";
    if (qj_bool(l, "beyond_12_months"))
        return "\xE2\x80\xA0";
    if (qj_bool(l, "separate"))
        return "\xC2\xA7";
    if (qj_bool(l, "direct"))
        return "\xE2\x80\xA1";
    return "*";
}

/* ---- pieces of markup ---------------------------------------------------------------- */

static void heading(struct hctx *h, int level, const char *id, const char *text)
{
    putf(&h->b, "<h%d id=\"%s\">", level, id);
    esc(&h->b, text);
    putf(&h->b, "</h%d>\n", level);
}

static void para(struct hctx *h, const char *cls, const char *text)
{
    if (cls)
        putf(&h->b, "<p class=\"%s\">", cls);
    else
        put(&h->b, "<p>");
    esc(&h->b, text);
    put(&h->b, "</p>\n");
}

/* A term and its description in a <dl>. */
static void kv(struct hctx *h, const char *label, const char *value)
{
    put(&h->b, "<div><dt>");
    esc(&h->b, label);
    put(&h->b, "</dt><dd>");
    esc(&h->b, value);
    put(&h->b, "</dd></div>\n");
}

/* A table cell: th (a row header) or td, with a class. */
static void cell(struct hctx *h, bool th, const char *cls, const char *text)
{
    put(&h->b, th ? "<th scope=\"row\"" : "<td");
    if (cls)
        putf(&h->b, " class=\"%s\"", cls);
    put(&h->b, ">");
    esc(&h->b, text);
    put(&h->b, th ? "</th>" : "</td>");
}

static void col_heads(struct hctx *h, const char *const *keys, const char *const *cls, size_t n)
{
    put(&h->b, "<thead><tr>");
    for (size_t i = 0; i < n; i++) {
        put(&h->b, "<th scope=\"col\"");
        if (cls[i])
            putf(&h->b, " class=\"%s\"", cls[i]);
        put(&h->b, ">");
        esc(&h->b, T(h, keys[i]));
        put(&h->b, "</th>");
    }
    put(&h->b, "</tr></thead>\n");
}

/* ---- the sections ---------------------------------------------------------------------- */

static void letterhead(struct hctx *h)
{
    const cJSON *c = qj_get(h->q, "clinic");
    put(&h->b, "<header class=\"letterhead\">\n<p class=\"clinic\">");
    esc(&h->b, qj_str(c, "name"));
    put(&h->b, "</p>\n<p>");
    esc(&h->b, joined(h, c, "address", NULL, ", "));
    put(&h->b, "</p>\n<p class=\"muted\">");
    const char *contact = "";
    if (qj_str(c, "phone"))
        contact = TX(h, "clinic.phone", "phone", qj_str(c, "phone"), NULL);
    if (qj_str(c, "email"))
        contact = *contact ? fmt(h, "%s \xC2\xB7 %s", contact, qj_str(c, "email")) : qj_str(c, "email");
    if (qj_str(c, "website"))
        contact = *contact ? fmt(h, "%s \xC2\xB7 %s", contact, qj_str(c, "website")) : qj_str(c, "website");
    esc(&h->b, contact);
    put(&h->b, "</p>\n<p class=\"muted\">");
    if (qj_str(c, "tin"))
        esc(&h->b, TX(h, "clinic.tin", "tin", qj_str(c, "tin"), NULL));
    if (qj_str(c, "npi")) {
        put(&h->b, " \xC2\xB7 ");
        esc(&h->b, TX(h, "clinic.npi", "npi", qj_str(c, "npi"), NULL));
    }
    put(&h->b, "</p>\n</header>\n");
}

static void title_block(struct hctx *h)
{
    put(&h->b, "<div class=\"title\">\n");
    heading(h, 1, "title", T(h, "doc.title"));
    if (h->o->quote_number) {
        put(&h->b, "<p class=\"number\">");
        esc(&h->b, T(h, "doc.number_label"));
        put(&h->b, " <strong>");
        esc(&h->b, h->o->quote_number);
        put(&h->b, "</strong></p>\n");
    } else {
        put(&h->b, "<p class=\"draft\"><strong>");
        esc(&h->b, T(h, "doc.draft"));
        put(&h->b, "</strong> ");
        esc(&h->b, T(h, "doc.draft_note"));
        put(&h->b, "</p>\n");
    }
    if (h->o->supersedes)
        para(h, "supersedes", TX(h, "doc.supersedes", "number", h->o->supersedes, NULL));
    put(&h->b, "</div>\n");
}

static void who_and_when(struct hctx *h)
{
    const cJSON *p = qj_get(h->q, "patient"), *c = qj_get(h->q, "clinic");
    put(&h->b, "<div class=\"two\">\n<section aria-labelledby=\"patient\">\n");
    heading(h, 2, "patient", T(h, "patient.heading"));
    put(&h->b, "<dl>\n");
    kv(h, T(h, "patient.name"), qj_str(p, "name") ? qj_str(p, "name") : T(h, "patient.blank"));
    const char *dob = date_words(h, qj_str(p, "date_of_birth"));
    kv(h, T(h, "patient.dob"), dob ? dob : T(h, "patient.blank"));
    if (qj_str(p, "id"))
        kv(h, T(h, "patient.id"), qj_str(p, "id"));
    put(&h->b, "</dl>\n</section>\n<section aria-labelledby=\"dates\">\n");
    heading(h, 2, "dates", T(h, "dates.heading"));
    put(&h->b, "<dl>\n");
    kv(h, T(h, "dates.issued"), date_words(h, qj_str(h->q, "issued")));
    kv(h, T(h, "dates.valid"), date_words(h, qj_str(h->q, "valid_until")));
    const char *sched = date_words(h, qj_str(h->q, "scheduled_date"));
    kv(h, T(h, "dates.scheduled"), sched ? sched : T(h, "dates.not_scheduled"));
    put(&h->b, "</dl>\n</section>\n</div>\n<dl class=\"wide\">\n");
    const cJSON *pv = qj_get(c, "provider"), *loc = qj_get(c, "location");
    if (pv)
        kv(h, T(h, "provider.heading"),
           TX(h, "provider.line", "name", qj_str(pv, "name"), "specialty",
              qj_str(pv, "specialty") ? qj_str(pv, "specialty") : "", "npi", qj_str(pv, "npi"), NULL));
    if (loc) {
        const char *addr = joined(h, loc, "address", NULL, ", ");
        kv(h, T(h, "location.heading"), *addr ? fmt(h, "%s, %s", qj_str(loc, "name"), addr) : qj_str(loc, "name"));
    }
    put(&h->b, "</dl>\n");
}

static void insurance_box(struct hctx *h)
{
    put(&h->b, "<section class=\"alert\" aria-labelledby=\"insurance\">\n");
    heading(h, 2, "insurance", T(h, "insurance.title"));
    para(h, NULL, T(h, "insurance.body"));
    put(&h->b, "</section>\n");
}

static void plan_block(struct hctx *h)
{
    const cJSON *pl = qj_get(h->q, "plan");
    put(&h->b, "<section aria-labelledby=\"plan\">\n");
    heading(h, 2, "plan", T(h, "plan.heading"));
    put(&h->b, "<dl class=\"wide\">\n");
    kv(h, T(h, "plan.condition"), qj_str(pl, "condition") ? qj_str(pl, "condition") : T(h, "plan.not_given"));
    if (qj_size(pl, "icd10"))
        kv(h, T(h, "plan.icd10"), joined(h, pl, "icd10", NULL, ", "));
    kv(h, T(h, "plan.areas"), joined(h, pl, "areas", "name", ", "));
    kv(h, T(h, "plan.source"), qj_str(qj_get(pl, "cell_source"), "name"));
    kv(h, T(h, "plan.method"), qj_str(qj_get(pl, "processing_method"), "name"));
    if (qj_get(pl, "guidance"))
        kv(h, T(h, "plan.guidance"), qj_str(qj_get(pl, "guidance"), "name"));
    int sessions = (int)qj_int(pl, "sessions");
    const char *sess = T(h, "plan.sessions_one");
    if (sessions > 1) {
        const char *rc = qj_str(pl, "repeat_cells");
        const char *how = rc && strcmp(rc, "donated") == 0  ? T(h, "plan.repeat_donated")
                          : rc && strcmp(rc, "banked") == 0 ? T(h, "plan.repeat_banked")
                                                            : T(h, "plan.repeat_new");
        sess = fmt(h, "%s; %s",
                   TX(h, "plan.sessions_many", "count", fmt(h, "%d", sessions), "weeks",
                      fmt(h, "%d", (int)qj_int(pl, "session_spacing_weeks")), NULL),
                   how);
    }
    kv(h, T(h, "plan.sessions"), sess);
    const char *adj = T(h, "plan.none");
    for (int i = 0; i < qj_size(pl, "adjuncts"); i++) {
        const cJSON *a = qj_at(pl, "adjuncts", i);
        const char *one = TX(h, "plan.adjunct", "name", qj_str(a, "name"), "count",
                             fmt(h, "%d", (int)qj_int(a, "count")), NULL);
        adj = i ? fmt(h, "%s; %s", adj, one) : one;
    }
    kv(h, T(h, "plan.adjuncts"), adj);
    const cJSON *pk = qj_get(pl, "package");
    if (cJSON_IsObject(pk))
        kv(h, T(h, "plan.package"),
           TX(h, "plan.package_line", "name", qj_str(pk, "name"), "description",
              qj_str(pk, "description") ? qj_str(pk, "description") : "", "saving",
              MONEY(h, qj_int(pk, "saving_cents"), true), NULL));
    put(&h->b, "</dl>\n</section>\n");
}

/* How a package saving or discount is shared among the visits. */
static const char *shared_text(struct hctx *h, const cJSON *l)
{
    if (!qj_size(l, "shares"))
        return NULL;
    const char *list = "";
    for (int v = 0; v < qj_size(h->q, "visits"); v++) {
        int64_t part = 0;
        for (int k = 0; k < qj_size(l, "shares"); k++) {
            const cJSON *s = qj_at(l, "shares", k);
            if (qj_int(s, "visit") == v)
                part += qj_int(s, "amount_cents");
        }
        if (part)
            list = fmt(h, "%s%s%s %s", list, *list ? "; " : "", qj_str(qj_at(h->q, "visits", v), "label"),
                       MONEY(h, part, true));
    }
    return TX(h, "table.shared", "shares", list, NULL);
}

/* One row of the itemised table: the description is the row's header. */
static void item_row(struct hctx *h, const cJSON *l, const char *note)
{
    bool item = strcmp(qj_str(l, "kind") ? qj_str(l, "kind") : "", "item") == 0;
    putf(&h->b, "<tr%s>", qj_bool(l, "in_total") ? "" : " class=\"apart\"");
    cell(h, false, "code", item ? qj_str(l, "code") : "");
    put(&h->b, item ? "<th scope=\"row\">" : "<th scope=\"row\" class=\"adj\">");
    esc(&h->b, qj_str(l, "description"));
    if (*line_mark(l)) {
        put(&h->b, " <span class=\"mark\">");
        esc(&h->b, line_mark(l));
        put(&h->b, "</span>");
    }
    if (note) {
        put(&h->b, "<span class=\"note\">");
        esc(&h->b, note);
        put(&h->b, "</span>");
    }
    put(&h->b, "</th>");
    cell(h, false, "num", item ? fmt(h, "%d", (int)qj_int(l, "quantity")) : "");
    cell(h, false, "num", item ? MONEY(h, qj_int(l, "unit_cents"), false) : "");
    cell(h, false, "num", MONEY(h, qj_int(l, "amount_cents"), false));
    put(&h->b, "</tr>\n");
}

static bool note_wanted(const cJSON *q, int k)
{
    for (int i = 0; i < qj_size(q, "lines"); i++) {
        const cJSON *l = qj_at(q, "lines", i);
        if (qj_bool(l, "in_total"))
            continue;
        bool sep = qj_bool(l, "separate"), dir = qj_bool(l, "direct"), bey = qj_bool(l, "beyond_12_months");
        bool hit = k == 0 ? !sep && !dir : k == 1 ? sep && !bey : k == 2 ? bey : dir;
        if (hit)
            return true;
    }
    return false;
}

static const char *const ITEM_KEYS[] = {"table.code", "table.description", "table.qty", "table.unit",
                                        "table.amount"};
static const char *const ITEM_CLS[] = {"code", NULL, "num", "num", "num"};

static void items_table(struct hctx *h)
{
    const cJSON *q = h->q;
    put(&h->b, "<section aria-labelledby=\"items\">\n");
    heading(h, 2, "items", T(h, "table.heading"));
    put(&h->b, "<table class=\"items\" aria-labelledby=\"items\">\n");
    col_heads(h, ITEM_KEYS, ITEM_CLS, 5);
    const char *last_phase = NULL;
    for (int vi = 0; vi < qj_size(q, "visits"); vi++) {
        const cJSON *v = qj_at(q, "visits", vi);
        int count = 0;
        for (int li = 0; li < qj_size(q, "lines"); li++)
            count += !qj_null(qj_at(q, "lines", li), "visit") && qj_int(qj_at(q, "lines", li), "visit") == vi;
        if (!count)
            continue;
        put(&h->b, "<tbody>\n");
        const char *phase = qj_str(v, "phase");
        if (!last_phase || (phase && strcmp(phase, last_phase) != 0)) {
            put(&h->b, "<tr class=\"band\"><th scope=\"colgroup\" colspan=\"5\">");
            esc(&h->b, phase_title(h, phase));
            put(&h->b, "</th></tr>\n");
            last_phase = phase;
        }
        put(&h->b, "<tr class=\"visit\"><td></td><th scope=\"colgroup\" colspan=\"4\">");
        esc(&h->b, qj_str(v, "label"));
        put(&h->b, " <span class=\"when\">");
        esc(&h->b, when_text(h, v));
        put(&h->b, "</span></th></tr>\n");
        for (int li = 0; li < qj_size(q, "lines"); li++) {
            const cJSON *l = qj_at(q, "lines", li);
            if (!qj_null(l, "visit") && qj_int(l, "visit") == vi)
                item_row(h, l, NULL);
        }
        if (count > 1) {
            put(&h->b, "<tr class=\"subtotal\"><td></td><th scope=\"row\" colspan=\"3\">");
            esc(&h->b, T(h, "table.visit_subtotal"));
            put(&h->b, "</th>");
            cell(h, false, "num", MONEY(h, qj_int(v, "services_cents") + qj_int(v, "tax_cents"), false));
            put(&h->b, "</tr>\n");
        }
        put(&h->b, "</tbody>\n");
    }
    bool band_done = false;
    for (int li = 0; li < qj_size(q, "lines"); li++) {
        const cJSON *l = qj_at(q, "lines", li);
        if (!qj_null(l, "visit"))
            continue;
        if (!band_done) {
            put(&h->b, "<tbody>\n<tr class=\"band\"><th scope=\"colgroup\" colspan=\"5\">");
            esc(&h->b, T(h, "table.savings"));
            put(&h->b, "</th></tr>\n");
            band_done = true;
        }
        item_row(h, l, shared_text(h, l));
    }
    if (band_done)
        put(&h->b, "</tbody>\n");
    /* the totals */
    put(&h->b, "<tfoot>\n<tr><th scope=\"row\" colspan=\"4\">");
    esc(&h->b, T(h, "totals.services"));
    put(&h->b, "</th>");
    cell(h, false, "num", MONEY(h, qj_int(q, "subtotal_cents"), true));
    put(&h->b, "</tr>\n");
    if (qj_int(q, "discount_cents")) {
        put(&h->b, "<tr><th scope=\"row\" colspan=\"4\">");
        esc(&h->b, T(h, "totals.savings"));
        put(&h->b, "</th>");
        cell(h, false, "num", MONEY(h, -qj_int(q, "discount_cents"), true));
        put(&h->b, "</tr>\n");
    }
    if (qj_int(q, "tax_cents")) {
        const cJSON *tx = qj_get(qj_get(q, "clinic"), "tax");
        char pct[32] = "";
        if (qj_str(tx, "percent")) {
            /* the percent in the document's decimal mark */
            snprintf(pct, sizeof pct, "%s", qj_str(tx, "percent"));
            for (char *p = pct; *p; p++)
                if (*p == '.')
                    *p = h->w.money.decimal;
        }
        put(&h->b, "<tr><th scope=\"row\" colspan=\"4\">");
        esc(&h->b, TX(h, "totals.tax", "label", qj_str(tx, "label") ? qj_str(tx, "label") : "", "percent", pct,
                      NULL));
        put(&h->b, "</th>");
        cell(h, false, "num", MONEY(h, qj_int(q, "tax_cents"), true));
        put(&h->b, "</tr>\n");
    }
    put(&h->b, "<tr class=\"total\"><th scope=\"row\" colspan=\"4\">");
    esc(&h->b, T(h, "totals.total"));
    put(&h->b, "</th>");
    cell(h, false, "num", MONEY(h, qj_int(q, "total_cents"), true));
    put(&h->b, "</tr>\n</tfoot>\n</table>\n");
    para(h, "small", TX(h, "totals.currency", "currency", qj_str(q, "currency") ? qj_str(q, "currency") : "USD",
                        NULL));
    static const char *const notes[] = {"table.note_billable", "table.note_separate", "table.note_beyond",
                                        "table.note_direct"};
    for (int k = 0; k < 4; k++)
        if (note_wanted(q, k))
            para(h, "small", T(h, notes[k]));
    put(&h->b, "</section>\n");
}

/* Who bills an outside line, or NULL. */
static const cJSON *outside_of(const cJSON *q, const cJSON *l)
{
    if (qj_null(l, "provider"))
        return NULL;
    const cJSON *g = qj_at(q, "providers", (int)qj_int(l, "provider"));
    return qj_str(g, "kind") && strcmp(qj_str(g, "kind"), "outside") == 0 ? g : NULL;
}

/* The lines apart from the total: separately scheduled ones, or those
 * that may be billable to insurance. */
static void apart_list(struct hctx *h, bool separate, const char *id, const char *head, const char *intro,
                       const char *sum_label, int64_t sum)
{
    const cJSON *q = h->q;
    int n = 0;
    for (int li = 0; li < qj_size(q, "lines"); li++) {
        const cJSON *l = qj_at(q, "lines", li);
        n += !qj_bool(l, "in_total") && !qj_bool(l, "direct") && qj_bool(l, "separate") == separate;
    }
    if (!n)
        return;
    putf(&h->b, "<section aria-labelledby=\"%s\">\n", id);
    heading(h, 2, id, head);
    para(h, NULL, intro);
    putf(&h->b, "<table aria-labelledby=\"%s\">\n", id);
    col_heads(h, ITEM_KEYS, ITEM_CLS, 5);
    put(&h->b, "<tbody>\n");
    for (int li = 0; li < qj_size(q, "lines"); li++) {
        const cJSON *l = qj_at(q, "lines", li);
        if (qj_bool(l, "in_total") || qj_bool(l, "direct") || qj_bool(l, "separate") != separate)
            continue;
        const char *note = qj_str(l, "coverage_reason");
        if (separate) {
            const cJSON *g = outside_of(q, l);
            note = when_text(h, qj_at(q, "visits", (int)qj_int(l, "visit")));
            if (g)
                note = fmt(h, "%s \xC2\xB7 %s", note, TX(h, "separate.billed_by", "name", qj_str(g, "name"), NULL));
        }
        put(&h->b, "<tr>");
        cell(h, false, "code", qj_str(l, "code"));
        put(&h->b, "<th scope=\"row\">");
        esc(&h->b, qj_str(l, "description"));
        if (qj_bool(l, "beyond_12_months"))
            put(&h->b, " <span class=\"mark\">\xE2\x80\xA0</span>");
        if (note && *note) {
            put(&h->b, "<span class=\"note\">");
            esc(&h->b, note);
            put(&h->b, "</span>");
        }
        put(&h->b, "</th>");
        cell(h, false, "num", fmt(h, "%d", (int)qj_int(l, "quantity")));
        cell(h, false, "num", MONEY(h, qj_int(l, "unit_cents"), false));
        cell(h, false, "num", MONEY(h, qj_int(l, "amount_cents"), false));
        put(&h->b, "</tr>\n");
    }
    put(&h->b, "</tbody>\n<tfoot><tr class=\"sum\"><th scope=\"row\" colspan=\"4\">");
    esc(&h->b, sum_label);
    put(&h->b, "</th>");
    cell(h, false, "num", MONEY(h, sum, true));
    put(&h->b, "</tr></tfoot>\n</table>\n");
    if (separate) {
        bool beyond = false;
        for (int li = 0; li < qj_size(q, "lines"); li++)
            beyond |= qj_bool(qj_at(q, "lines", li), "beyond_12_months");
        if (beyond)
            para(h, NULL, T(h, "separate.beyond"));
    }
    put(&h->b, "</section>\n");
}

static bool in_estimate(const cJSON *q, int gi)
{
    for (int li = 0; li < qj_size(q, "lines"); li++) {
        const cJSON *l = qj_at(q, "lines", li);
        if (!qj_null(l, "provider") && qj_int(l, "provider") == gi && (qj_bool(l, "in_total") || qj_bool(l, "direct")))
            return true;
    }
    return false;
}

static void sum_tr(struct hctx *h, const char *cls, const char *label, const char *amount)
{
    putf(&h->b, "<tr class=\"%s\"><th scope=\"row\" colspan=\"3\">", cls);
    esc(&h->b, label);
    put(&h->b, "</th>");
    cell(h, false, "num", amount ? amount : "");
    put(&h->b, "</tr>\n");
}

static void providers_section(struct hctx *h)
{
    const cJSON *q = h->q;
    int groups = 0;
    for (int gi = 0; gi < qj_size(q, "providers"); gi++)
        groups += in_estimate(q, gi);
    put(&h->b, "<section aria-labelledby=\"providers\">\n");
    heading(h, 2, "providers", T(h, "providers.heading"));
    para(h, NULL, T(h, "providers.intro"));
    const cJSON *pv = qj_get(qj_get(q, "clinic"), "provider");
    for (int gi = 0; gi < qj_size(q, "providers"); gi++) {
        const cJSON *g = qj_at(q, "providers", gi);
        if (!in_estimate(q, gi))
            continue;
        const char *kind_id = qj_str(g, "kind") ? qj_str(g, "kind") : "";
        const char *kind = strcmp(kind_id, "clinic") == 0 ? T(h, "providers.clinic")
                           : qj_bool(g, "facility")         ? T(h, "providers.facility")
                                                          : T(h, "providers.provider");
        const char *gid = fmt(h, "provider-%d", gi);
        putf(&h->b, "<section class=\"group\" aria-labelledby=\"%s\">\n<h3 id=\"%s\">", gid, gid);
        esc(&h->b, qj_str(g, "name"));
        put(&h->b, " <span class=\"kind\">(");
        esc(&h->b, kind);
        put(&h->b, ")</span></h3>\n<p class=\"muted\">");
        esc(&h->b, TX(h, "providers.ids", "npi", qj_str(g, "npi"), "tin", qj_str(g, "tin"), NULL));
        put(&h->b, " \xC2\xB7 ");
        esc(&h->b, joined(h, g, "address", NULL, ", "));
        const char *who = strcmp(kind_id, "outside") == 0
                              ? T(h, qj_bool(g, "clinic_collects") ? "providers.collected" : "providers.direct")
                          : strcmp(kind_id, "clinic") == 0 && pv
                              ? TX(h, "providers.treating", "name", qj_str(pv, "name"), NULL)
                              : NULL;
        if (who) {
            put(&h->b, "<br>");
            esc(&h->b, who);
        }
        put(&h->b, "</p>\n");
        if (groups < 2)
            para(h, "small", T(h, "providers.all_items"));
        putf(&h->b, "<table aria-labelledby=\"%s\">\n", gid);
        static const char *const keys[] = {"table.code", "table.description", "table.unit", "table.amount"};
        static const char *const cls[] = {"code", NULL, "num", "num"};
        col_heads(h, keys, cls, 4);
        put(&h->b, "<tbody>\n");
        for (int li = 0; groups >= 2 && li < qj_size(q, "lines"); li++) {
            const cJSON *l = qj_at(q, "lines", li);
            if (qj_null(l, "provider") || qj_int(l, "provider") != gi || !(qj_bool(l, "in_total") || qj_bool(l, "direct")))
                continue;
            bool item = strcmp(qj_str(l, "kind") ? qj_str(l, "kind") : "", "item") == 0;
            put(&h->b, "<tr>");
            cell(h, false, "code", qj_str(l, "code"));
            put(&h->b, "<th scope=\"row\">");
            esc(&h->b, qj_str(l, "description"));
            put(&h->b, "<span class=\"note\">");
            esc(&h->b, when_text(h, qj_at(q, "visits", (int)qj_int(l, "visit"))));
            put(&h->b, "</span></th>");
            cell(h, false, "num",
                 item && qj_int(l, "quantity") > 1
                     ? fmt(h, "%d \xC3\x97 %s", (int)qj_int(l, "quantity"), MONEY(h, qj_int(l, "unit_cents"), false))
                     : "");
            cell(h, false, "num", MONEY(h, qj_int(l, "amount_cents"), false));
            put(&h->b, "</tr>\n");
        }
        put(&h->b, "</tbody>\n<tfoot>\n");
        int64_t sav = qj_int(g, "savings_cents"), tax = qj_int(g, "tax_cents");
        if (sav || tax) {
            sum_tr(h, "sub", T(h, "providers.services"), MONEY(h, qj_int(g, "services_cents"), true));
            if (sav)
                sum_tr(h, "sub", T(h, "providers.savings"), MONEY(h, -sav, true));
            if (tax)
                sum_tr(h, "sub", T(h, "providers.tax"), MONEY(h, tax, true));
        }
        sum_tr(h, "sum", T(h, "providers.estimate"), MONEY(h, qj_int(g, "total_cents"), true));
        put(&h->b, "</tfoot>\n</table>\n");
        para(h, "small",
             TX(h, "providers.threshold", "amount", MONEY(h, qj_int(g, "total_cents") + 40000, true), NULL));
        put(&h->b, "</section>\n");
    }
    if (qj_int(q, "direct_cents")) {
        put(&h->b, "<p class=\"sum\"><strong>");
        esc(&h->b, T(h, "providers.all"));
        put(&h->b, ": ");
        esc(&h->b, MONEY(h, qj_int(q, "total_cents") + qj_int(q, "direct_cents"), true));
        put(&h->b, "</strong></p>\n");
    }
    put(&h->b, "</section>\n");
}

static void schedule_row(struct hctx *h, const char *when, const char *what, bool bold, const char *const *subs,
                         size_t n, int64_t due)
{
    putf(&h->b, "<tr%s>", bold ? " class=\"strong\"" : "");
    cell(h, false, NULL, when);
    put(&h->b, "<th scope=\"row\">");
    esc(&h->b, what);
    for (size_t i = 0; i < n; i++) {
        put(&h->b, "<span class=\"note\">");
        esc(&h->b, subs[i]);
        put(&h->b, "</span>");
    }
    put(&h->b, "</th>");
    cell(h, false, "num", MONEY(h, due, true));
    put(&h->b, "</tr>\n");
}

static void schedule(struct hctx *h)
{
    const cJSON *q = h->q;
    bool in_full = qj_str(q, "payment_terms") && strcmp(qj_str(q, "payment_terms"), "in_full") == 0;
    const char *in_full_name = qj_str(q, "in_full_discount_name") ? qj_str(q, "in_full_discount_name")
                               : qj_str(q, "in_full_discount")   ? qj_str(q, "in_full_discount")
                                                                : "";
    put(&h->b, "<section aria-labelledby=\"schedule\">\n");
    heading(h, 2, "schedule", T(h, "schedule.heading"));
    if (!in_full)
        para(h, "muted", T(h, "schedule.deposit_note"));
    put(&h->b, "<table aria-labelledby=\"schedule\">\n");
    static const char *const keys[] = {"schedule.when", "schedule.visit", "schedule.due"};
    static const char *const cls[] = {NULL, NULL, "num"};
    col_heads(h, keys, cls, 3);
    put(&h->b, "<tbody>\n");
    const cJSON *adv = NULL;
    for (int i = 0; i < qj_size(q, "payments"); i++) {
        const char *k = qj_str(qj_at(q, "payments", i), "kind");
        if (k && strcmp(k, "visit") != 0) {
            adv = qj_at(q, "payments", i);
            break;
        }
    }
    int nv = qj_size(q, "visits"), at = -1;
    if (adv) {
        if (!qj_null(adv, "visit"))
            at = (int)qj_int(adv, "visit");
        else
            for (at = 0; at < nv && 7 * qj_int(qj_at(q, "visits", at), "week_from") < qj_int(adv, "day"); at++)
                ;
    }
    for (int i = 0; i <= nv; i++) {
        if (i == at) {
            const char *date = date_words(h, qj_str(adv, "date")), *when, *what;
            bool full = strcmp(qj_str(adv, "kind"), "in_full") == 0;
            if (full) {
                what = TX(h, "schedule.in_full", "discount", in_full_name, NULL);
                when = date ? TX(h, "schedule.deposit_dated", "date", date, NULL)
                       : !qj_null(adv, "visit")
                           ? TX(h, "schedule.in_full_visit", "when",
                                when_text(h, qj_at(q, "visits", (int)qj_int(adv, "visit"))), NULL)
                           : TX(h, "schedule.deposit_undated", "days", fmt(h, "%d", (int)-qj_int(adv, "day")), NULL);
            } else {
                what = T(h, "schedule.deposit");
                when = date ? TX(h, "schedule.deposit_dated", "date", date, NULL)
                            : TX(h, "schedule.deposit_undated", "days",
                                 fmt(h, "%d", (int)qj_int(q, "deposit_days_before")), NULL);
            }
            schedule_row(h, when, what, true, NULL, 0, qj_int(adv, "amount_cents"));
        }
        if (i == nv)
            break;
        const cJSON *v = qj_at(q, "visits", i);
        if (qj_bool(v, "beyond_12_months"))
            continue;
        const char *subs[8];
        size_t n = 0;
        if (in_full) {
            if (qj_int(v, "charges_cents"))
                subs[n++] = TX(h, "schedule.prepaid", "charges", MONEY(h, qj_int(v, "charges_cents"), true), NULL);
        } else {
            if (qj_int(v, "savings_cents"))
                subs[n++] = TX(h, "schedule.shared", "services", MONEY(h, qj_int(v, "services_cents"), true),
                               "savings", MONEY(h, qj_int(v, "savings_cents"), true), NULL);
            if (qj_int(v, "deposit_cents"))
                subs[n++] = TX(h, "schedule.credit", "charges", MONEY(h, qj_int(v, "charges_cents"), true),
                               "deposit", MONEY(h, qj_int(v, "deposit_cents"), true), NULL);
        }
        for (int gi = 0; gi < qj_size(q, "providers") && n < 8; gi++) {
            int64_t direct = 0;
            for (int li = 0; li < qj_size(q, "lines"); li++) {
                const cJSON *l = qj_at(q, "lines", li);
                if (!qj_null(l, "visit") && qj_int(l, "visit") == i && qj_bool(l, "direct") && !qj_null(l, "provider") &&
                    qj_int(l, "provider") == gi)
                    direct += qj_int(l, "amount_cents");
            }
            if (direct)
                subs[n++] = TX(h, "schedule.direct", "name", qj_str(qj_at(q, "providers", gi), "name"), "amount",
                               MONEY(h, direct, true), NULL);
        }
        schedule_row(h, when_text(h, v), qj_str(v, "label"), false, subs, n, qj_int(v, "due_cents"));
    }
    put(&h->b, "</tbody>\n<tfoot><tr class=\"total\"><th scope=\"row\" colspan=\"2\">");
    esc(&h->b, T(h, "schedule.total"));
    put(&h->b, "</th>");
    cell(h, false, "num", MONEY(h, qj_int(q, "total_cents"), true));
    put(&h->b, "</tr></tfoot>\n</table>\n</section>\n");
}

static void financing(struct hctx *h)
{
    const cJSON *q = h->q;
    bool in_full = qj_str(q, "payment_terms") && strcmp(qj_str(q, "payment_terms"), "in_full") == 0;
    if (!in_full && !qj_size(q, "financing"))
        return;
    put(&h->b, "<section class=\"box\" aria-labelledby=\"financing\">\n");
    heading(h, 2, "financing", T(h, "financing.heading"));
    if (in_full) {
        const char *name = qj_str(q, "in_full_discount_name") ? qj_str(q, "in_full_discount_name")
                                                             : qj_str(q, "in_full_discount");
        para(h, "muted", TX(h, "financing.none", "discount", name ? name : "", NULL));
        put(&h->b, "</section>\n");
        return;
    }
    const cJSON *f0 = qj_at(q, "financing", 0);
    para(h, "muted", TX(h, "financing.note", "principal", MONEY(h, qj_int(f0, "principal_cents"), true), NULL));
    /* one column per example, one row per figure: it stays narrow enough
     * to read without scrolling sideways at 200 % zoom and in large print */
    int nf = qj_size(q, "financing");
    put(&h->b, "<table aria-labelledby=\"financing\">\n<thead><tr><th scope=\"col\">");
    esc(&h->b, T(h, "financing.plan"));
    put(&h->b, "</th>");
    for (int i = 0; i < nf; i++) {
        put(&h->b, "<th scope=\"col\" class=\"num\">");
        esc(&h->b, qj_str(qj_at(q, "financing", i), "name"));
        put(&h->b, "</th>");
    }
    put(&h->b, "</tr></thead>\n<tbody>\n");
    static const char *const keys[] = {"financing.months", "financing.apr", "financing.monthly",
                                       "financing.total", "financing.charge"};
    for (int k = 0; k < 5; k++) {
        put(&h->b, "<tr>");
        cell(h, true, NULL, T(h, keys[k]));
        for (int i = 0; i < nf; i++) {
            const cJSON *f = qj_at(q, "financing", i);
            char apr[32];
            switch (k) {
            case 0: cell(h, false, "num", fmt(h, "%d", (int)qj_int(f, "months"))); break;
            case 1:
                snprintf(apr, sizeof apr, "%s", qj_str(f, "apr") ? qj_str(f, "apr") : "");
                for (char *p = apr; *p; p++)
                    if (*p == '.')
                        *p = h->w.money.decimal;
                cell(h, false, "num", apr);
                break;
            case 2:
                put(&h->b, "<td class=\"num\">");
                esc(&h->b, MONEY(h, qj_int(f, "monthly_cents"), true));
                if (qj_int(f, "last_payment_cents") != qj_int(f, "monthly_cents") && qj_int(f, "months") > 1) {
                    put(&h->b, "<span class=\"note\">");
                    esc(&h->b,
                        TX(h, "financing.last", "amount", MONEY(h, qj_int(f, "last_payment_cents"), true), NULL));
                    put(&h->b, "</span>");
                }
                put(&h->b, "</td>");
                break;
            case 3: cell(h, false, "num", MONEY(h, qj_int(f, "total_paid_cents"), true)); break;
            default: cell(h, false, "num", MONEY(h, qj_int(f, "finance_charge_cents"), true)); break;
            }
        }
        put(&h->b, "</tr>\n");
    }
    put(&h->b, "</tbody>\n</table>\n</section>\n");
}

static void gfe(struct hctx *h)
{
    const cJSON *q = h->q;
    bool separate = false, beyond = false;
    for (int li = 0; li < qj_size(q, "lines"); li++) {
        separate |= qj_bool(qj_at(q, "lines", li), "separate");
        beyond |= qj_bool(qj_at(q, "lines", li), "beyond_12_months");
    }
    put(&h->b, "<section aria-labelledby=\"gfe\">\n");
    heading(h, 2, "gfe", T(h, "gfe.heading"));
    put(&h->b, "<ul class=\"gfe\">\n");
    const char *paras[8];
    size_t n = 0;
    paras[n++] = "gfe.estimate";
    paras[n++] = "gfe.other";
    if (separate)
        paras[n++] = "gfe.other_listed";
    if (beyond)
        paras[n++] = "gfe.new_estimate";
    paras[n++] = "gfe.dispute";
    paras[n++] = "gfe.learn";
    paras[n++] = "gfe.contract";
    paras[n++] = "gfe.copy";
    for (size_t i = 0; i < n; i++) {
        put(&h->b, "<li>");
        esc(&h->b, T(h, paras[i]));
        put(&h->b, "</li>\n");
    }
    put(&h->b, "</ul>\n</section>\n");
}

static void acknowledgement(struct hctx *h)
{
    const char *name = qj_str(qj_get(h->q, "patient"), "name");
    put(&h->b, "<section aria-labelledby=\"ack\">\n");
    heading(h, 2, "ack", T(h, "ack.heading"));
    para(h, NULL, TX(h, "ack.text", "total", MONEY(h, qj_int(h->q, "total_cents"), true), NULL));
    put(&h->b, "<div class=\"sign\">\n<p><span class=\"line\"></span>");
    esc(&h->b, T(h, "ack.signature"));
    put(&h->b, "</p>\n<p><span class=\"line\"></span>");
    esc(&h->b, T(h, "ack.date"));
    put(&h->b, "</p>\n<p><span class=\"line\">");
    esc(&h->b, name);
    put(&h->b, "</span>");
    esc(&h->b, T(h, "ack.name"));
    put(&h->b, "</p>\n</div>\n</section>\n");
}

/* The clinic's taglines offering free language help, each marked with its
 * own language. */
static void language_help(struct hctx *h)
{
    const cJSON *c = qj_get(h->q, "clinic");
    if (!qj_size(c, "language_assistance"))
        return;
    put(&h->b, "<section class=\"help\" aria-labelledby=\"help\">\n");
    heading(h, 2, "help", T(h, "help.heading"));
    for (int i = 0; i < qj_size(c, "language_assistance"); i++) {
        const cJSON *t = qj_at(c, "language_assistance", i);
        put(&h->b, "<p lang=\"");
        esc(&h->b, qj_str(t, "lang"));
        put(&h->b, "\">");
        esc(&h->b, qj_str(t, "text"));
        put(&h->b, "</p>\n");
    }
    put(&h->b, "</section>\n");
}

static void footer(struct hctx *h)
{
    const cJSON *pt = qj_get(h->q, "price_table");
    char digest[13];
    const char *sha = qj_str(pt, "sha256");
    snprintf(digest, sizeof digest, "%.12s", sha ? sha : "");
    const char *eff = date_words(h, qj_str(pt, "effective_date"));
    put(&h->b, "<footer>\n<p><strong>");
    esc(&h->b, h->o->quote_number ? TX(h, "doc.footer_number", "number", h->o->quote_number, NULL)
                                  : T(h, "doc.footer_draft"));
    put(&h->b, "</strong></p>\n<p class=\"small\">");
    esc(&h->b, TX(h, "doc.trace", "version", qj_str(pt, "version") ? qj_str(pt, "version") : "", "effective",
                  eff ? eff : "", "digest", digest, NULL));
    put(&h->b, "</p>\n</footer>\n");
}

/* The style: system fonts, colours with at least 4.5:1 contrast, sizes in
 * rem so the reader's zoom and font size carry through, one column that
 * reflows at 200 % zoom, and a print style. */
static const char STYLE[] =
    ":root{--ink:#1f2328;--muted:#4a535c;--accent:#0b5560;--band:#e8f1f2;--alert:#a4161a;--alert-bg:#fdf0ef;"
    "--rule:#c9d1d6}\n"
    "*{box-sizing:border-box}\n"
    "html{font-size:100%}\n"
    "body{margin:0;color:var(--ink);background:#fff;font-family:\"DejaVu Sans\",Helvetica,Arial,sans-serif;"
    "font-size:1rem;line-height:1.5}\n"
    "body.large-print{font-size:1.5rem}\n"
    ".page{max-width:52em;margin:0 auto;padding:1.5em 1em}\n"
    "h1{font-size:1.6em;margin:.3em 0}h2{font-size:1.25em;color:var(--accent);margin:1.4em 0 .4em}"
    "h3{font-size:1.05em;margin:1em 0 .2em;color:var(--accent)}\n"
    "p{margin:.4em 0}.muted{color:var(--muted)}.small{font-size:.9em;color:var(--muted)}\n"
    ".letterhead{border-bottom:3px solid var(--accent);padding-bottom:.5em}"
    ".letterhead .clinic{font-size:1.3em;font-weight:bold;color:var(--accent)}\n"
    ".number{display:inline-block;background:var(--band);padding:.3em .6em}"
    ".draft{display:inline-block;background:var(--alert);color:#fff;padding:.3em .6em}\n"
    ".two{display:flex;flex-wrap:wrap;gap:0 2em}.two>section{flex:1 1 16em}\n"
    "dl{margin:.3em 0}dl>div{display:flex;flex-wrap:wrap;gap:0 1em;padding:.1em 0}"
    "dt{font-weight:bold;min-width:11em}dd{margin:0;flex:1 1 12em}\n"
    ".alert{border:3px solid var(--alert);background:var(--alert-bg);padding:.2em 1em;margin:1em 0}"
    ".alert h2{color:var(--alert);margin-top:.4em}\n"
    ".box{border:1px solid var(--muted);padding:0 1em .6em;margin:1em 0}\n"
    "table{width:100%;border-collapse:collapse;margin:.4em 0}"
    "th,td{text-align:left;vertical-align:top;padding:.25em .4em;border-bottom:1px solid var(--rule)}"
    "thead th{background:var(--band);color:var(--accent)}"
    "tbody th{font-weight:normal}.num{text-align:right}td.num{white-space:nowrap}\n"
    "tr.band th{background:var(--band);color:var(--accent);font-weight:bold}"
    "tr.visit th{font-weight:bold}.when{font-weight:normal;color:var(--muted);margin-left:.5em}\n"
    "tr.apart th,tr.apart td{color:var(--muted)}.adj{font-style:italic}.mark{font-weight:bold}\n"
    ".note{display:block;font-size:.9em;font-style:italic;color:var(--muted)}\n"
    "tr.subtotal th{text-align:right;font-style:italic}tfoot th{text-align:right}"
    "tr.total th,tr.total td{background:var(--accent);color:#fff;font-weight:bold;font-size:1.1em}"
    "tr.sum th,tr.sum td,tr.strong th,tr.strong td{font-weight:bold}\n"
    ".gfe li{margin:.3em 0}.sign{display:flex;flex-wrap:wrap;gap:1em 2em;margin-top:2em}"
    ".sign p{flex:1 1 14em}.line{display:block;border-bottom:1px solid var(--ink);min-height:2em}\n"
    ".help{border-top:1px solid var(--rule);margin-top:2em}\n"
    "footer{border-top:1px solid var(--rule);margin-top:2em;padding-top:.5em}\n"
    "@media (max-width:40em){th,td{padding:.2em .15em}td.num{white-space:normal}"
    "th{overflow-wrap:anywhere;hyphens:auto}"
    "dt{min-width:0}.page{padding:1em .5em}}\n"
    "@media print{body{font-size:10pt}body.large-print{font-size:18pt}.page{max-width:none;padding:0}"
    "tr,.alert,.box,.group,dl>div{break-inside:avoid}h2,h3{break-after:avoid}"
    "thead{display:table-header-group}tfoot{display:table-footer-group}"
    "@page{margin:15mm}}\n";

/* ---- the document ------------------------------------------------------------------------- */

int render_html(const char *quote_json, const struct html_opts *o, char **out, size_t *len,
                struct diag_list *dl)
{
    *out = NULL;
    *len = 0;
    struct hctx h = {.o = o};
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(quote_json, &end, 1);
    if (!cJSON_IsObject(root) || !qj_get(root, "lines") || !qj_get(root, "visits")) {
        diag_error(dl, NULL, NULL, "the quote is not a quote JSON document");
        cJSON_Delete(root);
        return -1;
    }
    h.q = root;
    h.lang = o->lang ? o->lang : qj_str(root, "language") ? qj_str(root, "language") : "en";
    int rc = -1;
    if (template_load(&h.t, o->templates_dir ? o->templates_dir : "templates", h.lang, "quote.txt", dl) != 0 ||
        template_words_init(&h.w, &h.t, dl) != 0)
        goto done;

    put(&h.b, "<!DOCTYPE html>\n<html lang=\"");
    esc(&h.b, h.lang);
    put(&h.b, "\">\n<head>\n<meta charset=\"utf-8\">\n"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    esc(&h.b, T(&h, "doc.title"));
    put(&h.b, " \xE2\x80\x94 ");
    esc(&h.b, o->quote_number ? o->quote_number : T(&h, "doc.draft"));
    put(&h.b, "</title>\n<style>\n");
    put(&h.b, STYLE);
    putf(&h.b, "</style>\n</head>\n<body%s>\n<div class=\"page\">\n", o->large_print ? " class=\"large-print\"" : "");
    letterhead(&h);
    put(&h.b, "<main>\n");
    title_block(&h);
    who_and_when(&h);
    insurance_box(&h);
    plan_block(&h);
    items_table(&h);
    apart_list(&h, false, "billable", T(&h, "billable.heading"), T(&h, "billable.intro"), T(&h, "billable.sum"),
               qj_int(root, "billable_cents"));
    apart_list(&h, true, "separate", T(&h, "separate.heading"), T(&h, "separate.intro"), T(&h, "separate.sum"),
               qj_int(root, "separate_cents"));
    providers_section(&h);
    schedule(&h);
    financing(&h);
    gfe(&h);
    acknowledgement(&h);
    language_help(&h);
    put(&h.b, "</main>\n");
    footer(&h);
    put(&h.b, "</div>\n</body>\n</html>\n");

    if (h.b.oom) {
        diag_error(dl, NULL, NULL, "out of memory while writing the HTML estimate");
        goto done;
    }
    if (h.w.failed)
        goto done;
    *out = h.b.s;
    *len = h.b.n;
    h.b.s = NULL;
    rc = 0;
done:
    free(h.b.s);
    template_words_free(&h.w);
    template_free(&h.t);
    cJSON_Delete(root);
    return rc;
}
