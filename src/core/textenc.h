/* textenc — UTF-8 decoding and conversion to Windows-1252 (CP1252).
 *
 * The PDF renderer prints every string that fits CP1252 with the standard
 * Helvetica fonts (WinAnsiEncoding, nothing embedded); these functions say
 * whether a string fits and convert it.  Pure functions, no allocation. */
#ifndef RQ_TEXTENC_H
#define RQ_TEXTENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decode one UTF-8 character from s[0..len).  Returns the number of bytes
 * used (1..4) and stores the code point in *cp, or returns 0 for a
 * malformed, overlong or surrogate sequence (then *cp is unspecified). */
size_t textenc_utf8_next(const char *s, size_t len, uint32_t *cp);

/* The CP1252 byte for code point cp, or 0 when CP1252 has none
 * (control characters have none either). */
unsigned char textenc_cp1252_byte(uint32_t cp);

/* Convert len bytes of UTF-8 to CP1252 into out (at least len + 1 bytes;
 * the result is never longer than its input) and NUL-terminate it.
 * Returns true, or false when s is not valid UTF-8 or holds a character
 * CP1252 cannot represent (out is then unspecified). */
bool textenc_to_cp1252(const char *s, size_t len, char *out);

/* Is the whole string valid UTF-8? */
bool textenc_utf8_valid(const char *s, size_t len);

#endif
