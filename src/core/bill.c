/* bill — the final bill against the estimate (bill.h; docs/bills.md).
 *
 * Reading: CSV through csv_read.h (as the catalog's items are read) and
 * json_doc for JSON, both giving every mistake its line
 * and column.  Storing: through the register's engine (bills, bill_notes:
 * schema 6), in one transaction with the history event.  Comparing: the
 * stored quote JSON's providers[] and lines[] against the bills in force. */
#include "bill.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csv_read.h"
#include "json_doc.h"
#include "money.h"
#include "register_engine.h"
#include "register_int.h"
#include "sha256.h"
#include "textenc.h"

void reg_bills_free(struct reg_bill *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].number);
        free(v[i].given_for);
        free(v[i].bill_date);
        free(v[i].format);
        free(v[i].file_name);
        free(v[i].bytes);
        free(v[i].sha256);
        free(v[i].lines_json);
        free(v[i].added_by);
        free(v[i].added_at);
    }
    free(v);
}

void reg_bill_notes_free(struct reg_bill_note *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].number);
        free(v[i].row_key);
        free(v[i].text);
        free(v[i].written_by);
        free(v[i].written_at);
    }
    free(v);
}

void bill_free(struct bill *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++) {
        free(b->lines[i].date_of_service);
        free(b->lines[i].provider);
        free(b->lines[i].code);
        free(b->lines[i].description);
    }
    free(b->lines);
    free(b->bill_date);
    memset(b, 0, sizeof *b);
}

/* ---- checking one line's fields (both formats) ------------------------------------ */

static bool code_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 32)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
            return false;
    return true;
}

static bool is_kind(const char *code, const char *kind)
{
    for (; *code && *kind; code++, kind++)
        if (toupper((unsigned char)*code) != *kind)
            return false;
    return !*code && !*kind;
}

static struct bill_line *new_line(struct bill *b, struct diag_list *dl, const char *name)
{
    if (b->n >= BILL_MAX_LINES) {
        diag_error(dl, name, NULL, "more than %d lines; split the bill", BILL_MAX_LINES);
        return NULL;
    }
    struct bill_line *v = realloc(b->lines, (b->n + 1) * sizeof *v);
    if (!v) {
        diag_error(dl, name, NULL, "out of memory");
        return NULL;
    }
    b->lines = v;
    memset(&v[b->n], 0, sizeof v[b->n]);
    return &v[b->n++];
}

/* ---- CSV ------------------------------------------------------------------------ */

enum { COL_BILL_DATE, COL_SERVICE, COL_PROVIDER, COL_CODE, COL_DESC, COL_QTY, COL_AMOUNT, N_COLS };
static const char *const COL_NAMES[N_COLS] = { "bill_date", "date_of_service", "provider", "code",
                                               "description", "quantity", "amount" };

static bool blank_record(const struct csv_record *rec)
{
    for (size_t i = 0; i < rec->n; i++)
        if (rec->f[i].text[strspn(rec->f[i].text, " \t")])
            return false;
    return true;
}

/* The next record of the bill (csv_read.h: 1, 0 at the end, -1), with at
 * most MAX_COLS cells. */
#define MAX_COLS 32
static int next_record(struct csv_reader *rd, struct csv_record *rec, struct diag_list *dl)
{
    int rc = csv_read_record(rd, rec, dl);
    if (rc == 1 && rec->n > MAX_COLS) {
        diag_add(dl, DIAG_ERROR, rd->name, rec->f[MAX_COLS].line, MAX_COLS + 1, NULL,
                 "too many columns (at most %d)", MAX_COLS);
        return -1;
    }
    return rc;
}

/* Trimmed copy of s (leading and trailing blanks), malloc'd. */
static char *trimmed(const char *s)
{
    s += strspn(s, " \t");
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    char *t = malloc(n + 1);
    if (t) {
        memcpy(t, s, n);
        t[n] = '\0';
    }
    return t;
}

/* Check one line's values (from either format); where says where each is. */
struct field_at {
    int line, col;
    const char *path;
};

static void check_line(struct bill_line *l, const char *name, const struct field_at at[N_COLS],
                       const char *bill_date, struct diag_list *dl)
{
    rq_date d, bd;
    if (!date_parse(l->date_of_service, &d))
        diag_add(dl, DIAG_ERROR, name, at[COL_SERVICE].line, at[COL_SERVICE].col, at[COL_SERVICE].path,
                 "'%.40s' is not a date; expected YYYY-MM-DD", l->date_of_service);
    else if (bill_date && date_parse(bill_date, &bd) && d > bd)
        diag_add(dl, DIAG_ERROR, name, at[COL_SERVICE].line, at[COL_SERVICE].col, at[COL_SERVICE].path,
                 "the date of service %s is after the date on the bill, %s", l->date_of_service, bill_date);
    if (!*l->provider)
        diag_add(dl, DIAG_ERROR, name, at[COL_PROVIDER].line, at[COL_PROVIDER].col, at[COL_PROVIDER].path,
                 "no provider; expected a provider id from clinic.json, \"clinic\" or an NPI");
    if (!code_ok(l->code))
        diag_add(dl, DIAG_ERROR, name, at[COL_CODE].line, at[COL_CODE].col, at[COL_CODE].path,
                 "'%.40s' is not a code; expected a CPT/HCPCS code, a catalog item id, DISCOUNT or TAX",
                 l->code);
    if (l->amount_cents < 0 && !is_kind(l->code, "DISCOUNT"))
        diag_add(dl, DIAG_ERROR, name, at[COL_AMOUNT].line, at[COL_AMOUNT].col, at[COL_AMOUNT].path,
                 "a negative amount is a discount: give it the code DISCOUNT");
}

static int parse_csv(struct bill *b, const char *name, const char *text, size_t len, struct diag_list *dl)
{
    struct csv_reader rd;
    struct csv_record rec = { 0 };
    size_t errors = dl->errors;
    csv_reader_init(&rd, name, text, len, true);
    int rc = next_record(&rd, &rec, dl);
    if (rc <= 0) {
        if (rc == 0)
            diag_add(dl, DIAG_ERROR, name, 1, 1, NULL, "the file is empty; expected a header row: %s,%s,%s,%s,%s,%s,%s",
                     COL_NAMES[0], COL_NAMES[1], COL_NAMES[2], COL_NAMES[3], COL_NAMES[4], COL_NAMES[5],
                     COL_NAMES[6]);
        csv_record_free(&rec);
        csv_reader_free(&rd);
        return -1;
    }
    int where[N_COLS];
    for (int c = 0; c < N_COLS; c++)
        where[c] = -1;
    for (size_t i = 0; i < rec.n; i++) {
        char *h = trimmed(rec.f[i].text);
        int found = -1;
        for (int c = 0; h && c < N_COLS; c++)
            if (!strcmp(h, COL_NAMES[c]))
                found = c;
        if (found < 0)
            diag_add(dl, DIAG_ERROR, name, rec.f[i].line, rec.f[i].col, NULL,
                     "unknown column '%.40s'; expected %s, %s, %s, %s, %s, %s or %s", h ? h : "", COL_NAMES[0],
                     COL_NAMES[1], COL_NAMES[2], COL_NAMES[3], COL_NAMES[4], COL_NAMES[5], COL_NAMES[6]);
        else if (where[found] >= 0)
            diag_add(dl, DIAG_ERROR, name, rec.f[i].line, rec.f[i].col, NULL, "column '%s' appears twice",
                     COL_NAMES[found]);
        else
            where[found] = (int)i;
        free(h);
    }
    for (int c = 0; c < N_COLS; c++)
        if (where[c] < 0 && c != COL_DESC)
            diag_add(dl, DIAG_ERROR, name, 1, 1, NULL, "the header has no column '%s'", COL_NAMES[c]);
    size_t ncols = rec.n;
    if (dl->errors != errors) {
        csv_record_free(&rec);
        csv_reader_free(&rd);
        return -1;
    }
    while ((rc = next_record(&rd, &rec, dl)) == 1) {
        size_t n = rec.n;
        const struct csv_field *cell = rec.f;
        if (blank_record(&rec))
            continue;
        if (n != ncols)
            diag_add(dl, DIAG_ERROR, name, cell[0].line, 0, NULL, "%zu cells, but the header has %zu", n, ncols);
        struct field_at at[N_COLS];
        char *v[N_COLS] = { 0 };
        for (int c = 0; c < N_COLS; c++) {
            size_t i = where[c] >= 0 ? (size_t)where[c] : SIZE_MAX;
            at[c] = (struct field_at){ i < n ? cell[i].line : cell[0].line, i < n ? cell[i].col : 0,
                                       COL_NAMES[c] };
            v[c] = trimmed(i < n ? cell[i].text : "");
        }
        struct bill_line *l = new_line(b, dl, name);
        bool oom = false;
        for (int c = 0; c < N_COLS; c++)
            oom |= !v[c];
        if (!l || oom) {
            for (int c = 0; c < N_COLS; c++)
                free(v[c]);
            csv_record_free(&rec);
            csv_reader_free(&rd);
            if (oom)
                diag_error(dl, name, NULL, "out of memory");
            return -1;
        }
        l->line = cell[0].line;
        l->col = 1;
        l->provider_line = at[COL_PROVIDER].line;
        l->provider_col = at[COL_PROVIDER].col;
        if (*v[COL_BILL_DATE]) {
            rq_date d;
            if (!date_parse(v[COL_BILL_DATE], &d))
                diag_add(dl, DIAG_ERROR, name, at[COL_BILL_DATE].line, at[COL_BILL_DATE].col, "bill_date",
                         "'%.40s' is not a date; expected YYYY-MM-DD", v[COL_BILL_DATE]);
            else if (!b->bill_date)
                b->bill_date = strdup(v[COL_BILL_DATE]);
            else if (strcmp(b->bill_date, v[COL_BILL_DATE]) != 0)
                diag_add(dl, DIAG_ERROR, name, at[COL_BILL_DATE].line, at[COL_BILL_DATE].col, "bill_date",
                         "'%s' differs from the date on the bill given above, %s; one bill has one date",
                         v[COL_BILL_DATE], b->bill_date);
        } else if (!b->bill_date) {
            diag_add(dl, DIAG_ERROR, name, at[COL_BILL_DATE].line, at[COL_BILL_DATE].col, "bill_date",
                     "no date on the bill; the first line must give it (YYYY-MM-DD)");
        }
        free(v[COL_BILL_DATE]);
        l->date_of_service = v[COL_SERVICE];
        l->provider = v[COL_PROVIDER];
        l->code = v[COL_CODE];
        l->description = v[COL_DESC];
        char *end;
        long q = strtol(v[COL_QTY], &end, 10);
        if (!*v[COL_QTY] || *end || q < 1 || q > 9999)
            diag_add(dl, DIAG_ERROR, name, at[COL_QTY].line, at[COL_QTY].col, "quantity",
                     "'%.40s' is not a quantity; expected a whole number from 1 to 9999", v[COL_QTY]);
        else
            l->quantity = (int)q;
        free(v[COL_QTY]);
        const char *a = v[COL_AMOUNT];
        if (*a == '$')
            a++;
        if (money_parse(a, strlen(a), true, &l->amount_cents) != MONEY_OK)
            diag_add(dl, DIAG_ERROR, name, at[COL_AMOUNT].line, at[COL_AMOUNT].col, "amount",
                     "'%.40s' is not an amount; expected dollars and cents such as 1250.00", v[COL_AMOUNT]);
        free(v[COL_AMOUNT]);
        check_line(l, name, at, b->bill_date, dl);
    }
    csv_record_free(&rec);
    int last_line = rd.line;
    csv_reader_free(&rd);
    if (rc < 0)
        return -1;
    if (!b->n)
        diag_add(dl, DIAG_ERROR, name, last_line, 1, NULL, "the bill has no lines");
    return dl->errors != errors ? -1 : 0;
}

/* ---- JSON ----------------------------------------------------------------------- */

static int parse_json(struct bill *b, const char *name, const char *text, size_t len, struct diag_list *dl)
{
    struct jdoc doc = { 0 };
    size_t errors = dl->errors;
    if (jdoc_parse(&doc, name, text, len, dl) != 0)
        return -1;
    struct jreader r = { &doc, dl };
    static const char *const top[] = { "bill_date", "corrects", "lines", NULL };
    static const char *const keys[] = { "date_of_service", "provider", "code", "description", "quantity",
                                        "amount", NULL };
    const char *bd = NULL;
    const cJSON *lines = NULL;
    int corrects = 0;
    if (!cJSON_IsObject(doc.root)) {
        jdoc_diag(&doc, dl, DIAG_ERROR, doc.root, NULL, "expected an object with bill_date and lines");
        goto out;
    }
    jr_check_keys(&r, doc.root, "", top);
    rq_date d;
    if (jr_string(&r, doc.root, "", "bill_date", true, &bd) && !date_parse(bd, &d)) {
        jdoc_diag(&doc, dl, DIAG_ERROR, jr_member(doc.root, "bill_date"), "bill_date",
                  "'%.40s' is not a date; expected YYYY-MM-DD", bd);
        bd = NULL;
    }
    if (bd && !(b->bill_date = strdup(bd)))
        diag_error(dl, name, NULL, "out of memory");
    jr_int(&r, doc.root, "", "corrects", false, 1, 1000000000L, &corrects);
    b->corrects = corrects;
    if (!jr_array(&r, doc.root, "", "lines", true, &lines))
        goto out;
    int i = 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, lines)
    {
        char path[64];
        jpath_idx(path, sizeof path, "lines", i++);
        if (!cJSON_IsObject(o)) {
            jdoc_diag(&doc, dl, DIAG_ERROR, o, path, "expected an object (one line of the bill)");
            continue;
        }
        jr_check_keys(&r, o, path, keys);
        struct bill_line *l = new_line(b, dl, name);
        if (!l)
            goto out;
        jdoc_where(&doc, o, &l->line, &l->col);
        const char *s[4] = { "", "", "", "" };
        jr_string(&r, o, path, "date_of_service", true, &s[0]);
        jr_string(&r, o, path, "provider", true, &s[1]);
        jr_string(&r, o, path, "code", true, &s[2]);
        jr_string(&r, o, path, "description", false, &s[3]);
        jr_int(&r, o, path, "quantity", true, 1, 9999, &l->quantity);
        jr_money(&r, o, path, "amount", true, true, &l->amount_cents);
        l->date_of_service = strdup(s[0]);
        l->provider = strdup(s[1]);
        l->code = strdup(s[2]);
        l->description = strdup(s[3]);
        if (!l->date_of_service || !l->provider || !l->code || !l->description) {
            diag_error(dl, name, NULL, "out of memory");
            goto out;
        }
        struct field_at at[N_COLS];
        static const char *const fk[N_COLS] = { "bill_date", "date_of_service", "provider", "code",
                                                "description", "quantity", "amount" };
        char paths[N_COLS][96];
        for (int c = 0; c < N_COLS; c++) {
            const cJSON *m = jr_member(o, fk[c]);
            jpath_key(paths[c], sizeof paths[c], path, fk[c]);
            at[c] = (struct field_at){ 0, 0, paths[c] };
            jdoc_where(&doc, m ? m : o, &at[c].line, &at[c].col);
        }
        l->provider_line = at[COL_PROVIDER].line;
        l->provider_col = at[COL_PROVIDER].col;
        if (*s[0])
            check_line(l, name, at, b->bill_date, dl);
    }
    if (!b->n && dl->errors == errors)
        jdoc_diag(&doc, dl, DIAG_ERROR, lines, "lines", "the bill has no lines");
out:
    jdoc_free(&doc);
    return dl->errors != errors ? -1 : 0;
}

int bill_parse(struct bill *b, const char *name, const char *text, size_t len, struct diag_list *dl)
{
    memset(b, 0, sizeof *b);
    if (len > BILL_MAX_BYTES) {
        diag_error(dl, name, NULL, "the bill is larger than %u bytes", BILL_MAX_BYTES);
        return -1;
    }
    if (!textenc_utf8_valid(text, len) || memchr(text, '\0', len)) {
        diag_error(dl, name, NULL, "the bill is not UTF-8 text; export it as UTF-8 CSV or JSON");
        return -1;
    }
    size_t skip = len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3) ? 3 : 0;
    size_t i = skip;
    while (i < len && strchr(" \t\r\n", text[i]))
        i++;
    int rc = i < len && text[i] == '{' ? parse_json(b, name, text, len, dl)
                                       : parse_csv(b, name, text, len, dl);
    if (rc != 0)
        bill_free(b);
    return rc;
}

char *bill_lines_json(const struct bill *b)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *a = cJSON_AddArrayToObject(root, "lines");
    bool ok = root && a && cJSON_AddStringToObject(root, "bill_date", b->bill_date ? b->bill_date : "");
    for (size_t i = 0; ok && i < b->n; i++) {
        const struct bill_line *l = &b->lines[i];
        cJSON *o = cJSON_CreateObject();
        ok = o && cJSON_AddItemToArray(a, o) && cJSON_AddNumberToObject(o, "line", l->line) &&
             cJSON_AddStringToObject(o, "date_of_service", l->date_of_service) &&
             cJSON_AddStringToObject(o, "provider", l->provider) && cJSON_AddStringToObject(o, "code", l->code) &&
             cJSON_AddStringToObject(o, "description", l->description) &&
             cJSON_AddNumberToObject(o, "quantity", l->quantity) &&
             cJSON_AddNumberToObject(o, "amount_cents", (double)l->amount_cents);
    }
    char *s = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    return s;
}

/* ---- the estimate in force -------------------------------------------------------- */

/* The quote in force for `number`: follow superseded_by to its end.  *e is
 * filled (caller frees); chain[0..*nchain) are the numbers from the first
 * estimate of the chain to the one in force (malloc'd strings).  Returns 0,
 * 1 when it is void, or -1 (no such quote, or the register failed). */
static int in_force(struct reg *r, const char *number, struct reg_entry *e, char ***chain, size_t *nchain,
                    struct diag_list *dl)
{
    *chain = NULL;
    *nchain = 0;
    size_t errors = dl->errors;
    if (register_get(r, number, false, e, dl) != 0)
        return -1;
    for (int hops = 0; e->superseded_by && hops < 1000; hops++) {
        char *next = strdup(e->superseded_by);
        reg_entry_free(e);
        int rc = next ? register_get(r, next, false, e, dl) : -1;
        free(next);
        if (rc != 0)
            return -1;
    }
    if (!strcmp(e->status, "void")) {
        diag_error(dl, NULL, NULL, "quote %s is void; a bill is checked against an estimate in force",
                   e->number);
        reg_entry_free(e);
        return 1;
    }
    /* walk back through what it replaced */
    size_t cap = 4;
    char **v = malloc(cap * sizeof *v);
    struct reg_entry cur = { 0 };
    char *at = strdup(e->number);
    while (v && at) {
        if (*nchain == cap) {
            char **nv = realloc(v, (cap *= 2) * sizeof *v);
            if (!nv)
                break;
            v = nv;
        }
        v[(*nchain)++] = at;
        at = NULL;
        reg_entry_free(&cur);
        if (register_get(r, v[*nchain - 1], false, &cur, dl) != 0)
            break;
        if (!cur.supersedes || *nchain >= 1000)
            break;
        at = strdup(cur.supersedes);
    }
    reg_entry_free(&cur);
    free(at);
    if (!v || dl->errors != errors) {
        for (size_t i = 0; v && i < *nchain; i++)
            free(v[i]);
        free(v);
        *nchain = 0;
        reg_entry_free(e);
        if (dl->errors == errors)
            diag_error(dl, NULL, NULL, "out of memory");
        return -1;
    }
    /* oldest first */
    for (size_t i = 0; i < *nchain / 2; i++) {
        char *t = v[i];
        v[i] = v[*nchain - 1 - i];
        v[*nchain - 1 - i] = t;
    }
    *chain = v;
    return 0;
}

static void chain_free(char **chain, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(chain[i]);
    free(chain);
}

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(m) ? m->valuestring : NULL;
}

static int64_t cents_of(const cJSON *o, const char *key)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(m) ? (int64_t)m->valuedouble : 0;
}

/* The index in providers[] of the provider a bill names (id, "clinic" for
 * the clinic, or NPI), or -1. */
static int provider_of(const cJSON *providers, const char *who)
{
    int i = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, providers)
    {
        const char *id = str_of(p, "id"), *npi = str_of(p, "npi"), *kind = str_of(p, "kind");
        if ((id && !strcmp(id, who)) || (npi && !strcmp(npi, who)) ||
            (kind && !strcmp(kind, "clinic") && !strcmp(who, "clinic")))
            return i;
        i++;
    }
    return -1;
}

static void now_utc(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- adding a bill ---------------------------------------------------------------- */

int bill_add(struct reg *r, const char *number, const char *file_name, const unsigned char *bytes,
             size_t len, long long corrects, const char *actor, long long *id, char **attached_to,
             struct diag_list *dl)
{
    *id = 0;
    *attached_to = NULL;
    struct bill b;
    const char *name = file_name ? file_name : "bill";
    size_t errors = dl->errors;
    if (bill_parse(&b, name, (const char *)bytes, len, dl) != 0)
        return -1;
    if (corrects && b.corrects && corrects != b.corrects) {
        diag_error(dl, name, "corrects", "the bill says it corrects bill %lld, but the command line says %lld",
                   b.corrects, corrects);
        bill_free(&b);
        return -1;
    }
    if (!corrects)
        corrects = b.corrects;
    struct reg_entry e = { 0 };
    char **chain = NULL;
    size_t nchain = 0;
    char *lines = NULL;
    cJSON *q = NULL;
    struct reg_bill *old = NULL;
    size_t nold = 0;
    int rc = -1;
    if (in_force(r, number, &e, &chain, &nchain, dl) != 0)
        goto out;
    q = cJSON_Parse(e.quote_json);
    const cJSON *providers = cJSON_GetObjectItemCaseSensitive(q, "providers");
    if (!cJSON_IsArray(providers)) {
        diag_error(dl, NULL, NULL, "quote %s has no providers in its stored JSON", e.number);
        goto out;
    }
    for (size_t i = 0; i < b.n; i++)
        if (provider_of(providers, b.lines[i].provider) < 0)
            diag_add(dl, DIAG_ERROR, name, b.lines[i].provider_line, b.lines[i].provider_col, "provider",
                     "'%.40s' is not a provider or facility of estimate %s; expected \"clinic\", a provider id or an NPI it lists",
                     b.lines[i].provider, e.number);
    if (corrects) {
        bool found = false;
        for (size_t c = 0; c < nchain && !found; c++) {
            if (r->eng->bills(r->s, chain[c], &old, &nold, dl) != 0)
                goto out;
            for (size_t i = 0; i < nold; i++)
                found |= old[i].id == corrects;
            reg_bills_free(old, nold);
            old = NULL;
            nold = 0;
        }
        if (!found)
            diag_error(dl, name, "corrects", "bill %lld is not a bill of estimate %s", corrects, e.number);
    }
    if (dl->errors != errors)
        goto out;
    if (!(lines = bill_lines_json(&b))) {
        diag_error(dl, name, NULL, "out of memory");
        goto out;
    }
    char sha[65], at[32], detail[400];
    sha256_hex(bytes, len, sha);
    now_utc(at);
    bool moved = strcmp(e.number, number) != 0;
    const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
    struct reg_new_bill nb = {
        .number = e.number,
        .given_for = moved ? number : NULL,
        .bill_date = b.bill_date,
        .format = "csv",
        .file_name = base,
        .bytes = bytes,
        .len = len,
        .sha256 = sha,
        .lines_json = lines,
        .corrects = corrects,
        .added_by = actor ? actor : "unknown",
        .added_at = at,
    };
    /* as bill_parse tells them apart: JSON starts with '{' (after a
     * byte-order mark and blanks) */
    size_t at0 = len >= 3 && !memcmp(bytes, "\xEF\xBB\xBF", 3) ? 3 : 0;
    while (at0 < len && strchr(" \t\r\n", bytes[at0]))
        at0++;
    if (at0 < len && bytes[at0] == '{')
        nb.format = "json";
    if (r->eng->begin(r->s, dl) != 0)
        goto out;
    if (r->eng->put_bill(r->s, &nb, id, dl) != 0)
        goto fail;
    int w = snprintf(detail, sizeof detail, "bill %lld dated %s: %zu line%s, %s %.12s, from %.60s", *id,
                     b.bill_date, b.n, b.n == 1 ? "" : "s", nb.format, sha, base);
    if (corrects && w > 0 && (size_t)w < sizeof detail)
        w += snprintf(detail + w, sizeof detail - (size_t)w, "; corrects bill %lld", corrects);
    if (moved && w > 0 && (size_t)w < sizeof detail)
        snprintf(detail + w, sizeof detail - (size_t)w, "; given for %s, which %s replaced", number, e.number);
    if (reg_add_event(r, e.number, "bill added", detail, actor, dl) != 0)
        goto fail;
    if (moved && reg_add_event(r, number, "bill added", detail, actor, dl) != 0)
        goto fail;
    if (r->eng->commit(r->s, dl) != 0)
        goto out;
    if (!(*attached_to = strdup(e.number))) {
        diag_error(dl, NULL, NULL, "out of memory");
        goto out;
    }
    rc = 0;
    goto out;
fail:
    r->eng->rollback(r->s);
out:
    cJSON_Delete(q);
    free(lines);
    chain_free(chain, nchain);
    reg_entry_free(&e);
    bill_free(&b);
    return rc;
}

/* ---- the comparison --------------------------------------------------------------- */

/* One row of a provider's comparison: a code (item lines), the discounts,
 * or the tax. */
enum row_kind { ROW_ITEM, ROW_DISCOUNT, ROW_TAX };

struct row {
    enum row_kind kind;
    size_t provider;
    char key[80];                /* provider index and code: what an explanation names */
    const char *code, *description, *billed_description;
    long est_qty, bill_qty;
    int64_t est_cents, bill_cents;
};

struct rows {
    struct row *v;
    size_t n, cap;
};

/* The row of (provider, kind, code), made when missing; NULL when out of memory. */
static struct row *row_for(struct rows *rs, size_t provider, enum row_kind kind, const char *code)
{
    for (size_t i = 0; i < rs->n; i++)
        if (rs->v[i].provider == provider && rs->v[i].kind == kind && !strcmp(rs->v[i].code, code))
            return &rs->v[i];
    if (rs->n == rs->cap) {
        size_t ncap = rs->cap ? rs->cap * 2 : 32;
        struct row *nv = realloc(rs->v, ncap * sizeof *nv);
        if (!nv)
            return NULL;
        rs->v = nv;
        rs->cap = ncap;
    }
    struct row *w = &rs->v[rs->n++];
    memset(w, 0, sizeof *w);
    w->kind = kind;
    w->provider = provider;
    w->code = code;
    w->description = "";
    w->billed_description = "";
    snprintf(w->key, sizeof w->key, "%zu:%s", provider,
             kind == ROW_DISCOUNT ? "DISCOUNT" : kind == ROW_TAX ? "TAX" : code);
    return w;
}

static const char *row_status(const struct row *w)
{
    if (w->kind == ROW_DISCOUNT)
        return w->bill_cents == w->est_cents ? "same"
               : w->bill_cents > w->est_cents ? "discount_not_honoured" : "discount_larger";
    if (w->kind == ROW_TAX)
        return w->bill_cents == w->est_cents ? "same" : "tax";
    if (w->est_qty == 0)
        return "extra";
    if (w->bill_qty == 0)
        return "not_billed";
    if (w->est_qty == w->bill_qty)
        return w->est_cents == w->bill_cents ? "same" : "price";
    return w->bill_cents * w->est_qty == w->est_cents * w->bill_qty ? "quantity" : "quantity_and_price";
}

static cJSON *add_cents(cJSON *o, const char *k, int64_t v)
{
    return cJSON_AddNumberToObject(o, k, (double)v);
}

/* The unit price of a row's side, or NULL (JSON null) when it is not whole. */
static void add_unit(cJSON *o, const char *k, int64_t cents, long qty)
{
    if (qty > 0 && cents % qty == 0)
        add_cents(o, k, cents / qty);
    else
        cJSON_AddNullToObject(o, k);
}

/* Read the bills of every quote in the chain; leave out those a later bill
 * corrects.  Adds them (with their lines) to `bills` in the JSON, and every
 * line in force to the rows. */
static int gather_bills(struct reg *r, char **chain, size_t nchain, const cJSON *providers, struct rows *rs,
                        cJSON *bills, char *initial, struct diag_list *dl)
{
    struct reg_bill *all = NULL;
    size_t nall = 0;
    for (size_t c = 0; c < nchain; c++) {
        struct reg_bill *v;
        size_t n;
        if (r->eng->bills(r->s, chain[c], &v, &n, dl) != 0) {
            reg_bills_free(all, nall);
            return -1;
        }
        struct reg_bill *na = realloc(all, (nall + n + 1) * sizeof *na);
        if (!na) {
            reg_bills_free(v, n);
            reg_bills_free(all, nall);
            diag_error(dl, NULL, NULL, "out of memory");
            return -1;
        }
        all = na;
        if (n)
            memcpy(all + nall, v, n * sizeof *v);
        nall += n;
        free(v);
    }
    /* the bills by id (the register's order of adding) */
    for (size_t i = 1; i < nall; i++)
        for (size_t j = i; j > 0 && all[j - 1].id > all[j].id; j--) {
            struct reg_bill t = all[j];
            all[j] = all[j - 1];
            all[j - 1] = t;
        }
    int rc = 0;
    initial[0] = '\0';
    for (size_t i = 0; rc == 0 && i < nall; i++) {
        long long replaced_by = 0;
        for (size_t j = 0; j < nall; j++)
            if (all[j].corrects == all[i].id)
                replaced_by = all[j].id;
        if (!initial[0] || strcmp(all[i].bill_date, initial) < 0)
            snprintf(initial, 11, "%s", all[i].bill_date);
        cJSON *lines = cJSON_Parse(all[i].lines_json);
        cJSON *o = cJSON_CreateObject();
        if (!lines || !o || !cJSON_AddItemToArray(bills, o)) {
            cJSON_Delete(lines);
            cJSON_Delete(o);
            rc = -1;
            break;
        }
        cJSON_AddNumberToObject(o, "id", (double)all[i].id);
        cJSON_AddStringToObject(o, "attached_to", all[i].number);
        if (all[i].given_for)
            cJSON_AddStringToObject(o, "given_for", all[i].given_for);
        else
            cJSON_AddNullToObject(o, "given_for");
        cJSON_AddStringToObject(o, "bill_date", all[i].bill_date);
        cJSON_AddStringToObject(o, "format", all[i].format);
        cJSON_AddStringToObject(o, "file_name", all[i].file_name ? all[i].file_name : "");
        cJSON_AddStringToObject(o, "sha256", all[i].sha256);
        cJSON_AddStringToObject(o, "added_by", all[i].added_by);
        cJSON_AddStringToObject(o, "added_at", all[i].added_at);
        if (all[i].corrects)
            cJSON_AddNumberToObject(o, "corrects", (double)all[i].corrects);
        else
            cJSON_AddNullToObject(o, "corrects");
        if (replaced_by)
            cJSON_AddNumberToObject(o, "corrected_by", (double)replaced_by);
        else
            cJSON_AddNullToObject(o, "corrected_by");
        cJSON_AddBoolToObject(o, "in_force", !replaced_by);
        cJSON *ls = cJSON_DetachItemFromObjectCaseSensitive(lines, "lines");
        cJSON_Delete(lines);
        if (!ls) {
            rc = -1;
            break;
        }
        cJSON_AddItemToObject(o, "lines", ls);
        if (replaced_by)
            continue;
        cJSON *l;
        cJSON_ArrayForEach(l, ls)
        {
            const char *code = str_of(l, "code"), *who = str_of(l, "provider");
            int p = who ? provider_of(providers, who) : -1;
            if (!code || p < 0)
                continue; /* checked when added; a provider dropped by a revision */
            cJSON_AddNumberToObject(l, "provider_index", p);
            enum row_kind k = is_kind(code, "DISCOUNT") ? ROW_DISCOUNT : is_kind(code, "TAX") ? ROW_TAX : ROW_ITEM;
            struct row *w = row_for(rs, (size_t)p, k, k == ROW_ITEM ? code : k == ROW_TAX ? "TAX" : "DISCOUNT");
            if (!w) {
                rc = -1;
                break;
            }
            const cJSON *qn = cJSON_GetObjectItemCaseSensitive(l, "quantity");
            w->bill_qty += cJSON_IsNumber(qn) ? qn->valueint : 0;
            w->bill_cents += cents_of(l, "amount_cents");
            if (!*w->billed_description && str_of(l, "description"))
                w->billed_description = str_of(l, "description");
        }
    }
    reg_bills_free(all, nall);
    if (rc != 0)
        diag_error(dl, NULL, NULL, "out of memory");
    return rc;
}

/* The clinic's phone, from the price tables the quote was priced with
 * (the quote JSON does not carry it), into clinic.phone (null if none). */
static void add_phone(struct reg *r, const struct reg_entry *e, cJSON *clinic)
{
    char *cj = NULL, *cat = NULL;
    struct diag_list quiet = { 0 };
    const char *phone = NULL;
    cJSON *t = NULL;
    if (register_get_tables(r, e->tables_sha256, &cj, &cat, &quiet) == 0 && (t = cJSON_Parse(cj)))
        phone = str_of(cJSON_GetObjectItemCaseSensitive(t, "clinic"), "phone");
    if (phone)
        cJSON_AddStringToObject(clinic, "phone", phone);
    else
        cJSON_AddNullToObject(clinic, "phone");
    cJSON_Delete(t);
    free(cj);
    free(cat);
    diag_list_free(&quiet);
}

int bill_check(struct reg *r, const char *number, rq_date today, cJSON **out, struct diag_list *dl)
{
    *out = NULL;
    struct reg_entry e = { 0 };
    char **chain = NULL;
    size_t nchain = 0;
    struct rows rs = { 0 };
    struct reg_bill_note *notes = NULL;
    size_t nnotes = 0;
    cJSON *q = NULL, *res = NULL;
    int rc = -1;
    int state = in_force(r, number, &e, &chain, &nchain, dl);
    if (state != 0)
        return state;
    q = cJSON_Parse(e.quote_json);
    const cJSON *providers = cJSON_GetObjectItemCaseSensitive(q, "providers");
    const cJSON *qlines = cJSON_GetObjectItemCaseSensitive(q, "lines");
    if (!cJSON_IsArray(providers) || !cJSON_IsArray(qlines)) {
        diag_error(dl, NULL, NULL, "quote %s has no providers in its stored JSON", e.number);
        goto out;
    }
    res = cJSON_CreateObject();
    if (!res)
        goto oom;
    cJSON_AddStringToObject(res, "number", e.number);
    if (strcmp(e.number, number))
        cJSON_AddStringToObject(res, "asked_for", number);
    else
        cJSON_AddNullToObject(res, "asked_for");
    cJSON_AddStringToObject(res, "issued", e.issued);
    cJSON_AddStringToObject(res, "language", e.language);
    if (e.patient_name)
        cJSON_AddStringToObject(res, "patient_name", e.patient_name);
    else
        cJSON_AddNullToObject(res, "patient_name");
    cJSON *clinic = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(q, "clinic"), 1);
    if (!clinic || !cJSON_AddItemToObject(res, "clinic", clinic)) {
        cJSON_Delete(clinic);
        goto oom;
    }
    add_phone(r, &e, clinic);
    add_cents(res, "threshold_cents", BILL_DISPUTE_CENTS);
    /* the estimate's rows: item lines of each provider by code (or item
     * id), its tax, and its share of the savings as a negative discount row */
    const cJSON *p;
    size_t pi = 0;
    cJSON_ArrayForEach(p, providers)
    {
        const cJSON *li;
        cJSON_ArrayForEach(li, cJSON_GetObjectItemCaseSensitive(p, "lines"))
        {
            const cJSON *l = cJSON_GetArrayItem(qlines, li->valueint);
            const char *kind = str_of(l, "kind");
            if (!l || !kind)
                continue;
            const char *code = str_of(l, "code");
            if (!code || !*code)
                code = str_of(l, "item");
            if (!code)
                continue;
            bool tax = !strcmp(kind, "tax");
            struct row *w = row_for(&rs, pi, tax ? ROW_TAX : ROW_ITEM, tax ? "TAX" : code);
            if (!w)
                goto oom;
            if (!tax) {
                if (!*w->description)
                    w->description = str_of(l, "description") ? str_of(l, "description") : "";
                const cJSON *qn = cJSON_GetObjectItemCaseSensitive(l, "quantity");
                w->est_qty += cJSON_IsNumber(qn) ? qn->valueint : 0;
            }
            w->est_cents += cents_of(l, "amount_cents");
        }
        int64_t sav = cents_of(p, "savings_cents");
        if (sav) {
            struct row *w = row_for(&rs, pi, ROW_DISCOUNT, "DISCOUNT");
            if (!w)
                goto oom;
            w->est_cents -= sav;
        }
        pi++;
    }
    cJSON *bills = cJSON_AddArrayToObject(res, "bills");
    char initial[16];
    if (!bills || gather_bills(r, chain, nchain, providers, &rs, bills, initial, dl) != 0)
        goto out;
    if (!cJSON_GetArraySize(bills)) {
        diag_error(dl, NULL, NULL, "quote %s has no bill yet; add one with 'regenquote bill add %s FILE'",
                   e.number, e.number);
        rc = 1;
        goto out;
    }
    rq_date first;
    date_parse(initial, &first);
    char deadline[11];
    date_iso(first + BILL_DISPUTE_DAYS, deadline);
    cJSON_AddStringToObject(res, "initial_bill_date", initial);
    cJSON_AddStringToObject(res, "dispute_deadline", deadline);
    cJSON_AddNumberToObject(res, "days_left", (double)(first + BILL_DISPUTE_DAYS - today));
    cJSON_AddBoolToObject(res, "window_open", first + BILL_DISPUTE_DAYS - today >= 0);
    if (r->eng->bill_notes(r->s, e.number, &notes, &nnotes, dl) != 0)
        goto out;
    /* the providers, each with its rows; rows numbered 1, 2, 3… across
     * providers, in the estimate's order (then items not on it, then the
     * discounts, then the tax) */
    cJSON *pa = cJSON_AddArrayToObject(res, "providers");
    if (!pa)
        goto oom;
    int64_t tot_est = 0, tot_bill = 0;
    bool any_flag = false;
    int lineno = 0;
    pi = 0;
    cJSON_ArrayForEach(p, providers)
    {
        int64_t est = 0, billed = 0;
        bool has = false;
        for (size_t i = 0; i < rs.n; i++)
            if (rs.v[i].provider == pi) {
                has = true;
                est += rs.v[i].est_cents;
                billed += rs.v[i].bill_cents;
            }
        if (!has) {
            pi++;
            continue;
        }
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(pa, o))
            goto oom;
        int64_t diff = billed - est;
        bool flagged = diff >= BILL_DISPUTE_CENTS;
        any_flag |= flagged;
        tot_est += est;
        tot_bill += billed;
        cJSON_AddNumberToObject(o, "index", (double)pi);
        const char *ks[] = { "kind", "id", "name", "npi", "tin" };
        for (size_t k = 0; k < 5; k++) {
            const char *v = str_of(p, ks[k]);
            if (v)
                cJSON_AddStringToObject(o, ks[k], v);
            else
                cJSON_AddNullToObject(o, ks[k]);
        }
        add_cents(o, "estimate_cents", est);
        add_cents(o, "billed_cents", billed);
        add_cents(o, "difference_cents", diff);
        add_cents(o, "dispute_threshold_cents", est + BILL_DISPUTE_CENTS);
        cJSON_AddBoolToObject(o, "flagged", flagged);
        cJSON *ra = cJSON_AddArrayToObject(o, "rows");
        if (!ra)
            goto oom;
        for (int pass = 0; pass < 4; pass++)
            for (size_t i = 0; i < rs.n; i++) {
                struct row *w = &rs.v[i];
                if (w->provider != pi)
                    continue;
                int want = w->kind == ROW_DISCOUNT ? 2 : w->kind == ROW_TAX ? 3 : w->est_qty ? 0 : 1;
                if (want != pass)
                    continue;
                cJSON *x = cJSON_CreateObject();
                if (!x || !cJSON_AddItemToArray(ra, x))
                    goto oom;
                cJSON_AddNumberToObject(x, "line", ++lineno);
                cJSON_AddStringToObject(x, "key", w->key);
                cJSON_AddStringToObject(x, "kind", w->kind == ROW_ITEM ? "item" : w->kind == ROW_TAX ? "tax" : "discount");
                cJSON_AddStringToObject(x, "code", w->code);
                cJSON_AddStringToObject(x, "description", *w->description ? w->description : w->billed_description);
                cJSON_AddStringToObject(x, "billed_description", w->billed_description);
                cJSON_AddNumberToObject(x, "estimate_quantity", (double)w->est_qty);
                cJSON_AddNumberToObject(x, "billed_quantity", (double)w->bill_qty);
                if (w->kind == ROW_ITEM) {
                    add_unit(x, "estimate_unit_cents", w->est_cents, w->est_qty);
                    add_unit(x, "billed_unit_cents", w->bill_cents, w->bill_qty);
                }
                add_cents(x, "estimate_cents", w->est_cents);
                add_cents(x, "billed_cents", w->bill_cents);
                add_cents(x, "difference_cents", w->bill_cents - w->est_cents);
                cJSON_AddStringToObject(x, "status", row_status(w));
                cJSON_AddBoolToObject(x, "makes_difference", flagged && w->bill_cents > w->est_cents);
                cJSON *xa = cJSON_AddArrayToObject(x, "explanations");
                for (size_t k = 0; xa && k < nnotes; k++) {
                    if (strcmp(notes[k].row_key, w->key))
                        continue;
                    cJSON *no = cJSON_CreateObject();
                    if (!no || !cJSON_AddItemToArray(xa, no))
                        goto oom;
                    cJSON_AddStringToObject(no, "text", notes[k].text);
                    cJSON_AddStringToObject(no, "written_by", notes[k].written_by);
                    cJSON_AddStringToObject(no, "written_at", notes[k].written_at);
                }
            }
        pi++;
    }
    add_cents(res, "estimate_cents", tot_est);
    add_cents(res, "billed_cents", tot_bill);
    add_cents(res, "difference_cents", tot_bill - tot_est);
    cJSON_AddBoolToObject(res, "flagged", any_flag);
    *out = res;
    res = NULL;
    rc = 0;
    goto out;
oom:
    diag_error(dl, NULL, NULL, "out of memory");
out:
    cJSON_Delete(res);
    cJSON_Delete(q);
    free(rs.v);
    reg_bill_notes_free(notes, nnotes);
    chain_free(chain, nchain);
    reg_entry_free(&e);
    return rc;
}

bool bill_check_flagged(const cJSON *check)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(check, "flagged"));
}

/* ---- explanations ------------------------------------------------------------------ */

int bill_explain(struct reg *r, const char *number, int line, const char *text, const char *actor,
                 rq_date today, struct diag_list *dl)
{
    if (!text || !*text || strlen(text) > 2000 || !textenc_utf8_valid(text, strlen(text))) {
        diag_error(dl, NULL, "text", "an explanation is UTF-8 text of 1 to 2000 bytes");
        return -1;
    }
    cJSON *c;
    int rc = bill_check(r, number, today, &c, dl);
    if (rc != 0)
        return -1;
    const cJSON *row = NULL, *p, *x;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c, "providers"))
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(p, "rows"))
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(x, "line");
        if (cJSON_IsNumber(n) && n->valueint == line)
            row = x;
    }
    const char *num = str_of(c, "number");
    if (!row) {
        diag_error(dl, NULL, "line", "the comparison of %s has no line %d; see 'regenquote bill check %s'", num,
                   line, num);
        cJSON_Delete(c);
        return -1;
    }
    char at[32], detail[2200];
    now_utc(at);
    struct reg_bill_note note = {
        .number = (char *)num,
        .line = line,
        .row_key = (char *)str_of(row, "key"),
        .text = (char *)text,
        .written_by = (char *)(actor ? actor : "unknown"),
        .written_at = at,
    };
    snprintf(detail, sizeof detail, "line %d (%s): %s", line, note.row_key, text);
    rc = -1;
    if (r->eng->begin(r->s, dl) == 0) {
        if (r->eng->put_bill_note(r->s, &note, dl) == 0 && reg_add_event(r, num, "bill explained", detail, actor, dl) == 0)
            rc = r->eng->commit(r->s, dl);
        else
            r->eng->rollback(r->s);
    }
    cJSON_Delete(c);
    return rc;
}

/* ---- the dispute window ---------------------------------------------------------------- */

int bill_dispute_window(struct reg *r, rq_date today, cJSON **out, struct diag_list *dl)
{
    *out = NULL;
    char **nums = NULL;
    size_t n = 0;
    if (r->eng->billed_numbers(r->s, &nums, &n, dl) != 0)
        return -1;
    cJSON *a = cJSON_CreateArray();
    int rc = a ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        cJSON *c = NULL;
        struct diag_list quiet = { 0 };
        int k = bill_check(r, nums[i], today, &c, &quiet);
        diag_list_free(&quiet);
        if (k != 0)
            continue; /* a void quote, or bills of a chain seen already */
        const char *num = str_of(c, "number");
        bool seen = false;
        const cJSON *x;
        cJSON_ArrayForEach(x, a) seen |= !strcmp(str_of(x, "number"), num);
        if (seen || !bill_check_flagged(c) || !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "window_open"))) {
            cJSON_Delete(c);
            continue;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON *fl = cJSON_CreateArray();
        if (!o || !fl || !cJSON_AddItemToArray(a, o)) {
            cJSON_Delete(o);
            cJSON_Delete(fl);
            cJSON_Delete(c);
            rc = -1;
            break;
        }
        static const char *const keys[] = { "number", "patient_name", "initial_bill_date", "dispute_deadline",
                                             "days_left" };
        for (size_t k2 = 0; k2 < 5; k2++)
            cJSON_AddItemToObject(o, keys[k2],
                                  cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(c, keys[k2]), 1));
        cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(c, "providers"))
        {
            if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "flagged")))
                continue;
            cJSON *f = cJSON_CreateObject();
            cJSON_AddItemToArray(fl, f);
            cJSON_AddStringToObject(f, "name", str_of(x, "name") ? str_of(x, "name") : "");
            add_cents(f, "difference_cents", cents_of(x, "difference_cents"));
        }
        cJSON_AddItemToObject(o, "flagged", fl);
        cJSON_Delete(c);
    }
    for (size_t i = 0; i < n; i++)
        free(nums[i]);
    free(nums);
    if (rc != 0) {
        cJSON_Delete(a);
        diag_error(dl, NULL, NULL, "out of memory");
        return -1;
    }
    /* soonest deadline first (then by number) */
    int na = cJSON_GetArraySize(a);
    for (int i = 1; i < na; i++)
        for (int j = i; j > 0; j--) {
            cJSON *x = cJSON_GetArrayItem(a, j - 1), *y = cJSON_GetArrayItem(a, j);
            int64_t dx = cents_of(x, "days_left"), dy = cents_of(y, "days_left");
            if (dx < dy || (dx == dy && strcmp(str_of(x, "number"), str_of(y, "number")) <= 0))
                break;
            cJSON_DetachItemViaPointer(a, y);
            cJSON_InsertItemInArray(a, j - 1, y);
        }
    *out = a;
    return 0;
}
