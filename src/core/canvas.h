/* canvas — a libharu document seen as pages of positioned text and rules.
 *
 * Text goes in as UTF-8.  A string that fits Windows-1252 is printed with
 * the standard Helvetica fonts (WinAnsiEncoding, not embedded: a few KB);
 * any other string is printed whole with one embedded TrueType font (the
 * "fallback", read once per document on first use).  canvas_check_text()
 * says beforehand whether a string can be printed at all.
 *
 * The fallback is embedded by the canvas itself, not by libharu: a Type0
 * font (Identity-H) whose codes are the Unicode code points printed, a
 * CIDToGIDMap only as long as the highest of them, widths and a ToUnicode
 * map for those code points only, and a font program cut down to their
 * glyphs (ttfont.h).  Text extraction and the verifier read the codes as
 * UTF-16BE code points.
 *
 * Errors: libharu errors are recorded (the first one wins) and reported by
 * canvas_finish(); drawing calls never fail visibly, so a layout can be
 * written straight through and checked once.
 *
 * Memory: a canvas owns the libharu document, its page list and scratch
 * buffers; release with canvas_free().  Strings passed in are borrowed for
 * the call only. */
#ifndef RQ_CANVAS_H
#define RQ_CANVAS_H

#include <hpdf.h>
#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "fontcov.h"
#include "ttfont.h"

enum canvas_style { CANVAS_REGULAR, CANVAS_BOLD, CANVAS_ITALIC, CANVAS_STYLE_COUNT };

struct canvas_rgb {
    float r, g, b;
};

struct canvas {
    HPDF_Doc doc;
    HPDF_Font base[CANVAS_STYLE_COUNT];
    const char *fallback_path;   /* borrowed */
    struct fontcov cov;          /* the fallback's file and character map, */
    struct ttfont tt;            /* and its tables: loaded on first need */
    bool cov_loaded, cov_failed;
    char cov_why[160];           /* why the fallback cannot be used */
    HPDF_Dict fb_font;           /* the fallback's Type0 font dictionary:
                                    NULL until it prints something; its
                                    other objects are made by canvas_finish */
    unsigned char *used;         /* bitmap of the BMP code points printed with
                                    the fallback (its glyphs, widths and
                                    ToUnicode map); NULL until then */
    uint32_t used_max;           /* the highest of them */
    bool fb_needed;              /* text asked for the fallback */
    bool uncompressed;

    HPDF_Page *pages;
    size_t n_pages, cap_pages;
    HPDF_Page page;              /* the current (last) page */
    float width, height;         /* page size, points (of the layout) */
    float scale;                 /* paper points per layout point; 0 = 1 */

    HPDF_STATUS err, err_detail; /* first libharu error, 0 = none */
    bool oom;

    char *buf;                   /* conversion scratch */
    size_t buf_cap;

    /* What the current page's content stream has set last, so unchanged
     * fill colours and fonts are not written again for every text run. */
    HPDF_Page st_page;
    HPDF_Font st_font;
    float st_size;
    struct canvas_rgb st_fill;
    bool st_fill_set;
};

/* A line of wrapped text: bytes [off, off + len) of the wrapped string. */
struct canvas_line {
    size_t off, len;
};

struct canvas_lines {
    struct canvas_line *v;
    size_t n, cap;
};

/* Start a document of pages w x h points.  fallback_path is the TrueType
 * font for text outside Windows-1252 (borrowed; must outlive the canvas).
 * Returns 0, or -1 with a diagnostic. */
int canvas_open(struct canvas *cv, float w, float h, const char *fallback_path,
                struct diag_list *dl);

/* Can s (UTF-8) be printed?  Returns 0, or -1 with a diagnostic about the
 * field `path` of `file` (either may be NULL): invalid UTF-8, a control
 * character, a character no font has, or the fallback font is missing. */
int canvas_check_text(struct canvas *cv, const char *s, const char *file, const char *path,
                      struct diag_list *dl);

/* Compress page contents (the default) or not: about 2.8 times larger
 * files, made about 1.6 times faster. */
void canvas_compress(struct canvas *cv, bool on);
/* Append a page and make it current. */
void canvas_add_page(struct canvas *cv);

/* Print every later page `scale` times larger than it is laid out: the page
 * is (width x height) x scale on paper, and everything drawn on it is scaled
 * alike (large print lays out a page half the size, twice as large). */
void canvas_set_scale(struct canvas *cv, float scale);

/* Attach len bytes as an embedded file named name (its MIME type mime, its
 * description desc) to the document, compressed.  Returns 0, or -1 when the
 * PDF library fails (then in cv->err, reported by canvas_finish()). */
int canvas_attach(struct canvas *cv, const char *name, const char *mime, const char *desc,
                  const void *data, size_t len);

/* A QR code of text (libqrencode, error correction M) size x size points
 * with its lower-left corner at (x, y) on the current page, drawn as filled
 * squares (a white quiet zone of 4 modules included).  Returns 0, or -1 when
 * text cannot be encoded. */
int canvas_qr(struct canvas *cv, float x, float y, float size, const char *text);

/* Width in points of s[0..len) (UTF-8) in style at size. */
float canvas_width(struct canvas *cv, enum canvas_style st, float size, const char *s, size_t len);

/* Draw s[0..len) with its baseline starting at (x, y) / ending at x (right
 * aligned) / centred on x, on page (NULL = the current page). */
void canvas_text(struct canvas *cv, HPDF_Page page, float x, float y, enum canvas_style st,
                 float size, struct canvas_rgb c, const char *s, size_t len);
void canvas_text_right(struct canvas *cv, HPDF_Page page, float x, float y, enum canvas_style st,
                       float size, struct canvas_rgb c, const char *s, size_t len);

/* Break s into lines no wider than width: at spaces, at '\n', and inside a
 * word only when the word alone is too wide.  Fills out (reusing its
 * storage).  A string with no text gives no lines. */
void canvas_wrap(struct canvas *cv, enum canvas_style st, float size, const char *s, float width,
                 struct canvas_lines *out);
void canvas_lines_free(struct canvas_lines *l);

/* Shapes on the current page. */
void canvas_fill_rect(struct canvas *cv, float x, float y, float w, float h, struct canvas_rgb c);
void canvas_stroke_rect(struct canvas *cv, float x, float y, float w, float h, float lw,
                        struct canvas_rgb c);
void canvas_hline(struct canvas *cv, float x0, float x1, float y, float lw, struct canvas_rgb c);

/* Draw a PNG image file in the box (x, y, w, h), keeping its proportions
 * (top-left aligned).  Returns 0, or -1 with a warning: the caller goes on
 * without it. */
int canvas_png(struct canvas *cv, const char *path, float x, float y, float w, float h,
               struct diag_list *dl);

/* Set the document information (UTF-8; a value that does not fit Latin-1
 * is left out). */
void canvas_info(struct canvas *cv, HPDF_InfoType type, const char *value);

/* Serialise the document into a malloc'd buffer the caller frees.  Returns
 * 0, or -1 with a diagnostic (including any error recorded while drawing). */
int canvas_finish(struct canvas *cv, unsigned char **buf, size_t *len, struct diag_list *dl);

void canvas_free(struct canvas *cv);

#endif
