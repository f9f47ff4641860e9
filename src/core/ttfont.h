/* ttfont — what embedding a TrueType font in a PDF needs from the file:
 * its glyphs' advance widths, the metrics of its font descriptor, its
 * PostScript name, and a cut-down font program that keeps only the
 * outlines of the glyphs printed.
 *
 * The cut keeps every glyph id (outlines of glyphs not printed are empty,
 * their widths 0), so a document can refer to glyphs by the font's own ids
 * and no renumbering is needed: a composite glyph's parts are kept with it.
 *
 * Memory: a ttfont borrows the fontcov it was opened on (the file's bytes
 * and character map), which must outlive it; it owns nothing else. */
#ifndef RQ_TTFONT_H
#define RQ_TTFONT_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "fontcov.h"

struct ttfont_table {
    size_t off, len;             /* within the file; len 0 = absent */
};

struct ttfont {
    const struct fontcov *fc;    /* borrowed */
    struct ttfont_table head, hhea, maxp, hmtx, loca, glyf, cvt, fpgm, prep;
    unsigned n_glyphs, n_hmetrics, upem;
    int long_loca;
    /* in thousandths of an em, as a PDF font descriptor states them */
    int bbox[4], ascent, descent, cap_height, x_height;
    char name[64];               /* PostScript name (letters, digits, '-') */
};

/* Read the tables of the font fc holds (fc->data); path names it in
 * diagnostics.  Every offset, length and glyph location is checked here, so
 * later calls cannot read outside the file.  Returns 0, or -1 with a
 * diagnostic (a table missing or damaged). */
int ttfont_open(struct ttfont *tf, const struct fontcov *fc, const char *path, struct diag_list *dl);

/* Advance width of glyph gid in thousandths of an em, rounded down (0 for
 * a glyph id the font does not have). */
int ttfont_width(const struct ttfont *tf, unsigned gid);

/* A TrueType font program (cvt, fpgm, glyf, head, hhea, hmtx, loca, maxp,
 * prep) keeping the outlines and widths of the glyphs whose bits are set in
 * keep (tf->n_glyphs bits; glyph 0 and the parts of composite glyphs are
 * added to it).  Returns a malloc'd buffer of *len bytes, or NULL when out
 * of memory. */
unsigned char *ttfont_subset(const struct ttfont *tf, uint8_t *keep, size_t *len);

#endif
