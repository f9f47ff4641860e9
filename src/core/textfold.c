#include "textfold.h"

#include <stdint.h>
#include <string.h>

#include "textenc.h"

/* Code points that fold to a base of one or two ASCII letters, in order. */
static const struct {
    uint16_t first, last;
    char base[3];
} LATIN[] = {
    /* Latin-1 Supplement: capitals À..Þ (small à..þ are looked up as
     * capitals, 0x20 lower), ß, ÿ; × and ÷ are not letters: kept */
    { 0x00C0, 0x00C5, "a" }, { 0x00C6, 0x00C6, "ae" }, { 0x00C7, 0x00C7, "c" }, { 0x00C8, 0x00CB, "e" },
    { 0x00CC, 0x00CF, "i" }, { 0x00D0, 0x00D0, "d" }, { 0x00D1, 0x00D1, "n" }, { 0x00D2, 0x00D6, "o" },
    { 0x00D8, 0x00D8, "o" }, { 0x00D9, 0x00DC, "u" }, { 0x00DD, 0x00DD, "y" }, { 0x00DE, 0x00DE, "th" },
    { 0x00DF, 0x00DF, "ss" }, { 0x00FF, 0x00FF, "y" },
    /* Latin Extended-A: Ā..ſ, capital and small letter pairs */
    { 0x0100, 0x0105, "a" }, { 0x0106, 0x010D, "c" }, { 0x010E, 0x0111, "d" }, { 0x0112, 0x011B, "e" },
    { 0x011C, 0x0123, "g" }, { 0x0124, 0x0127, "h" }, { 0x0128, 0x0131, "i" }, { 0x0132, 0x0133, "ij" },
    { 0x0134, 0x0135, "j" }, { 0x0136, 0x0138, "k" }, { 0x0139, 0x0142, "l" }, { 0x0143, 0x014B, "n" },
    { 0x014C, 0x0151, "o" }, { 0x0152, 0x0153, "oe" }, { 0x0154, 0x0159, "r" }, { 0x015A, 0x0161, "s" },
    { 0x0162, 0x0167, "t" }, { 0x0168, 0x0173, "u" }, { 0x0174, 0x0175, "w" }, { 0x0176, 0x0178, "y" },
    { 0x0179, 0x017E, "z" }, { 0x017F, 0x017F, "s" },
    /* Vietnamese: Ơ ơ, Ư ư (Latin Extended-B), Ạ..ỹ (Latin Extended Additional) */
    { 0x01A0, 0x01A1, "o" }, { 0x01AF, 0x01B0, "u" },
    { 0x1EA0, 0x1EB7, "a" }, { 0x1EB8, 0x1EC7, "e" }, { 0x1EC8, 0x1ECB, "i" }, { 0x1ECC, 0x1EE3, "o" },
    { 0x1EE4, 0x1EF1, "u" }, { 0x1EF2, 0x1EF9, "y" },
};

/* The base of code point cp, or NULL when it does not fold. */
static const char *base_of(uint32_t cp)
{
    if (cp >= 0x00E0 && cp <= 0x00FE && cp != 0x00F7)
        cp -= 0x20;               /* Latin-1's small letters mirror its capitals */
    size_t lo = 0, hi = sizeof LATIN / sizeof LATIN[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < LATIN[mid].first)
            hi = mid;
        else if (cp > LATIN[mid].last)
            lo = mid + 1;
        else
            return LATIN[mid].base;
    }
    return NULL;
}

size_t textfold(const char *s, size_t len, char *out)
{
    size_t i = 0, o = 0;
    while (i < len) {
        unsigned char a = (unsigned char)s[i];
        if (a < 0x80) {
            out[o++] = (char)(a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a);
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = textenc_utf8_next(s + i, len - i, &cp);
        if (n == 0) {
            out[o++] = (char)a;            /* not UTF-8: kept, byte by byte */
            i++;
            continue;
        }
        const char *base = base_of(cp);
        if (base) {
            /* every folding character takes at least as many bytes as its base */
            size_t bl = strlen(base);
            memcpy(out + o, base, bl);
            o += bl;
        } else if (cp < 0x0300 || cp > 0x036F) {
            memcpy(out + o, s + i, n);
            o += n;
        }
        i += n;
    }
    out[o] = '\0';
    return o;
}
