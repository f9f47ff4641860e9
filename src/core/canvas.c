#include "canvas.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infile.h"
#include "textenc.h"

static const char *const base_names[CANVAS_STYLE_COUNT] = {
    "Helvetica", "Helvetica-Bold", "Helvetica-Oblique",
};

static void on_error(HPDF_STATUS e, HPDF_STATUS detail, void *user)
{
    struct canvas *cv = user;
    if (!cv->err) {
        cv->err = e;
        cv->err_detail = detail;
    }
}

int canvas_open(struct canvas *cv, float w, float h, const char *fallback_path,
                struct diag_list *dl)
{
    memset(cv, 0, sizeof *cv);
    cv->width = w;
    cv->height = h;
    cv->fallback_path = fallback_path;
    cv->doc = HPDF_New(on_error, cv);
    if (!cv->doc) {
        diag_error(dl, NULL, NULL, "out of memory (PDF library)");
        return -1;
    }
    HPDF_SetCompressionMode(cv->doc, HPDF_COMP_ALL);
    for (int i = 0; i < CANVAS_STYLE_COUNT; i++)
        cv->base[i] = HPDF_GetFont(cv->doc, base_names[i], "WinAnsiEncoding");
    if (cv->err) {
        diag_error(dl, NULL, NULL, "PDF library error 0x%04X while loading the standard fonts",
                   (unsigned)cv->err);
        return -1;
    }
    return 0;
}

static bool reserve(struct canvas *cv, size_t n)
{
    if (n <= cv->buf_cap)
        return true;
    size_t cap = n < 256 ? 256 : n * 2;
    char *b = realloc(cv->buf, cap);
    if (!b) {
        cv->oom = true;
        return false;
    }
    cv->buf = b;
    cv->buf_cap = cap;
    return true;
}

/* Load the fallback font into the document, once. */
static HPDF_Font fallback_font(struct canvas *cv)
{
    if (cv->fallback || cv->err)
        return cv->fallback;
    if (HPDF_UseUTFEncodings(cv->doc) != HPDF_OK)
        return NULL;
    const char *name = HPDF_LoadTTFontFromFile(cv->doc, cv->fallback_path, HPDF_TRUE);
    if (!name)
        return NULL;
    cv->fallback = HPDF_GetFont(cv->doc, name, "UTF-8");
    return cv->fallback;
}

/* Put s[0..len) into the scratch buffer in the encoding of the font that
 * will print it, and choose that font.  Returns NULL after an error. */
static const char *encode(struct canvas *cv, enum canvas_style st, const char *s, size_t len,
                          HPDF_Font *font, bool *fallback)
{
    if (!reserve(cv, len + 1))
        return NULL;
    if (textenc_to_cp1252(s, len, cv->buf)) {
        *font = cv->base[st];
        *fallback = false;
        return cv->buf;
    }
    memcpy(cv->buf, s, len);
    cv->buf[len] = '\0';
    *font = fallback_font(cv);
    *fallback = true;
    return *font ? cv->buf : NULL;
}

int canvas_check_text(struct canvas *cv, const char *s, const char *file, const char *path,
                      struct diag_list *dl)
{
    size_t len = strlen(s);
    bool all_cp1252 = true;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = textenc_utf8_next(s + i, len - i, &cp);
        if (n == 0) {
            diag_error(dl, file, path, "text is not valid UTF-8 (byte %zu)", i + 1);
            return -1;
        }
        if (cp < 0x20 && cp != '\n') {
            diag_error(dl, file, path, "control character U+%04X cannot be printed", (unsigned)cp);
            return -1;
        }
        if (cp != '\n' && !textenc_cp1252_byte(cp))
            all_cp1252 = false;
        i += n;
    }
    if (all_cp1252)
        return 0;
    if (cv->cov_failed)
        return -1;
    if (!cv->cov_loaded) {
        /* one message for one problem: the reason goes inside it */
        struct diag_list why = { 0 };
        if (fontcov_load(&cv->cov, cv->fallback_path, &why) != 0) {
            cv->cov_failed = true;
            diag_error(dl, file, path,
                       "cannot print this text without the font '%s' (%s; run 'make fonts')",
                       cv->fallback_path, why.n ? why.v[0].msg : "cannot read it");
            diag_list_free(&why);
            return -1;
        }
        cv->cov_loaded = true;
    }
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = textenc_utf8_next(s + i, len - i, &cp);
        if (cp != '\n' && !fontcov_has(&cv->cov, cp)) {
            diag_error(dl, file, path, "character U+%04X cannot be printed", (unsigned)cp);
            return -1;
        }
        i += n;
    }
    return 0;
}

void canvas_compress(struct canvas *cv, bool on)
{
    HPDF_SetCompressionMode(cv->doc, on ? HPDF_COMP_ALL : HPDF_COMP_NONE);
}

void canvas_add_page(struct canvas *cv)
{
    if (cv->n_pages == cv->cap_pages) {
        size_t cap = cv->cap_pages ? cv->cap_pages * 2 : 4;
        HPDF_Page *p = realloc(cv->pages, cap * sizeof *p);
        if (!p) {
            cv->oom = true;
            return;
        }
        cv->pages = p;
        cv->cap_pages = cap;
    }
    HPDF_Page pg = HPDF_AddPage(cv->doc);
    if (!pg)
        return;
    HPDF_Page_SetWidth(pg, cv->width);
    HPDF_Page_SetHeight(pg, cv->height);
    cv->pages[cv->n_pages++] = pg;
    cv->page = pg;
}

/* The page's state cache: forget it when drawing moves to another page. */
static void state_for(struct canvas *cv, HPDF_Page pg)
{
    if (cv->st_page != pg) {
        cv->st_page = pg;
        cv->st_font = NULL;
        cv->st_fill_set = false;
    }
}

static void set_fill(struct canvas *cv, HPDF_Page pg, struct canvas_rgb c)
{
    state_for(cv, pg);
    if (cv->st_fill_set && cv->st_fill.r == c.r && cv->st_fill.g == c.g && cv->st_fill.b == c.b)
        return;
    HPDF_Page_SetRGBFill(pg, c.r, c.g, c.b);
    cv->st_fill = c;
    cv->st_fill_set = true;
}

float canvas_width(struct canvas *cv, enum canvas_style st, float size, const char *s, size_t len)
{
    HPDF_Font font;
    bool fb;
    const char *t = encode(cv, st, s, len, &font, &fb);
    if (!t)
        return 0;
    HPDF_TextWidth tw = HPDF_Font_TextWidth(font, (const HPDF_BYTE *)t, (HPDF_UINT)strlen(t));
    return (float)tw.width * size / 1000.0f;
}

void canvas_text(struct canvas *cv, HPDF_Page page, float x, float y, enum canvas_style st,
                 float size, struct canvas_rgb c, const char *s, size_t len)
{
    HPDF_Page pg = page ? page : cv->page;
    HPDF_Font font;
    bool fb;
    if (!pg || len == 0)
        return;
    const char *t = encode(cv, st, s, len, &font, &fb);
    if (!t)
        return;
    set_fill(cv, pg, c);
    HPDF_Page_BeginText(pg);
    if (cv->st_font != font || cv->st_size != size) {
        HPDF_Page_SetFontAndSize(pg, font, size);
        cv->st_font = font;
        cv->st_size = size;
    }
    if (fb && st == CANVAS_BOLD) {
        /* The fallback has one face: embolden by stroking the outline too. */
        HPDF_Page_SetRGBStroke(pg, c.r, c.g, c.b);
        HPDF_Page_SetLineWidth(pg, size * 0.04f);
        HPDF_Page_SetTextRenderingMode(pg, HPDF_FILL_THEN_STROKE);
    }
    if (fb && st == CANVAS_ITALIC)
        HPDF_Page_SetTextMatrix(pg, 1, 0, 0.2f, 1, x, y);
    else
        HPDF_Page_MoveTextPos(pg, x, y);
    HPDF_Page_ShowText(pg, t);
    if (fb && st == CANVAS_BOLD)
        HPDF_Page_SetTextRenderingMode(pg, HPDF_FILL);
    HPDF_Page_EndText(pg);
}

void canvas_text_right(struct canvas *cv, HPDF_Page page, float x, float y, enum canvas_style st,
                       float size, struct canvas_rgb c, const char *s, size_t len)
{
    float w = canvas_width(cv, st, size, s, len);
    canvas_text(cv, page, x - w, y, st, size, c, s, len);
}

static void push_line(struct canvas *cv, struct canvas_lines *out, size_t off, size_t len)
{
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 8;
        struct canvas_line *v = realloc(out->v, cap * sizeof *v);
        if (!v) {
            cv->oom = true;
            return;
        }
        out->v = v;
        out->cap = cap;
    }
    out->v[out->n].off = off;
    out->v[out->n].len = len;
    out->n++;
}

/* Bytes of the UTF-8 character starting at s[i] (1 for a stray byte). */
static size_t char_len(const char *s, size_t n, size_t i)
{
    uint32_t cp;
    size_t k = textenc_utf8_next(s + i, n - i, &cp);
    return k ? k : 1;
}

void canvas_wrap(struct canvas *cv, enum canvas_style st, float size, const char *s, float width,
                 struct canvas_lines *out)
{
    size_t n = strlen(s), pos = 0;
    out->n = 0;
    while (pos < n) {
        if (s[pos] == '\n') {
            /* An explicit break ends the line; only a break right after
             * another one (or at the start) makes an empty line. */
            if (pos == 0 || s[pos - 1] == '\n')
                push_line(cv, out, pos, 0);
            pos++;
            continue;
        }
        while (pos < n && s[pos] == ' ')
            pos++;
        if (pos >= n)
            break;
        size_t start = pos, end = pos;
        /* Most text fits on one line: measure the rest of it once. */
        const char *nl = memchr(s + pos, '\n', n - pos);
        size_t rest = nl ? (size_t)(nl - (s + pos)) : n - pos;
        if (canvas_width(cv, st, size, s + start, rest) <= width) {
            size_t e = start + rest;
            while (e > start && s[e - 1] == ' ')
                e--;
            push_line(cv, out, start, e - start);
            pos = start + rest;
            if (pos < n && s[pos] == '\n')
                pos++;
            continue;
        }
        for (;;) {
            size_t we = pos;
            while (we < n && s[we] != ' ' && s[we] != '\n')
                we++;
            if (canvas_width(cv, st, size, s + start, we - start) <= width) {
                end = we;
                pos = we;
                while (pos < n && s[pos] == ' ')
                    pos++;
                if (pos >= n || s[pos] == '\n')
                    break;
                continue;
            }
            if (end == start) {
                /* One word wider than the line: cut it where it must. */
                size_t cut = start + char_len(s, n, start);
                while (cut < we) {
                    size_t next = cut + char_len(s, n, cut);
                    if (canvas_width(cv, st, size, s + start, next - start) > width)
                        break;
                    cut = next;
                }
                end = cut;
                pos = cut;
            }
            break;
        }
        push_line(cv, out, start, end - start);
        if (pos < n && s[pos] == '\n')
            pos++;
    }
}

void canvas_lines_free(struct canvas_lines *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

void canvas_fill_rect(struct canvas *cv, float x, float y, float w, float h, struct canvas_rgb c)
{
    if (!cv->page)
        return;
    set_fill(cv, cv->page, c);
    HPDF_Page_Rectangle(cv->page, x, y, w, h);
    HPDF_Page_Fill(cv->page);
}

void canvas_stroke_rect(struct canvas *cv, float x, float y, float w, float h, float lw,
                        struct canvas_rgb c)
{
    if (!cv->page)
        return;
    HPDF_Page_SetRGBStroke(cv->page, c.r, c.g, c.b);
    HPDF_Page_SetLineWidth(cv->page, lw);
    HPDF_Page_Rectangle(cv->page, x, y, w, h);
    HPDF_Page_Stroke(cv->page);
}

void canvas_hline(struct canvas *cv, float x0, float x1, float y, float lw, struct canvas_rgb c)
{
    if (!cv->page)
        return;
    HPDF_Page_SetRGBStroke(cv->page, c.r, c.g, c.b);
    HPDF_Page_SetLineWidth(cv->page, lw);
    HPDF_Page_MoveTo(cv->page, x0, y);
    HPDF_Page_LineTo(cv->page, x1, y);
    HPDF_Page_Stroke(cv->page);
}

/* Largest logo read, and its largest side in pixels. */
#define LOGO_MAX_BYTES (4u * 1024u * 1024u)
#define LOGO_MAX_SIDE 8000u

static uint32_t be32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* CRC-32 of PNG chunks (ISO 3309, as in the PNG specification). */
static uint32_t png_crc(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

/* libharu hands a PNG to libpng without a recovery point, and libpng
 * aborts the process on a damaged file: check the file's structure first
 * (signature, every chunk's length and CRC, a sane IHDR, IDAT, IEND).
 * Returns NULL if it is well formed, else why not. */
static const char *png_problem(const char *path)
{
    struct diag_list odl = { 0 };
    FILE *f = infile_open(path, "logo", "a PNG image", &odl);
    bool special = !f && odl.n && strstr(odl.v[0].msg, "not a regular file");
    diag_list_free(&odl);
    if (!f)
        return special ? "logo is not a regular file" : "cannot open logo";
    unsigned char *b = malloc(LOGO_MAX_BYTES + 1);
    size_t n = b ? fread(b, 1, LOGO_MAX_BYTES + 1, f) : 0;
    fclose(f);
    const char *why = NULL;
    if (!b)
        why = "out of memory reading the logo";
    else if (n > LOGO_MAX_BYTES)
        why = "logo is larger than 4 MiB";
    else if (n < 8 || memcmp(b, "\x89PNG\r\n\x1a\n", 8) != 0)
        why = "logo is not a PNG image";
    size_t pos = 8;
    bool ihdr = false, idat = false, iend = false;
    while (!why && !iend) {
        if (n - pos < 12) {
            why = "logo PNG is cut short";
            break;
        }
        uint32_t len = be32(b + pos);
        const unsigned char *type = b + pos + 4;
        if (len > n - pos - 12) {
            why = "logo PNG is cut short";
            break;
        }
        if (png_crc(type, (size_t)len + 4) != be32(b + pos + 8 + len)) {
            why = "logo PNG is damaged (checksum error)";
            break;
        }
        if (!ihdr) {
            uint32_t pw = len == 13 ? be32(type + 4) : 0, ph = len == 13 ? be32(type + 8) : 0;
            unsigned depth = len == 13 ? type[12] : 0, color = len == 13 ? type[13] : 9;
            if (memcmp(type, "IHDR", 4) != 0 || pw == 0 || ph == 0 || pw > LOGO_MAX_SIDE ||
                ph > LOGO_MAX_SIDE || depth > 16 || (depth & (depth - 1)) != 0 || color > 6 ||
                color == 1 || color == 5) {
                why = "logo PNG has no valid header";
                break;
            }
            ihdr = true;
        } else if (!memcmp(type, "IDAT", 4)) {
            idat = true;
        } else if (!memcmp(type, "IEND", 4)) {
            iend = true;
        }
        pos += 12 + (size_t)len;
    }
    if (!why && !idat)
        why = "logo PNG has no image data";
    free(b);
    return why;
}

int canvas_png(struct canvas *cv, const char *path, float x, float y, float w, float h,
               struct diag_list *dl)
{
    const char *why = png_problem(path);
    if (why) {
        diag_add(dl, DIAG_WARNING, path, 0, 0, "clinic.logo", "%s; the quote is printed without a logo",
                 why);
        return -1;
    }
    if (cv->err || !cv->page)
        return -1;
    HPDF_Image img = HPDF_LoadPngImageFromFile(cv->doc, path);
    if (!img || cv->err) {
        cv->err = 0;
        cv->err_detail = 0;
        HPDF_ResetError(cv->doc);
        diag_add(dl, DIAG_WARNING, path, 0, 0, "clinic.logo",
                 "cannot read logo PNG; the quote is printed without a logo");
        return -1;
    }
    float iw = (float)HPDF_Image_GetWidth(img), ih = (float)HPDF_Image_GetHeight(img);
    if (iw <= 0 || ih <= 0)
        return -1;
    float scale = w / iw < h / ih ? w / iw : h / ih;
    HPDF_Page_DrawImage(cv->page, img, x, y + h - ih * scale, iw * scale, ih * scale);
    return 0;
}

void canvas_info(struct canvas *cv, HPDF_InfoType type, const char *value)
{
    size_t len = strlen(value);
    char out[512];
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = textenc_utf8_next(value + i, len - i, &cp);
        if (n == 0 || o + 1 >= sizeof out || !((cp >= 0x20 && cp < 0x7F) || (cp >= 0xA0 && cp <= 0xFF)))
            return;
        out[o++] = (char)cp;
        i += n;
    }
    out[o] = '\0';
    HPDF_SetInfoAttr(cv->doc, type, out);
}

int canvas_finish(struct canvas *cv, unsigned char **buf, size_t *len, struct diag_list *dl)
{
    *buf = NULL;
    *len = 0;
    if (cv->oom) {
        diag_error(dl, NULL, NULL, "out of memory while laying out the PDF");
        return -1;
    }
    if (!cv->err && HPDF_SaveToStream(cv->doc) != HPDF_OK && !cv->err)
        cv->err = HPDF_INVALID_DOCUMENT;
    if (cv->err) {
        if (cv->err == HPDF_FAILD_TO_ALLOC_MEM)
            diag_error(dl, NULL, NULL, "out of memory (PDF library)");
        else if (cv->fallback_path && cv->err >= HPDF_TTF_CANNOT_EMBEDDING_FONT &&
                 cv->err <= HPDF_TTF_MISSING_TABLE)
            diag_error(dl, cv->fallback_path, NULL, "cannot use this TrueType font (PDF library error 0x%04X)",
                       (unsigned)cv->err);
        else
            diag_error(dl, NULL, NULL, "PDF library error 0x%04X (detail %u)", (unsigned)cv->err,
                       (unsigned)cv->err_detail);
        return -1;
    }
    HPDF_UINT32 size = HPDF_GetStreamSize(cv->doc);
    unsigned char *b = malloc(size ? size : 1);
    if (!b) {
        diag_error(dl, NULL, NULL, "out of memory");
        return -1;
    }
    HPDF_UINT32 got = 0;
    while (got < size) {
        HPDF_UINT32 chunk = size - got;
        HPDF_STATUS st = HPDF_ReadFromStream(cv->doc, b + got, &chunk);
        got += chunk;
        if (st == HPDF_STREAM_EOF || chunk == 0)
            break;
        if (st != HPDF_OK) {
            cv->err = st;
            break;
        }
    }
    if (got != size) {
        free(b);
        diag_error(dl, NULL, NULL, "PDF library error 0x%04X while reading the document",
                   (unsigned)cv->err);
        return -1;
    }
    *buf = b;
    *len = size;
    return 0;
}

void canvas_free(struct canvas *cv)
{
    if (cv->doc)
        HPDF_Free(cv->doc);
    if (cv->cov_loaded)
        fontcov_free(&cv->cov);
    free(cv->pages);
    free(cv->buf);
    memset(cv, 0, sizeof *cv);
}
