/* pdf_verify — reading our own PDFs back (pdf_verify.h). */
#include "pdf_verify.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <qrencode.h>
#include <zlib.h>

#include "pdf_scan.h"
#include "qjson.h"
#include "sha256.h"

struct obj {
    unsigned num;
    size_t start, end;           /* [start, end): from after "obj" to "endobj" */
};

struct doc {
    const unsigned char *p;
    size_t len;
    struct obj *v;
    size_t n, cap;
};

static void problem(struct pdf_verdict *v, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct pdf_verdict *v, const char *f, ...)
{
    if (v->n_problems >= PDF_VERIFY_MAX_PROBLEMS)
        return;
    va_list ap;
    va_start(ap, f);
    vsnprintf(v->problems[v->n_problems++], sizeof v->problems[0], f, ap);
    va_end(ap);
}

/* The first occurrence of needle in [from, to), or SIZE_MAX (pdf_scan.h). */
static size_t find(const struct doc *d, size_t from, size_t to, const char *needle)
{
    if (to > d->len)
        to = d->len;
    if (from >= to)
        return SIZE_MAX;
    const unsigned char *f = pdf_find(d->p + from, d->p + to, needle);
    return f ? (size_t)(f - d->p) : SIZE_MAX;
}

/* Index every "N 0 obj … endobj". */
static int index_objects(struct doc *d)
{
    for (size_t i = 0; i + 7 < d->len; i++) {
        if (!(i == 0 || d->p[i - 1] == '\n' || d->p[i - 1] == '\r') || !isdigit(d->p[i]))
            continue;
        size_t j = i;
        unsigned num = 0;
        while (j < d->len && isdigit(d->p[j]) && num < 100000000)
            num = num * 10 + (unsigned)(d->p[j++] - '0');
        if (j + 6 > d->len || memcmp(d->p + j, " 0 obj", 6) != 0)
            continue;
        size_t start = j + 6, end = find(d, start, d->len, "endobj");
        if (end == SIZE_MAX)
            break;
        if (d->n == d->cap) {
            size_t cap = d->cap ? d->cap * 2 : 64;
            struct obj *nv = realloc(d->v, cap * sizeof *nv);
            if (!nv)
                return -1;
            d->v = nv;
            d->cap = cap;
        }
        d->v[d->n++] = (struct obj){num, start, end};
        i = end;
    }
    return 0;
}

static const struct obj *object(const struct doc *d, unsigned num)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i].num == num)
            return &d->v[i];
    return NULL;
}

/* The dictionary part of o: [o->start, "stream" or end). */
static size_t dict_end(const struct doc *d, const struct obj *o)
{
    size_t s = find(d, o->start, o->end, "stream");
    return s == SIZE_MAX ? o->end : s;
}

/* The non-negative whole number at d->p[i] (after white space), read
 * within the document's bytes, which are not NUL-terminated (pdf_scan.h);
 * -1 when there is none or it is too large. */
static long num_at(const struct doc *d, size_t i)
{
    long v;
    const unsigned char *p = d->p + (i < d->len ? i : d->len);
    return pdf_number_at(&p, d->p + d->len, &v) ? v : -1;
}

/* The whole number after key in o's dictionary (direct, or "N 0 R" read
 * from object N when follow), or -1. */
static long dict_int(const struct doc *d, const struct obj *o, const char *key, bool follow)
{
    size_t de = dict_end(d, o), k = find(d, o->start, de, key);
    if (k == SIZE_MAX)
        return -1;
    const unsigned char *p = d->p + k + strlen(key), *e = d->p + de;
    long v;
    if (!pdf_number_at(&p, e, &v))
        return -1;
    if (follow) {
        long ref = pdf_ref_after(d->p + k, e, key);
        if (ref == v) {
            const struct obj *t = object(d, (unsigned)ref);
            return t ? num_at(d, t->start) : -1;
        }
    }
    return v;
}

/* The stream of o, inflated when Flate-compressed: malloc'd (*len bytes and
 * a NUL), or NULL. */
static unsigned char *stream_of(const struct doc *d, const struct obj *o, size_t *len)
{
    size_t s = find(d, o->start, o->end, "stream");
    if (s == SIZE_MAX)
        return NULL;
    s += 6;
    if (s < d->len && d->p[s] == '\r')
        s++;
    if (s < d->len && d->p[s] == '\n')
        s++;
    long n = dict_int(d, o, "/Length", true);
    if (n < 0 || (size_t)n > o->end - s)
        return NULL;
    bool flate = find(d, o->start, dict_end(d, o), "/FlateDecode") != SIZE_MAX;
    if (!flate) {
        unsigned char *out = malloc((size_t)n + 1);
        if (!out)
            return NULL;
        memcpy(out, d->p + s, (size_t)n);
        out[n] = '\0';
        *len = (size_t)n;
        return out;
    }
    size_t cap = (size_t)n * 4 + 1024, got = 0;
    unsigned char *out = malloc(cap);
    z_stream z = {0};
    if (!out || inflateInit(&z) != Z_OK) {
        free(out);
        return NULL;
    }
    z.next_in = (unsigned char *)(uintptr_t)(d->p + s);
    z.avail_in = (uInt)n;
    int rc;
    do {
        if (cap - got < 1024) {
            if (cap > (64u << 20))
                break;
            unsigned char *nb = realloc(out, cap * 2);
            if (!nb)
                break;
            out = nb;
            cap *= 2;
        }
        z.next_out = out + got;
        z.avail_out = (uInt)(cap - got - 1);
        rc = inflate(&z, Z_NO_FLUSH);
        got = (size_t)z.total_out;
    } while (rc == Z_OK);
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    out[got] = '\0';
    *len = got;
    return out;
}

/* A PDF literal string starting at '(' in s: its bytes (escapes undone)
 * into out (at most size - 1).  Returns the position after ')'. */
static size_t literal(const char *s, size_t len, size_t i, char *out, size_t size)
{
    size_t o = 0;
    int depth = 0;
    for (i++; i < len; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < len) {
            c = s[++i];
            if (c >= '0' && c <= '7') {
                int v = 0;
                for (int k = 0; k < 3 && i < len && s[i] >= '0' && s[i] <= '7'; k++)
                    v = v * 8 + (s[i++] - '0');
                i--;
                c = (char)v;
            } else if (c == 'n') {
                c = '\n';
            } else if (c == 'r') {
                c = '\r';
            } else if (c == 't') {
                c = '\t';
            }
        } else if (c == '(') {
            depth++;
        } else if (c == ')') {
            if (depth-- == 0)
                break;
        }
        if (o + 1 < size)
            out[o++] = c;
    }
    out[o] = '\0';
    return i + 1;
}

/* The text a content stream shows: its strings, one per line ('?' for
 * what is not ASCII), appended to *text. */
static int content_text(const char *s, size_t len, char **text, size_t *tlen, size_t *tcap)
{
    char run[4096];
    for (size_t i = 0; i < len;) {
        size_t n = 0;
        if (s[i] == '(') {
            i = literal(s, len, i, run, sizeof run);
            n = strlen(run);
        } else if (s[i] == '<' && i + 1 < len && s[i + 1] != '<') {
            /* the fallback font's codes: UTF-16BE code points */
            size_t j = i + 1;
            while (j + 3 < len && isxdigit((unsigned char)s[j]) && n + 1 < sizeof run) {
                unsigned cp;
                char h[5] = {s[j], s[j + 1], s[j + 2], s[j + 3], 0};
                sscanf(h, "%4x", &cp);
                run[n++] = cp < 128 ? (char)cp : '?';
                j += 4;
            }
            run[n] = '\0';
            i = j + 1;
        } else {
            i++;
            continue;
        }
        if (*tlen + n + 2 > *tcap) {
            size_t cap = (*tcap + n + 2) * 2;
            char *nt = realloc(*text, cap);
            if (!nt)
                return -1;
            *text = nt;
            *tcap = cap;
        }
        memcpy(*text + *tlen, run, n);
        *tlen += n;
        (*text)[(*tlen)++] = '\n';
        (*text)[*tlen] = '\0';
    }
    return 0;
}

/* ---- the quote's amounts ---------------------------------------------------- */

struct amounts {
    int64_t *v;
    size_t n, cap;
};

static void add_amount(struct amounts *a, int64_t c)
{
    if (c < 0)
        c = -c;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 256;
        int64_t *nv = realloc(a->v, cap * sizeof *nv);
        if (!nv)
            return;
        a->v = nv;
        a->cap = cap;
    }
    a->v[a->n++] = c;
}

static bool has_amount(const struct amounts *a, int64_t c)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i] == c)
            return true;
    return false;
}


static bool money_at(const char *s, size_t i, int64_t *c, size_t *n);

/* Every amount of the quote (in its numbers, and in its words, such as a
 * discount's "5% of $7,650.00"), and those the documents derive from it. */
static void collect(const cJSON *o, struct amounts *a)
{
    for (const cJSON *c = o ? o->child : NULL; c; c = c->next) {
        if (cJSON_IsNumber(c) && c->string && strstr(c->string, "cents"))
            add_amount(a, (int64_t)c->valuedouble);
        if (cJSON_IsString(c)) {
            int64_t v;
            size_t n;
            for (size_t i = 0; c->valuestring[i]; i++)
                if (money_at(c->valuestring, i, &v, &n)) {
                    add_amount(a, v);
                    i += n - 1;
                }
        }
        if (cJSON_IsObject(c) || cJSON_IsArray(c))
            collect(c, a);
    }
}

static void derived(const cJSON *q, struct amounts *a)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(q, "visits"))
        add_amount(a, qj_int(v, "services_cents") + qj_int(v, "tax_cents"));
    add_amount(a, qj_int(q, "total_cents") + qj_int(q, "direct_cents"));
    /* direct lines summed per visit and provider (timeline) */
    const cJSON *lines = cJSON_GetObjectItemCaseSensitive(q, "lines");
    int nv = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(q, "visits"));
    int np = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(q, "providers"));
    for (int vi = 0; vi < nv; vi++)
        for (int gi = 0; gi < np; gi++) {
            int64_t sum = 0;
            const cJSON *l;
            cJSON_ArrayForEach(l, lines)
            {
                const cJSON *lv = cJSON_GetObjectItemCaseSensitive(l, "visit");
                const cJSON *lp = cJSON_GetObjectItemCaseSensitive(l, "provider");
                if (cJSON_IsNumber(lv) && cJSON_IsNumber(lp) && (int)lv->valuedouble == vi &&
                    (int)lp->valuedouble == gi && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(l, "direct")))
                    sum += qj_int(l, "amount_cents");
            }
            if (sum)
                add_amount(a, sum);
        }
    /* shares of a saving per visit */
    cJSON_ArrayForEach(v, lines)
    {
        const cJSON *shares = cJSON_GetObjectItemCaseSensitive(v, "shares");
        for (int vi = 0; vi < nv && shares; vi++) {
            int64_t part = 0;
            const cJSON *s;
            cJSON_ArrayForEach(s, shares) if ((int)qj_int(s, "visit") == vi) part += qj_int(s, "amount_cents");
            if (part)
                add_amount(a, part);
        }
    }
}

/* Is s[i..] an amount as the documents print them (digits, group marks,
 * and two decimals)?  Its cents in *c and its length in *n. */
static bool money_at(const char *s, size_t i, int64_t *c, size_t *n)
{
    if (!isdigit((unsigned char)s[i]))
        return false;
    if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '.' || s[i - 1] == ','))
        return false;
    if (i > 1 && s[i - 1] == '-' && isdigit((unsigned char)s[i - 2]))
        return false;
    size_t j = i, last_mark = 0;
    int64_t v = 0;
    while (isdigit((unsigned char)s[j]) || ((s[j] == '.' || s[j] == ',') && isdigit((unsigned char)s[j + 1]))) {
        if (isdigit((unsigned char)s[j])) {
            if (v < INT64_MAX / 10 - 10)
                v = v * 10 + (s[j] - '0');
        } else {
            last_mark = j;
        }
        j++;
    }
    if (!last_mark || j - last_mark != 3)
        return false;
    if (s[j] == '%' || s[j] == '-' || isalnum((unsigned char)s[j]))
        return false;
    *c = v;
    *n = j - i;
    return true;
}

/* ---- the QR code ------------------------------------------------------------ */

/* Does page 1's content draw the QR code of text?  Finds the white square
 * the code sits on, then rebuilds the dark modules from the rectangles that
 * follow it. */
static bool qr_matches(const char *s, const char *text)
{
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr)
        return false;
    int n = qr->width;
    bool ok = false;
    unsigned char *grid = calloc((size_t)n * (size_t)n, 1);
    const char *p = s;
    double x0 = 0, y0 = 0, size = 0;
    while (grid && (p = strstr(p, " re\n")) != NULL) {
        /* back to the start of the line */
        const char *b = p;
        while (b > s && b[-1] != '\n')
            b--;
        double x, y, w, h;
        if (sscanf(b, "%lf %lf %lf %lf re", &x, &y, &w, &h) == 4) {
            if (size == 0) {
                if (w == h && w >= 20 && b >= s + 9 && strncmp(b - 9, "1 1 1 rg\n", 9) == 0) {
                    x0 = x;
                    y0 = y;
                    size = w;
                }
            } else {
                double m = size / (n + 8);
                if (x < x0 || y < y0 || x + w > x0 + size + 0.01 || y + h > y0 + size + 0.01)
                    break;
                int r = (int)((y0 + size - (y + h)) / m + 0.5) - 4;
                int c0 = (int)((x - x0) / m + 0.5) - 4, k = (int)(w / m + 0.5);
                for (int c = c0; c < c0 + k; c++)
                    if (r >= 0 && r < n && c >= 0 && c < n)
                        grid[r * n + c] = 1;
            }
        }
        p += 4;
    }
    if (grid && size > 0) {
        ok = true;
        for (int i = 0; i < n * n; i++)
            if ((qr->data[i] & 1) != grid[i])
                ok = false;
    }
    free(grid);
    QRcode_free(qr);
    return ok;
}

/* ---- the verdict -------------------------------------------------------------- */

int pdf_verify(const unsigned char *pdf, size_t len, struct pdf_verdict *v)
{
    memset(v, 0, sizeof *v);
    struct doc d = {.p = pdf, .len = len};
    if (len < 8 || memcmp(pdf, "%PDF-", 5) != 0) {
        problem(v, "not a PDF");
        return (int)v->n_problems;
    }
    if (index_objects(&d) != 0)
        return -1;
    int rc = -1;
    char *text = NULL, *page1 = NULL, *json = NULL;
    size_t tlen = 0, tcap = 0;
    cJSON *q = NULL;

    /* the attachment: a Filespec named quote.json */
    const struct obj *spec = NULL;
    for (size_t i = 0; i < d.n && !spec; i++)
        if (find(&d, d.v[i].start, dict_end(&d, &d.v[i]), "/F (quote.json)") != SIZE_MAX)
            spec = &d.v[i];
    if (!spec) {
        problem(v, "no attached quote: not an estimate issued by regenquote");
        rc = (int)v->n_problems;
        goto out;
    }
    size_t k = find(&d, spec->start, spec->end, "/Desc (");
    char desc[512] = "";
    if (k != SIZE_MAX)
        literal((const char *)pdf, spec->end, k + 6, desc, sizeof desc);
    int pages_issued = 0;
    if (sscanf(desc, "regenquote quote %63[^;]; pages %d; sha256 %64s", v->number, &pages_issued, v->digest) != 3)
        problem(v, "the attached quote has no description of what was issued");
    size_t ef = find(&d, spec->start, spec->end, "/EF");
    size_t fr = ef == SIZE_MAX ? SIZE_MAX : find(&d, ef, spec->end, "/F ");
    unsigned efnum = 0;
    const struct obj *eo = NULL;
    long efn = fr == SIZE_MAX ? -1 : num_at(&d, fr + 3);
    if (efn >= 0 && efn <= 0x7fffffff) {
        efnum = (unsigned)efn;
        eo = object(&d, efnum);
    }
    size_t jlen = 0;
    json = eo ? (char *)stream_of(&d, eo, &jlen) : NULL;
    if (!json) {
        problem(v, "the attached quote cannot be read");
    } else {
        char hex[65];
        sha256_hex(json, jlen, hex);
        if (v->digest[0] && strcmp(hex, v->digest) != 0)
            problem(v, "the attached quote was changed: its SHA-256 is %.16s…, issued as %.16s…", hex, v->digest);
        q = cJSON_ParseWithLength(json, jlen);
        if (!q)
            problem(v, "the attached quote is not JSON");
    }

    /* the pages, in the order of their objects, and what they print */
    for (size_t i = 0; i < d.n; i++) {
        const struct obj *o = &d.v[i];
        size_t t = find(&d, o->start, dict_end(&d, o), "/Type /Page");
        if (t == SIZE_MAX || pdf[t + 11] == 's')
            continue;
        v->pages++;
        long c = dict_int(&d, o, "/Contents", false);
        const struct obj *co = c >= 0 ? object(&d, (unsigned)c) : NULL;
        size_t clen = 0;
        unsigned char *cs = co ? stream_of(&d, co, &clen) : NULL;
        if (!cs) {
            problem(v, "page %d cannot be read", v->pages);
            continue;
        }
        if (content_text((const char *)cs, clen, &text, &tlen, &tcap) != 0) {
            free(cs);
            goto out;
        }
        if (v->pages == 1)
            page1 = (char *)cs;
        else
            free(cs);
    }
    if (pages_issued && v->pages != pages_issued)
        problem(v, "the document has %d page%s; it was issued with %d", v->pages, v->pages == 1 ? "" : "s",
                pages_issued);
    char want[160];
    snprintf(want, sizeof want, "RQ1 %s sha256:%s", v->number, v->digest);
    if (v->number[0] && (!page1 || !qr_matches(page1, want)))
        problem(v, "the QR code on page 1 does not hold this number and the attached quote's digest");
    if (v->number[0] && text && !strstr(text, v->number))
        problem(v, "the number %s is not printed on the pages", v->number);

    /* every amount printed is one of the quote's */
    if (q && text) {
        struct amounts a = {0};
        collect(q, &a);
        derived(q, &a);
        int64_t total = qj_int(q, "total_cents");
        bool total_seen = false;
        size_t shown = 0;
        for (size_t i = 0; text[i]; i++) {
            int64_t c;
            size_t n;
            if (!money_at(text, i, &c, &n))
                continue;
            total_seen |= c == total;
            if (!has_amount(&a, c) && shown++ < 4)
                problem(v, "the pages show %.*s, an amount the attached quote does not have", (int)n, text + i);
            i += n - 1;
        }
        if (!total_seen)
            problem(v, "the total of the attached quote is not printed on the pages");
        free(a.v);
    }
    rc = (int)v->n_problems;
out:
    cJSON_Delete(q);
    free(json);
    free(text);
    free(page1);
    free(d.v);
    return rc;
}
