/* fontcov — which characters a TrueType font file can show.
 *
 * Reads the font's Unicode BMP character map (cmap format 4) so the PDF
 * renderer can refuse a string it cannot print before it draws anything,
 * and knows each character's glyph for embedding the font (ttfont.h).
 * Memory: a fontcov owns the file's bytes and a 128 KB glyph map; release
 * with fontcov_free(). */
#ifndef RQ_FONTCOV_H
#define RQ_FONTCOV_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"

struct fontcov {
    uint16_t *gid;               /* 65,536 glyph ids, one per BMP code point
                                    (0: the font cannot show it) */
    unsigned char *data;         /* the whole file, as read */
    size_t len;
};

/* Read path's cmap.  Returns 0, or -1 with a diagnostic naming the file
 * (missing, unreadable, not a TrueType font, no Unicode BMP cmap). */
int fontcov_load(struct fontcov *fc, const char *path, struct diag_list *dl);

/* Does the font have a glyph for cp?  False outside the BMP. */
bool fontcov_has(const struct fontcov *fc, uint32_t cp);

/* The glyph id the cmap gives cp, 0 when there is none (or outside the
 * BMP).  Only the cmap is read: the id may be beyond the glyphs the font
 * has, which ttfont_open() checks. */
unsigned fontcov_glyph(const struct fontcov *fc, uint32_t cp);

void fontcov_free(struct fontcov *fc);

#endif
