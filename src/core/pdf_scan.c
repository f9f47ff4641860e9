/* pdf_scan — reading a PDF's bytes within their bounds (pdf_scan.h). */
#include "pdf_scan.h"

#include <string.h>

bool pdf_is_space(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0';
}

const unsigned char *pdf_find(const unsigned char *p, const unsigned char *e, const char *key)
{
    size_t kn = strlen(key);
    if (!p || e < p || kn == 0 || (size_t)(e - p) < kn)
        return NULL;
    for (const unsigned char *q = p; q + kn <= e; q++)
        if (*q == (unsigned char)key[0] && !memcmp(q, key, kn))
            return q;
    return NULL;
}

const unsigned char *pdf_find_last(const unsigned char *p, const unsigned char *e, const char *key)
{
    size_t kn = strlen(key);
    if (!p || e < p || kn == 0 || (size_t)(e - p) < kn)
        return NULL;
    for (size_t i = (size_t)(e - p) - kn + 1; i-- > 0;)
        if (!memcmp(p + i, key, kn))
            return p + i;
    return NULL;
}

bool pdf_number_at(const unsigned char **p, const unsigned char *e, long *out)
{
    const unsigned char *s = *p;
    while (s < e && pdf_is_space(*s))
        s++;
    if (s >= e || *s < '0' || *s > '9')
        return false;
    long v = 0;
    for (; s < e && *s >= '0' && *s <= '9'; s++) {
        if (v > 100000000L)
            return false;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    *p = s;
    return true;
}

long pdf_ref_after(const unsigned char *p, const unsigned char *e, const char *key)
{
    const unsigned char *k = pdf_find(p, e, key);
    long num, gen;
    if (!k)
        return -1;
    k += strlen(key);
    if (!pdf_number_at(&k, e, &num) || !pdf_number_at(&k, e, &gen))
        return -1;
    while (k < e && pdf_is_space(*k))
        k++;
    return k < e && *k == 'R' ? num : -1;
}

bool pdf_is_a4(const unsigned char *pdf, size_t len)
{
    return pdf && pdf_find(pdf, pdf + len, "/MediaBox [ 0 0 595.2") != NULL;
}
