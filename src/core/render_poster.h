/* render_poster — the wall poster of a state's stem-cell notice: the
 * statute's words, verbatim, in at least 40-point type on US Letter (or A4),
 * for the entrance and the patient areas (notice.h).
 *
 * A library: never prints, never exits.  Output is byte-identical for the
 * same notice and font (no clock is read). */
#ifndef RQ_RENDER_POSTER_H
#define RQ_RENDER_POSTER_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "notice.h"

/* The smallest type the notice is set in, in points (the statutes ask 40). */
#define POSTER_MIN_POINTS 40.0f

/* Lay out n as a poster into a malloc'd buffer (*buf, *len; the caller
 * frees it).  font_path is the fallback TrueType font (render_pdf.h).  The
 * notice is set at POSTER_MIN_POINTS or larger, continuing on a second sheet
 * only if it cannot fit one.  A template entry is refused.  Returns 0, or
 * -1 with a diagnostic (*buf NULL). */
int render_poster_mem(const struct notice *n, const char *font_path, bool a4, unsigned char **buf,
                      size_t *len, struct diag_list *dl);

#endif
