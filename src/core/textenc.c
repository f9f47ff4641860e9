#include "textenc.h"

size_t textenc_utf8_next(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (len == 0)
        return 0;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    size_t n;
    uint32_t c, min;
    if ((u[0] & 0xE0) == 0xC0) {
        n = 2, c = u[0] & 0x1Fu, min = 0x80;
    } else if ((u[0] & 0xF0) == 0xE0) {
        n = 3, c = u[0] & 0x0Fu, min = 0x800;
    } else if ((u[0] & 0xF8) == 0xF0) {
        n = 4, c = u[0] & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (u[i] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

/* CP1252 0x80..0x9F; 0 where the code page leaves a hole. */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

unsigned char textenc_cp1252_byte(uint32_t cp)
{
    if ((cp >= 0x20 && cp < 0x7F) || (cp >= 0xA0 && cp <= 0xFF))
        return (unsigned char)cp;
    if (cp < 0x100)
        return 0;
    for (unsigned i = 0; i < 32; i++)
        if (cp1252_high[i] == cp)
            return (unsigned char)(0x80 + i);
    return 0;
}

bool textenc_to_cp1252(const char *s, size_t len, char *out)
{
    size_t i = 0, o = 0;
    while (i < len) {
        /* printable ASCII is most text: copy it straight */
        unsigned char a = (unsigned char)s[i];
        if (a >= 0x20 && a < 0x7F) {
            out[o++] = (char)a;
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = textenc_utf8_next(s + i, len - i, &cp);
        if (n == 0)
            return false;
        unsigned char b = textenc_cp1252_byte(cp);
        if (b == 0)
            return false;
        out[o++] = (char)b;
        i += n;
    }
    out[o] = '\0';
    return true;
}

bool textenc_utf8_valid(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = textenc_utf8_next(s + i, len - i, &cp);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}
