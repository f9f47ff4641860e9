/* bill_doc — the dispute packet's pages and the letter (bill_doc.h). */
#include "bill_doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canvas.h"
#include "pdf_update.h"
#include "render_pdf.h"
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

#define MARGIN 50.0f
#define BODY 9.0f
#define SMALL 7.5f
#define LEAD(s) ((s) * 1.3f)

static const struct canvas_rgb INK = { 0.13f, 0.13f, 0.13f }, MUTED = { 0.42f, 0.42f, 0.42f },
                                ACCENT = { 0.04f, 0.31f, 0.42f }, WHITE = { 1, 1, 1 },
                                BAND = { 0.91f, 0.95f, 0.96f }, ALERT = { 0.70f, 0.13f, 0.13f };

/* One document being laid out: its canvas, and the words of one language
 * at a time (the packet has two). */
struct dctx {
    struct canvas cv;
    struct canvas_lines lines;
    struct template t;
    struct template_words w;
    struct diag_list *dl;
    const char *dir;
    float x0, x1, y, top, bottom, w_page, h_page;
    void (*header)(struct dctx *d);  /* repeated at the top of a new page, or NULL */
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
    int rc = canvas_check_text(&d->cv, s, NULL, NULL, &quiet);
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

static void text(struct dctx *d, float x, float y, enum canvas_style st, float size, struct canvas_rgb c,
                 const char *t)
{
    canvas_text(&d->cv, NULL, x, y, st, size, c, t, strlen(t));
}

static void text_r(struct dctx *d, float x, float y, enum canvas_style st, float size, struct canvas_rgb c,
                   const char *t)
{
    canvas_text_right(&d->cv, NULL, x, y, st, size, c, t, strlen(t));
}

static void new_page(struct dctx *d)
{
    canvas_add_page(&d->cv);
    d->y = d->top;
    if (d->header)
        d->header(d);
}

static void need(struct dctx *d, float h)
{
    if (d->y - h < d->bottom)
        new_page(d);
}

/* A wrapped paragraph between x and x1 at the current y; returns its
 * height (drawn only with draw). */
static float para(struct dctx *d, float x, float x1, enum canvas_style st, float size, struct canvas_rgb c,
                  const char *t, bool draw)
{
    canvas_wrap(&d->cv, st, size, t, x1 - x, &d->lines);
    if (draw)
        for (size_t i = 0; i < d->lines.n; i++)
            canvas_text(&d->cv, NULL, x, d->y - size - LEAD(size) * (float)i, st, size, c,
                        t + d->lines.v[i].off, d->lines.v[i].len);
    return LEAD(size) * (float)d->lines.n;
}

/* A paragraph across the page, moving down past it (and a gap). */
static void flow(struct dctx *d, enum canvas_style st, float size, struct canvas_rgb c, const char *t, float gap)
{
    float h = para(d, d->x0, d->x1, st, size, c, t, false);
    need(d, h);
    para(d, d->x0, d->x1, st, size, c, t, true);
    d->y -= h + gap;
}

static void heading(struct dctx *d, const char *t)
{
    need(d, 48);
    text(d, d->x0, d->y - 12, CANVAS_BOLD, 12, ACCENT, t);
    d->y -= 20;
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
    float h = 15, base = d->y - 10.5f;
    canvas_fill_rect(&d->cv, d->x0, d->y - h, d->x1 - d->x0, h, ACCENT);
    for (size_t i = 0; i < n; i++) {
        if (c[i].right)
            text_r(d, c[i].x ? d->x0 + c[i].x : d->x1 - 2, base, CANVAS_BOLD, SMALL, WHITE, T(d, c[i].key));
        else
            text(d, d->x0 + c[i].x, base, CANVAS_BOLD, SMALL, WHITE, T(d, c[i].key));
    }
    d->y -= h + 3;
}

static void bill_header(struct dctx *d)
{
    static const struct column c[] = {
        { B_DATE, false, "table.date" }, { B_PROV, false, "table.provider" }, { B_CODE, false, "table.code" },
        { B_DESC, false, "table.description" }, { B_QTY, true, "table.quantity" }, { 0, true, "table.amount" },
    };
    table_head(d, c, sizeof c / sizeof c[0]);
}

static void compare_header(struct dctx *d)
{
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
    d->header = NULL;
    new_page(d);
    text(d, d->x0, d->y - 16, CANVAS_BOLD, 16, INK, T(d, "packet.title"));
    d->y -= 24;
    const char *number = js(c, "number");
    flow(d, CANVAS_REGULAR, BODY, INK, TX(d, "packet.intro", "number", number, "issued", date_words(d, js(c, "issued")), NULL), 4);
    if (*js(c, "patient_name"))
        flow(d, CANVAS_BOLD, BODY, INK, TX(d, "packet.patient", "name", printable(d, js(c, "patient_name")), NULL), 4);
    flow(d, CANVAS_REGULAR, BODY, INK,
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
        d->header = NULL;
        flow(d, CANVAS_BOLD, BODY, in_force ? INK : MUTED, line, 3);
        if (!in_force)
            continue;
        need(d, 40);
        d->header = bill_header;
        bill_header(d);
        cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(b, "lines"))
        {
            const char *desc = printable(d, js(x, "description"));
            float h = para(d, d->x0 + B_DESC, d->x0 + B_QTY - 24, CANVAS_REGULAR, SMALL + 0.5f, INK, desc, false);
            if (h < LEAD(SMALL + 0.5f))
                h = LEAD(SMALL + 0.5f);
            float pw = B_CODE - B_PROV - 6;
            const char *prov = printable(d, provider_name(c, (int)jc(x, "provider_index")));
            float hp = para(d, d->x0 + B_PROV, d->x0 + B_PROV + pw, CANVAS_REGULAR, SMALL + 0.5f, INK, prov, false);
            if (hp > h)
                h = hp;
            need(d, h + 2);
            float base = d->y - (SMALL + 0.5f);
            text(d, d->x0 + B_DATE, base, CANVAS_REGULAR, SMALL + 0.5f, INK, js(x, "date_of_service"));
            para(d, d->x0 + B_PROV, d->x0 + B_PROV + pw, CANVAS_REGULAR, SMALL + 0.5f, INK, prov, true);
            text(d, d->x0 + B_CODE, base, CANVAS_REGULAR, SMALL + 0.5f, INK, printable(d, js(x, "code")));
            para(d, d->x0 + B_DESC, d->x0 + B_QTY - 24, CANVAS_REGULAR, SMALL + 0.5f, INK, desc, true);
            char q[24];
            snprintf(q, sizeof q, "%lld", (long long)jc(x, "quantity"));
            text_r(d, d->x0 + B_QTY, base, CANVAS_REGULAR, SMALL + 0.5f, INK, q);
            text_r(d, d->x1 - 2, base, CANVAS_REGULAR, SMALL + 0.5f, INK, money(d, jc(x, "amount_cents")));
            d->y -= h + 2;
        }
        d->header = NULL;
        d->y -= 8;
    }
    /* the comparison */
    heading(d, T(d, "packet.comparison"));
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c, "providers"))
    {
        bool flagged = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "flagged"));
        char diff[48];
        signed_money(d, jc(p, "difference_cents"), diff, sizeof diff);
        d->header = NULL;
        need(d, 80);
        flow(d, CANVAS_BOLD, 10, ACCENT,
             TX(d, "provider.head", "name", printable(d, js(p, "name")), "npi", js(p, "npi"), "tin", js(p, "tin"), NULL), 2);
        flow(d, CANVAS_BOLD, BODY, INK,
             TX(d, "provider.totals", "estimate", money(d, jc(p, "estimate_cents")), "billed",
                money(d, jc(p, "billed_cents")), "difference", diff, NULL),
             2);
        flow(d, flagged ? CANVAS_BOLD : CANVAS_ITALIC, BODY, flagged ? ALERT : MUTED,
             T(d, flagged ? "provider.flagged" : "provider.within"), 4);
        d->header = compare_header;
        compare_header(d);
        cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(p, "rows"))
        {
            const char *desc = row_words(d, x), *st = status_words(d, x);
            float dw = C_EQ - C_DESC - 30;
            float h = para(d, d->x0 + C_DESC, d->x0 + C_DESC + dw, CANVAS_REGULAR, SMALL + 0.5f, INK, desc, false) +
                      LEAD(SMALL);
            int64_t dc = jc(x, "difference_cents");
            need(d, h + 3);
            if (dc)
                canvas_fill_rect(&d->cv, d->x0, d->y - h - 1, d->x1 - d->x0, h + 2, BAND);
            float base = d->y - (SMALL + 0.5f);
            char n[16], eq[16], bq[16];
            snprintf(n, sizeof n, "%lld", (long long)jc(x, "line"));
            snprintf(eq, sizeof eq, "%lld", (long long)jc(x, "estimate_quantity"));
            snprintf(bq, sizeof bq, "%lld", (long long)jc(x, "billed_quantity"));
            bool item = !strcmp(js(x, "kind"), "item");
            text(d, d->x0 + C_LINE, base, CANVAS_BOLD, SMALL + 0.5f, INK, n);
            text(d, d->x0 + C_CODE, base, CANVAS_REGULAR, SMALL + 0.5f, INK, item ? printable(d, js(x, "code")) : "");
            para(d, d->x0 + C_DESC, d->x0 + C_DESC + dw, CANVAS_REGULAR, SMALL + 0.5f, INK, desc, true);
            float hd = para(d, d->x0 + C_DESC, d->x0 + C_DESC + dw, CANVAS_REGULAR, SMALL + 0.5f, INK, desc, false);
            text(d, d->x0 + C_DESC, d->y - hd - SMALL, CANVAS_ITALIC, SMALL, dc > 0 ? ALERT : MUTED, st);
            if (item) {
                text_r(d, d->x0 + C_EQ, base, CANVAS_REGULAR, SMALL + 0.5f, INK, eq);
                text_r(d, d->x0 + C_BQ, base, CANVAS_REGULAR, SMALL + 0.5f, INK, bq);
            }
            text_r(d, d->x0 + C_EST, base, CANVAS_REGULAR, SMALL + 0.5f, INK, money(d, jc(x, "estimate_cents")));
            text_r(d, d->x0 + C_BILL, base, CANVAS_REGULAR, SMALL + 0.5f, INK, money(d, jc(x, "billed_cents")));
            char ds[48];
            signed_money(d, dc, ds, sizeof ds);
            text_r(d, d->x1 - 2, base, dc ? CANVAS_BOLD : CANVAS_REGULAR, SMALL + 0.5f, dc > 0 ? ALERT : INK, ds);
            d->y -= h + 3;
        }
        d->header = NULL;
        d->y -= 10;
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
        flow(d, CANVAS_BOLD, BODY, INK, head, 1);
        const cJSON *ex = cJSON_GetObjectItemCaseSensitive(x, "explanations"), *e;
        if (!cJSON_GetArraySize(ex))
            flow(d, CANVAS_ITALIC, BODY, MUTED, T(d, "packet.no_explanation"), 5);
        cJSON_ArrayForEach(e, ex)
            flow(d, CANVAS_REGULAR, BODY, INK,
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
    d->w_page = o && o->a4 ? 595.276f : 612.0f;
    d->h_page = o && o->a4 ? 841.89f : 792.0f;
    d->x0 = MARGIN;
    d->x1 = d->w_page - MARGIN;
    d->top = d->h_page - 54;
    d->bottom = 60;
    char font[4096];
    snprintf(font, sizeof font, "%s/%s", d->dir, RENDER_PDF_FONT);
    if (canvas_open(&d->cv, d->w_page, d->h_page, font, dl) != 0)
        return -1;
    canvas_info(&d->cv, HPDF_INFO_CREATOR, "regenquote");
    return 0;
}

static void close_doc(struct dctx *d)
{
    template_words_free(&d->w);
    template_free(&d->t);
    canvas_lines_free(&d->lines);
    canvas_free(&d->cv);
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
        canvas_text(&d->cv, d->cv.pages[i], d->x0, 34, CANVAS_REGULAR, 7, MUTED, foot, strlen(foot));
        canvas_text_right(&d->cv, d->cv.pages[i], d->x1, 34, CANVAS_BOLD, 8, INK, pl, strlen(pl));
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
    canvas_info(&d.cv, HPDF_INFO_TITLE, "Dispute packet");
    for (size_t i = 0; i < nl; i++) {
        size_t from = d.cv.n_pages;
        if (open_words(&d, langs[i]) != 0)
            goto out;
        packet_pages(&d);
        footers(&d, from, d.cv.n_pages, "packet.page");
        if (d.w.failed)
            goto out;
    }
    if (dl->errors > errors || canvas_finish(&d.cv, &pages, &npages, dl) != 0)
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
    canvas_info(&d.cv, HPDF_INFO_TITLE, T(&d, "letter.title"));
    new_page(&d);
    text(&d, d.x0, d.y - 15, CANVAS_BOLD, 15, ACCENT, printable(&d, js(clinic, "name")));
    d.y -= 22;
    if (*js(clinic, "phone")) {
        text(&d, d.x0, d.y - BODY, CANVAS_REGULAR, BODY, MUTED, printable(&d, js(clinic, "phone")));
        d.y -= LEAD(BODY);
    }
    d.y -= 14;
    text(&d, d.x0, d.y - 16, CANVAS_BOLD, 16, INK, T(&d, "letter.title"));
    d.y -= 24;
    flow(&d, CANVAS_REGULAR, 10, INK, TX(&d, "letter.date", "date", template_words_date(&d.w, date), NULL), 10);
    const char *name = *js(check, "patient_name") ? printable(&d, js(check, "patient_name")) : "";
    flow(&d, CANVAS_REGULAR, 10, INK, TX(&d, "letter.greeting", "name", name, NULL), 8);
    flow(&d, CANVAS_REGULAR, 10, INK,
         TX(&d, "letter.intro", "number", js(check, "number"), "issued", date_words(&d, js(check, "issued")), NULL), 10);
    bool any_diff = false;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(check, "providers"))
        any_diff |= jc(p, "difference_cents") != 0;
    if (!any_diff)
        flow(&d, CANVAS_REGULAR, 10, INK, T(&d, "letter.same"), 10);
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
        flow(&d, CANVAS_BOLD, 10, INK, line, 4);
        if (diff) {
            flow(&d, CANVAS_REGULAR, 10, INK, T(&d, "letter.why"), 2);
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
                float h = para(&d, d.x0 + 14, d.x1, CANVAS_REGULAR, 10, INK, item, false);
                need(&d, h);
                para(&d, d.x0 + 14, d.x1, CANVAS_REGULAR, 10, INK, item, true);
                d.y -= h + 2;
            }
        }
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "flagged"))) {
            const char *body = TX(&d, "letter.right", "name", pn, "deadline",
                                  date_words(&d, js(check, "dispute_deadline")), NULL);
            float pad = 7, h = para(&d, d.x0 + pad, d.x1 - pad, CANVAS_REGULAR, 10, INK, body, false);
            float box = pad + 14 + h + pad;
            need(&d, box + 10);
            d.y -= 4;
            canvas_stroke_rect(&d.cv, d.x0, d.y - box, d.x1 - d.x0, box, 1.2f, ALERT);
            text(&d, d.x0 + pad, d.y - pad - 10, CANVAS_BOLD, 10.5f, ALERT, T(&d, "letter.right_title"));
            d.y -= pad + 14;
            para(&d, d.x0 + pad, d.x1 - pad, CANVAS_REGULAR, 10, INK, body, true);
            d.y -= h + pad + 6;
        }
        d.y -= 8;
    }
    need(&d, 4 * LEAD(10) + 24); /* the questions, the closing and the signature together */
    if (*js(clinic, "phone"))
        flow(&d, CANVAS_REGULAR, 10, INK, TX(&d, "letter.questions", "phone", printable(&d, js(clinic, "phone")), NULL), 12);
    flow(&d, CANVAS_REGULAR, 10, INK, T(&d, "letter.closing"), 4);
    flow(&d, CANVAS_REGULAR, 10, INK, TX(&d, "letter.signature", "clinic", printable(&d, js(clinic, "name")), NULL), 4);
    footers(&d, 0, d.cv.n_pages, "letter.page");
    if (d.w.failed || dl->errors > errors)
        goto out;
    rc = canvas_finish(&d.cv, pdf, len, dl);
out:
    if (rc != 0 && dl->errors == errors)
        diag_error(dl, NULL, NULL, "cannot lay out the letter");
    close_doc(&d);
    return rc;
}
