/* pdf_update — pages appended to a finished PDF as an incremental update
 * (pdf_update.h). */
#include "pdf_update.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdf_scan.h"
#include "strbuf.h"

/* [p, p + n): the bounded readers of pdf_scan.h over a start and a length. */
static const unsigned char *find(const unsigned char *p, size_t n, const char *k)
{
    return pdf_find(p, p + n, k);
}

/* One parsed PDF: its cross-reference table and trailer. */
struct pdf {
    const unsigned char *p;
    size_t n;
    size_t xref;                 /* offset of its cross-reference table */
    long size;                   /* trailer /Size */
    long root, info;             /* object numbers, info -1 when none */
    size_t *off;                 /* off[k]: offset of object k, 0 when free */
    const unsigned char *id;     /* "/ID [ … ]" in the trailer, or NULL */
    size_t id_len;
};

static int bad(struct diag_list *dl, const char *what, const char *why)
{
    diag_error(dl, NULL, NULL, "cannot add pages to %s: %s", what, why);
    return -1;
}

static int parse(struct pdf *d, const unsigned char *p, size_t n, const char *what, struct diag_list *dl)
{
    memset(d, 0, sizeof *d);
    d->p = p;
    d->n = n;
    d->info = -1;
    if (n < 32 || memcmp(p, "%PDF-", 5) != 0)
        return bad(dl, what, "it is not a PDF");
    size_t tail = n > 1024 ? 1024 : n;
    const unsigned char *sx = pdf_find_last(p + n - tail, p + n, "startxref");
    long x;
    const unsigned char *q = sx ? sx + 9 : NULL;
    if (!sx || !pdf_number_at(&q, p + n, &x) || (size_t)x + 4 > n || memcmp(p + x, "xref", 4) != 0)
        return bad(dl, what, "no cross-reference table (only the classic form is read)");
    d->xref = (size_t)x;
    const unsigned char *tr = find(p + x, n - (size_t)x, "trailer");
    if (!tr)
        return bad(dl, what, "no trailer");
    const unsigned char *te = find(tr, (size_t)(p + n - tr), "startxref");
    if (!te)
        return bad(dl, what, "no startxref after the trailer");
    if (find(tr, (size_t)(te - tr), "/Prev") || find(tr, (size_t)(te - tr), "/Encrypt"))
        return bad(dl, what, "it has been updated or encrypted already");
    const unsigned char *s = find(tr, (size_t)(te - tr), "/Size");
    long size;
    if (!s || (s += 5, !pdf_number_at(&s, te, &size)) || size < 2 || size > 1000000)
        return bad(dl, what, "the trailer has no /Size");
    d->size = size;
    d->root = pdf_ref_after(tr, te, "/Root");
    d->info = pdf_ref_after(tr, te, "/Info");
    if (d->root <= 0 || d->root >= size)
        return bad(dl, what, "the trailer has no /Root");
    const unsigned char *id = find(tr, (size_t)(te - tr), "/ID");
    if (id) {
        const unsigned char *ie = find(id, (size_t)(te - id), "]");
        if (!ie)
            return bad(dl, what, "its /ID is not closed");
        d->id = id;
        d->id_len = (size_t)(ie + 1 - id);
    }
    d->off = calloc((size_t)size, sizeof *d->off);
    if (!d->off)
        return bad(dl, what, "out of memory");
    /* subsections "first count", then count entries of 20 bytes */
    q = p + x + 4;
    for (;;) {
        const unsigned char *save = q;
        long first, count;
        if (!pdf_number_at(&q, tr, &first) || !pdf_number_at(&q, tr, &count)) {
            q = save;
            break;
        }
        while (q < tr && (*q == ' ' || *q == '\r' || *q == '\n'))
            q++;
        if (first < 0 || count < 0 || first + count > size || (size_t)(tr - q) < (size_t)count * 20)
            return bad(dl, what, "its cross-reference table does not add up");
        for (long i = 0; i < count; i++, q += 20) {
            const unsigned char *e = q;
            long o, g;
            if (!pdf_number_at(&e, q + 20, &o) || !pdf_number_at(&e, q + 20, &g))
                return bad(dl, what, "a cross-reference entry is not readable");
            while (e < q + 20 && *e == ' ')
                e++;
            if (e < q + 20 && *e == 'n') {
                if (g != 0 || (size_t)o >= n)
                    return bad(dl, what, "an object is outside the file");
                d->off[first + i] = (size_t)o;
            }
        }
    }
    return 0;
}

/* Object k's text from its number to where the next object (or the
 * cross-reference table) starts. */
static int object(const struct pdf *d, long k, const unsigned char **s, const unsigned char **e, const char *what,
                  struct diag_list *dl)
{
    if (k <= 0 || k >= d->size || !d->off[k])
        return bad(dl, what, "an object it refers to is missing");
    size_t start = d->off[k], end = d->xref;
    for (long i = 1; i < d->size; i++)
        if (d->off[i] > start && d->off[i] < end)
            end = d->off[i];
    const unsigned char *p = d->p + start;
    long num, gen;
    if (!pdf_number_at(&p, d->p + end, &num) || num != k || !pdf_number_at(&p, d->p + end, &gen) ||
        !find(p, (size_t)(d->p + end - p), "obj"))
        return bad(dl, what, "an object is not where its cross-reference says");
    *s = d->p + start;
    *e = d->p + end;
    return 0;
}

/* The /Kids of a flat page tree: the numbers of its pages. */
static int kids(const struct pdf *d, long pages, long **out, size_t *n, const char *what, struct diag_list *dl)
{
    const unsigned char *s, *e;
    *out = NULL;
    *n = 0;
    if (object(d, pages, &s, &e, what, dl) != 0)
        return -1;
    const unsigned char *k = find(s, (size_t)(e - s), "/Kids");
    const unsigned char *ke = k ? find(k, (size_t)(e - k), "]") : NULL;
    if (!k || !ke || !find(k, (size_t)(ke - k), "["))
        return bad(dl, what, "its page tree has no /Kids");
    k = find(k, (size_t)(ke - k), "[") + 1;
    long *v = malloc(sizeof *v * (size_t)(ke - k + 1));
    if (!v)
        return bad(dl, what, "out of memory");
    long num, gen;
    while (pdf_number_at(&k, ke, &num) && pdf_number_at(&k, ke, &gen)) {
        while (k < ke && pdf_is_space(*k))
            k++;
        if (k >= ke || *k != 'R') {
            free(v);
            return bad(dl, what, "its /Kids is not a list of references");
        }
        k++;
        const unsigned char *ps, *pe;
        if (object(d, num, &ps, &pe, what, dl) != 0) {
            free(v);
            return -1;
        }
        const unsigned char *t = find(ps, (size_t)(pe - ps), "/Type /Page");
        if (!t || t[11] == 's') {
            free(v);
            return bad(dl, what, "its page tree is not flat");
        }
        v[(*n)++] = num;
    }
    *out = v;
    return 0;
}

/* Copy [s, e) to b with each reference "k g R" renumbered by map (the
 * new number, or -1: refused); literal strings are copied as they are.
 * The object's own "k 0 obj" header is renumbered too. */
static int renumber(struct strbuf *b, const unsigned char *s, const unsigned char *e, const long *map, long nmap)
{
    const unsigned char *p = s;
    long num, gen;
    if (!pdf_number_at(&p, e, &num) || !pdf_number_at(&p, e, &gen) || num >= nmap || map[num] < 0)
        return -1;
    strbuf_printf(b, "%ld 0", map[num]);
    while (p < e) {
        unsigned char c = *p;
        if (c == '(') {
            const unsigned char *q = p + 1;
            int depth = 1;
            for (; q < e && depth; q++) {
                if (*q == '\\')
                    q++;
                else if (*q == '(')
                    depth++;
                else if (*q == ')')
                    depth--;
            }
            strbuf_put(b, p, (size_t)(q - p));
            p = q;
            continue;
        }
        bool start = isdigit(c) && !isalnum(p[-1]) && !strchr("./-+", p[-1]);
        if (start) {
            const unsigned char *q = p;
            if (pdf_number_at(&q, e, &num) && pdf_number_at(&q, e, &gen)) {
                const unsigned char *r = q;
                while (r < e && pdf_is_space(*r))
                    r++;
                if (r < e && *r == 'R' && (r + 1 == e || !isalnum(r[1]))) {
                    if (num >= nmap || map[num] < 0)
                        return -1;
                    strbuf_printf(b, "%ld %ld R", map[num], gen);
                    p = r + 1;
                    continue;
                }
            }
            /* not a reference: copy the number as it is */
            const unsigned char *d = p;
            while (d < e && isdigit(*d))
                d++;
            strbuf_put(b, p, (size_t)(d - p));
            p = d;
            continue;
        }
        strbuf_put(b, p, 1);
        p++;
    }
    return 0;
}

int pdf_update_append_pages(const unsigned char *base, size_t base_len, const unsigned char *extra,
                            size_t extra_len, unsigned char **out, size_t *out_len, struct diag_list *dl)
{
    *out = NULL;
    *out_len = 0;
    struct pdf a, x;
    long *akids = NULL, *xkids = NULL, *map = NULL;
    size_t nak = 0, nxk = 0;
    struct strbuf b = { 0 };
    int rc = -1;
    memset(&x, 0, sizeof x);
    if (parse(&a, base, base_len, "the issued PDF", dl) != 0 ||
        parse(&x, extra, extra_len, "the pages to add", dl) != 0)
        goto out;
    const unsigned char *s, *e;
    if (object(&a, a.root, &s, &e, "the issued PDF", dl) != 0)
        goto out;
    long apages = pdf_ref_after(s, e, "/Pages");
    if (object(&x, x.root, &s, &e, "the pages to add", dl) != 0)
        goto out;
    long xpages = pdf_ref_after(s, e, "/Pages");
    if (apages <= 0 || xpages <= 0) {
        bad(dl, "a PDF", "its catalog has no /Pages");
        goto out;
    }
    if (kids(&a, apages, &akids, &nak, "the issued PDF", dl) != 0 ||
        kids(&x, xpages, &xkids, &nxk, "the pages to add", dl) != 0)
        goto out;
    /* the new numbers: extra's objects after base's, but for its catalog,
     * page tree (its pages hang from base's) and information */
    map = malloc(sizeof *map * (size_t)x.size);
    if (!map) {
        bad(dl, "a PDF", "out of memory");
        goto out;
    }
    long next = a.size;
    for (long k = 0; k < x.size; k++)
        map[k] = k > 0 && x.off[k] && k != x.root && k != x.info && k != xpages ? next++ : -1;
    map[xpages] = apages;
    /* base, whole; then the update */
    strbuf_put(&b, base, base_len);
    if (base_len && base[base_len - 1] != '\n')
        strbuf_put(&b, "\n", 1);
    size_t *noff = calloc((size_t)(next - a.size + 1), sizeof *noff);
    if (!noff) {
        bad(dl, "a PDF", "out of memory");
        goto out;
    }
    for (long k = 1; k < x.size; k++) {
        if (map[k] < a.size)
            continue;
        if (object(&x, k, &s, &e, "the pages to add", dl) != 0) {
            free(noff);
            goto out;
        }
        noff[map[k] - a.size] = b.n;
        const unsigned char *st = find(s, (size_t)(e - s), "stream");
        if (renumber(&b, s, st ? st : e, map, x.size) != 0) {
            free(noff);
            bad(dl, "the pages to add", "an object refers to one that cannot be carried over");
            goto out;
        }
        if (st)
            strbuf_put(&b, st, (size_t)(e - st));
    }
    /* the page tree's root, new version: the old pages, then the new */
    if (object(&a, apages, &s, &e, "the issued PDF", dl) != 0) {
        free(noff);
        goto out;
    }
    size_t pages_off = b.n;
    strbuf_printf(&b, "%ld 0 obj\n<<\n/Type /Pages\n/Kids [ ", apages);
    for (size_t i = 0; i < nak; i++)
        strbuf_printf(&b, "%ld 0 R ", akids[i]);
    for (size_t i = 0; i < nxk; i++)
        strbuf_printf(&b, "%ld 0 R ", map[xkids[i]]);
    strbuf_printf(&b, "]\n/Count %zu\n>>\nendobj\n", nak + nxk);
    /* cross-reference section of the update, and its trailer */
    size_t xref = b.n;
    strbuf_printf(&b, "xref\n%ld 1\n%010zu 00000 n\r\n", apages, pages_off);
    if (next > a.size) {
        strbuf_printf(&b, "%ld %ld\n", a.size, next - a.size);
        for (long k = a.size; k < next; k++)
            strbuf_printf(&b, "%010zu 00000 n\r\n", noff[k - a.size]);
    }
    free(noff);
    strbuf_printf(&b, "trailer\n<<\n/Root %ld 0 R\n", a.root);
    if (a.info > 0)
        strbuf_printf(&b, "/Info %ld 0 R\n", a.info);
    if (a.id) {
        strbuf_put(&b, a.id, a.id_len);
        strbuf_put(&b, "\n", 1);
    }
    strbuf_printf(&b, "/Size %ld\n/Prev %zu\n>>\nstartxref\n%zu\n%%%%EOF\n", next, a.xref, xref);
    if (b.oom) {
        bad(dl, "a PDF", "out of memory");
        goto out;
    }
    *out = (unsigned char *)b.s;
    *out_len = b.n;
    b.s = NULL;
    rc = 0;
out:
    free(b.s);
    free(map);
    free(akids);
    free(xkids);
    free(a.off);
    free(x.off);
    return rc;
}
