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
/* Flush, sync and rename into place: the file is whole on disk before it
 * takes its name, so the name always shows a whole file (after a power cut
 * it may show the previous one; the register's copies are rewritten by its
 * repair).  Returns 0, or -1 with a diagnostic (the temporary file is
 * removed).  Frees o either way. */
int outfile_commit(struct outfile *o, struct diag_list *dl);
/* Discard: remove the temporary file and free o. */
void outfile_abort(struct outfile *o);

/* Make the folder dir (mode 0700) unless it exists.  Returns 0, or -1 with
 * a diagnostic (it is a file, or cannot be made). */
int outfile_make_dir(const char *dir, struct diag_list *dl);

/* Many files made durable together (batch runs): each is flushed and
 * closed under its temporary name; outfile_group_flush() then syncs the
 * file system once, renames every file into place and syncs the folder.
 * Durable writes are grouped, never skipped. */
struct outfile_group {
    char **tmp, **path;
    size_t n, cap;
};
/* Close o (flushed, not yet on disk) and queue it.  Returns 0, or -1 with a
 * diagnostic (o is discarded).  Frees o either way. */
int outfile_commit_later(struct outfile *o, struct outfile_group *g, struct diag_list *dl);
/* Make every queued file durable and put it in place.  Returns 0, or -1
 * with a diagnostic: files queued before the one that failed are in place,
 * the others removed.  Empties g (call outfile_group_abort to free it). */
int outfile_group_flush(struct outfile_group *g, struct diag_list *dl);
/* Remove the queued temporary files and empty g. */
void outfile_group_abort(struct outfile_group *g);

#endif
