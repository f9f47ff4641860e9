/* fontcov — which characters a TrueType font file can show.
 *
 * Reads the font's Unicode BMP character map (cmap format 4) so the PDF
 * renderer can refuse a string it cannot print before it draws anything.
 * Memory: a fontcov owns a 8 KB bitmap; release with fontcov_free(). */
#ifndef RQ_FONTCOV_H
#define RQ_FONTCOV_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"

struct fontcov {
    uint8_t *bits;               /* 65,536 bits, one per BMP code point */
};

/* Read path's cmap.  Returns 0, or -1 with a diagnostic naming the file
 * (missing, unreadable, not a TrueType font, no Unicode BMP cmap). */
int fontcov_load(struct fontcov *fc, const char *path, struct diag_list *dl);

/* Does the font have a glyph for cp?  False outside the BMP. */
bool fontcov_has(const struct fontcov *fc, uint32_t cp);

void fontcov_free(struct fontcov *fc);

#endif
