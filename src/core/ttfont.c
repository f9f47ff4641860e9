#include "ttfont.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static uint32_t be16(const unsigned char *p)
{
    return ((uint32_t)p[0] << 8) | p[1];
}

static int sbe16(const unsigned char *p)
{
    return (int)(int16_t)(uint16_t)be16(p);
}

static uint32_t be32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void put16(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Font units to thousandths of an em, truncated (as libharu does). */
static int per_mille(const struct ttfont *tf, int v)
{
    return (int)((long)v * 1000 / (long)tf->upem);
}

/* Where glyph g's outline is: [*start, *end) within the glyf table.  The
 * locations were checked by ttfont_open(). */
static void glyph_span(const struct ttfont *tf, unsigned g, size_t *start, size_t *end)
{
    const unsigned char *loca = tf->fc->data + tf->loca.off;
    if (tf->long_loca) {
        *start = be32(loca + 4 * (size_t)g);
        *end = be32(loca + 4 * (size_t)g + 4);
    } else {
        *start = 2 * (size_t)be16(loca + 2 * (size_t)g);
        *end = 2 * (size_t)be16(loca + 2 * (size_t)g + 2);
    }
}

/* The top of the outline of the glyph the cmap gives cp, in font units;
 * fallback when there is none. */
static int glyph_top(const struct ttfont *tf, uint32_t cp, int fallback)
{
    unsigned g = fontcov_glyph(tf->fc, cp);
    if (g == 0 || g >= tf->n_glyphs)
        return fallback;
    size_t s, e;
    glyph_span(tf, g, &s, &e);
    if (e - s < 10)
        return fallback;
    return sbe16(tf->fc->data + tf->glyf.off + s + 8);
}

/* The PostScript name (name id 6), in the characters a PDF name and a
 * subset tag may hold; "Font" when the font has none. */
static void read_name(struct ttfont *tf)
{
    strcpy(tf->name, "Font");
    const unsigned char *f = tf->fc->data;
    size_t flen = tf->fc->len, ntab = be16(f + 4);
    const unsigned char *t = NULL;
    size_t tlen = 0;
    for (size_t i = 0; i < ntab; i++) {
        const unsigned char *rec = f + 12 + 16 * i;
        uint32_t off = be32(rec + 8), l = be32(rec + 12);
        if (memcmp(rec, "name", 4) == 0 && off <= flen && l <= flen - off) {
            t = f + off;
            tlen = l;
        }
    }
    if (!t || tlen < 6)
        return;
    size_t count = be16(t + 2), strings = be16(t + 4);
    for (size_t i = 0; i < count && 6 + 12 * (i + 1) <= tlen; i++) {
        const unsigned char *r = t + 6 + 12 * i;
        uint32_t plat = be16(r), id = be16(r + 6), l = be16(r + 8), off = be16(r + 10);
        if (id != 6 || (plat != 1 && plat != 3) || strings + off > tlen || l > tlen - strings - off)
            continue;
        const unsigned char *s = t + strings + off;
        size_t step = plat == 3 ? 2 : 1, o = 0;
        for (size_t k = step - 1; k < l && o + 1 < sizeof tf->name; k += step) {
            unsigned char c = s[k];
            if (plat == 3 && s[k - 1] != 0)
                continue;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')
                tf->name[o++] = (char)c;
        }
        if (o > 0) {
            tf->name[o] = '\0';
            return;
        }
        strcpy(tf->name, "Font");
    }
}

int ttfont_open(struct ttfont *tf, const struct fontcov *fc, const char *path, struct diag_list *dl)
{
    memset(tf, 0, sizeof *tf);
    tf->fc = fc;
    const unsigned char *f = fc->data;
    size_t flen = fc->len;
    if (!f || flen < 12) {
        diag_error(dl, path, NULL, "not a TrueType font");
        return -1;
    }
    static const char tags[][5] = {"head", "hhea", "maxp", "hmtx", "loca", "glyf", "cvt ", "fpgm", "prep"};
    struct ttfont_table *slot[] = {&tf->head, &tf->hhea, &tf->maxp, &tf->hmtx, &tf->loca,
                                   &tf->glyf, &tf->cvt, &tf->fpgm, &tf->prep};
    size_t ntab = be16(f + 4);
    for (size_t i = 0; i < ntab && 12 + 16 * (i + 1) <= flen; i++) {
        const unsigned char *rec = f + 12 + 16 * i;
        uint32_t off = be32(rec + 8), l = be32(rec + 12);
        for (size_t k = 0; k < sizeof tags / sizeof tags[0]; k++)
            if (memcmp(rec, tags[k], 4) == 0 && off <= flen && l <= flen - off && l > 0) {
                slot[k]->off = off;
                slot[k]->len = l;
            }
    }
    const char *why = NULL;
    for (size_t k = 0; k < 6 && !why; k++)
        if (slot[k]->len == 0)
            why = tags[k];
    if (why) {
        diag_error(dl, path, NULL, "font has no '%s' table", why);
        return -1;
    }
    const unsigned char *head = f + tf->head.off, *hhea = f + tf->hhea.off, *maxp = f + tf->maxp.off;
    if (tf->head.len < 54 || tf->hhea.len < 36 || tf->maxp.len < 6) {
        diag_error(dl, path, NULL, "font header is damaged (head, hhea or maxp table too short)");
        return -1;
    }
    tf->upem = be16(head + 18);
    tf->long_loca = sbe16(head + 50);
    tf->n_glyphs = be16(maxp + 4);
    tf->n_hmetrics = be16(hhea + 34);
    if (tf->upem < 16 || tf->upem > 16384 || (tf->long_loca != 0 && tf->long_loca != 1) ||
        tf->n_glyphs == 0 || tf->n_hmetrics == 0 || tf->n_hmetrics > tf->n_glyphs) {
        diag_error(dl, path, NULL, "font header is damaged (units per em, glyph count or metrics count)");
        return -1;
    }
    if (tf->hmtx.len < 4 * (size_t)tf->n_hmetrics + 2 * (size_t)(tf->n_glyphs - tf->n_hmetrics) ||
        tf->loca.len < (tf->long_loca ? 4 : 2) * ((size_t)tf->n_glyphs + 1)) {
        diag_error(dl, path, NULL, "font is damaged (hmtx or loca table too short)");
        return -1;
    }
    size_t prev = 0;
    for (unsigned g = 0; g < tf->n_glyphs; g++) {
        size_t s, e;
        glyph_span(tf, g, &s, &e);
        if (s < prev || e < s || e > tf->glyf.len) {
            diag_error(dl, path, NULL, "font is damaged (glyph %u lies outside the glyf table)", g);
            return -1;
        }
        prev = s;
    }
    for (int k = 0; k < 4; k++)
        tf->bbox[k] = per_mille(tf, sbe16(head + 36 + 2 * k));
    tf->ascent = per_mille(tf, sbe16(hhea + 4));
    tf->descent = per_mille(tf, sbe16(hhea + 6));
    tf->cap_height = per_mille(tf, glyph_top(tf, 'H', sbe16(hhea + 4)));
    tf->x_height = per_mille(tf, glyph_top(tf, 'x', sbe16(hhea + 4) / 2));
    read_name(tf);
    return 0;
}

int ttfont_width(const struct ttfont *tf, unsigned gid)
{
    if (gid >= tf->n_glyphs)
        return 0;
    unsigned m = gid < tf->n_hmetrics ? gid : tf->n_hmetrics - 1;
    return (int)(be16(tf->fc->data + tf->hmtx.off + 4 * (size_t)m) * 1000u / tf->upem);
}

static bool has(const uint8_t *bits, unsigned g)
{
    return (bits[g >> 3] >> (g & 7)) & 1u;
}

/* Add the parts of every composite glyph in keep to keep, and theirs in
 * turn (a part may itself be composite). */
static void close_composites(const struct ttfont *tf, uint8_t *keep)
{
    const unsigned char *glyf = tf->fc->data + tf->glyf.off;
    bool grew = true;
    for (int round = 0; grew && round < 16; round++) { /* nesting deeper than 16 is not followed */
        grew = false;
        for (unsigned g = 0; g < tf->n_glyphs; g++) {
            size_t s, e;
            if (!has(keep, g))
                continue;
            glyph_span(tf, g, &s, &e);
            if (e - s < 10 || sbe16(glyf + s) >= 0)
                continue;
            size_t p = s + 10;
            uint32_t flags = 0;
            do {
                if (e - p < 4)
                    break;
                flags = be16(glyf + p);
                unsigned part = be16(glyf + p + 2);
                p += 4 + ((flags & 0x0001) ? 4 : 2);
                p += (flags & 0x0008) ? 2 : (flags & 0x0040) ? 4 : (flags & 0x0080) ? 8 : 0;
                if (part < tf->n_glyphs && !has(keep, part)) {
                    keep[part >> 3] |= (uint8_t)(1u << (part & 7));
                    grew = true;
                }
            } while ((flags & 0x0020) && p <= e);
        }
    }
}

/* The sum of the big-endian words of p[0..len), len rounded up to a
 * multiple of 4: the table's padding, which is zero. */
static uint32_t checksum(const unsigned char *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i += 4)
        sum += be32(p + i);
    return sum;
}

unsigned char *ttfont_subset(const struct ttfont *tf, uint8_t *keep, size_t *len)
{
    const unsigned char *f = tf->fc->data;
    keep[0] |= 1u; /* .notdef */
    close_composites(tf, keep);

    /* the new glyf table's size */
    size_t glyf_len = 0;
    for (unsigned g = 0; g < tf->n_glyphs; g++) {
        size_t s, e;
        glyph_span(tf, g, &s, &e);
        if (has(keep, g))
            glyf_len += (e - s + 3) & ~(size_t)3;
    }
    size_t loca_len = 4 * ((size_t)tf->n_glyphs + 1);
    /* tables in the order of their tags, as the directory lists them */
    struct {
        const char *tag;
        const struct ttfont_table *src;
        size_t len;
    } t[9] = {
        {"cvt ", &tf->cvt, tf->cvt.len},    {"fpgm", &tf->fpgm, tf->fpgm.len},
        {"glyf", &tf->glyf, glyf_len},      {"head", &tf->head, tf->head.len},
        {"hhea", &tf->hhea, tf->hhea.len},  {"hmtx", &tf->hmtx, tf->hmtx.len},
        {"loca", &tf->loca, loca_len},      {"maxp", &tf->maxp, tf->maxp.len},
        {"prep", &tf->prep, tf->prep.len},
    };
    size_t n = 0, total = 0;
    for (size_t k = 0; k < 9; k++)
        if (t[k].src->len > 0) {
            n++;
            total += (t[k].len + 3) & ~(size_t)3;
        }
    total += 12 + 16 * n;
    unsigned char *out = calloc(total, 1);
    if (!out)
        return NULL;
    unsigned es = 0;
    while ((2u << es) <= n)
        es++;
    put32(out, 0x00010000u);
    put16(out + 4, (uint32_t)n);
    put16(out + 6, 16u << es);
    put16(out + 8, es);
    put16(out + 10, (uint32_t)(16 * n - (16u << es)));
    size_t dir = 12, pos = 12 + 16 * n, head_at = 0;
    for (size_t k = 0; k < 9; k++) {
        if (t[k].src->len == 0)
            continue;
        unsigned char *d = out + pos;
        const unsigned char *src = f + t[k].src->off;
        if (!strcmp(t[k].tag, "glyf")) {
            size_t o = 0;
            for (unsigned g = 0; g < tf->n_glyphs; g++) {
                size_t s, e;
                glyph_span(tf, g, &s, &e);
                if (has(keep, g)) {
                    memcpy(d + o, src + s, e - s);
                    o += (e - s + 3) & ~(size_t)3;
                }
            }
        } else if (!strcmp(t[k].tag, "loca")) {
            size_t o = 0;
            for (unsigned g = 0; g < tf->n_glyphs; g++) {
                size_t s, e;
                glyph_span(tf, g, &s, &e);
                put32(d + 4 * (size_t)g, (uint32_t)o);
                if (has(keep, g))
                    o += (e - s + 3) & ~(size_t)3;
            }
            put32(d + 4 * (size_t)tf->n_glyphs, (uint32_t)o);
        } else if (!strcmp(t[k].tag, "hmtx")) {
            /* widths of the glyphs kept; zeros compress to nothing */
            for (unsigned g = 0; g < tf->n_glyphs; g++) {
                if (!has(keep, g))
                    continue;
                if (g < tf->n_hmetrics)
                    memcpy(d + 4 * (size_t)g, src + 4 * (size_t)g, 4);
                else {
                    size_t at = 4 * (size_t)tf->n_hmetrics + 2 * (size_t)(g - tf->n_hmetrics);
                    memcpy(d + at, src + at, 2);
                }
            }
        } else {
            memcpy(d, src, t[k].len);
            if (!strcmp(t[k].tag, "head")) {
                head_at = pos;
                put32(d + 8, 0);       /* checkSumAdjustment, set below */
                put16(d + 50, 1);      /* indexToLocFormat: long */
            }
        }
        memcpy(out + dir, t[k].tag, 4);
        put32(out + dir + 4, checksum(d, t[k].len));
        put32(out + dir + 8, (uint32_t)pos);
        put32(out + dir + 12, (uint32_t)t[k].len);
        dir += 16;
        pos += (t[k].len + 3) & ~(size_t)3;
    }
    put32(out + head_at + 8, 0xB1B0AFBAu - checksum(out, total));
    *len = total;
    return out;
}
