/* layout — a document laid out down its pages on the canvas (layout.h). */
#include "layout.h"

#include <stdio.h>
#include <string.h>

#include "render_pdf.h"

const struct canvas_rgb LAYOUT_INK = { 0.13f, 0.13f, 0.13f }, LAYOUT_MUTED = { 0.42f, 0.42f, 0.42f },
                        LAYOUT_ACCENT = { 0.04f, 0.31f, 0.42f }, LAYOUT_WHITE = { 1, 1, 1 },
                        LAYOUT_BAND = { 0.91f, 0.95f, 0.96f }, LAYOUT_ALERT = { 0.70f, 0.13f, 0.13f };

int layout_open(struct layout *l, const char *templates_dir, bool a4, struct diag_list *dl)
{
    float w = a4 ? 595.276f : 612.0f, h = a4 ? 841.89f : 792.0f;
    char font[4096];
    snprintf(font, sizeof font, "%s/%s", templates_dir, RENDER_PDF_FONT);
    l->x0 = LAYOUT_MARGIN;
    l->x1 = w - LAYOUT_MARGIN;
    l->top = h - 54;
    l->bottom = 60;
    return canvas_open(&l->cv, w, h, font, dl);
}

void layout_close(struct layout *l)
{
    canvas_lines_free(&l->lines);
    canvas_free(&l->cv);
}

void layout_text(struct layout *l, float x, float y, enum canvas_style st, float size, struct canvas_rgb c,
                 const char *t)
{
    canvas_text(&l->cv, NULL, x, y, st, size, c, t, strlen(t));
}

void layout_text_r(struct layout *l, float x, float y, enum canvas_style st, float size, struct canvas_rgb c,
                   const char *t)
{
    canvas_text_right(&l->cv, NULL, x, y, st, size, c, t, strlen(t));
}

void layout_new_page(struct layout *l)
{
    canvas_add_page(&l->cv);
    l->y = l->top;
    if (l->header)
        l->header(l->ctx);
}

void layout_need(struct layout *l, float h)
{
    if (l->y - h < l->bottom)
        layout_new_page(l);
}

float layout_para(struct layout *l, float x, float x1, enum canvas_style st, float size, struct canvas_rgb c,
                  const char *t, bool draw)
{
    canvas_wrap(&l->cv, st, size, t, x1 - x, &l->lines);
    if (draw)
        for (size_t i = 0; i < l->lines.n; i++)
            canvas_text(&l->cv, NULL, x, l->y - size - LAYOUT_LEAD(size) * (float)i, st, size, c,
                        t + l->lines.v[i].off, l->lines.v[i].len);
    return LAYOUT_LEAD(size) * (float)l->lines.n;
}

void layout_flow(struct layout *l, enum canvas_style st, float size, struct canvas_rgb c, const char *t, float gap)
{
    float h = layout_para(l, l->x0, l->x1, st, size, c, t, false);
    layout_need(l, h);
    layout_para(l, l->x0, l->x1, st, size, c, t, true);
    l->y -= h + gap;
}

void layout_heading(struct layout *l, const char *t, float room, float advance)
{
    layout_need(l, room);
    layout_text(l, l->x0, l->y - 12, CANVAS_BOLD, 12, LAYOUT_ACCENT, t);
    l->y -= advance;
}

void layout_table_head(struct layout *l, const struct layout_band *b, const struct layout_column *c, size_t n)
{
    canvas_fill_rect(&l->cv, l->x0, l->y - b->height, l->x1 - l->x0, b->height, LAYOUT_ACCENT);
    float base = l->y - b->baseline;
    for (size_t i = 0; i < n; i++) {
        if (c[i].right)
            layout_text_r(l, c[i].x, base, CANVAS_BOLD, b->size, LAYOUT_WHITE, c[i].text);
        else
            layout_text(l, c[i].x, base, CANVAS_BOLD, b->size, LAYOUT_WHITE, c[i].text);
    }
    l->y -= b->height + b->gap;
}

void layout_footer(struct layout *l, size_t i, const char *left, float left_size, const char *right)
{
    HPDF_Page pg = l->cv.pages[i];
    canvas_text(&l->cv, pg, l->x0, 34, CANVAS_REGULAR, left_size, LAYOUT_MUTED, left, strlen(left));
    canvas_text_right(&l->cv, pg, l->x1, 34, CANVAS_BOLD, 8, LAYOUT_INK, right, strlen(right));
}
