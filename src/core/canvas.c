#include "canvas.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infile.h"
#include <hpdf_catalog.h>
#include <hpdf_namedict.h>
#include <hpdf_objects.h>
#include <hpdf_pages.h>
#include <hpdf_streams.h>
#include <qrencode.h>

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

/* Read the fallback font's file, character map and tables, once.  Returns
 * false when it cannot be used (why: cv->cov_why). */
static bool load_fallback(struct canvas *cv)
{
    if (cv->cov_loaded)
        return true;
    if (cv->cov_failed)
        return false;
    struct diag_list why = { 0 };
    if (fontcov_load(&cv->cov, cv->fallback_path, &why) != 0) {
        cv->cov_failed = true;
    } else if (ttfont_open(&cv->tt, &cv->cov, cv->fallback_path, &why) != 0) {
        fontcov_free(&cv->cov);
        cv->cov_failed = true;
    }
    if (cv->cov_failed) {
        snprintf(cv->cov_why, sizeof cv->cov_why, "%s", why.n ? why.v[0].msg : "cannot read it");
        diag_list_free(&why);
        return false;
    }
    cv->cov_loaded = true;
    return true;
}

/* Put s[0..len) into the scratch buffer in the encoding of the font that
 * will print it (Windows-1252 for the standard fonts, UTF-8 as given for
 * the fallback), and choose that font (NULL: the fallback).  Returns NULL
 * after an error. */
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
    *font = NULL;
    *fallback = true;
    cv->fb_needed = true;
    return load_fallback(cv) ? cv->buf : NULL;
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
    if (!load_fallback(cv)) {
        /* one message for one problem: the reason goes inside it */
        diag_error(dl, file, path, "cannot print this text without the font '%s' (%s; run 'make fonts')",
                   cv->fallback_path, cv->cov_why);
        return -1;
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
    cv->uncompressed = !on;
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
    float k = cv->scale > 0 ? cv->scale : 1.0f;
    HPDF_Page_SetWidth(pg, cv->width * k);
    HPDF_Page_SetHeight(pg, cv->height * k);
    if (k != 1.0f)
        HPDF_Page_Concat(pg, k, 0, 0, k, 0, 0);
    cv->pages[cv->n_pages++] = pg;
    cv->page = pg;
}

void canvas_set_scale(struct canvas *cv, float scale)
{
    cv->scale = scale;
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
    if (!fb) {
        HPDF_TextWidth tw = HPDF_Font_TextWidth(font, (const HPDF_BYTE *)t, (HPDF_UINT)strlen(t));
        return (float)tw.width * size / 1000.0f;
    }
    long w = 0;
    size_t n = strlen(t);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = textenc_utf8_next(t + i, n - i, &cp);
        if (k == 0)
            break;
        w += ttfont_width(&cv->tt, fontcov_glyph(&cv->cov, cp));
        i += k;
    }
    return (float)w * size / 1000.0f;
}

/* Remember which code points of UTF-8 text t the fallback font prints.  Its
 * codes in the content stream are the code points themselves (Identity-H),
 * so they are also its ToUnicode map. */
static void note_used(struct canvas *cv, const char *t)
{
    if (!cv->used && !(cv->used = calloc(0x10000 / 8, 1))) {
        cv->oom = true;
        return;
    }
    size_t len = strlen(t);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = textenc_utf8_next(t + i, len - i, &cp);
        if (n == 0)
            break;
        if (cp < 0x10000) {
            cv->used[cp >> 3] |= (unsigned char)(1u << (cp & 7));
            if (cp > cv->used_max)
                cv->used_max = cp;
        }
        i += n;
    }
}

/* The fallback's font dictionary, made when it first prints something so
 * that pages can name it; embed_fallback() fills it in. */
static HPDF_Dict new_fallback_font(struct canvas *cv)
{
    HPDF_Dict font = HPDF_Dict_New(cv->doc->mmgr);
    if (!font || HPDF_Xref_Add(cv->doc->xref, font) != HPDF_OK)
        return NULL;
    return font;
}

/* Show UTF-8 text t in the fallback at the text position: its code points
 * as a hex string of 2-byte codes, what libharu writes for Identity-H. */
static void show_fallback(struct canvas *cv, HPDF_Page pg, const char *t)
{
    HPDF_Stream out = ((HPDF_PageAttr)pg->attr)->stream;
    static const char hex[] = "0123456789ABCDEF";
    char run[4 * 64 + 1];
    size_t o = 0, len = strlen(t);
    run[o++] = '<';
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = textenc_utf8_next(t + i, len - i, &cp);
        if (n == 0)
            break;
        i += n;
        if (cp > 0xFFFF)
            continue;
        for (int sh = 12; sh >= 0; sh -= 4)
            run[o++] = hex[(cp >> sh) & 0xF];
        if (o + 4 > sizeof run) {
            HPDF_Stream_Write(out, (const HPDF_BYTE *)run, (HPDF_UINT)o);
            o = 0;
        }
    }
    HPDF_Stream_Write(out, (const HPDF_BYTE *)run, (HPDF_UINT)o);
    HPDF_Stream_WriteStr(out, "> Tj\012");
    note_used(cv, t);
}

static HPDF_Dict new_stream(struct canvas *cv)
{
    HPDF_Dict d = HPDF_DictStream_New(cv->doc->mmgr, cv->doc->xref);
    if (d && !cv->uncompressed)
        d->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
    return d;
}

static bool used_cp(const struct canvas *cv, uint32_t cp)
{
    return (cv->used[cp >> 3] >> (cp & 7)) & 1u;
}

/* The first code point from cp on that the fallback printed; 0x10000 when
 * there is none (whole empty bytes of the bitmap are skipped). */
static uint32_t next_used(const struct canvas *cv, uint32_t cp)
{
    while (cp <= cv->used_max) {
        if ((cp & 7) == 0 && cv->used[cp >> 3] == 0)
            cp += 8;
        else if (used_cp(cv, cp))
            return cp;
        else
            cp++;
    }
    return 0x10000;
}

/* The ToUnicode map: every code printed is its own code point (beginbfchar,
 * at most 100 a section, as the CMap format requires). */
static HPDF_STATUS write_to_unicode(struct canvas *cv, HPDF_Stream s, size_t count)
{
    HPDF_STATUS st = HPDF_Stream_WriteStr(s, "/CIDInit /ProcSet findresource begin\n"
                                             "12 dict begin\n"
                                             "begincmap\n"
                                             "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
                                             "/CMapName /Adobe-Identity-UCS def\n"
                                             "/CMapType 2 def\n"
                                             "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
    char line[32];
    uint32_t cp = 0;
    while (count > 0 && st == HPDF_OK) {
        size_t n = count < 100 ? count : 100;
        snprintf(line, sizeof line, "%zu beginbfchar\n", n);
        st = HPDF_Stream_WriteStr(s, line);
        for (size_t k = 0; k < n && st == HPDF_OK; k++, cp++) {
            cp = next_used(cv, cp);
            snprintf(line, sizeof line, "<%04X> <%04X>\n", (unsigned)cp, (unsigned)cp);
            st = HPDF_Stream_WriteStr(s, line);
        }
        if (st == HPDF_OK)
            st = HPDF_Stream_WriteStr(s, "endbfchar\n");
        count -= n;
    }
    if (st == HPDF_OK)
        st = HPDF_Stream_WriteStr(s, "endcmap\n"
                                     "CMapName currentdict /CMap defineresource pop\n"
                                     "end\n"
                                     "end\n");
    return st;
}

/* /W: the width of every code printed, runs of consecutive codes together. */
static HPDF_Array widths(struct canvas *cv, uint32_t maxcp)
{
    HPDF_MMgr m = cv->doc->mmgr;
    HPDF_Array w = HPDF_Array_New(m);
    for (uint32_t cp = next_used(cv, 0); w && cp <= maxcp; cp = next_used(cv, cp)) {
        HPDF_Array run = HPDF_Array_New(m);
        if (!run || HPDF_Array_AddNumber(w, (HPDF_INT32)cp) != HPDF_OK || HPDF_Array_Add(w, run) != HPDF_OK)
            return NULL;
        for (; cp <= maxcp && used_cp(cv, cp); cp++)
            if (HPDF_Array_AddNumber(run, ttfont_width(&cv->tt, fontcov_glyph(&cv->cov, cp))) != HPDF_OK)
                return NULL;
    }
    return w;
}

/* Fill in the fallback's font: the Type0 dictionary made by
 * new_fallback_font(), its CIDFontType2 with the widths and CIDToGIDMap of
 * the code points printed, its descriptor, the font program cut down to
 * their glyphs, and the ToUnicode map.  Returns 0 (also when the fallback
 * printed nothing), or -1. */
static int embed_fallback(struct canvas *cv)
{
    if (cv->fb_needed && cv->cov_failed)
        return -1;
    if (!cv->fb_font || !cv->used || cv->err)
        return 0;
    const struct ttfont *tf = &cv->tt;
    HPDF_MMgr m = cv->doc->mmgr;
    uint8_t *keep = calloc((tf->n_glyphs + 7) / 8, 1);
    if (!keep) {
        cv->oom = true;
        return -1;
    }
    /* the glyphs printed, the highest code and a subset tag that depends
     * on them alone (the same text gives the same bytes) */
    uint32_t maxcp = 0, hash = 2166136261u;
    size_t count = 0;
    for (uint32_t cp = next_used(cv, 0); cp < 0x10000; cp = next_used(cv, cp + 1)) {
        unsigned g = fontcov_glyph(&cv->cov, cp);
        if (g < tf->n_glyphs)
            keep[g >> 3] |= (uint8_t)(1u << (g & 7));
        maxcp = cp;
        count++;
        hash = (hash ^ cp) * 16777619u;
    }
    size_t plen;
    unsigned char *prog = ttfont_subset(tf, keep, &plen);
    free(keep);
    unsigned char *map = calloc(maxcp + 1, 2);
    if (!prog || !map) {
        free(prog);
        free(map);
        cv->oom = true;
        return -1;
    }
    for (uint32_t cp = next_used(cv, 0); cp <= maxcp; cp = next_used(cv, cp + 1)) {
        unsigned g = fontcov_glyph(&cv->cov, cp);
        map[2 * cp] = (unsigned char)(g >> 8);
        map[2 * cp + 1] = (unsigned char)g;
    }
    char base[96];
    char tag[7];
    for (int i = 0; i < 6; i++, hash /= 26)
        tag[i] = (char)('A' + hash % 26);
    tag[6] = '\0';
    snprintf(base, sizeof base, "%s+%s", tag, tf->name);

    HPDF_Dict cid = HPDF_Dict_New(m), info = HPDF_Dict_New(m), desc = HPDF_Dict_New(m);
    HPDF_Dict file = new_stream(cv), gidmap = new_stream(cv), tounicode = new_stream(cv);
    HPDF_Array descendants = HPDF_Array_New(m), bbox = HPDF_Array_New(m);
    HPDF_Array w = widths(cv, maxcp);
    HPDF_STATUS st = cid && info && desc && file && gidmap && tounicode && descendants && bbox && w
                         ? HPDF_OK : HPDF_FAILD_TO_ALLOC_MEM;
    if (st == HPDF_OK)
        st = HPDF_Stream_Write(file->stream, prog, (HPDF_UINT)plen);
    if (st == HPDF_OK)
        st = HPDF_Stream_Write(gidmap->stream, map, (HPDF_UINT)(2 * (maxcp + 1)));
    free(prog);
    free(map);
    if (st == HPDF_OK)
        st = write_to_unicode(cv, tounicode->stream, count);
    for (int i = 0; i < 4 && st == HPDF_OK; i++)
        st = HPDF_Array_AddNumber(bbox, tf->bbox[i]);
    HPDF_Dict font = cv->fb_font;
    const struct {
        HPDF_Dict d;
        const char *key;
        enum { NAME, NUM, OBJ } kind;
        const char *name;
        HPDF_INT32 num;
        void *obj;
    } items[] = {
        {file, "Length1", NUM, NULL, (HPDF_INT32)plen, NULL},
        {desc, "Type", NAME, "FontDescriptor", 0, NULL},
        {desc, "FontName", NAME, base, 0, NULL},
        {desc, "Flags", NUM, NULL, 32, NULL}, /* non-symbolic, as libharu had it */
        {desc, "FontBBox", OBJ, NULL, 0, bbox},
        {desc, "ItalicAngle", NUM, NULL, 0, NULL},
        {desc, "Ascent", NUM, NULL, tf->ascent, NULL},
        {desc, "Descent", NUM, NULL, tf->descent, NULL},
        {desc, "CapHeight", NUM, NULL, tf->cap_height, NULL},
        {desc, "XHeight", NUM, NULL, tf->x_height, NULL},
        /* only for a viewer that would substitute: the font is embedded */
        {desc, "StemV", NUM, NULL, 80, NULL},
        {desc, "FontFile2", OBJ, NULL, 0, file},
        {info, "Registry", OBJ, NULL, 0, st == HPDF_OK ? HPDF_String_New(m, "Adobe", NULL) : NULL},
        {info, "Ordering", OBJ, NULL, 0, st == HPDF_OK ? HPDF_String_New(m, "Identity", NULL) : NULL},
        {info, "Supplement", NUM, NULL, 0, NULL},
        {cid, "Type", NAME, "Font", 0, NULL},
        {cid, "Subtype", NAME, "CIDFontType2", 0, NULL},
        {cid, "BaseFont", NAME, base, 0, NULL},
        {cid, "CIDSystemInfo", OBJ, NULL, 0, info},
        {cid, "FontDescriptor", OBJ, NULL, 0, desc},
        {cid, "DW", NUM, NULL, ttfont_width(tf, 0), NULL},
        {cid, "W", OBJ, NULL, 0, w},
        {cid, "CIDToGIDMap", OBJ, NULL, 0, gidmap},
        {font, "Type", NAME, "Font", 0, NULL},
        {font, "Subtype", NAME, "Type0", 0, NULL},
        {font, "BaseFont", NAME, base, 0, NULL},
        {font, "Encoding", NAME, "Identity-H", 0, NULL},
        {font, "DescendantFonts", OBJ, NULL, 0, descendants},
        {font, "ToUnicode", OBJ, NULL, 0, tounicode},
    };
    if (st == HPDF_OK && (HPDF_Xref_Add(cv->doc->xref, desc) != HPDF_OK ||
                          HPDF_Xref_Add(cv->doc->xref, cid) != HPDF_OK ||
                          HPDF_Array_Add(descendants, cid) != HPDF_OK))
        st = HPDF_INVALID_OBJECT;
    for (size_t i = 0; i < sizeof items / sizeof items[0] && st == HPDF_OK; i++) {
        if (items[i].kind == NAME)
            st = HPDF_Dict_AddName(items[i].d, items[i].key, items[i].name);
        else if (items[i].kind == NUM)
            st = HPDF_Dict_AddNumber(items[i].d, items[i].key, items[i].num);
        else
            st = items[i].obj ? HPDF_Dict_Add(items[i].d, items[i].key, items[i].obj) : HPDF_FAILD_TO_ALLOC_MEM;
    }
    if (st != HPDF_OK) {
        if (!cv->err)
            cv->err = st;
        return -1;
    }
    return 0;
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
    if (fb && !cv->fb_font && !(cv->fb_font = new_fallback_font(cv)))
        return;
    set_fill(cv, pg, c);
    HPDF_Page_BeginText(pg);
    if (fb) {
        /* the page's resources name the font; the content stream gets
         * the operator libharu would write */
        HPDF_Stream out = ((HPDF_PageAttr)pg->attr)->stream;
        if (cv->st_font != cv->fb_font || cv->st_size != size) {
            const char *local = HPDF_Page_GetLocalFontName(pg, cv->fb_font);
            if (!local)
                return;
            HPDF_Stream_WriteEscapeName(out, local);
            HPDF_Stream_WriteChar(out, ' ');
            HPDF_Stream_WriteReal(out, size);
            HPDF_Stream_WriteStr(out, " Tf\012");
            cv->st_font = cv->fb_font;
            cv->st_size = size;
        }
    } else if (cv->st_font != font || cv->st_size != size) {
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
    if (fb)
        show_fallback(cv, pg, t);
    else
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
    if (embed_fallback(cv) != 0) {
        if (cv->oom)
            diag_error(dl, NULL, NULL, "out of memory while embedding the font");
        else
            diag_error(dl, cv->fallback_path, NULL, "cannot use this TrueType font (%s)",
                       cv->cov_failed ? cv->cov_why : "PDF library error");
        return -1;
    }
    if (!cv->err && HPDF_SaveToStream(cv->doc) != HPDF_OK && !cv->err)
        cv->err = HPDF_INVALID_DOCUMENT;
    if (cv->err) {
        if (cv->err == HPDF_FAILD_TO_ALLOC_MEM)
            diag_error(dl, NULL, NULL, "out of memory (PDF library)");
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
    free(cv->used);
    memset(cv, 0, sizeof *cv);
}

int canvas_attach(struct canvas *cv, const char *name, const char *mime, const char *desc,
                  const void *data, size_t len)
{
    HPDF_Doc pdf = cv->doc;
    if (cv->err)
        return -1;
    HPDF_NameDict names = HPDF_Catalog_GetNames(pdf->catalog);
    if (!names) {
        names = HPDF_NameDict_New(pdf->mmgr, pdf->xref);
        if (!names || HPDF_Catalog_SetNames(pdf->catalog, names) != HPDF_OK)
            return -1;
    }
    HPDF_NameTree files = HPDF_NameDict_GetNameTree(names, HPDF_NAME_EMBEDDED_FILES);
    if (!files) {
        files = HPDF_NameTree_New(pdf->mmgr, pdf->xref);
        if (!files || HPDF_NameDict_SetNameTree(names, HPDF_NAME_EMBEDDED_FILES, files) != HPDF_OK)
            return -1;
    }
    HPDF_Dict stream = HPDF_DictStream_New(pdf->mmgr, pdf->xref);
    HPDF_Dict spec = HPDF_Dict_New(pdf->mmgr);
    HPDF_Dict ef = HPDF_Dict_New(pdf->mmgr);
    HPDF_Dict params = HPDF_Dict_New(pdf->mmgr);
    if (!stream || !spec || !ef || !params)
        return -1;
    stream->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
    if (HPDF_Dict_AddName(stream, "Type", "EmbeddedFile") != HPDF_OK ||
        HPDF_Dict_AddName(stream, "Subtype", mime) != HPDF_OK ||
        HPDF_Dict_Add(params, "Size", HPDF_Number_New(pdf->mmgr, (HPDF_INT32)len)) != HPDF_OK ||
        HPDF_Dict_Add(stream, "Params", params) != HPDF_OK ||
        HPDF_Stream_Write(stream->stream, data, (HPDF_UINT)len) != HPDF_OK)
        return -1;
    if (HPDF_Xref_Add(pdf->xref, spec) != HPDF_OK ||
        HPDF_Dict_AddName(spec, "Type", "Filespec") != HPDF_OK ||
        HPDF_Dict_Add(spec, "F", HPDF_String_New(pdf->mmgr, name, NULL)) != HPDF_OK ||
        HPDF_Dict_Add(spec, "UF", HPDF_String_New(pdf->mmgr, name, NULL)) != HPDF_OK ||
        HPDF_Dict_Add(spec, "Desc", HPDF_String_New(pdf->mmgr, desc, NULL)) != HPDF_OK ||
        HPDF_Dict_Add(ef, "F", stream) != HPDF_OK || HPDF_Dict_Add(spec, "EF", ef) != HPDF_OK)
        return -1;
    HPDF_String key = HPDF_String_New(pdf->mmgr, name, NULL);
    if (!key || HPDF_NameTree_Add(files, key, spec) != HPDF_OK)
        return -1;
    return 0;
}

int canvas_qr(struct canvas *cv, float x, float y, float size, const char *text)
{
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr)
        return -1;
    int n = qr->width, quiet = 4;
    float m = size / (float)(n + 2 * quiet);
    const struct canvas_rgb white = {1, 1, 1}, black = {0, 0, 0};
    canvas_fill_rect(cv, x, y, size, size, white);
    for (int r = 0; r < n; r++) {
        /* one rectangle per run of dark modules in a row */
        for (int c = 0; c < n;) {
            if (!(qr->data[r * n + c] & 1)) {
                c++;
                continue;
            }
            int c0 = c;
            while (c < n && (qr->data[r * n + c] & 1))
                c++;
            canvas_fill_rect(cv, x + (float)(quiet + c0) * m, y + size - (float)(quiet + r + 1) * m,
                             (float)(c - c0) * m, m, black);
        }
    }
    QRcode_free(qr);
    return 0;
}
