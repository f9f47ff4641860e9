#include "render_sheet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canvas.h"
#include "layout.h"
#include "money.h"
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

struct sctx {
    const struct price_table *pt;
    struct template t;
    struct template_words w;     /* t's words, and the strings made from them */
    struct layout l;             /* the canvas and the cursor (layout.h) */
    struct diag_list *dl;
    float c_code, c_desc, c_price;
};

/* The document's words (template.h): a value as written, a value with
 * placeholders filled in (name, value, …, NULL), kept until the end. */
#define T(s, key) template_words_get(&(s)->w, key)
#define TX(s, ...) template_words_expand(&(s)->w, __VA_ARGS__)

/* The items' table head, repeated on top of each page the table runs on. */
static void table_header(void *ctx)
{
    struct sctx *s = ctx;
    static const struct layout_band band = { 16, 11, LAYOUT_BODY, 4 };
    const struct layout_column c[] = {
        { s->c_code, false, T(s, "table.code") },
        { s->c_desc, false, T(s, "table.description") },
        { s->c_price, true, T(s, "table.price") },
    };
    layout_table_head(&s->l, &band, c, sizeof c / sizeof c[0]);
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
    layout_need(&s->l, 60);           /* before the header is set: a new page here draws it once */
    s->l.header = table_header;
    table_header(s);
    for (int ph = 0; ph < PHASE_COUNT; ph++) {
        bool any = false;
        for (size_t i = 0; i < pt->n_items; i++)
            any |= pt->items[i].phase == (enum phase)ph;
        if (!any)
            continue;
        layout_need(&s->l, 34);
        canvas_fill_rect(&s->l.cv, s->l.x0, s->l.y - 14, s->l.x1 - s->l.x0, 14, LAYOUT_BAND);
        layout_text(&s->l, s->l.x0 + 4, s->l.y - 10, CANVAS_BOLD, LAYOUT_BODY, LAYOUT_ACCENT, phase_title(s, (enum phase)ph));
        s->l.y -= 18;
        for (size_t i = 0; i < pt->n_items; i++) {
            const struct pt_item *it = &pt->items[i];
            if (it->phase != (enum phase)ph)
                continue;
            char price[48];
            money_styled(it->price, &s->w.money, true, price, sizeof price);
            if (it->coverage == COVERAGE_MAY_BE_BILLABLE || it->separate)
                strncat(price, it->separate ? " \xC2\xA7" : " *", sizeof price - strlen(price) - 1);
            float h = layout_para(&s->l, s->c_desc, s->c_price - 90, CANVAS_REGULAR, LAYOUT_BODY, LAYOUT_INK, it->description, false);
            layout_need(&s->l, h + 3);
            layout_text(&s->l, s->c_code, s->l.y - LAYOUT_BODY, CANVAS_REGULAR, LAYOUT_BODY, LAYOUT_INK, it->code);
            layout_para(&s->l, s->c_desc, s->c_price - 90, CANVAS_REGULAR, LAYOUT_BODY, LAYOUT_INK, it->description, true);
            layout_text_r(&s->l, s->c_price, s->l.y - LAYOUT_BODY, CANVAS_REGULAR, LAYOUT_BODY, LAYOUT_INK, price);
            s->l.y -= h + 3;
        }
    }
    s->l.header = NULL;
    layout_need(&s->l, 30);
    s->l.y -= 4;
    layout_text(&s->l, s->l.x0, s->l.y - LAYOUT_SMALL, CANVAS_ITALIC, LAYOUT_SMALL, LAYOUT_MUTED, T(s, "note.billable"));
    s->l.y -= LAYOUT_LEAD(LAYOUT_SMALL);
    layout_text(&s->l, s->l.x0, s->l.y - LAYOUT_SMALL, CANVAS_ITALIC, LAYOUT_SMALL, LAYOUT_MUTED, T(s, "note.separate"));
    s->l.y -= LAYOUT_LEAD(LAYOUT_SMALL) + 8;
}

static void heading(struct sctx *s, const char *t)
{
    layout_heading(&s->l, t, 40, 18);
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
        float h = layout_para(&s->l, s->c_desc, s->c_price - 90, CANVAS_REGULAR, LAYOUT_SMALL + 0.5f, LAYOUT_MUTED, line, false);
        layout_need(&s->l, LAYOUT_LEAD(LAYOUT_BODY) + h + 6);
        layout_text(&s->l, s->c_desc, s->l.y - LAYOUT_BODY, CANVAS_BOLD, LAYOUT_BODY, LAYOUT_INK, pk->name);
        layout_text_r(&s->l, s->c_price, s->l.y - LAYOUT_BODY, CANVAS_BOLD, LAYOUT_BODY, LAYOUT_INK, price);
        s->l.y -= LAYOUT_LEAD(LAYOUT_BODY);
        layout_para(&s->l, s->c_desc, s->c_price - 90, CANVAS_REGULAR, LAYOUT_SMALL + 0.5f, LAYOUT_MUTED, line, true);
        s->l.y -= h + 6;
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
        layout_need(&s->l, LAYOUT_LEAD(LAYOUT_BODY) * 2 + 4);
        layout_text(&s->l, s->c_desc, s->l.y - LAYOUT_BODY, CANVAS_BOLD, LAYOUT_BODY, LAYOUT_INK, d->name);
        layout_text_r(&s->l, s->c_price, s->l.y - LAYOUT_BODY, CANVAS_BOLD, LAYOUT_BODY, LAYOUT_INK, value);
        s->l.y -= LAYOUT_LEAD(LAYOUT_BODY);
        if (rules[0]) {
            layout_text(&s->l, s->c_desc, s->l.y - LAYOUT_SMALL, CANVAS_REGULAR, LAYOUT_SMALL + 0.5f, LAYOUT_MUTED, rules);
            s->l.y -= LAYOUT_LEAD(LAYOUT_SMALL + 0.5f);
        }
        s->l.y -= 4;
    }
}

static void insurance(struct sctx *s)
{
    float pad = 6, w = s->l.x1 - s->l.x0;
    float h = layout_para(&s->l, s->l.x0 + pad, s->l.x1 - pad, CANVAS_REGULAR, LAYOUT_SMALL + 0.5f, LAYOUT_INK, T(s, "insurance.body"), false);
    float box = pad + 12 + h + pad;
    layout_need(&s->l, box + 8);
    canvas_stroke_rect(&s->l.cv, s->l.x0, s->l.y - box, w, box, 1.2f, LAYOUT_ALERT);
    layout_text(&s->l, s->l.x0 + pad, s->l.y - pad - 9, CANVAS_BOLD, LAYOUT_BODY, LAYOUT_ALERT, T(s, "insurance.title"));
    s->l.y -= pad + 12;
    layout_para(&s->l, s->l.x0 + pad, s->l.x1 - pad, CANVAS_REGULAR, LAYOUT_SMALL + 0.5f, LAYOUT_INK, T(s, "insurance.body"), true);
    s->l.y -= h + pad + 10;
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
    s.l.ctx = &s;
    size_t errors = dl->errors;
    int rc = -1;
    if (template_load(&s.t, dir, o->lang ? o->lang : "en", "sheet.txt", dl) != 0 ||
        template_check(&s.t, KEYS, sizeof KEYS / sizeof KEYS[0], dl) != 0 ||
        template_words_init(&s.w, &s.t, dl) != 0 ||
        layout_open(&s.l, dir, o->a4, dl) != 0)
        goto out;
    /* everything printed must be printable */
    for (size_t i = 0; i < pt->n_items; i++)
        if (canvas_check_text(&s.l.cv, pt->items[i].description, pt->catalog_doc.name, pt->items[i].id, dl) != 0)
            goto out;
    s.c_code = s.l.x0 + 4;
    s.c_desc = s.l.x0 + 52;
    s.c_price = s.l.x1 - 4;
    canvas_info(&s.l.cv, HPDF_INFO_TITLE, T(&s, "doc.title"));
    canvas_info(&s.l.cv, HPDF_INFO_AUTHOR, pt->clinic.name);
    canvas_info(&s.l.cv, HPDF_INFO_CREATOR, "regenquote");
    layout_new_page(&s.l);
    layout_text(&s.l, s.l.x0, s.l.y - 15, CANVAS_BOLD, 15, LAYOUT_ACCENT, pt->clinic.name ? pt->clinic.name : "");
    s.l.y -= 22;
    for (size_t i = 0; i < pt->clinic.n_address; i++) {
        layout_text(&s.l, s.l.x0, s.l.y - LAYOUT_BODY, CANVAS_REGULAR, LAYOUT_BODY, LAYOUT_MUTED, pt->clinic.address[i]);
        s.l.y -= LAYOUT_LEAD(LAYOUT_BODY);
    }
    if (pt->clinic.phone) {
        layout_text(&s.l, s.l.x0, s.l.y - LAYOUT_BODY, CANVAS_REGULAR, LAYOUT_BODY, LAYOUT_MUTED, pt->clinic.phone);
        s.l.y -= LAYOUT_LEAD(LAYOUT_BODY);
    }
    s.l.y -= 12;
    layout_text(&s.l, s.l.x0, s.l.y - 18, CANVAS_BOLD, 18, LAYOUT_INK, T(&s, "doc.title"));
    s.l.y -= 26;
    layout_text(&s.l, s.l.x0, s.l.y - 10, CANVAS_REGULAR, 10, LAYOUT_INK,
         TX(&s, "doc.subtitle", "date", template_words_date(&s.w, pt->prices_on), NULL));
    s.l.y -= 20;
    insurance(&s);
    items(&s);
    packages(&s);
    discounts(&s);
    /* footers: trace and Page X of Y on every page */
    char digest[13], pages[24], page[24];
    snprintf(digest, sizeof digest, "%.12s", pt->sha256);
    snprintf(pages, sizeof pages, "%zu", s.l.cv.n_pages);
    const char *trace = TX(&s, "doc.trace", "version", price_table_prices_version(pt), "digest", digest, NULL);
    for (size_t i = 0; i < s.l.cv.n_pages; i++) {
        snprintf(page, sizeof page, "%zu", i + 1);
        layout_footer(&s.l, i, trace, 6.5f, TX(&s, "doc.page", "page", page, "pages", pages, NULL));
    }
    if (s.w.failed || dl->errors > errors)
        goto out;
    rc = canvas_finish(&s.l.cv, buf, len, dl);
out:
    if (rc != 0 && dl->errors == errors)
        diag_error(dl, NULL, NULL, "cannot lay out the price list");
    template_words_free(&s.w);
    layout_close(&s.l);
    template_free(&s.t);
    return rc;
}
