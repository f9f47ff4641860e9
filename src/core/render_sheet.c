#include "render_sheet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canvas.h"
#include "money.h"
#include "render_pdf.h"
#include "template.h"

/* Keys the sheet needs, with the placeholders each may use. */
static const struct template_key KEYS[] = {
    { "date.months", "" }, { "date.long", "day month year" }, { "money.symbol", "" },
    { "money.decimal", "" }, { "money.group", "" }, { "doc.title", "" }, { "doc.subtitle", "date" },
    { "doc.trace", "version digest" }, { "doc.page", "page pages" }, { "insurance.title", "" },
    { "insurance.body", "" }, { "table.code", "" }, { "table.description", "" }, { "table.price", "" },
    { "table.continued", "" }, { "phase.before", "" }, { "phase.procedure", "" }, { "phase.after", "" },
    { "phase.repeat", "" }, { "phase.follow_up", "" }, { "note.billable", "" }, { "note.separate", "" },
    { "packages.heading", "" }, { "packages.line", "includes separate saving" },
    { "discounts.heading", "" }, { "discounts.cap", "amount" }, { "discounts.entered", "limit" },
    { "discounts.reason", "" }, { "discounts.no_package", "" },
};

#define MARGIN 50.0f
#define BODY 9.0f
#define SMALL 7.5f
#define LEAD(s) ((s) * 1.3f)

static const struct canvas_rgb INK = { 0.13f, 0.13f, 0.13f }, MUTED = { 0.42f, 0.42f, 0.42f },
                                ACCENT = { 0.04f, 0.31f, 0.42f }, WHITE = { 1, 1, 1 },
                                BAND = { 0.91f, 0.95f, 0.96f }, ALERT = { 0.70f, 0.13f, 0.13f };

struct sctx {
    const struct price_table *pt;
    struct template t;
    struct template_words w;     /* t's words, and the strings made from them */
    struct canvas cv;
    struct canvas_lines lines;
    struct diag_list *dl;
    float x0, x1, y, bottom, top;
    float c_code, c_desc, c_price;
    bool table_open;
};

/* The document's words (template.h): a value as written, a value with
 * placeholders filled in (name, value, …, NULL), kept until the end. */
#define T(s, key) template_words_get(&(s)->w, key)
#define TX(s, ...) template_words_expand(&(s)->w, __VA_ARGS__)

static void text(struct sctx *s, float x, float y, enum canvas_style st, float size, struct canvas_rgb c,
                 const char *t)
{
    canvas_text(&s->cv, NULL, x, y, st, size, c, t, strlen(t));
}

static void text_r(struct sctx *s, float x, float y, enum canvas_style st, float size, struct canvas_rgb c,
                   const char *t)
{
    canvas_text_right(&s->cv, NULL, x, y, st, size, c, t, strlen(t));
}

static void table_header(struct sctx *s);

static void new_page(struct sctx *s)
{
    canvas_add_page(&s->cv);
    s->y = s->top;
    if (s->table_open)
        table_header(s);
}

static void need(struct sctx *s, float h)
{
    if (s->y - h < s->bottom)
        new_page(s);
}

/* Wrapped paragraph at x..x1; returns its height. */
static float para(struct sctx *s, float x, float x1, enum canvas_style st, float size, struct canvas_rgb c,
                  const char *t, bool draw)
{
    canvas_wrap(&s->cv, st, size, t, x1 - x, &s->lines);
    if (draw)
        for (size_t i = 0; i < s->lines.n; i++)
            canvas_text(&s->cv, NULL, x, s->y - size - LEAD(size) * (float)i, st, size, c,
                        t + s->lines.v[i].off, s->lines.v[i].len);
    return LEAD(size) * (float)s->lines.n;
}

static void table_header(struct sctx *s)
{
    float h = 16;
    canvas_fill_rect(&s->cv, s->x0, s->y - h, s->x1 - s->x0, h, ACCENT);
    float base = s->y - 11;
    text(s, s->c_code, base, CANVAS_BOLD, BODY, WHITE, T(s, "table.code"));
    text(s, s->c_desc, base, CANVAS_BOLD, BODY, WHITE, T(s, "table.description"));
    text_r(s, s->c_price, base, CANVAS_BOLD, BODY, WHITE, T(s, "table.price"));
    s->y -= h + 4;
}

static const char *phase_title(struct sctx *s, enum phase p)
{
    static const char *const keys[PHASE_COUNT] = { "phase.before", "phase.procedure", "phase.after",
                                                   "phase.repeat", "phase.follow_up" };
    return T(s, keys[p]);
}

static void items(struct sctx *s)
{
    const struct price_table *pt = s->pt;
    s->table_open = true;
    need(s, 60);
    table_header(s);
    for (int ph = 0; ph < PHASE_COUNT; ph++) {
        bool any = false;
        for (size_t i = 0; i < pt->n_items; i++)
            any |= pt->items[i].phase == (enum phase)ph;
        if (!any)
            continue;
        need(s, 34);
        canvas_fill_rect(&s->cv, s->x0, s->y - 14, s->x1 - s->x0, 14, BAND);
        text(s, s->x0 + 4, s->y - 10, CANVAS_BOLD, BODY, ACCENT, phase_title(s, (enum phase)ph));
        s->y -= 18;
        for (size_t i = 0; i < pt->n_items; i++) {
            const struct pt_item *it = &pt->items[i];
            if (it->phase != (enum phase)ph)
                continue;
            char price[48];
            money_styled(it->price, &s->w.money, true, price, sizeof price);
            if (it->coverage == COVERAGE_MAY_BE_BILLABLE || it->separate)
                strncat(price, it->separate ? " \xC2\xA7" : " *", sizeof price - strlen(price) - 1);
            float h = para(s, s->c_desc, s->c_price - 90, CANVAS_REGULAR, BODY, INK, it->description, false);
            need(s, h + 3);
            text(s, s->c_code, s->y - BODY, CANVAS_REGULAR, BODY, INK, it->code);
            para(s, s->c_desc, s->c_price - 90, CANVAS_REGULAR, BODY, INK, it->description, true);
            text_r(s, s->c_price, s->y - BODY, CANVAS_REGULAR, BODY, INK, price);
            s->y -= h + 3;
        }
    }
    s->table_open = false;
    need(s, 30);
    s->y -= 4;
    text(s, s->x0, s->y - SMALL, CANVAS_ITALIC, SMALL, MUTED, T(s, "note.billable"));
    s->y -= LEAD(SMALL);
    text(s, s->x0, s->y - SMALL, CANVAS_ITALIC, SMALL, MUTED, T(s, "note.separate"));
    s->y -= LEAD(SMALL) + 8;
}

static void heading(struct sctx *s, const char *t)
{
    need(s, 40);
    text(s, s->x0, s->y - 12, CANVAS_BOLD, 12, ACCENT, t);
    s->y -= 18;
}

static void packages(struct sctx *s)
{
    const struct price_table *pt = s->pt;
    if (!pt->n_packages)
        return;
    heading(s, T(s, "packages.heading"));
    for (size_t i = 0; i < pt->n_packages; i++) {
        const struct pt_package *pk = &pt->packages[i];
        char inc[1024] = "", price[48], sep[48], save[48];
        for (size_t k = 0; k < pk->n_includes; k++) {
            char one[300];
            snprintf(one, sizeof one, "%s%d \xC3\x97 %s", k ? "; " : "", pk->includes[k].quantity,
                     pk->includes[k].item->description);
            strncat(inc, one, sizeof inc - strlen(inc) - 1);
        }
        money_styled(pk->price, &s->w.money, true, price, sizeof price);
        money_styled(pk->a_la_carte, &s->w.money, true, sep, sizeof sep);
        money_styled(pk->a_la_carte - pk->price, &s->w.money, true, save, sizeof save);
        const char *line = TX(s, "packages.line", "includes", inc, "separate", sep, "saving", save, NULL);
        float h = para(s, s->c_desc, s->c_price - 90, CANVAS_REGULAR, SMALL + 0.5f, MUTED, line, false);
        need(s, LEAD(BODY) + h + 6);
        text(s, s->c_desc, s->y - BODY, CANVAS_BOLD, BODY, INK, pk->name);
        text_r(s, s->c_price, s->y - BODY, CANVAS_BOLD, BODY, INK, price);
        s->y -= LEAD(BODY);
        para(s, s->c_desc, s->c_price - 90, CANVAS_REGULAR, SMALL + 0.5f, MUTED, line, true);
        s->y -= h + 6;
    }
}

static void discounts(struct sctx *s)
{
    const struct price_table *pt = s->pt;
    if (!pt->n_discounts)
        return;
    heading(s, T(s, "discounts.heading"));
    for (size_t i = 0; i < pt->n_discounts; i++) {
        const struct pt_discount *d = &pt->discounts[i];
        char value[64], b[48];
        char dec = s->w.money.decimal;
        if (d->type == DISCOUNT_PERCENT && d->has_value)
            percent_format(d->percent, dec, value, sizeof value);
        else if (d->type == DISCOUNT_PERCENT)
            snprintf(value, sizeof value, "%s", TX(s, "discounts.entered", "limit",
                                                   percent_format(d->max_percent, dec, b, sizeof b), NULL));
        else if (d->has_value)
            money_styled(d->amount, &s->w.money, true, value, sizeof value);
        else {
            money_styled(d->max_amount, &s->w.money, true, b, sizeof b);
            snprintf(value, sizeof value, "%s", TX(s, "discounts.entered", "limit", b, NULL));
        }
        char rules[400] = "";
        if (d->cap > 0) {
            money_styled(d->cap, &s->w.money, true, b, sizeof b);
            snprintf(rules, sizeof rules, "%s", TX(s, "discounts.cap", "amount", b, NULL));
        }
        if (d->requires_reason)
            snprintf(rules + strlen(rules), sizeof rules - strlen(rules), "%s%s", rules[0] ? "; " : "",
                     T(s, "discounts.reason"));
        if (!d->with_package)
            snprintf(rules + strlen(rules), sizeof rules - strlen(rules), "%s%s", rules[0] ? "; " : "",
                     T(s, "discounts.no_package"));
        need(s, LEAD(BODY) * 2 + 4);
        text(s, s->c_desc, s->y - BODY, CANVAS_BOLD, BODY, INK, d->name);
        text_r(s, s->c_price, s->y - BODY, CANVAS_BOLD, BODY, INK, value);
        s->y -= LEAD(BODY);
        if (rules[0]) {
            text(s, s->c_desc, s->y - SMALL, CANVAS_REGULAR, SMALL + 0.5f, MUTED, rules);
            s->y -= LEAD(SMALL + 0.5f);
        }
        s->y -= 4;
    }
}

static void insurance(struct sctx *s)
{
    float pad = 6, w = s->x1 - s->x0;
    float h = para(s, s->x0 + pad, s->x1 - pad, CANVAS_REGULAR, SMALL + 0.5f, INK, T(s, "insurance.body"), false);
    float box = pad + 12 + h + pad;
    need(s, box + 8);
    canvas_stroke_rect(&s->cv, s->x0, s->y - box, w, box, 1.2f, ALERT);
    text(s, s->x0 + pad, s->y - pad - 9, CANVAS_BOLD, BODY, ALERT, T(s, "insurance.title"));
    s->y -= pad + 12;
    para(s, s->x0 + pad, s->x1 - pad, CANVAS_REGULAR, SMALL + 0.5f, INK, T(s, "insurance.body"), true);
    s->y -= h + pad + 10;
}

int render_sheet_mem(const struct price_table *pt, const struct sheet_opts *o, unsigned char **buf,
                     size_t *len, struct diag_list *dl)
{
    *buf = NULL;
    *len = 0;
    struct sctx s;
    memset(&s, 0, sizeof s);
    s.pt = pt;
    s.dl = dl;
    const char *dir = o->templates_dir ? o->templates_dir : "templates";
    char font[4096];
    snprintf(font, sizeof font, "%s/%s", dir, RENDER_PDF_FONT);
    float w = o->a4 ? 595.276f : 612.0f, h = o->a4 ? 841.89f : 792.0f;
    size_t errors = dl->errors;
    int rc = -1;
    if (template_load(&s.t, dir, o->lang ? o->lang : "en", "sheet.txt", dl) != 0 ||
        template_check(&s.t, KEYS, sizeof KEYS / sizeof KEYS[0], dl) != 0 ||
        template_words_init(&s.w, &s.t, dl) != 0 ||
        canvas_open(&s.cv, w, h, font, dl) != 0)
        goto out;
    /* everything printed must be printable */
    for (size_t i = 0; i < pt->n_items; i++)
        if (canvas_check_text(&s.cv, pt->items[i].description, pt->catalog_doc.name, pt->items[i].id, dl) != 0)
            goto out;
    s.x0 = MARGIN;
    s.x1 = w - MARGIN;
    s.top = h - 54;
    s.bottom = 60;
    s.c_code = s.x0 + 4;
    s.c_desc = s.x0 + 52;
    s.c_price = s.x1 - 4;
    canvas_info(&s.cv, HPDF_INFO_TITLE, T(&s, "doc.title"));
    canvas_info(&s.cv, HPDF_INFO_AUTHOR, pt->clinic.name);
    canvas_info(&s.cv, HPDF_INFO_CREATOR, "regenquote");
    new_page(&s);
    text(&s, s.x0, s.y - 15, CANVAS_BOLD, 15, ACCENT, pt->clinic.name ? pt->clinic.name : "");
    s.y -= 22;
    for (size_t i = 0; i < pt->clinic.n_address; i++) {
        text(&s, s.x0, s.y - BODY, CANVAS_REGULAR, BODY, MUTED, pt->clinic.address[i]);
        s.y -= LEAD(BODY);
    }
    if (pt->clinic.phone) {
        text(&s, s.x0, s.y - BODY, CANVAS_REGULAR, BODY, MUTED, pt->clinic.phone);
        s.y -= LEAD(BODY);
    }
    s.y -= 12;
    text(&s, s.x0, s.y - 18, CANVAS_BOLD, 18, INK, T(&s, "doc.title"));
    s.y -= 26;
    text(&s, s.x0, s.y - 10, CANVAS_REGULAR, 10, INK,
         TX(&s, "doc.subtitle", "date", template_words_date(&s.w, pt->prices_on), NULL));
    s.y -= 20;
    insurance(&s);
    items(&s);
    packages(&s);
    discounts(&s);
    /* footers: trace and Page X of Y on every page */
    char digest[13], pages[24], page[24];
    snprintf(digest, sizeof digest, "%.12s", pt->sha256);
    snprintf(pages, sizeof pages, "%zu", s.cv.n_pages);
    const char *trace = TX(&s, "doc.trace", "version", price_table_prices_version(pt), "digest", digest, NULL);
    for (size_t i = 0; i < s.cv.n_pages; i++) {
        HPDF_Page pg = s.cv.pages[i];
        snprintf(page, sizeof page, "%zu", i + 1);
        const char *pl = TX(&s, "doc.page", "page", page, "pages", pages, NULL);
        canvas_text(&s.cv, pg, s.x0, 34, CANVAS_REGULAR, 6.5f, MUTED, trace, strlen(trace));
        canvas_text_right(&s.cv, pg, s.x1, 34, CANVAS_BOLD, 8, INK, pl, strlen(pl));
    }
    if (s.w.failed || dl->errors > errors)
        goto out;
    rc = canvas_finish(&s.cv, buf, len, dl);
out:
    if (rc != 0 && dl->errors == errors)
        diag_error(dl, NULL, NULL, "cannot lay out the price list");
    template_words_free(&s.w);
    canvas_lines_free(&s.lines);
    canvas_free(&s.cv);
    template_free(&s.t);
    return rc;
}
