/* bill_doc — the dispute packet's pages and the letter (bill_doc.h). */
#include "bill_doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canvas.h"
#include "layout.h"
#include "pdf_update.h"
#include "template.h"

static const struct template_key KEYS[] = {
    { "date.months", "" }, { "date.long", "day month year" }, { "money.symbol", "" }, { "money.decimal", "" },
    { "money.group", "" }, { "packet.title", "" }, { "packet.intro", "number issued" }, { "packet.patient", "name" },
    { "packet.page", "page pages" }, { "packet.footer", "number" }, { "packet.bills", "" },
    { "packet.bill", "id date format digest by" }, { "packet.bill_corrected", "id date by_bill" },
    { "packet.comparison", "" }, { "packet.explanations", "" }, { "packet.no_explanation", "" },
    { "packet.explained_by", "text by" }, { "packet.initial", "date deadline" }, { "table.line", "" },
    { "table.date", "" }, { "table.provider", "" }, { "table.code", "" }, { "table.description", "" },
    { "table.quantity", "" }, { "table.quantity_estimate", "" }, { "table.quantity_billed", "" }, { "table.amount", "" }, { "table.estimate", "" }, { "table.billed", "" },
    { "table.difference", "" }, { "provider.head", "name npi tin" },
    { "provider.totals", "estimate billed difference" }, { "provider.flagged", "" }, { "provider.within", "" },
    { "row.discount", "" }, { "row.tax", "" }, { "status.same", "" }, { "status.extra", "" },
    { "status.not_billed", "" }, { "status.price", "" }, { "status.quantity", "" },
    { "status.quantity_and_price", "" }, { "status.discount_not_honoured", "" }, { "status.discount_larger", "" },
    { "status.tax", "" }, { "letter.title", "" }, { "letter.date", "date" }, { "letter.greeting", "name" },
    { "letter.intro", "number issued" }, { "letter.same", "" }, { "letter.provider", "name estimate billed" },
    { "letter.more", "amount" }, { "letter.less", "amount" }, { "letter.equal", "" }, { "letter.why", "" },
    { "letter.item", "description estimate billed" }, { "letter.right_title", "" },
    { "letter.right", "name deadline" }, { "letter.questions", "phone" }, { "letter.closing", "" },
    { "letter.signature", "clinic" }, { "letter.page", "page pages" },
};

/* One document being laid out: its canvas, and the words of one language
 * at a time (the packet has two). */
struct dctx {
    struct layout l;             /* the canvas and the cursor (layout.h) */
    struct template t;
    struct template_words w;
    struct diag_list *dl;
    const char *dir;
    const cJSON *check;
};

#define T(d, key) template_words_get(&(d)->w, key)
#define TX(d, ...) template_words_expand(&(d)->w, __VA_ARGS__)

static const char *js(const cJSON *o, const char *k)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(m) ? m->valuestring : "";
}

static int64_t jc(const cJSON *o, const char *k)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(m) ? (int64_t)m->valuedouble : 0;
}

/* A string from a bill or the register as the canvas can print it: as it
 * is, or with every character outside ASCII as '?' when no font has it. */
static const char *printable(struct dctx *d, const char *s)
{
    struct diag_list quiet = { 0 };
    int rc = canvas_check_text(&d->l.cv, s, NULL, NULL, &quiet);
    diag_list_free(&quiet);
    if (rc == 0)
        return s;
    char *c = strdup(s);
    if (!c)
        return "";
    size_t o = 0;
    for (size_t i = 0; c[i]; i++) {
        unsigned char b = (unsigned char)c[i];
        if (b < 0x80)
            c[o++] = b < 0x20 ? ' ' : (char)b;
        else if ((b & 0xC0) != 0x80)
            c[o++] = '?';
    }
    c[o] = '\0';
    return template_words_keep(&d->w, c);
}

static const char *money(struct dctx *d, int64_t c)
{
    return template_words_money(&d->w, c, true);
}

static const char *date_words(struct dctx *d, const char *iso)
{
    rq_date x;
    return date_parse(iso, &x) ? template_words_date(&d->w, x) : iso;
}

static void heading(struct dctx *d, const char *t)
{
    layout_heading(&d->l, t, 48, 20);
}

/* ---- the packet's pages ----------------------------------------------------------- */

/* columns of the bill table and the comparison table */
#define B_DATE 2.0f
#define B_PROV 62.0f
#define B_CODE 178.0f
#define B_DESC 256.0f
#define B_QTY 440.0f
#define C_LINE 2.0f
#define C_CODE 24.0f
#define C_DESC 100.0f
#define C_EQ 268.0f
#define C_BQ 296.0f
#define C_EST 362.0f
#define C_BILL 432.0f

/* A table's head: a band with each column's word, left-aligned at x or
 * right-aligned ending at x (x from the left margin; 0 right = the right
 * margin). */
struct column {
    float x;
    bool right;
    const char *key;
};

static void table_head(struct dctx *d, const struct column *c, size_t n)
{
    static const struct layout_band band = { 15, 10.5f, LAYOUT_SMALL, 3 };
    struct layout_column lc[8];
    for (size_t i = 0; i < n && i < sizeof lc / sizeof lc[0]; i++)
        lc[i] = (struct layout_column){ c[i].right && !c[i].x ? d->l.x1 - 2 : d->l.x0 + c[i].x, c[i].right,
                                        T(d, c[i].key) };
    layout_table_head(&d->l, &band, lc, n < 8 ? n : 8);
}

static void bill_header(void *ctx)
{
    struct dctx *d = ctx;
    static const struct column c[] = {
        { B_DATE, false, "table.date" }, { B_PROV, false, "table.provider" }, { B_CODE, false, "table.code" },
        { B_DESC, false, "table.description" }, { B_QTY, true, "table.quantity" }, { 0, true, "table.amount" },
    };
    table_head(d, c, sizeof c / sizeof c[0]);
}

static void compare_header(void *ctx)
{
    struct dctx *d = ctx;
    static const struct column c[] = {
        { C_LINE, false, "table.line" },          { C_CODE, false, "table.code" },
        { C_DESC, false, "table.description" },   { C_EQ, true, "table.quantity_estimate" },
        { C_BQ, true, "table.quantity_billed" },  { C_EST, true, "table.estimate" },
        { C_BILL, true, "table.billed" },         { 0, true, "table.difference" },
    };
    table_head(d, c, sizeof c / sizeof c[0]);
}

static const char *provider_name(const cJSON *check, int index)
{
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(check, "providers"))
        if (jc(p, "index") == index)
            return js(p, "name");
    return "";
}

static const char *row_words(struct dctx *d, const cJSON *x)
{
    const char *kind = js(x, "kind");
    if (!strcmp(kind, "discount"))
        return T(d, "row.discount");
    if (!strcmp(kind, "tax"))
        return T(d, "row.tax");
    return printable(d, js(x, "description"));
}

static const char *status_words(struct dctx *d, const cJSON *x)
{
    char key[64];
    snprintf(key, sizeof key, "status.%s", js(x, "status"));
    return T(d, key);
}

static void signed_money(struct dctx *d, int64_t c, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s", c > 0 ? "+" : c < 0 ? "-" : "", money(d, c < 0 ? -c : c));
}

/* One language's pages of the packet. */
static void packet_pages(struct dctx *d)
{
    const cJSON *c = d->check, *b, *p, *x;
    d->l.header = NULL;
    layout_new_page(&d->l);
    layout_text(&d->l, d->l.x0, d->l.y - 16, CANVAS_BOLD, 16, LAYOUT_INK, T(d, "packet.title"));
    d->l.y -= 24;
    const char *number = js(c, "number");
    layout_flow(&d->l, CANVAS_REGULAR, LAYOUT_BODY, LAYOUT_INK, TX(d, "packet.intro", "number", number, "issued", date_words(d, js(c, "issued")), NULL), 4);
    if (*js(c, "patient_name"))
        layout_flow(&d->l, CANVAS_BOLD, LAYOUT_BODY, LAYOUT_INK, TX(d, "packet.patient", "name", printable(d, js(c, "patient_name")), NULL), 4);
    layout_flow(&d->l, CANVAS_REGULAR, LAYOUT_BODY, LAYOUT_INK,
         TX(d, "packet.initial", "date", date_words(d, js(c, "initial_bill_date")), "deadline",
            date_words(d, js(c, "dispute_deadline")), NULL),
         10);
    /* the bills */
    heading(d, T(d, "packet.bills"));
    cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(c, "bills"))
    {
        char id[24], by_bill[24], digest[20];
        snprintf(id, sizeof id, "%lld", (long long)jc(b, "id"));
        snprintf(by_bill, sizeof by_bill, "%lld", (long long)jc(b, "corrected_by"));
        snprintf(digest, sizeof digest, "%.16s", js(b, "sha256"));
        bool in_force = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "in_force"));
        const char *line = in_force ? TX(d, "packet.bill", "id", id, "date", date_words(d, js(b, "bill_date")), "format",
                                         js(b, "format"), "digest", digest, "by", printable(d, js(b, "added_by")), NULL)
                                    : TX(d, "packet.bill_corrected", "id", id, "date", date_words(d, js(b, "bill_date")),
                                         "by_bill", by_bill, NULL);
        d->l.header = NULL;
        layout_flow(&d->l, CANVAS_BOLD, LAYOUT_BODY, in_force ? LAYOUT_INK : LAYOUT_MUTED, line, 3);
        if (!in_force)
            continue;
        layout_need(&d->l, 40);
        d->l.header = bill_header;
        bill_header(d);
        cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(b, "lines"))
        {
            const char *desc = printable(d, js(x, "description"));
            float h = layout_para(&d->l, d->l.x0 + B_DESC, d->l.x0 + B_QTY - 24, CANVAS_REGULAR, LAYOUT_SMALL + 0.5f, LAYOUT_INK, desc, false);
            if (h < LAYOUT_LEAD(LAYOUT_SMALL + 0.5f))
                h = LAYOUT_LEAD(LAYOUT_SMALL + 0.5f);
            float pw = B_CODE - B_PROV - 6;
            const char *prov = printable(d, provider_name(c, (int)jc(x, "provider_index")));
            float hp = layout_para(&d->l, d->l.x0 + B_PROV, d->l.x0 + B_PROV + pw, CANVAS_REGULAR, LAYOUT_SMALL + 0.5f, LAYOUT_INK, prov, false);
            if (hp > h)
                h = hp;
            layout_need(&d->l, h + 2);
            float base = d->l.y - (LAYOUT_SMALL + 0.5f);
            layout_text(&d->l, d->l.x0 + B_DATE, base, CANVAS_REGULAR, LAYOUT_SMALL + 0.5f, LAYOUT_INK, js(x, "date_of_service"));
            layout_para(&d->l, d->l.x0 + B_PROV, d->l.x0 + B_PROV + pw, CANVAS_REGULAR, LAYOUT_SMALL + 0.5f, LAYOUT_INK, prov, true);
            layout_text(&d->l, d->l.x0 + B_CODE, base, CANVAS_REGULAR, LAYOUT_SMALL + 0.5f, LAYOUT_INK, printable(d, js(x, "code")));
            layout_para(&d->l, d->l.x0 + B_DESC, d->l.x0 + B_QTY - 24, CANVAS_REGULAR, LAYOUT_SMALL + 0.5f, LAYOUT_INK, desc, true);
            char q[24];
            snprintf(q, sizeof q, "%lld", (long long)jc(x, "quantity"));
            layout_text_r(&d->l, d->l.x0 + B_QTY, base, CANVAS_REGULAR, LAYOUT_SMALL + 0.5f, LAYOUT_INK, q);
            layout_text_r(&d->l, d->l.x1 - 2, base, CANVAS_REGULAR, LAYOUT_SMALL + 0.5f, LAYOUT_INK, money(d, jc(x, "amount_cents")));
            d->l.y -= h + 2;
        }
        d->l.header = NULL;
        d->l.y -= 8;
    }
    /* the comparison */
    heading(d, T(d, "packet.comparison"));
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c, "providers"))
    {
        bool flagged = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "flagged"));
        char diff[48];
        signed_money(d, jc(p, "difference_cents"), diff, sizeof diff);
        d->l.header = NULL;
        layout_need(&d->l, 80);
        layout_flow(&d->l, CANVAS_BOLD, 10, LAYOUT_ACCENT,
             TX(d, "provider.head", "name", printable(d, js(p, "name")), "npi", js(p, "npi"), "tin", js(p, "tin"), NULL), 2);
        layout_flow(&d->l, CANVAS_BOLD, LAYOUT_BODY, LAYOUT_INK,
             TX(d, "provider.totals", "estimate", money(d, jc(p, "estimate_cents")), "billed",
                money(d, jc(p, "billed_cents")), "difference", diff, NULL),
             2);
        layout_flow(&d->l, flagged ? CANVAS_BOLD : CANVAS_ITALIC, LAYOUT_BODY, flagged ? LAYOUT_ALERT : LAYOUT_MUTED,
             T(d, flagged ? "provider.flagged" : "provider.within"), 4);
        d->l.header = compare_header;
        compare_header(d);
        cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(p, "rows"))
        {
            const char *desc = row_words(d, x), *st = status_words(d, x);
            float dw = C_EQ - C_DESC - 30;
            float h = layout_para(&d->l, d->l.x0 + C_DESC, d->l.x0 + C_DESC + dw, CANVAS_REGULAR, LAYOUT_SMALL + 0.5f, LAYOUT_INK, desc, false) +
                      LAYOUT_LEAD(LAYOUT_SMALL);
            int64_t dc = jc(x, "difference_cents");
            layout_need(&d->l, h + 3);
            if (dc)
                canvas_fill_rect(&d->l.cv, d->l.x0, d->l.y - h - 1, d->l.x1 - d->l.x0, h + 2, LAYOUT_BAND);
            float base = d->l.y - (LAYOUT_SMALL + 0.5f);
            char n[16], eq[16], bq[16];
            snprintf(n, sizeof n, "%lld", (long long)jc(x, "line"));
            snprintf(eq, sizeof eq, "%lld", (long long)jc(x, "estimate_quantity"));
            snprintf(bq, sizeof bq, "%lld", (long long)jc(x, "billed_quantity"));
            bool item = !strcmp(js(x, "kind"), "item");
            layout_text(&d->l, d->l.x0 + C_LINE, base, CANVAS_BOLD, LAYOUT_SMALL + 0.5f, LAYOUT_INK, n);
            layout_text(&d->l, d->l.x0 + C_CODE, base, CANVAS_REGULAR, LAYOUT_SMALL + 0.5f, LAYOUT_INK, item ? printable(d, js(x, "code")) : "");
            layout_para(&d->l, d->l.x0 + C_DESC, d->l.x0 + C_DESC + dw, CANVAS_REGULAR, LAYOUT_SMALL + 0.5f, LAYOUT_INK, desc, true);
            float hd = layout_para(&d->l, d->l.x0 + C_DESC, d->l.x0 + C_DESC + dw, CANVAS_REGULAR, LAYOUT_SMALL + 0.5f, LAYOUT_INK, desc, false);
            layout_text(&d->l, d->l.x0 + C_DESC, d->l.y - hd - LAYOUT_SMALL, CANVAS_ITALIC, LAYOUT_SMALL, dc > 0 ? LAYOUT_ALERT : LAYOUT_MUTED, st);
            if (item) {
                layout_text_r(&d->l, d->l.x0 + C_EQ, base, CANVAS_REGULAR, LAYOUT_SMALL + 0.5f, LAYOUT_INK, eq);
                layout_text_r(&d->l, d->l.x0 + C_BQ, base, CANVAS_REGULAR, LAYOUT_SMALL + 0.5f, LAYOUT_INK, bq);
            }
            layout_text_r(&d->l, d->l.x0 + C_EST, base, CANVAS_REGULAR, LAYOUT_SMALL + 0.5f, LAYOUT_INK, money(d, jc(x, "estimate_cents")));
            layout_text_r(&d->l, d->l.x0 + C_BILL, base, CANVAS_REGULAR, LAYOUT_SMALL + 0.5f, LAYOUT_INK, money(d, jc(x, "billed_cents")));
            char ds[48];
            signed_money(d, dc, ds, sizeof ds);
            layout_text_r(&d->l, d->l.x1 - 2, base, dc ? CANVAS_BOLD : CANVAS_REGULAR, LAYOUT_SMALL + 0.5f, dc > 0 ? LAYOUT_ALERT : LAYOUT_INK, ds);
            d->l.y -= h + 3;
        }
        d->l.header = NULL;
        d->l.y -= 10;
    }
    /* the explanations of each difference */
    heading(d, T(d, "packet.explanations"));
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c, "providers"))
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(p, "rows"))
    {
        if (!jc(x, "difference_cents"))
            continue;
        char ds[48], head[600];
        signed_money(d, jc(x, "difference_cents"), ds, sizeof ds);
        snprintf(head, sizeof head, "%lld. %s %s: %s (%s)", (long long)jc(x, "line"),
                 !strcmp(js(x, "kind"), "item") ? printable(d, js(x, "code")) : "", row_words(d, x), ds,
                 printable(d, js(p, "name")));
        layout_flow(&d->l, CANVAS_BOLD, LAYOUT_BODY, LAYOUT_INK, head, 1);
        const cJSON *ex = cJSON_GetObjectItemCaseSensitive(x, "explanations"), *e;
        if (!cJSON_GetArraySize(ex))
            layout_flow(&d->l, CANVAS_ITALIC, LAYOUT_BODY, LAYOUT_MUTED, T(d, "packet.no_explanation"), 5);
        cJSON_ArrayForEach(e, ex)
            layout_flow(&d->l, CANVAS_REGULAR, LAYOUT_BODY, LAYOUT_INK,
                 TX(d, "packet.explained_by", "text", printable(d, js(e, "text")), "by",
                    printable(d, js(e, "written_by")), NULL),
                 5);
    }
}

static int open_words(struct dctx *d, const char *lang)
{
    template_words_free(&d->w);
    template_free(&d->t);
    if (template_load(&d->t, d->dir, lang, "bill.txt", d->dl) != 0 ||
        template_check(&d->t, KEYS, sizeof KEYS / sizeof KEYS[0], d->dl) != 0 ||
        template_words_init(&d->w, &d->t, d->dl) != 0)
        return -1;
    return 0;
}

static int open_doc(struct dctx *d, const cJSON *check, const struct bill_doc_opts *o, struct diag_list *dl)
{
    memset(d, 0, sizeof *d);
    d->dl = dl;
    d->check = check;
    d->dir = o && o->templates_dir ? o->templates_dir : "templates";
    d->l.ctx = d;
    if (layout_open(&d->l, d->dir, o && o->a4, dl) != 0)
        return -1;
    canvas_info(&d->l.cv, HPDF_INFO_CREATOR, "regenquote");
    return 0;
}

static void close_doc(struct dctx *d)
{
    template_words_free(&d->w);
    template_free(&d->t);
    layout_close(&d->l);
}

/* "Page X of Y" and the estimate's number on pages [from, to). */
static void footers(struct dctx *d, size_t from, size_t to, const char *page_key)
{
    char pages[24], page[24];
    snprintf(pages, sizeof pages, "%zu", to - from);
    const char *foot = TX(d, "packet.footer", "number", js(d->check, "number"), NULL);
    for (size_t i = from; i < to; i++) {
        snprintf(page, sizeof page, "%zu", i - from + 1);
        const char *pl = TX(d, page_key, "page", page, "pages", pages, NULL);
        layout_footer(&d->l, i, foot, 7, pl);
    }
}

int bill_doc_packet(const cJSON *check, const unsigned char *issued, size_t issued_len,
                    const struct bill_doc_opts *o, unsigned char **pdf, size_t *len, struct diag_list *dl)
{
    *pdf = NULL;
    *len = 0;
    struct dctx d;
    unsigned char *pages = NULL;
    size_t npages = 0, errors = dl->errors;
    int rc = -1;
    if (open_doc(&d, check, o, dl) != 0)
        goto out;
    const char *lang = js(check, "language");
    const char *langs[2] = { strcmp(lang, "es") ? "en" : "es", "en" };
    size_t nl = strcmp(langs[0], "en") ? 2 : 1;
    canvas_info(&d.l.cv, HPDF_INFO_TITLE, "Dispute packet");
    for (size_t i = 0; i < nl; i++) {
        size_t from = d.l.cv.n_pages;
        if (open_words(&d, langs[i]) != 0)
            goto out;
        packet_pages(&d);
        footers(&d, from, d.l.cv.n_pages, "packet.page");
        if (d.w.failed)
            goto out;
    }
    if (dl->errors > errors || canvas_finish(&d.l.cv, &pages, &npages, dl) != 0)
        goto out;
    rc = pdf_update_append_pages(issued, issued_len, pages, npages, pdf, len, dl);
out:
    if (rc != 0 && dl->errors == errors)
        diag_error(dl, NULL, NULL, "cannot lay out the dispute packet");
    free(pages);
    close_doc(&d);
    return rc;
}

/* ---- the letter -------------------------------------------------------------------- */

int bill_doc_letter(const cJSON *check, const char *lang, rq_date date, const struct bill_doc_opts *o,
                    unsigned char **pdf, size_t *len, struct diag_list *dl)
{
    *pdf = NULL;
    *len = 0;
    struct dctx d;
    size_t errors = dl->errors;
    int rc = -1;
    if (open_doc(&d, check, o, dl) != 0 || open_words(&d, lang && !strcmp(lang, "es") ? "es" : "en") != 0)
        goto out;
    const cJSON *clinic = cJSON_GetObjectItemCaseSensitive(check, "clinic"), *p, *x;
    canvas_info(&d.l.cv, HPDF_INFO_TITLE, T(&d, "letter.title"));
    layout_new_page(&d.l);
    layout_text(&d.l, d.l.x0, d.l.y - 15, CANVAS_BOLD, 15, LAYOUT_ACCENT, printable(&d, js(clinic, "name")));
    d.l.y -= 22;
    if (*js(clinic, "phone")) {
        layout_text(&d.l, d.l.x0, d.l.y - LAYOUT_BODY, CANVAS_REGULAR, LAYOUT_BODY, LAYOUT_MUTED, printable(&d, js(clinic, "phone")));
        d.l.y -= LAYOUT_LEAD(LAYOUT_BODY);
    }
    d.l.y -= 14;
    layout_text(&d.l, d.l.x0, d.l.y - 16, CANVAS_BOLD, 16, LAYOUT_INK, T(&d, "letter.title"));
    d.l.y -= 24;
    layout_flow(&d.l, CANVAS_REGULAR, 10, LAYOUT_INK, TX(&d, "letter.date", "date", template_words_date(&d.w, date), NULL), 10);
    const char *name = *js(check, "patient_name") ? printable(&d, js(check, "patient_name")) : "";
    layout_flow(&d.l, CANVAS_REGULAR, 10, LAYOUT_INK, TX(&d, "letter.greeting", "name", name, NULL), 8);
    layout_flow(&d.l, CANVAS_REGULAR, 10, LAYOUT_INK,
         TX(&d, "letter.intro", "number", js(check, "number"), "issued", date_words(&d, js(check, "issued")), NULL), 10);
    bool any_diff = false;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(check, "providers"))
        any_diff |= jc(p, "difference_cents") != 0;
    if (!any_diff)
        layout_flow(&d.l, CANVAS_REGULAR, 10, LAYOUT_INK, T(&d, "letter.same"), 10);
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(check, "providers"))
    {
        int64_t diff = jc(p, "difference_cents");
        const char *pn = printable(&d, js(p, "name"));
        char line[1200];
        snprintf(line, sizeof line, "%s %s",
                 TX(&d, "letter.provider", "name", pn, "estimate", money(&d, jc(p, "estimate_cents")), "billed",
                    money(&d, jc(p, "billed_cents")), NULL),
                 diff > 0   ? TX(&d, "letter.more", "amount", money(&d, diff), NULL)
                 : diff < 0 ? TX(&d, "letter.less", "amount", money(&d, -diff), NULL)
                            : T(&d, "letter.equal"));
        layout_flow(&d.l, CANVAS_BOLD, 10, LAYOUT_INK, line, 4);
        if (diff) {
            layout_flow(&d.l, CANVAS_REGULAR, 10, LAYOUT_INK, T(&d, "letter.why"), 2);
            cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(p, "rows"))
            {
                if (!jc(x, "difference_cents"))
                    continue;
                char item[2400];
                int w = snprintf(item, sizeof item, "\xE2\x80\xA2 %s (%s)",
                                 TX(&d, "letter.item", "description", row_words(&d, x), "estimate",
                                    money(&d, jc(x, "estimate_cents")), "billed", money(&d, jc(x, "billed_cents")), NULL),
                                 status_words(&d, x));
                const cJSON *e;
                cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(x, "explanations"))
                    if (w > 0 && (size_t)w < sizeof item)
                        w += snprintf(item + w, sizeof item - (size_t)w, ". %s", printable(&d, js(e, "text")));
                float h = layout_para(&d.l, d.l.x0 + 14, d.l.x1, CANVAS_REGULAR, 10, LAYOUT_INK, item, false);
                layout_need(&d.l, h);
                layout_para(&d.l, d.l.x0 + 14, d.l.x1, CANVAS_REGULAR, 10, LAYOUT_INK, item, true);
                d.l.y -= h + 2;
            }
        }
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "flagged"))) {
            const char *body = TX(&d, "letter.right", "name", pn, "deadline",
                                  date_words(&d, js(check, "dispute_deadline")), NULL);
            float pad = 7, h = layout_para(&d.l, d.l.x0 + pad, d.l.x1 - pad, CANVAS_REGULAR, 10, LAYOUT_INK, body, false);
            float box = pad + 14 + h + pad;
            layout_need(&d.l, box + 10);
            d.l.y -= 4;
            canvas_stroke_rect(&d.l.cv, d.l.x0, d.l.y - box, d.l.x1 - d.l.x0, box, 1.2f, LAYOUT_ALERT);
            layout_text(&d.l, d.l.x0 + pad, d.l.y - pad - 10, CANVAS_BOLD, 10.5f, LAYOUT_ALERT, T(&d, "letter.right_title"));
            d.l.y -= pad + 14;
            layout_para(&d.l, d.l.x0 + pad, d.l.x1 - pad, CANVAS_REGULAR, 10, LAYOUT_INK, body, true);
            d.l.y -= h + pad + 6;
        }
        d.l.y -= 8;
    }
    layout_need(&d.l, 4 * LAYOUT_LEAD(10) + 24); /* the questions, the closing and the signature together */
    if (*js(clinic, "phone"))
        layout_flow(&d.l, CANVAS_REGULAR, 10, LAYOUT_INK, TX(&d, "letter.questions", "phone", printable(&d, js(clinic, "phone")), NULL), 12);
    layout_flow(&d.l, CANVAS_REGULAR, 10, LAYOUT_INK, T(&d, "letter.closing"), 4);
    layout_flow(&d.l, CANVAS_REGULAR, 10, LAYOUT_INK, TX(&d, "letter.signature", "clinic", printable(&d, js(clinic, "name")), NULL), 4);
    footers(&d, 0, d.l.cv.n_pages, "letter.page");
    if (d.w.failed || dl->errors > errors)
        goto out;
    rc = canvas_finish(&d.l.cv, pdf, len, dl);
out:
    if (rc != 0 && dl->errors == errors)
        diag_error(dl, NULL, NULL, "cannot lay out the letter");
    close_doc(&d);
    return rc;
}
