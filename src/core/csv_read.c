/* csv_read — CSV text read back, record by record (csv_read.h). */
#include "csv_read.h"

#include <stdlib.h>
#include <string.h>

void csv_reader_init(struct csv_reader *r, const char *name, const char *text, size_t len, bool bare_quotes)
{
    memset(r, 0, sizeof *r);
    r->name = name;
    r->p = text;
    r->end = text + len;
    r->line = 1;
    r->bare_quotes = bare_quotes;
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
        r->p += 3;
}

void csv_reader_free(struct csv_reader *r)
{
    free(r->cell.s);
    memset(&r->cell, 0, sizeof r->cell);
}

void csv_record_free(struct csv_record *rec)
{
    for (size_t i = 0; i < rec->n; i++)
        free(rec->f[i].text);
    free(rec->f);
    memset(rec, 0, sizeof *rec);
}

void csv_record_take(struct csv_record *rec, struct csv_record *out)
{
    *out = *rec;
    memset(rec, 0, sizeof *rec);
}

/* Append the cell read so far to rec; false when memory ran out. */
static bool add_field(struct csv_reader *r, struct csv_record *rec, int line)
{
    if (r->cell.oom)
        return false;
    if (rec->n == rec->cap) {
        size_t cap = rec->cap ? rec->cap * 2 : 16;
        struct csv_field *nf = realloc(rec->f, cap * sizeof *nf);
        if (!nf)
            return false;
        rec->f = nf;
        rec->cap = cap;
    }
    char *text = malloc(r->cell.n + 1);
    if (!text)
        return false;
    if (r->cell.n)
        memcpy(text, r->cell.s, r->cell.n);
    text[r->cell.n] = '\0';
    rec->f[rec->n] = (struct csv_field){ text, line, (int)rec->n + 1 };
    rec->n++;
    return true;
}

int csv_read_record(struct csv_reader *r, struct csv_record *rec, struct diag_list *dl)
{
    csv_record_free(rec);
    if (r->p >= r->end)
        return 0;
    rec->line = r->line;
    const char *e = r->end;
    for (;;) {
        int start_line = r->line, col = (int)rec->n + 1;
        r->cell.n = 0;
        if (r->p < e && *r->p == '"') {
            r->p++;
            for (;;) {
                if (r->p >= e) {
                    diag_add(dl, DIAG_ERROR, r->name, start_line, col, NULL,
                             "a quoted field is never closed; add the closing '\"'");
                    return -1;
                }
                char ch = *r->p;
                if (ch == '"') {
                    if (r->p + 1 < e && r->p[1] == '"') {
                        strbuf_put(&r->cell, "\"", 1);
                        r->p += 2;
                        continue;
                    }
                    r->p++;
                    break;
                }
                if (ch == '\r') {
                    /* a line break inside a cell is stored as LF */
                    r->p += r->p + 1 < e && r->p[1] == '\n' ? 2 : 1;
                    strbuf_put(&r->cell, "\n", 1);
                    r->line++;
                    continue;
                }
                if (ch == '\n')
                    r->line++;
                strbuf_put(&r->cell, r->p, 1);
                r->p++;
            }
            if (r->p < e && *r->p != ',' && *r->p != '\n' && *r->p != '\r') {
                diag_add(dl, DIAG_ERROR, r->name, r->line, col, NULL,
                         "unexpected text after a closing quote; a quote inside a quoted field is written twice (\"\")");
                return -1;
            }
        } else {
            const char *s0 = r->p;
            while (r->p < e && *r->p != ',' && *r->p != '\n' && *r->p != '\r') {
                if (*r->p == '"' && !r->bare_quotes) {
                    diag_add(dl, DIAG_ERROR, r->name, r->line, col, NULL,
                             "a '\"' in a field that is not quoted; put the field in quotes and write the quote twice (\"\")");
                    return -1;
                }
                r->p++;
            }
            strbuf_put(&r->cell, s0, (size_t)(r->p - s0));
        }
        if (!add_field(r, rec, start_line)) {
            diag_error(dl, r->name, NULL, "out of memory");
            return -1;
        }
        if (r->p < e && *r->p == ',') {
            r->p++;
            continue;
        }
        /* the end of the record */
        if (r->p < e && *r->p == '\r')
            r->p++;
        if (r->p < e && *r->p == '\n')
            r->p++;
        r->line++;
        return 1;
    }
}
