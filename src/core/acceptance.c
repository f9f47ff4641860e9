/* acceptance — the signed acceptance page and the accepted copy (acceptance.h). */
#include "acceptance.h"

#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canvas.h"
#include "human_text.h"
#include "notice.h"
#include "register.h"
#include "pdf_scan.h"
#include "pdf_update.h"
#include "template.h"

static const struct canvas_rgb INK = {0.12f, 0.14f, 0.17f};
static const struct canvas_rgb MUTED = {0.40f, 0.43f, 0.48f};
static const struct canvas_rgb ACCENT = {0.04f, 0.32f, 0.44f};
static const struct canvas_rgb RULE = {0.80f, 0.83f, 0.86f};

static const char *const KEYS[] = { "accept.title", "accept.intro", "accept.signature", "accept.signer",
                                    "accept.signed_at", "accept.how", "accept.how_screen",
                                    "accept.how_paper", "accept.witness", "accept.notice_heading",
                                    "accept.notice_none", "accept.notice_digest", "accept.hashes",
                                    "accept.pdf_sha256", "accept.tables_sha256", "accept.consent" };

const char *acceptance_signature_type(const unsigned char *img, size_t len, const char *what,
                                      struct diag_list *dl)
{
    if (!img || len == 0) {
        diag_error(dl, NULL, what, "the signature image is empty");
        return NULL;
    }
    if (len > ACCEPTANCE_MAX_SIGNATURE) {
        diag_error(dl, NULL, what, "the signature image is %zu bytes; at most %u are accepted", len,
                   ACCEPTANCE_MAX_SIGNATURE);
        return NULL;
    }
    if (len >= 24 && !memcmp(img, "\x89PNG\r\n\x1a\n", 8) && !memcmp(img + 12, "IHDR", 4)) {
        uint32_t w = (uint32_t)img[16] << 24 | (uint32_t)img[17] << 16 | (uint32_t)img[18] << 8 | img[19];
        uint32_t h = (uint32_t)img[20] << 24 | (uint32_t)img[21] << 16 | (uint32_t)img[22] << 8 | img[23];
        if (w == 0 || h == 0 || w > ACCEPTANCE_MAX_PIXELS || h > ACCEPTANCE_MAX_PIXELS) {
            diag_error(dl, NULL, what, "the signature image is %ux%u pixels; at most %u each way", w, h,
                       ACCEPTANCE_MAX_PIXELS);
            return NULL;
        }
        return "png";
    }
    if (len >= 4 && img[0] == 0xFF && img[1] == 0xD8 && img[2] == 0xFF)
        return "jpeg";
    diag_error(dl, NULL, what, "the signature is not a PNG or JPEG image");
    return NULL;
}

static int b64v(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

int acceptance_data_url(const char *url, unsigned char **img, size_t *len, struct diag_list *dl)
{
    static const char prefix[] = "data:image/png;base64,";
    *img = NULL;
    *len = 0;
    if (!url || strncmp(url, prefix, sizeof prefix - 1) != 0) {
        diag_error(dl, NULL, "signature", "expected a PNG data URL (data:image/png;base64,…)");
        return -1;
    }
    const char *s = url + sizeof prefix - 1;
    size_t n = strlen(s);
    if (n / 4 * 3 > ACCEPTANCE_MAX_SIGNATURE) {
        diag_error(dl, NULL, "signature", "the signature image is larger than %u bytes", ACCEPTANCE_MAX_SIGNATURE);
        return -1;
    }
    unsigned char *out = malloc(n / 4 * 3 + 3);
    if (!out) {
        diag_error(dl, NULL, "signature", "out of memory");
        return -1;
    }
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0, pad = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64v(c);
        if (v < 0 || pad) {
            free(out);
            diag_error(dl, NULL, "signature", "the data URL is not valid base64");
            return -1;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    *img = out;
    *len = o;
    return 0;
}

/* ---- the acceptance page -------------------------------------------------- */

struct page {
    struct canvas cv;
    struct canvas_lines lines;
    const struct template *t;
    float x0, x1, y;
};

static void para(struct page *p, enum canvas_style st, float size, struct canvas_rgb c, const char *s)
{
    canvas_wrap(&p->cv, st, size, s, p->x1 - p->x0, &p->lines);
    for (size_t i = 0; i < p->lines.n; i++) {
        canvas_text(&p->cv, NULL, p->x0, p->y - size, st, size, c, s + p->lines.v[i].off, p->lines.v[i].len);
        p->y -= size * 1.3f;
    }
}

static void kv(struct page *p, const char *label, const char *value)
{
    canvas_text(&p->cv, NULL, p->x0, p->y - 9, CANVAS_BOLD, 9, MUTED, label, strlen(label));
    float x = p->x0 + 190;
    canvas_wrap(&p->cv, CANVAS_REGULAR, 9, value, p->x1 - x, &p->lines);
    for (size_t i = 0; i < p->lines.n; i++) {
        canvas_text(&p->cv, NULL, x, p->y - 9, CANVAS_REGULAR, 9, INK, value + p->lines.v[i].off,
                    p->lines.v[i].len);
        p->y -= 12.5f;
    }
    p->y -= 2;
}

static void heading(struct page *p, const char *s)
{
    p->y -= 10;
    canvas_text(&p->cv, NULL, p->x0, p->y - 11.5f, CANVAS_BOLD, 11.5f, ACCENT, s, strlen(s));
    canvas_hline(&p->cv, p->x0, p->x1, p->y - 15.5f, 0.8f, ACCENT);
    p->y -= 24;
}

#define W(key) template_get(p.t, key)

int acceptance_copy(const struct acceptance *a, const unsigned char *issued, size_t issued_len,
                    const char *templates_dir, const char *font_path, unsigned char **out,
                    size_t *out_len, struct diag_list *dl)
{
    *out = NULL;
    *out_len = 0;
    size_t errors = dl->errors;
    struct template t;
    struct page p;
    memset(&p, 0, sizeof p);
    memset(&t, 0, sizeof t);
    unsigned char *page = NULL, *rgb = NULL;
    size_t page_len = 0;
    int rc = -1;
    const char *lang = a->language && !strcmp(a->language, "es") ? "es" : "en";
    if (template_load(&t, templates_dir ? templates_dir : "templates", lang, "accept.txt", dl) != 0)
        goto out;
    p.t = &t;
    for (size_t i = 0; i < sizeof KEYS / sizeof *KEYS; i++)
        if (!template_get(&t, KEYS[i])) {
            diag_error(dl, t.file, KEYS[i], "missing");
            goto out;
        }
    /* the page size of the issued estimate: A4 or US Letter */
    bool a4 = pdf_is_a4(issued, issued_len);
    float pw = a4 ? 595.276f : 612.0f, ph = a4 ? 841.89f : 792.0f;
    if (canvas_open(&p.cv, pw, ph, font_path, dl) != 0)
        goto out;
    char *title = template_expand_pairs(&t, dl, "accept.title", "number", a->number, NULL);
    if (!title)
        goto out;
    bool es = !strcmp(lang, "es") && a->notice_text && a->notice_text_es;
    char *consent = a->notice_text && a->signed_consent
                        ? template_expand_pairs(&t, dl, "accept.consent", "citation",
                                                a->notice_citation ? a->notice_citation : "", NULL)
                        : NULL;
    if (a->notice_text && a->signed_consent && !consent) {
        free(title);
        goto out;
    }
    const char *texts[] = { a->signer, a->witness, a->notice_text, a->notice_citation, title,
                            es ? a->notice_text_es : NULL, es ? a->notice_translation_note_es : NULL, consent };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        if (texts[i] && canvas_check_text(&p.cv, texts[i], NULL, i == 0 ? "signer" : i == 1 ? "witness" : "notice",
                                          dl) != 0) {
            free(title);
            free(consent);
            goto out;
        }
    canvas_info(&p.cv, HPDF_INFO_CREATOR, "regenquote");
    canvas_add_page(&p.cv);
    p.x0 = 50;
    p.x1 = pw - 50;
    p.y = ph - 50;
    canvas_text(&p.cv, NULL, p.x0, p.y - 16, CANVAS_BOLD, 16, INK, title, strlen(title));
    free(title);
    p.y -= 28;
    para(&p, CANVAS_REGULAR, 9.5f, INK, W("accept.intro"));

    heading(&p, W("accept.signature"));
    /* libharu hands a PNG to libpng with no error handler, and libpng then
     * aborts the process on damaged data; so a PNG (from a browser: not
     * trusted) is decoded here with libpng's own checked reader, flattened
     * on white, and given to libharu as plain RGB */
    HPDF_Image img = NULL;
    if (!strcmp(a->signature_type, "png")) {
        png_image pi;
        memset(&pi, 0, sizeof pi);
        pi.version = PNG_IMAGE_VERSION;
        if (png_image_begin_read_from_memory(&pi, a->signature, a->signature_len) &&
            pi.width <= ACCEPTANCE_MAX_PIXELS && pi.height <= ACCEPTANCE_MAX_PIXELS) {
            pi.format = PNG_FORMAT_RGB;
            png_color white = { 255, 255, 255 };
            rgb = malloc(PNG_IMAGE_SIZE(pi));
            if (rgb && png_image_finish_read(&pi, &white, rgb, 0, NULL))
                img = HPDF_LoadRawImageFromMem(p.cv.doc, rgb, pi.width, pi.height, HPDF_CS_DEVICE_RGB, 8);
        }
        png_image_free(&pi);
    } else {
        img = HPDF_LoadJpegImageFromMem(p.cv.doc, a->signature, (HPDF_UINT)a->signature_len);
    }
    if (!img || p.cv.err) {
        diag_error(dl, NULL, "signature", "cannot read the signature image");
        goto out;
    }
    float iw = (float)HPDF_Image_GetWidth(img), ih = (float)HPDF_Image_GetHeight(img);
    float bw = 300, bh = 110, sc = bw / iw < bh / ih ? bw / iw : bh / ih;
    canvas_stroke_rect(&p.cv, p.x0, p.y - bh - 8, bw + 16, bh + 8, 0.6f, RULE);
    HPDF_Page_DrawImage(p.cv.page, img, p.x0 + 8, p.y - 4 - ih * sc, iw * sc, ih * sc);
    p.y -= bh + 18;
    kv(&p, W("accept.signer"), a->signer);
    kv(&p, W("accept.signed_at"), a->signed_at);
    kv(&p, W("accept.how"), W(a->on_paper ? "accept.how_paper" : "accept.how_screen"));
    kv(&p, W("accept.witness"), a->witness);

    heading(&p, W("accept.notice_heading"));
    if (a->notice_text) {
        para(&p, CANVAS_BOLD, 10, INK, a->notice_text);
        para(&p, CANVAS_REGULAR, 7.5f, MUTED, a->notice_citation ? a->notice_citation : "");
        if (es) {
            p.y -= 3;
            para(&p, CANVAS_ITALIC, 7.5f, MUTED, a->notice_translation_note_es ? a->notice_translation_note_es : "");
            para(&p, CANVAS_REGULAR, 9.5f, INK, a->notice_text_es);
        }
        p.y -= 4;
        kv(&p, W("accept.notice_digest"), a->notice_sha256 ? a->notice_sha256 : "");
        if (consent) {
            p.y -= 2;
            para(&p, CANVAS_BOLD, 9.5f, INK, consent);
        }
    } else
        para(&p, CANVAS_REGULAR, 9.5f, INK, W("accept.notice_none"));
    free(consent);

    heading(&p, W("accept.hashes"));
    kv(&p, W("accept.pdf_sha256"), a->pdf_sha256);
    kv(&p, W("accept.tables_sha256"), a->tables_sha256);
    if (canvas_finish(&p.cv, &page, &page_len, dl) != 0)
        goto out;
    rc = pdf_update_append_pages(issued, issued_len, page, page_len, out, out_len, dl);
out:
    if (rc != 0 && dl->errors == errors)
        diag_error(dl, NULL, NULL, "cannot make the accepted copy");
    free(page);
    free(rgb);
    canvas_lines_free(&p.lines);
    canvas_free(&p.cv);
    template_free(&t);
    return rc;
}

/* ---- recording it ------------------------------------------------------------ */

struct copy_ctx {
    const struct acceptance_request *in;
    const char *type;
    struct reg *r;
    const struct notice *notice;
    unsigned char *pdf;
};

static int make_copy(void *ctx, const struct reg_entry *e, const struct reg_acceptance *row,
                     const unsigned char **pdf, size_t *len, struct diag_list *dl)
{
    struct copy_ctx *c = ctx;
    char *clinic = NULL, *catalog = NULL;
    if (register_get_tables(c->r, e->tables_sha256, &clinic, &catalog, dl) != 0)
        return -1;
    c->notice = notice_for_issued(c->in->notices, e->request_json, clinic, catalog);
    free(clinic);
    free(catalog);
    /* the notice recorded is the one the estimate carried; row is const
     * for the register, so the copy's page gets it from c->notice and the
     * caller stores the same (see acceptance_record) */
    struct acceptance a = {
        .number = e->number, .signer = row->signer, .signed_at = row->signed_at,
        .witness = row->witness, .on_paper = c->in->on_paper,
        .signature = c->in->signature, .signature_len = c->in->signature_len,
        .signature_type = c->type,
        .notice_state = c->notice ? c->notice->state : NULL,
        .notice_citation = c->notice ? c->notice->citation : NULL,
        .notice_text = c->notice ? c->notice->text : NULL,
        .notice_sha256 = c->notice ? c->notice->sha256 : NULL,
        .notice_text_es = c->notice ? c->notice->text_es : NULL,
        .notice_translation_note_es = c->notice ? c->notice->translation_note_es : NULL,
        .signed_consent = c->notice && c->notice->signed_consent,
        .pdf_sha256 = e->pdf_sha256, .tables_sha256 = e->tables_sha256, .language = e->language,
    };
    if (acceptance_copy(&a, e->pdf, e->pdf_len, c->in->templates_dir, c->in->font_path, &c->pdf, len, dl) != 0)
        return -1;
    *pdf = c->pdf;
    return 0;
}

int acceptance_record(struct reg *r, const struct acceptance_request *in, rq_date today, char *sha256,
                      struct diag_list *dl)
{
    if (!in->signer || human_text_check(in->signer, HUMAN_TEXT_MAX, NULL, "signer", dl) != 0 ||
        !*in->signer) {
        if (in->signer && !*in->signer)
            diag_error(dl, NULL, "signer", "the signer's printed name is missing");
        return -1;
    }
    const char *type = acceptance_signature_type(in->signature, in->signature_len, "signature", dl);
    if (!type)
        return -1;
    struct copy_ctx c = { .in = in, .type = type, .r = r };
    /* the notice is known only inside the transaction (from the stored
     * quote); work it out first from a plain read to store it with the row */
    struct reg_entry e;
    if (register_get(r, in->number, false, &e, dl) != 0)
        return -1;
    char *clinic = NULL, *catalog = NULL;
    if (register_get_tables(r, e.tables_sha256, &clinic, &catalog, dl) != 0) {
        reg_entry_free(&e);
        return -1;
    }
    const struct notice *n = notice_for_issued(in->notices, e.request_json, clinic, catalog);
    free(clinic);
    free(catalog);
    reg_entry_free(&e);
    struct reg_acceptance row = {
        .signer = (char *)in->signer, .signed_at = (char *)in->signed_at, .witness = (char *)in->witness,
        .how = in->on_paper ? "paper" : "screen",
        .notice_state = n ? (char *)n->state : NULL, .notice_sha256 = n ? (char *)n->sha256 : NULL,
        .signature_type = (char *)type, .signature = (unsigned char *)in->signature,
        .signature_len = in->signature_len, .consent = n && n->signed_consent,
    };
    int rc = register_accept_signed(r, in->number, &row, make_copy, &c, today, dl);
    if (rc == 0 && sha256) {
        struct reg_acceptance got;
        if (register_get_acceptance(r, in->number, false, &got, dl) == 0) {
            snprintf(sha256, 65, "%s", got.accepted_sha256 ? got.accepted_sha256 : "");
            reg_acceptance_free(&got);
        }
    }
    free(c.pdf);
    return rc;
}

int acceptance_unsigned_allowed(struct reg *r, const struct notice_set *notices, const char *number,
                                struct diag_list *dl)
{
    if (!notices)
        return 0;
    struct reg_entry e;
    if (register_get(r, number, false, &e, dl) != 0)
        return -1;
    char *clinic = NULL, *catalog = NULL;
    int rc = register_get_tables(r, e.tables_sha256, &clinic, &catalog, dl);
    if (rc == 0) {
        const struct notice *n = notice_for_issued(notices, e.request_json, clinic, catalog);
        if (n && n->signed_consent) {
            diag_error(dl, NULL, NULL,
                       "%s carries %s's stem-cell notice, which requires the patient's signed consent: record the "
                       "signature ('accept %s --signature FILE --signer NAME', or Patient signs at the front desk)",
                       number, n->state_name ? n->state_name : n->state, number);
            rc = -1;
        }
    }
    free(clinic);
    free(catalog);
    reg_entry_free(&e);
    return rc;
}
