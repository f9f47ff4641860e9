/* register_int — what the register's own files share.
 *
 * Private to register.c (the register's meaning: numbers, statuses,
 * issuing, reading) and register_folder.c (the folder of PDF copies: the
 * checks before a number is given, the marker, repair), bill.c (final
 * bills, stored through the same engine) and register_copy.c (copying a
 * register from one engine to another); no other file includes it.  Storage is reached only through r->eng (register_engine.h).
 *
 * Memory: struct reg owns its strings; it lives from register_open() or
 * register_create() to register_close(). */
#ifndef RQ_REGISTER_INT_H
#define RQ_REGISTER_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "register.h"
#include "register_engine.h"

struct reg {
    const struct reg_engine *eng;
    struct reg_store *s;
    char *locator;               /* as messages show it: no password (register_locator_display) */
    char *id;                     /* the register's id, once opened */
};

/* Append an event, now, to the history (in a transaction); actor NULL is
 * "unknown".  Returns 0 or -1. */
int reg_add_event(struct reg *r, const char *number, const char *action, const char *detail,
                  const char *actor, struct diag_list *dl);

/* The number pattern gives for (year, seq), into out (cut to size). */
void reg_format_number(const char *pattern, int year, long long seq, char *out, size_t size);
/* Whether pattern gives number, and for which year and seq. */
bool reg_number_parse(const char *pattern, const char *number, int *year, long long *seq);

/* Before a number is given (in the issuing transaction): whether the folder
 * dir may receive quote `number`, (year, seq) of this register: its marker
 * must not name another register nor be at or past seq for year, and no
 * file of that name may be there.  Returns 0, or -1 with a diagnostic
 * saying what happened and what to do. */
int reg_folder_check(struct reg *r, const char *dir, int year, long long seq, const char *number,
                     struct diag_list *dl);
/* After the commit: raise dir's marker to (year, seq).  Failing to is a
 * warning (the quote is issued; repair raises it later). */
void reg_folder_note(struct reg *r, const char *dir, int year, long long seq, struct diag_list *dl);

#endif
