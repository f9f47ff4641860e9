/* human_text — text a person typed, checked the same way on every path.
 *
 * A patient's name, a condition, a discount's or a void's reason, an
 * acceptance note, who is working (--by): text that is printed on the
 * patient's PDF, by `show` and `list`, in the history and in messages.  One
 * rule for all of it, wherever it comes from (a request file, a batch line,
 * an option, the front desk's API), each field with its own length:
 *   - valid UTF-8;
 *   - no control character: C0 (tab and newline included), DEL, C1
 *     (U+0080–U+009F), nor the line and paragraph separators U+2028/U+2029:
 *     one line, and no terminal escape sequence;
 *   - no invisible text-direction character (U+061C, U+200E/F, the
 *     embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069),
 *     which make a text read differently from what was typed;
 *   - not empty, and not blank: not only spaces (U+0020, no-break and the
 *     other Unicode spaces) and invisible characters (zero-width space,
 *     joiners, word joiner, byte-order mark, soft hyphen, …);
 *   - at most max characters (code points).
 * Pure functions: no allocation, safe from any thread. */
#ifndef RQ_HUMAN_TEXT_H
#define RQ_HUMAN_TEXT_H

#include <stddef.h>

#include "diag.h"

#define HUMAN_TEXT_MAX 200       /* a name, a condition, a reason, a note */
#define HUMAN_TEXT_MAX_ACTOR 64  /* who is working (--by, $REGENQUOTE_USER) */
#define HUMAN_TEXT_WHY 64        /* room for a reason (human_text_problem) */

/* NULL when s is acceptable text of at most max characters; else why not,
 * worded to follow the field's name ("is too long; at most 200
 * characters"): a constant, or why (HUMAN_TEXT_WHY bytes) filled in.  The
 * text itself is never repeated (it may be a patient's name). */
const char *human_text_problem(const char *s, size_t max, char why[HUMAN_TEXT_WHY]);

/* The same as a diagnostic: 0 when s is acceptable, else -1 with an error
 * about field (file may be NULL) added to dl. */
int human_text_check(const char *s, size_t max, const char *file, const char *field, struct diag_list *dl);

#endif
