/* csv_read — CSV text read back, record by record (RFC 4180): the one
 * reader of the CSV files people give us (the catalog's items, final
 * bills).  csv_cell.h writes the cells; this reads them.
 *
 * Read: a UTF-8 byte-order mark at the start (skipped); cells separated by
 * commas; records ended by CRLF, LF or CR (the last one may have none); a
 * quoted cell may hold commas, doubled quotes ("" for ") and line breaks (a
 * CRLF or CR inside it is stored as LF).  Every cell carries the line it
 * starts on and its column (its place in the record, counted from 1 as a
 * spreadsheet does: A = 1), so every mistake can be placed.
 *
 * A library: never prints; a mistake is a diagnostic naming the file, line
 * and column. */
#ifndef RQ_CSV_READ_H
#define RQ_CSV_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "strbuf.h"

struct csv_field {
    char *text;                  /* malloc'd, NUL-terminated */
    int line, col;               /* where it starts; col counted from 1 */
};

struct csv_record {
    struct csv_field *f;
    size_t n, cap;
    int line;                    /* the line it starts on */
};

struct csv_reader {
    const char *name;            /* the file, for diagnostics */
    const char *p, *end;         /* what is left to read */
    int line;                    /* the line p is on */
    bool bare_quotes;            /* a '"' inside an unquoted cell is text (else a mistake) */
    struct strbuf cell;          /* the cell being read */
};

/* Start reading len bytes of text (not copied: it must outlive the reader),
 * past a byte-order mark.  bare_quotes: see struct csv_reader.  The caller
 * ends with csv_reader_free. */
void csv_reader_init(struct csv_reader *r, const char *name, const char *text, size_t len, bool bare_quotes);
void csv_reader_free(struct csv_reader *r);

/* Read the next record into *rec (its former cells are freed first).
 * Returns 1 with a record, 0 at the end of the text (rec empty), or -1 with
 * a diagnostic (an unclosed quote, text after a closing quote, a bare quote
 * when not allowed, out of memory). */
int csv_read_record(struct csv_reader *r, struct csv_record *rec, struct diag_list *dl);

/* Free rec's cells and its array; rec is then empty and may be reused. */
void csv_record_free(struct csv_record *rec);

/* Move rec's cells to a new owner: *out takes them and rec is emptied. */
void csv_record_take(struct csv_record *rec, struct csv_record *out);

#endif
