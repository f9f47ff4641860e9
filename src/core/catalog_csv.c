#include "catalog_csv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "infile.h"
#include "csv_cell.h"
#include "csv_read.h"
#include "json_doc.h"
#include "money.h"
#include "strbuf.h"

enum col {
    COL_ID, COL_CODE, COL_PRICE, COL_DESCRIPTION, COL_UNIT, COL_PHASE, COL_COVERAGE,
    COL_COVERAGE_REASON, COL_TAXABLE, COL_SEPARATE, COL_DESCRIPTION_ES, COL_COVERAGE_REASON_ES, NCOL
};

static const char *const COL_NAMES[NCOL] = {
    "id", "code", "price", "description", "unit", "phase", "coverage", "coverage_reason",
    "taxable", "separate", "description_es", "coverage_reason_es",
};

/* n spaces (the catalog's indentation). */
static void sb_spaces(struct strbuf *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        strbuf_put(b, " ", 1);
}

/* ---- export ------------------------------------------------------------------ */

/* One cell (neutralised against formulas and quoted: csv_cell.h). */
static void csv_field(FILE *out, const char *s, bool first)
{
    if (!first)
        fputc(',', out);
    csv_cell_write(out, s);
}

static char *price_text(int64_t cents, char *buf, size_t size)
{
    snprintf(buf, size, "%" PRId64 ".%02" PRId64, cents / 100, cents % 100);
    return buf;
}

int catalog_csv_export(const struct price_table *pt, bool bom, FILE *out)
{
    if (bom)
        fputs("\xEF\xBB\xBF", out);
    for (int c = 0; c < NCOL; c++)
        csv_field(out, COL_NAMES[c], c == 0);
    fputs("\r\n", out);
    for (size_t i = 0; i < pt->n_items; i++) {
        const struct pt_item *it = &pt->items[i];
        char price[40];
        csv_field(out, it->id, true);
        csv_field(out, it->code ? it->code : "", false);
        csv_field(out, price_text(it->list_price, price, sizeof price), false);
        csv_field(out, it->description, false);
        csv_field(out, it->unit, false);
        csv_field(out, phase_id(it->phase), false);
        csv_field(out, coverage_id(it->coverage), false);
        csv_field(out, it->coverage_reason, false);
        csv_field(out, it->taxable ? "yes" : "no", false);
        csv_field(out, it->separate ? "yes" : "no", false);
        csv_field(out, it->description_es ? it->description_es : "", false);
        csv_field(out, it->coverage_reason_es ? it->coverage_reason_es : "", false);
        fputs("\r\n", out);
    }
    return ferror(out) ? -1 : 0;
}

/* ---- reading CSV --------------------------------------------------------------- */

/* The records of a CSV file (csv_read.h), each cell back to the text the
 * export neutralised against formulas. */
struct csv {
    const char *name;
    struct csv_record *r;
    size_t n, cap;
};

static void csv_free(struct csv *c)
{
    for (size_t i = 0; i < c->n; i++)
        csv_record_free(&c->r[i]);
    free(c->r);
    memset(c, 0, sizeof *c);
}

/* Read every record of text.  Returns 0, or -1 after adding a diagnostic. */
static int csv_parse(struct csv *c, const char *text, size_t len, struct diag_list *dl)
{
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        /* line and field (column) of the NUL, as every CSV message gives them */
        int l = 1, field = 1;
        bool quoted = false;
        for (const char *p = text; p < nul; p++) {
            if (*p == '"')
                quoted = !quoted;
            else if (*p == '\n' && !quoted)
                l++, field = 1;
            else if (*p == ',' && !quoted)
                field++;
        }
        diag_add(dl, DIAG_ERROR, c->name, l, field, NULL, "contains a NUL byte; expected UTF-8 text");
        return -1;
    }
    struct csv_reader rd;
    struct csv_record rec = { 0 };
    csv_reader_init(&rd, c->name, text, len, false);
    int rc;
    while ((rc = csv_read_record(&rd, &rec, dl)) == 1) {
        if (c->n == c->cap) {
            size_t ncap = c->cap ? c->cap * 2 : 64;
            struct csv_record *nr = realloc(c->r, ncap * sizeof *nr);
            if (!nr) {
                diag_error(dl, c->name, NULL, "out of memory");
                rc = -1;
                break;
            }
            c->r = nr;
            c->cap = ncap;
        }
        for (size_t k = 0; k < rec.n; k++) {
            char *t = rec.f[k].text;
            const char *text_of = csv_cell_unguard(t);
            if (text_of != t)
                memmove(t, text_of, strlen(text_of) + 1);
        }
        csv_record_take(&rec, &c->r[c->n++]);
    }
    csv_record_free(&rec);
    csv_reader_free(&rd);
    return rc < 0 ? -1 : 0;
}

/* Offset of the first invalid UTF-8 sequence in s, or -1. */
static long utf8_bad(const unsigned char *s)
{
    for (size_t i = 0; s[i];) {
        unsigned char ch = s[i];
        size_t n;
        uint32_t cp;
        if (ch < 0x80) {
            i++;
            continue;
        } else if ((ch & 0xE0) == 0xC0) {
            n = 1;
            cp = ch & 0x1F;
        } else if ((ch & 0xF0) == 0xE0) {
            n = 2;
            cp = ch & 0x0F;
        } else if ((ch & 0xF8) == 0xF0) {
            n = 3;
            cp = ch & 0x07;
        } else {
            return (long)i;
        }
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return (long)i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return (long)i;
        i += n + 1;
    }
    return -1;
}

/* ---- checking rows ------------------------------------------------------------ */

struct row {
    int line;
    const char *v[NCOL];     /* NULL: column not in the CSV */
    int vline[NCOL];
    int64_t price;
    enum phase phase;
    enum coverage coverage;
    bool taxable, separate;
    const struct pt_item *item; /* the existing item, or NULL for a new one */
    bool changed;
};

struct imp {
    const char *name;
    struct diag_list *dl;
    int colpos[NCOL];        /* 1-based column in the CSV, 0 = absent */
};

static void row_err(struct imp *im, const struct row *r, enum col c, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void row_err(struct imp *im, const struct row *r, enum col c, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_add(im->dl, DIAG_ERROR, im->name, r->vline[c] ? r->vline[c] : r->line, im->colpos[c],
             COL_NAMES[c], "%s", msg);
}

/* Copy of s without leading and trailing spaces/tabs, in buf. */
static const char *trimmed(const char *s, char *buf, size_t size)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n >= size)
        n = size - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return buf;
}

/* Codes, ids, prices and keywords: spaces around them are not meant. */
static void trim_in_place(char *s)
{
    size_t a = 0, n = strlen(s);
    while (s[a] == ' ' || s[a] == '\t')
        a++;
    while (n > a && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    memmove(s, s + a, n - a);
    s[n - a] = '\0';
}

static bool parse_yesno(const char *s, bool *out)
{
    static const char *const yes[] = { "yes", "y", "true", "1" };
    static const char *const no[] = { "no", "n", "false", "0", "" };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!strcasecmp(s, yes[i])) {
            *out = true;
            return true;
        }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (!strcasecmp(s, no[i])) {
            *out = false;
            return true;
        }
    return false;
}

/* Check one data row's fields; returns false if any is wrong. */
static bool check_row(struct imp *im, struct row *r, const struct price_table *pt)
{
    size_t errs = im->dl->errors;
    char buf[512];
    for (int c = 0; c < NCOL; c++)
        if (r->v[c] && utf8_bad((const unsigned char *)r->v[c]) >= 0)
            row_err(im, r, (enum col)c, "has an invalid UTF-8 byte; save the file as UTF-8 (\"CSV UTF-8\")");
    if (im->dl->errors > errs)
        return false;

    char idbuf[64], why[PRICE_RULE_MSG_SIZE];
    const char *id = trimmed(r->v[COL_ID], idbuf, sizeof idbuf);
    if (!price_id_valid(id, why, sizeof why)) {
        row_err(im, r, COL_ID, "%s", why);
        return false;
    }
    r->item = pt_find_item(pt, id);
    if (r->item)
        r->v[COL_ID] = r->item->id;

    if (r->v[COL_CODE]) {
        const char *code = trimmed(r->v[COL_CODE], buf, sizeof buf);
        if (!price_code_valid(code, why, sizeof why))
            row_err(im, r, COL_CODE, "%s", why);
    }
    if (r->v[COL_PRICE]) {
        const char *p = trimmed(r->v[COL_PRICE], buf, sizeof buf);
        enum money_status st = money_parse(p, strlen(p), false, &r->price);
        if (strpbrk(p, "$,") && st != MONEY_OK)
            row_err(im, r, COL_PRICE,
                    "'%.40s' is not a plain amount; write it as 1250.00 (no $ and no thousands separator)", p);
        else if (!*p)
            row_err(im, r, COL_PRICE, "is empty; expected an amount such as 1250.00");
        else if (st == MONEY_RANGE && p[0] == '-')
            row_err(im, r, COL_PRICE, "'%.40s' is negative; expected 0 or more", p);
        else if (st != MONEY_OK)
            row_err(im, r, COL_PRICE, "'%.40s' %s", p, money_status_str(st));
    }
    if (r->v[COL_PHASE] && !phase_parse(trimmed(r->v[COL_PHASE], buf, sizeof buf), &r->phase, why, sizeof why))
        row_err(im, r, COL_PHASE, "%s", why);
    if (r->v[COL_COVERAGE] &&
        !coverage_parse(trimmed(r->v[COL_COVERAGE], buf, sizeof buf), &r->coverage, why, sizeof why))
        row_err(im, r, COL_COVERAGE, "%s", why);
    if (r->v[COL_TAXABLE] && !parse_yesno(trimmed(r->v[COL_TAXABLE], buf, sizeof buf), &r->taxable))
        row_err(im, r, COL_TAXABLE, "'%.20s' is not yes or no", buf);
    if (r->v[COL_SEPARATE] && !parse_yesno(trimmed(r->v[COL_SEPARATE], buf, sizeof buf), &r->separate))
        row_err(im, r, COL_SEPARATE, "'%.20s' is not yes or no", buf);
    static const enum col texts[] = { COL_DESCRIPTION, COL_UNIT, COL_COVERAGE_REASON };
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
        const char *t = r->v[texts[k]];
        const char *what = NULL;
        if (!t)
            continue;
        if (!trimmed(t, buf, sizeof buf)[0])
            row_err(im, r, texts[k], "is empty; expected some text");
        else if (pt_text_claims_fda(t, &what))
            row_err(im, r, texts[k], "says \"%s\"; these treatments are not %s and must never be described so",
                    what, what);
    }
    /* Spanish texts may be left empty (none), but never make claims */
    static const enum col es_texts[] = { COL_DESCRIPTION_ES, COL_COVERAGE_REASON_ES };
    for (size_t k = 0; k < 2; k++) {
        const char *t = r->v[es_texts[k]], *what = NULL;
        if (t && pt_text_claims_fda(t, &what))
            row_err(im, r, es_texts[k], "says \"%s\"; these treatments are not %s and must never be described so",
                    what, what);
    }
    /* A new item needs every field that has no default. */
    static const enum col required[] = { COL_DESCRIPTION, COL_PRICE, COL_UNIT, COL_PHASE,
                                         COL_COVERAGE, COL_COVERAGE_REASON };
    for (size_t k = 0; !r->item && k < sizeof required / sizeof required[0]; k++)
        if (!r->v[required[k]])
            diag_add(im->dl, DIAG_ERROR, im->name, r->line, 0, COL_NAMES[required[k]],
                     "item '%s' is new, so the CSV needs a '%s' column", id, COL_NAMES[required[k]]);
    return im->dl->errors == errs;
}

/* ---- writing catalog.json --------------------------------------------------- */

/* s as a JSON string value, escaped by cJSON. */
static void json_string(struct strbuf *b, const char *s)
{
    cJSON *v = cJSON_CreateStringReference(s);
    char *text = v ? cJSON_PrintUnformatted(v) : NULL;
    if (text)
        strbuf_str(b, text);
    else
        b->oom = true;
    cJSON_free(text);
    cJSON_Delete(v);
}

struct vals {
    const char *id, *description, *code, *unit, *coverage_reason;
    int64_t price;
    enum phase phase;
    enum coverage coverage;
    bool taxable, separate;
    const char *description_es, *coverage_reason_es; /* "" = none */
    const char *billed_by;       /* NULL: the clinic; not a column, kept from the item */
};

/* The item as the CSV row leaves it: row values over the existing ones. */
static struct vals merged(const struct row *r)
{
    struct vals v = { 0 };
    const struct pt_item *it = r->item;
    if (it) {
        v = (struct vals){ it->id, it->description, it->code ? it->code : "", it->unit,
                           it->coverage_reason, it->list_price, it->phase, it->coverage,
                           it->taxable, it->separate,
                           it->description_es ? it->description_es : "",
                           it->coverage_reason_es ? it->coverage_reason_es : "", it->billed_by };
    } else {
        v.description_es = v.coverage_reason_es = "";
    }
    v.id = r->v[COL_ID];
    if (r->v[COL_DESCRIPTION]) v.description = r->v[COL_DESCRIPTION];
    if (r->v[COL_CODE]) v.code = r->v[COL_CODE];
    if (r->v[COL_UNIT]) v.unit = r->v[COL_UNIT];
    if (r->v[COL_COVERAGE_REASON]) v.coverage_reason = r->v[COL_COVERAGE_REASON];
    if (r->v[COL_PRICE]) v.price = r->price;
    if (r->v[COL_PHASE]) v.phase = r->phase;
    if (r->v[COL_COVERAGE]) v.coverage = r->coverage;
    if (r->v[COL_TAXABLE]) v.taxable = r->taxable;
    if (r->v[COL_SEPARATE]) v.separate = r->separate;
    if (r->v[COL_DESCRIPTION_ES]) v.description_es = r->v[COL_DESCRIPTION_ES];
    if (r->v[COL_COVERAGE_REASON_ES]) v.coverage_reason_es = r->v[COL_COVERAGE_REASON_ES];
    return v;
}

static bool differs(const struct vals *v, const struct pt_item *it)
{
    return strcmp(v->description, it->description) || strcmp(v->code, it->code ? it->code : "") ||
           strcmp(v->unit, it->unit) || strcmp(v->coverage_reason, it->coverage_reason) ||
           v->price != it->list_price || v->phase != it->phase || v->coverage != it->coverage ||
           v->taxable != it->taxable || v->separate != it->separate ||
           strcmp(v->description_es, it->description_es ? it->description_es : "") ||
           strcmp(v->coverage_reason_es, it->coverage_reason_es ? it->coverage_reason_es : "");
}

/* One item in the layout of the shipped catalog; continuation lines are
 * indented by indent + 2 spaces. */
static void write_item(struct strbuf *b, const struct vals *v, size_t indent)
{
    char price[40];
    strbuf_str(b, "{ \"id\": ");
    json_string(b, v->id);
    strbuf_str(b, ", \"description\": ");
    json_string(b, v->description);
    strbuf_str(b, ",\n");
    sb_spaces(b, indent + 2);
    if (v->description_es[0]) {
        strbuf_str(b, "\"description_es\": ");
        json_string(b, v->description_es);
        strbuf_str(b, ",\n");
        sb_spaces(b, indent + 2);
    }
    if (v->code[0]) {
        strbuf_str(b, "\"code\": ");
        json_string(b, v->code);
        strbuf_str(b, ", ");
    }
    strbuf_str(b, "\"price\": ");
    json_string(b, price_text(v->price, price, sizeof price));
    strbuf_str(b, ", \"unit\": ");
    json_string(b, v->unit);
    strbuf_str(b, ", \"phase\": ");
    json_string(b, phase_id(v->phase));
    if (v->billed_by) {
        strbuf_str(b, ", \"billed_by\": ");
        json_string(b, v->billed_by);
    }
    if (v->taxable)
        strbuf_str(b, ", \"taxable\": true");
    if (v->separate)
        strbuf_str(b, ", \"separate\": true");
    strbuf_str(b, ",\n");
    sb_spaces(b, indent + 2);
    strbuf_str(b, "\"coverage\": ");
    json_string(b, coverage_id(v->coverage));
    strbuf_str(b, ", \"coverage_reason\": ");
    json_string(b, v->coverage_reason);
    if (v->coverage_reason_es[0]) {
        strbuf_str(b, ",\n");
        sb_spaces(b, indent + 2);
        strbuf_str(b, "\"coverage_reason_es\": ");
        json_string(b, v->coverage_reason_es);
    }
    strbuf_str(b, " }");
}

/* Byte offset where node starts in doc's text. */
static bool node_offset(const struct jdoc *doc, const cJSON *node, size_t *off)
{
    size_t len;
    /* jdoc_number_text points into the text at the node, for any node */
    const char *s = jdoc_number_text(doc, node, &len);
    uintptr_t p = (uintptr_t)s, t = (uintptr_t)doc->text;
    if (p < t || p >= t + doc->len)
        return false;
    *off = (size_t)(p - t);
    return true;
}

/* Offset just after the object or array starting at off. */
static size_t value_end(const char *s, size_t len, size_t off)
{
    int depth = 0;
    for (size_t i = off; i < len; i++) {
        char c = s[i];
        if (c == '"') {
            for (i++; i < len && s[i] != '"'; i++)
                if (s[i] == '\\')
                    i++;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (--depth == 0)
                return i + 1;
        }
    }
    return len;
}

static size_t column_of(const char *s, size_t off)
{
    size_t k = off;
    while (k > 0 && s[k - 1] != '\n')
        k--;
    return off - k;
}

/* ---- import ------------------------------------------------------------------- */

/* Re-report a diagnostic of the merged catalog: item fields at their CSV
 * row and column, the rest without a position (it is not in any file yet). */
static void remap(struct imp *im, const struct diag *d, struct row *const *by_index, size_t n_index)
{
    const char *path = d->path;
    unsigned long k;
    int used = 0;
    if (path && sscanf(path, "items[%lu]%n", &k, &used) == 1 && used > 0 && k < n_index && by_index[k]) {
        const struct row *r = by_index[k];
        const char *field = path[used] == '.' ? path + used + 1 : NULL;
        int col = 0, line = r->line;
        for (int c = 0; field && c < NCOL; c++)
            if (!strcmp(field, COL_NAMES[c]) && im->colpos[c]) {
                col = im->colpos[c];
                line = r->vline[c];
            }
        diag_add(im->dl, d->severity, im->name, line, col, field ? field : "id", "item '%s': %s",
                 r->v[COL_ID], d->msg);
        return;
    }
    diag_add(im->dl, d->severity, d->file, 0, 0, d->path, "%s (in the catalog as this import would leave it)",
             d->msg);
}

int catalog_csv_import(const struct price_table *pt, const char *csv_name, const char *text,
                       size_t len, char **out_text, size_t *out_len, struct price_table *new_pt,
                       struct diag_list *dl)
{
    struct imp im = { .name = csv_name, .dl = dl };
    struct csv c = { .name = csv_name };
    struct row *rows = NULL;
    struct row **by_index = NULL;
    struct strbuf out = { 0 };
    size_t nrows = 0, errs = dl->errors;
    *out_text = NULL;
    *out_len = 0;
    memset(new_pt, 0, sizeof *new_pt);

    if (!pt->has_catalog || !pt->catalog_doc.root) {
        diag_error(dl, csv_name, NULL, "no catalog to import into");
        return -1;
    }
    if (len > CATALOG_CSV_MAX_BYTES) {
        diag_error(dl, csv_name, NULL, "is larger than the %u MiB limit for CSV files",
                   CATALOG_CSV_MAX_BYTES / (1024u * 1024u));
        return -1;
    }
    if (csv_parse(&c, text, len, dl) != 0)
        goto fail;
    if (c.n == 0 || (c.r[0].n == 1 && !c.r[0].f[0].text[0])) {
        diag_add(dl, DIAG_ERROR, csv_name, 1, 0, NULL,
                 "is empty; expected a header row (id,code,price,…) and one row per item");
        goto fail;
    }

    /* header */
    const struct csv_record *h = &c.r[0];
    for (size_t k = 0; k < h->n; k++) {
        char name[80];
        trimmed(h->f[k].text, name, sizeof name);
        int found = -1;
        for (int col = 0; col < NCOL; col++)
            if (!strcasecmp(name, COL_NAMES[col]))
                found = col;
        if (found < 0) {
            const char *hint = jr_suggest(name, COL_NAMES, NCOL);
            diag_add(dl, DIAG_ERROR, csv_name, h->f[k].line, (int)k + 1, NULL,
                     "'%.40s' is not a column of items; expected %s%s%s%s", name,
                     "id, code, price, description, unit, phase, coverage, coverage_reason, taxable or separate",
                     hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
        } else if (im.colpos[found]) {
            diag_add(dl, DIAG_ERROR, csv_name, h->f[k].line, (int)k + 1, NULL,
                     "column '%s' is given twice (also column %d)", COL_NAMES[found], im.colpos[found]);
        } else {
            im.colpos[found] = (int)k + 1;
        }
    }
    if (dl->errors > errs)
        goto fail;
    if (!im.colpos[COL_ID]) {
        diag_add(dl, DIAG_ERROR, csv_name, 1, 0, NULL,
                 "has no 'id' column; the first row must name the columns (id,code,price,…)");
        goto fail;
    }

    /* rows */
    rows = calloc(c.n, sizeof *rows);
    if (!rows) {
        diag_error(dl, csv_name, NULL, "out of memory");
        goto fail;
    }
    for (size_t i = 1; i < c.n; i++) {
        const struct csv_record *rec = &c.r[i];
        bool blank = true;
        for (size_t k = 0; k < rec->n && blank; k++)
            blank = rec->f[k].text[0] == '\0';
        if (blank)
            continue;
        if (rec->n != h->n) {
            diag_add(dl, DIAG_ERROR, csv_name, rec->line, 0, NULL,
                     "has %zu field%s but the header has %zu; a comma inside a value needs quotes",
                     rec->n, rec->n == 1 ? "" : "s", h->n);
            continue;
        }
        struct row *r = &rows[nrows];
        r->line = rec->line;
        for (int col = 0; col < NCOL; col++)
            if (im.colpos[col]) {
                char *f = rec->f[im.colpos[col] - 1].text;
                bool is_text = col == COL_DESCRIPTION || col == COL_UNIT || col == COL_COVERAGE_REASON;
                if (!is_text)
                    trim_in_place(f);
                r->v[col] = f;
                r->vline[col] = rec->f[im.colpos[col] - 1].line;
            }
        if (!check_row(&im, r, pt))
            continue;
        for (size_t k = 0; k < nrows; k++)
            if (!strcmp(rows[k].v[COL_ID], r->v[COL_ID])) {
                row_err(&im, r, COL_ID, "item '%s' is already on line %d", r->v[COL_ID], rows[k].line);
                r = NULL;
                break;
            }
        if (r)
            nrows++;
    }
    if (dl->errors > errs)
        goto fail;

    /* every item of the catalog must still be there */
    const cJSON *items = jr_member(pt->catalog_doc.root, "items");
    size_t n_old = pt->n_items;
    by_index = calloc(n_old + nrows + 1, sizeof *by_index);
    if (!by_index) {
        diag_error(dl, csv_name, NULL, "out of memory");
        goto fail;
    }
    for (size_t k = 0; k < nrows; k++)
        if (rows[k].item)
            by_index[rows[k].item - pt->items] = &rows[k];
    size_t missing = 0;
    for (size_t i = 0; i < n_old; i++)
        if (!by_index[i] && ++missing > 5) {
            jdoc_diag(&pt->catalog_doc, dl, DIAG_ERROR, items, "items",
                      "and more items are not in %s; is this the whole list of items?", csv_name);
            break;
        } else if (!by_index[i]) {
            char p[64];
            snprintf(p, sizeof p, "items[%zu]", i);
            jdoc_diag(&pt->catalog_doc, dl, DIAG_ERROR, cJSON_GetArrayItem(items, (int)i), p,
                      "item '%s' is not in %s; import never deletes items: delete it here by hand (with everything that uses it), or put its row back",
                      pt->items[i].id, csv_name);
        }
    if (dl->errors > errs)
        goto fail;

    /* splice: unchanged items keep their text, changed ones are rewritten */
    const struct jdoc *doc = &pt->catalog_doc;
    size_t cursor = 0, last_end = 0, indent = 4;
    for (size_t i = 0; i < n_old; i++) {
        const cJSON *node = cJSON_GetArrayItem(items, (int)i);
        size_t start;
        if (!node_offset(doc, node, &start) || doc->text[start] != '{') {
            diag_error(dl, doc->name, NULL, "cannot locate items[%zu] in the file", i);
            goto fail;
        }
        size_t end = value_end(doc->text, doc->len, start);
        indent = column_of(doc->text, start);
        strbuf_put(&out, doc->text + cursor, start - cursor);
        struct vals v = merged(by_index[i]);
        by_index[i]->changed = differs(&v, &pt->items[i]);
        if (by_index[i]->changed)
            write_item(&out, &v, indent);
        else
            strbuf_put(&out, doc->text + start, end - start);
        cursor = last_end = end;
    }
    if (n_old == 0) {
        diag_error(dl, doc->name, "items", "has no items to import into");
        goto fail;
    }
    strbuf_put(&out, doc->text + cursor, last_end - cursor);
    size_t n_new = n_old;
    for (size_t k = 0; k < nrows; k++) {
        if (rows[k].item)
            continue;
        struct vals v = merged(&rows[k]);
        strbuf_str(&out, ",\n");
        sb_spaces(&out, indent);
        write_item(&out, &v, indent);
        rows[k].changed = true;
        by_index[n_new++] = &rows[k];
    }
    strbuf_put(&out, doc->text + last_end, doc->len - last_end);
    if (out.oom || !out.s) {
        diag_error(dl, csv_name, NULL, "out of memory");
        goto fail;
    }

    /* check the result like any catalog, reporting item problems on the CSV */
    struct diag_list tmp = { 0 };
    int lr = price_table_load_catalog_text(new_pt, doc->name, out.s, out.n, &tmp);
    for (size_t i = 0; i < tmp.n; i++)
        remap(&im, &tmp.v[i], by_index, n_new);
    if (tmp.errors > tmp.n)
        diag_error(dl, csv_name, NULL, "out of memory");
    diag_list_free(&tmp);
    if (lr != 0)
        goto fail;

    *out_text = out.s;
    *out_len = out.n;
    free(by_index);
    free(rows);
    csv_free(&c);
    return 0;

fail:
    price_table_free(new_pt);
    free(out.s);
    free(by_index);
    free(rows);
    csv_free(&c);
    return -1;
}

char *catalog_csv_read_file(const char *path, size_t *len, struct diag_list *dl)
{
    FILE *f = infile_open(path, NULL, "a CSV file", dl);
    if (!f)
        return NULL;
    struct strbuf b = { 0 };
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0 && b.n <= CATALOG_CSV_MAX_BYTES)
        strbuf_put(&b, chunk, got);
    bool rerr = ferror(f) != 0;
    fclose(f);
    if (rerr || b.oom) {
        free(b.s);
        diag_error(dl, path, NULL, rerr ? "cannot read the file" : "out of memory");
        return NULL;
    }
    if (b.n > CATALOG_CSV_MAX_BYTES) {
        free(b.s);
        diag_error(dl, path, NULL, "is larger than the %u MiB limit for CSV files",
                   CATALOG_CSV_MAX_BYTES / (1024u * 1024u));
        return NULL;
    }
    if (!b.s) {
        b.s = calloc(1, 1);
        if (!b.s) {
            diag_error(dl, path, NULL, "out of memory");
            return NULL;
        }
    }
    *len = b.n;
    return b.s;
}
