/* pdf_append — a page added to a finished PDF as an incremental update (pdf_append.h). */
#include "pdf_append.h"

#include "strbuf.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Last occurrence of needle in [h, h + n), or NULL. */
static const unsigned char *rfind(const unsigned char *h, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    if (n < k)
        return NULL;
    for (size_t i = n - k + 1; i-- > 0;)
        if (!memcmp(h + i, needle, k))
            return h + i;
    return NULL;
}

/* First occurrence of needle in [h, end), or NULL. */
static const unsigned char *find(const unsigned char *h, const unsigned char *end, const char *needle)
{
    size_t k = strlen(needle);
    for (; h && h + k <= end; h++)
        if (!memcmp(h, needle, k))
            return h;
    return NULL;
}

/* The cross-reference table of a libharu PDF: offsets of objects 0..size-1
 * (0 for a free entry), the trailer's text [tr, tr_end) and startxref. */
struct xref {
    size_t *off;
    long size;
    const unsigned char *tr, *tr_end;
    size_t startxref;
};

static int read_xref(const unsigned char *d, size_t n, struct xref *x, const char *what,
                     struct diag_list *dl)
{
    memset(x, 0, sizeof *x);
    const unsigned char *sx = rfind(d, n, "startxref");
    char tmp[32] = {0};
    if (!sx || n - (size_t)(sx - d) > 64)
        goto bad;
    memcpy(tmp, sx + 9, (size_t)(d + n - (sx + 9)) < 31 ? (size_t)(d + n - (sx + 9)) : 31);
    char *e;
    unsigned long long at = strtoull(tmp, &e, 10);
    if (e == tmp || at >= n || memcmp(d + at, "xref", 4) != 0)
        goto bad;
    x->startxref = (size_t)at;
    const unsigned char *p = d + at + 4, *end = d + n;
    /* libharu writes one subsection "0 SIZE" */
    while (p < end && (*p == '\r' || *p == '\n' || *p == ' '))
        p++;
    long first, count;
    char line[64] = {0};
    memcpy(line, p, (size_t)(end - p) < 63 ? (size_t)(end - p) : 63);
    if (sscanf(line, "%ld %ld", &first, &count) != 2 || first != 0 || count <= 0 || count > 1000000)
        goto bad;
    while (p < end && *p != '\n' && *p != '\r')
        p++;
    while (p < end && (*p == '\r' || *p == '\n'))
        p++;
    if ((size_t)(end - p) < (size_t)count * 20)
        goto bad;
    x->size = count;
    x->off = calloc((size_t)count, sizeof *x->off);
    if (!x->off)
        goto bad;
    for (long i = 0; i < count; i++, p += 20) {
        if (p[17] == 'n') {
            unsigned long long o = strtoull((const char *)p, NULL, 10);
            if (o >= n)
                goto bad;
            x->off[i] = (size_t)o;
        }
    }
    x->tr = find(p, end, "trailer");
    x->tr_end = x->tr ? find(x->tr, end, "startxref") : NULL;
    if (!x->tr || !x->tr_end)
        goto bad;
    return 0;
bad:
    free(x->off);
    x->off = NULL;
    diag_error(dl, NULL, NULL, "cannot read the %s PDF's cross-reference table", what);
    return -1;
}

/* The integer after key ("/Root") in [p, end) (for "/Root 1 0 R", 1), or -1. */
static long key_num(const unsigned char *p, const unsigned char *end, const char *key)
{
    size_t k = strlen(key);
    for (const unsigned char *q = find(p, end, key); q; q = find(q + 1, end, key)) {
        unsigned char c = q + k < end ? q[k] : 0;
        if (c == ' ' || c == '\n' || c == '\r') {
            char tmp[24] = {0};
            memcpy(tmp, q + k, (size_t)(end - q - (long)k) < 23 ? (size_t)(end - q - (long)k) : 23);
            return strtol(tmp, NULL, 10);
        }
    }
    return -1;
}

/* Object i's text [*b, *e): from "i 0 obj" to just past "endobj". */
static bool object_span(const unsigned char *d, size_t n, const struct xref *x, long i,
                        const unsigned char **b, const unsigned char **e)
{
    if (i <= 0 || i >= x->size || !x->off[i])
        return false;
    *b = d + x->off[i];
    const unsigned char *end = find(*b, d + n, "endobj");
    if (!end)
        return false;
    *e = end + 6;
    return true;
}

/* The dictionary part of an object (before "stream", if any). */
static const unsigned char *dict_end(const unsigned char *b, const unsigned char *e)
{
    const unsigned char *s = find(b, e, "stream");
    return s ? s : e;
}

/* Copy [b, e) to out with every reference "N G R" renumbered N -> N + shift,
 * except references to `parent_from`, which become `parent_to`. */
static void copy_renumbered(struct strbuf *out, const unsigned char *b, const unsigned char *e, long shift,
                            long parent_from, long parent_to)
{
    const unsigned char *p = b;
    while (p < e) {
        if (*p >= '0' && *p <= '9' && (p == b || !(p[-1] >= '0' && p[-1] <= '9'))) {
            const unsigned char *q = p;
            long num = 0;
            while (q < e && *q >= '0' && *q <= '9')
                num = num * 10 + (*q++ - '0');
            const unsigned char *r = q;
            if (r < e && *r == ' ') {
                r++;
                const unsigned char *g = r;
                while (r < e && *r >= '0' && *r <= '9')
                    r++;
                if (r > g && r + 1 < e && r[0] == ' ' && r[1] == 'R' &&
                    (r + 2 == e || !((r[2] >= 'A' && r[2] <= 'Z') || (r[2] >= 'a' && r[2] <= 'z')))) {
                    strbuf_printf(out, "%ld", num == parent_from ? parent_to : num + shift);
                    strbuf_put(out, q, (size_t)(r + 2 - q));
                    p = r + 2;
                    continue;
                }
            }
            strbuf_put(out, p, (size_t)(q - p));
            p = q;
            continue;
        }
        strbuf_put(out, p, 1);
        p++;
    }
}

int pdf_append_page(const unsigned char *base, size_t base_len, const unsigned char *page,
                    size_t page_len, unsigned char **out, size_t *out_len, struct diag_list *dl)
{
    *out = NULL;
    *out_len = 0;
    struct xref bx, px;
    if (read_xref(base, base_len, &bx, "issued", dl) != 0)
        return -1;
    if (read_xref(page, page_len, &px, "acceptance page's", dl) != 0) {
        free(bx.off);
        return -1;
    }
    int rc = -1;
    struct strbuf o = { 0 };
    const unsigned char *b, *e;
    long root = key_num(bx.tr, bx.tr_end, "/Root"), info = key_num(bx.tr, bx.tr_end, "/Info");
    long proot = key_num(px.tr, px.tr_end, "/Root"), pinfo = key_num(px.tr, px.tr_end, "/Info");
    long pages = -1, ppages = -1, ppage = -1;
    if (root > 0 && object_span(base, base_len, &bx, root, &b, &e))
        pages = key_num(b, dict_end(b, e), "/Pages");
    if (proot > 0 && object_span(page, page_len, &px, proot, &b, &e))
        ppages = key_num(b, dict_end(b, e), "/Pages");
    const unsigned char *kids = NULL, *kids_end = NULL, *pb = NULL, *pe = NULL;
    if (pages > 0 && object_span(base, base_len, &bx, pages, &pb, &pe)) {
        kids = find(pb, dict_end(pb, pe), "/Kids [");
        kids_end = kids ? find(kids, dict_end(pb, pe), "]") : NULL;
    }
    if (ppages > 0 && object_span(page, page_len, &px, ppages, &b, &e)) {
        const unsigned char *k = find(b, dict_end(b, e), "/Kids [");
        if (k)
            ppage = strtol((const char *)k + 7, NULL, 10);
    }
    long count = pb ? key_num(pb, dict_end(pb, pe), "/Count") : -1;
    if (!kids || !kids_end || count < 1 || ppage <= 0) {
        diag_error(dl, NULL, NULL, "cannot find the page tree of the issued PDF");
        goto out;
    }
    long shift = bx.size - 1;          /* page object i becomes i + shift */
    size_t *noff = calloc((size_t)px.size + 1, sizeof *noff);
    if (!noff)
        goto oom;
    strbuf_put(&o, base, base_len);
    if (base_len && base[base_len - 1] != '\n')
        strbuf_put(&o, "\n", 1);
    /* the acceptance page's objects, but its catalog, page tree and info */
    for (long i = 1; i < px.size; i++) {
        if (i == proot || i == ppages || i == pinfo || !object_span(page, page_len, &px, i, &b, &e))
            continue;
        noff[i] = o.n;
        const unsigned char *de = dict_end(b, e), *ob = find(b, de, " obj");
        if (!ob) {
            free(noff);
            diag_error(dl, NULL, NULL, "cannot read the acceptance page's object %ld", i);
            goto out;
        }
        strbuf_printf(&o, "%ld 0 obj", i + shift);
        copy_renumbered(&o, ob + 4, de, shift, ppages, pages);
        strbuf_put(&o, de, (size_t)(e - de));
        strbuf_put(&o, "\n", 1);
    }
    /* the page tree's root, one kid more */
    size_t pages_off = o.n;
    strbuf_put(&o, pb, (size_t)(kids_end - pb));
    strbuf_printf(&o, " %ld 0 R", ppage + shift);
    const unsigned char *cnt = find(kids_end, dict_end(pb, pe), "/Count");
    strbuf_put(&o, kids_end, (size_t)(cnt - kids_end));
    strbuf_printf(&o, "/Count %ld", count + 1);
    const unsigned char *after = cnt + 6;
    while (after < pe && (*after == ' ' || (*after >= '0' && *after <= '9')))
        after++;
    strbuf_put(&o, after, (size_t)(pe - after));
    strbuf_put(&o, "\n", 1);
    /* the cross-reference section of the update */
    size_t xref_at = o.n;
    strbuf_printf(&o, "xref\n0 1\n0000000000 65535 f\r\n%ld 1\n%010zu 00000 n\r\n", pages, pages_off);
    for (long i = 1; i < px.size; i++) {
        if (!noff[i])
            continue;
        long j = i;
        while (j + 1 < px.size && noff[j + 1])
            j++;
        strbuf_printf(&o, "%ld %ld\n", i + shift, j - i + 1);
        for (long k = i; k <= j; k++)
            strbuf_printf(&o, "%010zu 00000 n\r\n", noff[k]);
        i = j;
    }
    free(noff);
    strbuf_printf(&o, "trailer\n<<\n/Size %ld\n/Root %ld 0 R\n", px.size + shift, root);
    if (info > 0)
        strbuf_printf(&o, "/Info %ld 0 R\n", info);
    const unsigned char *id = find(bx.tr, bx.tr_end, "/ID");
    if (id) {
        const unsigned char *ide = find(id, bx.tr_end, "]");
        if (ide) {
            strbuf_put(&o, id, (size_t)(ide + 1 - id));
            strbuf_put(&o, "\n", 1);
        }
    }
    strbuf_printf(&o, "/Prev %zu\n>>\nstartxref\n%zu\n%%%%EOF\n", bx.startxref, xref_at);
    if (o.oom)
        goto oom;
    *out = (unsigned char *)o.s;
    *out_len = o.n;
    o.s = NULL;
    rc = 0;
    goto out;
oom:
    diag_error(dl, NULL, NULL, "out of memory");
out:
    free(o.s);
    free(bx.off);
    free(px.off);
    return rc;
}
