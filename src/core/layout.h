/* layout — a document laid out down its pages on the canvas: the price list
 * (render_sheet.c) and the bill's documents, the dispute packet's pages and
 * the letter (bill_doc.c), share it.
 *
 * A struct layout is the canvas, the cursor (y, moving down from top to
 * bottom between the margins x0 and x1) and an optional header drawn at
 * the top of every new page (a table's head while a table runs on).  The
 * helpers draw text at a place, wrapped paragraphs, headings, a table's
 * head band and the footer of a page, and start a new page when the next
 * thing does not fit.  Their drawing is exactly the canvas calls the two
 * documents made before they shared it (tests/same keeps the price list
 * byte for byte).
 *
 * A library: never prints; canvas errors are the canvas's (canvas_finish
 * reports them). */
#ifndef RQ_LAYOUT_H
#define RQ_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "canvas.h"
#include "diag.h"

/* The house measures (points) and colours of these documents. */
#define LAYOUT_MARGIN 50.0f
#define LAYOUT_BODY 9.0f
#define LAYOUT_SMALL 7.5f
#define LAYOUT_LEAD(s) ((s) * 1.3f)
extern const struct canvas_rgb LAYOUT_INK, LAYOUT_MUTED, LAYOUT_ACCENT, LAYOUT_WHITE, LAYOUT_BAND, LAYOUT_ALERT;

struct layout {
    struct canvas cv;
    struct canvas_lines lines;   /* the last paragraph wrapped */
    float x0, x1, y, top, bottom;
    void (*header)(void *ctx);   /* drawn on top of each new page; NULL: none */
    void *ctx;                   /* given to header */
};

/* Open the canvas on a page of A4 or US Letter with the fallback font of
 * templates_dir (RENDER_PDF_FONT) and set the margins (50 pt at the sides,
 * the text between 54 pt from the top and 60 pt from the bottom); no page
 * yet.  Returns 0, or -1 with a diagnostic; either way layout_close frees
 * it. */
int layout_open(struct layout *l, const char *templates_dir, bool a4, struct diag_list *dl);
void layout_close(struct layout *l);

/* Text at (x, y) on the current page, left-aligned, or ending at x. */
void layout_text(struct layout *l, float x, float y, enum canvas_style st, float size, struct canvas_rgb c,
                 const char *t);
void layout_text_r(struct layout *l, float x, float y, enum canvas_style st, float size, struct canvas_rgb c,
                   const char *t);

/* A new page, the cursor at its top, the header (if any) drawn. */
void layout_new_page(struct layout *l);
/* A new page unless h points still fit above the bottom margin. */
void layout_need(struct layout *l, float h);

/* A paragraph wrapped between x and x1, its first line's top at the cursor
 * (which does not move); drawn only when draw.  Returns its height. */
float layout_para(struct layout *l, float x, float x1, enum canvas_style st, float size, struct canvas_rgb c,
                  const char *t, bool draw);
/* A paragraph across the page, on a new page if it does not fit here; the
 * cursor moves past it and gap more. */
void layout_flow(struct layout *l, enum canvas_style st, float size, struct canvas_rgb c, const char *t, float gap);

/* A section's heading (bold, 12 pt, the accent colour) with room points
 * of the page left for it and what follows, the cursor moved down by
 * advance. */
void layout_heading(struct layout *l, const char *t, float room, float advance);

/* A table's head: a band across the page with each column's word in white,
 * left-aligned at x or right-aligned ending at x (x absolute). */
struct layout_column {
    float x;
    bool right;
    const char *text;
};
struct layout_band {
    float height, baseline;      /* the band's height; the words' baseline below its top */
    float size;                  /* the words' size */
    float gap;                   /* below the band */
};
void layout_table_head(struct layout *l, const struct layout_band *b, const struct layout_column *c, size_t n);

/* The footer of page i: left (regular, left_size, muted) at the left
 * margin and right (bold, 8 pt) ending at the right margin, 34 pt from the
 * bottom. */
void layout_footer(struct layout *l, size_t i, const char *left, float left_size, const char *right);

#endif
