/* outdir — the folder a register's PDF copies go to (OUT): each copy is
 * created once and never replaced, and a marker says which register issues
 * into the folder and how far it has gone.
 *
 * The marker, OUT/.regenquote-register (mode 0600), is JSON:
 *     {"register": "<the register's id>", "highest": {"2026": 12, "2027": 3}}
 * per year, the highest sequence number issued into the folder.  It only
 * rises (outdir_mark_raise() merges under a lock on the folder, so
 * concurrent issuers never lower it) and is replaced whole (a temporary
 * file, synced, renamed).  It lets the register tell that it is behind the
 * quotes already given out from this folder (a restored backup) or is not
 * the register that gave them (a swapped one); register_folder.c decides
 * what that means.  Any engine's register can use it: it is a file beside
 * the copies, not part of the register's storage.
 *
 * Memory: a struct outdir_mark owns its strings and array
 * (outdir_mark_free); everything passed in is borrowed for the call. */
#ifndef RQ_OUTDIR_H
#define RQ_OUTDIR_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

#define OUTDIR_MARK_NAME ".regenquote-register"

/* The highest sequence number issued in one year. */
struct outdir_year {
    int year;
    long long seq;
};

struct outdir_mark {
    char *register_id;            /* NULL when the folder has no marker */
    struct outdir_year *v;        /* one per year, in no particular order */
    size_t n;
};

/* Read dir's marker into *m (zeroed first; no marker file gives an empty
 * mark).  Returns 0, or -1 with a diagnostic when the file cannot be read
 * or is not a marker regenquote wrote (it says how to write it again). */
int outdir_mark_read(const char *dir, struct outdir_mark *m, struct diag_list *dl);
/* The highest number of year in m, 0 when none. */
long long outdir_mark_seq(const struct outdir_mark *m, int year);
void outdir_mark_free(struct outdir_mark *m);

/* Raise dir's marker for register_id to at least v[0..n) (under a lock on
 * dir, so it never goes down).  A marker naming another register is left
 * as it is (returns 1, no diagnostic) unless adopt, which writes
 * register_id over it; an unreadable one is replaced only with adopt.
 * Nothing is written when nothing would change.  Returns 0, 1, or -1 with
 * a diagnostic. */
int outdir_mark_raise(const char *dir, const char *register_id, const struct outdir_year *v, size_t n,
                      bool adopt, struct diag_list *dl);

enum outdir_copy {
    OUTDIR_MISSING,               /* no file of that name */
    OUTDIR_SAME,                  /* same size (and, verifying, same SHA-256) */
    OUTDIR_DIFFERS,               /* anything else, a folder of that name too */
};
/* How the file at path compares with a copy of len bytes whose SHA-256 is
 * sha (hex): by size, and with verify also by digest. */
enum outdir_copy outdir_copy_state(const char *path, size_t len, const char *sha, bool verify);

/* Create the file path holding the len bytes b (mode 0600, whole or not at
 * all: written to a temporary file beside it, synced, then linked into
 * place), never replacing a file.  Returns 0 when written, 1 when a file
 * with these very bytes is there already, 2 when another file is there
 * (left untouched; no diagnostic: the caller says what it means), or -1
 * with a diagnostic. */
int outdir_put_copy(const char *path, const unsigned char *b, size_t len, struct diag_list *dl);

#endif
