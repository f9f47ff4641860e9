#include "fontcov.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infile.h"

/* Largest font file read (the full DejaVu Sans is 740 KB). */
#define FONTCOV_MAX_BYTES (16u * 1024u * 1024u)

static uint32_t be16(const unsigned char *p)
{
    return ((uint32_t)p[0] << 8) | p[1];
}

static uint32_t be32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static unsigned char *read_all(const char *path, size_t *len, struct diag_list *dl)
{
    FILE *f = infile_open(path, "font", "a TrueType font file", dl);
    if (!f)
        return NULL;
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            if (cap >= FONTCOV_MAX_BYTES) {
                diag_error(dl, path, NULL, "font file is larger than %u bytes", FONTCOV_MAX_BYTES);
                goto fail;
            }
            cap = cap ? cap * 2 : 128 * 1024;
            unsigned char *nb = realloc(buf, cap);
            if (!nb) {
                diag_error(dl, path, NULL, "out of memory");
                goto fail;
            }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    if (ferror(f)) {
        diag_error(dl, path, NULL, "cannot read font: %s", strerror(errno));
        goto fail;
    }
    fclose(f);
    *len = n;
    return buf;
fail:
    free(buf);
    fclose(f);
    return NULL;
}

/* Record the glyph of every code point mapped by the format-4
 * subtable at p (len bytes available).  Returns false if it is malformed. */
static bool scan_format4(struct fontcov *fc, const unsigned char *p, size_t len)
{
    if (len < 14)
        return false;
    size_t sublen = be16(p + 2);
    if (sublen > len)
        sublen = len;
    size_t segs = be16(p + 6) / 2;
    if (14 + segs * 8 + 2 > sublen)
        return false;
    const unsigned char *end = p + 14;
    const unsigned char *start = end + segs * 2 + 2;
    const unsigned char *delta = start + segs * 2;
    const unsigned char *range = delta + segs * 2;
    for (size_t i = 0; i < segs; i++) {
        uint32_t e = be16(end + 2 * i), s = be16(start + 2 * i);
        uint32_t d = be16(delta + 2 * i), ro = be16(range + 2 * i);
        for (uint32_t c = s; c <= e && c <= 0xFFFF; c++) {
            uint32_t g;
            if (ro == 0) {
                g = (c + d) & 0xFFFF;
            } else {
                size_t at = (size_t)(range + 2 * i - p) + ro + 2 * (c - s);
                if (at + 2 > sublen)
                    return false;
                g = be16(p + at);
                if (g)
                    g = (g + d) & 0xFFFF;
            }
            if (g && c != 0xFFFF)
                fc->gid[c] = (uint16_t)g;
        }
    }
    return true;
}

int fontcov_load(struct fontcov *fc, const char *path, struct diag_list *dl)
{
    fc->gid = NULL;
    fc->data = NULL;
    fc->len = 0;
    size_t len;
    unsigned char *f = read_all(path, &len, dl);
    if (!f)
        return -1;
    const unsigned char *cmap = NULL;
    size_t cmap_len = 0;
    if (len >= 12 && (be32(f) == 0x00010000u || be32(f) == 0x74727565u /* 'true' */)) {
        size_t ntab = be16(f + 4);
        for (size_t i = 0; i < ntab && 12 + 16 * (i + 1) <= len; i++) {
            const unsigned char *rec = f + 12 + 16 * i;
            uint32_t off = be32(rec + 8), l = be32(rec + 12);
            if (memcmp(rec, "cmap", 4) == 0 && off <= len && l <= len - off) {
                cmap = f + off;
                cmap_len = l;
            }
        }
    } else {
        diag_error(dl, path, NULL, "not a TrueType font");
        free(f);
        return -1;
    }
    const unsigned char *sub = NULL;
    size_t sub_len = 0;
    if (cmap && cmap_len >= 4) {
        size_t n = be16(cmap + 2);
        for (size_t i = 0; i < n && 4 + 8 * (i + 1) <= cmap_len; i++) {
            const unsigned char *rec = cmap + 4 + 8 * i;
            uint32_t plat = be16(rec), enc = be16(rec + 2), off = be32(rec + 4);
            bool unicode = (plat == 3 && enc == 1) || plat == 0;
            if (unicode && off < cmap_len && cmap_len - off >= 2 && be16(cmap + off) == 4) { /* no uint32 wrap */
                sub = cmap + off;
                sub_len = cmap_len - off;
                break;
            }
        }
    }
    fc->gid = sub ? calloc(65536, sizeof *fc->gid) : NULL;
    if (!sub || !fc->gid || !scan_format4(fc, sub, sub_len)) {
        diag_error(dl, path, NULL, "%s", !sub ? "font has no Unicode character map"
                                    : !fc->gid ? "out of memory" : "font character map is damaged");
        fontcov_free(fc);
        free(f);
        return -1;
    }
    fc->data = f;
    fc->len = len;
    return 0;
}

bool fontcov_has(const struct fontcov *fc, uint32_t cp)
{
    return fontcov_glyph(fc, cp) != 0;
}

unsigned fontcov_glyph(const struct fontcov *fc, uint32_t cp)
{
    return fc->gid && cp <= 0xFFFF ? fc->gid[cp] : 0;
}

void fontcov_free(struct fontcov *fc)
{
    free(fc->gid);
    free(fc->data);
    fc->gid = NULL;
    fc->data = NULL;
    fc->len = 0;
}
