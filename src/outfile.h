/* outfile — write a file whole or not at all.
 *
 * Content goes to a temporary file beside the target (mode 0600), is
 * flushed to disk, and is renamed over the target only on success; on any
 * failure the temporary file is removed and the target is untouched. */
#ifndef RQ_OUTFILE_H
#define RQ_OUTFILE_H

#include <stdio.h>

#include "diag.h"

struct outfile {
    FILE *f;                     /* write here between open and commit */
    char *path, *tmp;
};

/* Open a temporary file for path.  Returns 0, or -1 with a diagnostic. */
int outfile_open(struct outfile *o, const char *path, struct diag_list *dl);
/* Flush, sync and rename into place.  Returns 0, or -1 with a diagnostic
 * (the temporary file is removed).  Frees o either way. */
int outfile_commit(struct outfile *o, struct diag_list *dl);
/* Discard: remove the temporary file and free o. */
void outfile_abort(struct outfile *o);

#endif
