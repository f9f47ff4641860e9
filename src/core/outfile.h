/* outfile — write a file whole or not at all.
 *
 * Content goes to a temporary file beside the target (mode 0600), is
 * flushed to disk, and is renamed over the target only on success; on any
 * failure the temporary file is removed and the target is untouched.
 *
 * An output the user names (-o FILE) may also be something that is not a
 * regular file: a device (/dev/null), a FIFO, a terminal, or standard output
 * itself (/dev/stdout, /dev/fd/N).  Such a target cannot be replaced by a
 * file (and as root must not be: the device would become a file), so
 * outfile_open_output() writes it in place. */
#ifndef RQ_OUTFILE_H
#define RQ_OUTFILE_H

#include <stdio.h>

#include "diag.h"

struct outfile {
    FILE *f;                     /* write here between open and commit */
    char *path, *tmp;            /* tmp is NULL when written in place */
};

/* Open a temporary file for path (a name the program chose: whatever is at
 * path is replaced on commit, never written through).  Returns 0, or -1
 * with a diagnostic. */
int outfile_open(struct outfile *o, const char *path, struct diag_list *dl);
/* Open the output the user named.  /dev/stdout, /dev/stderr, /dev/fd/N and
 * /proc/self/fd/N (or a symbolic link to one) are that descriptor; an
 * existing device, FIFO or socket is opened and written in place (a FIFO
 * waits for its reader, as the shell's '>' does); a folder is refused;
 * anything else, an existing regular file included, is outfile_open().
 * In place, commit flushes and closes, and a failure cannot take back what
 * was written.  Returns 0, or -1 with a diagnostic. */
int outfile_open_output(struct outfile *o, const char *path, struct diag_list *dl);
/* The descriptor path names (1 for /dev/stdout, /dev/fd/1, /proc/self/fd/1
 * or a symbolic link to one), or -1: a command that wrote its output there
 * must not print the file's name after it. */
int outfile_descriptor(const char *path);
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
