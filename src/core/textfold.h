/* textfold — the search key of a name: case and accents folded away.
 *
 * "José Müller-Ñúñez" and "JOSE MULLER-NUNEZ" have the same key,
 * "jose muller-nunez": ASCII letters are lowercased; Latin letters with
 * diacritics (Latin-1 Supplement, Latin Extended-A, the Vietnamese letters
 * of Latin Extended-B and Latin Extended Additional) become their lowercase
 * base letters (ß "ss", Æ "ae", Œ "oe", Þ "th", Ĳ "ij", Ł "l", Ø "o");
 * combining accents (U+0300..U+036F, as in decomposed text) are dropped.
 * Everything else (digits, punctuation, other scripts, bytes that are not
 * UTF-8) is kept as it is.  The register stores the key beside each
 * patient name and folds a search the same way, so any storage engine can
 * match names with a plain substring test.  Pure functions, no allocation. */
#ifndef RQ_TEXTFOLD_H
#define RQ_TEXTFOLD_H

#include <stddef.h>

/* Fold len bytes of s into out (at least len + 1 bytes: a key is never
 * longer than its text) and NUL-terminate it.  Returns the key's length. */
size_t textfold(const char *s, size_t len, char *out);

#endif
