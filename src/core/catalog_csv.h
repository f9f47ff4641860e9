/* catalog_csv — the catalog's items[] as a spreadsheet (CSV, RFC 4180) and back.
 *
 * Columns, in this order on export (any order is read back, by header name):
 *   id, code, price, description, unit, phase, coverage, coverage_reason,
 *   taxable, separate
 * price is dollars with two decimals ("1250.00"); taxable and separate are
 * "yes" or "no"; code is empty when none applies.  Export writes UTF-8,
 * CRLF between records, and quotes a field (doubling its quotes) only when
 * it holds a comma, a quote, a line break or leading/trailing spaces; a
 * text a spreadsheet would run as a formula ('=', '+', '-', '@', …) is
 * written with a leading apostrophe (csv_cell.h), which import takes off
 * again, so export → import gives back the same text.
 *
 * Import reads the same form, more tolerantly: a UTF-8 byte-order mark,
 * CRLF, LF or CR line ends, blank rows, a line break inside a quoted cell
 * (stored as LF), prices as "1250" or "1250.5", yes/no/true/false in any
 * case.  A column left out of the CSV leaves that field as it is.  Every
 * mistake is reported as `file:line:column: column-name: message`, the
 * column counted from 1 (A = 1 in a spreadsheet).
 *
 * Import only changes the fields of items[] it manages; everything else in
 * catalog.json stays byte for byte, and a rewritten item keeps the fields
 * the CSV has no column for (billed_by: who bills it).  An item whose fields are unchanged
 * keeps its text exactly; a changed item is rewritten in the layout of the
 * shipped catalog (three lines per item); a new item is added at the end of
 * items[].  Items are never deleted, and the row order of the CSV does not
 * reorder catalog.json.  The result is checked like any catalog before it
 * is returned. */
#ifndef RQ_CATALOG_CSV_H
#define RQ_CATALOG_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "diag.h"
#include "price_table.h"

/* Largest CSV file read (bytes). */
#define CATALOG_CSV_MAX_BYTES (4u * 1024u * 1024u)

/* Write the items of pt (their prices as written in items[]) as CSV to out;
 * bom: start with a UTF-8 byte-order mark (for Excel).  Returns 0, or -1 if
 * the stream reports an error. */
int catalog_csv_export(const struct price_table *pt, bool bom, FILE *out);

/* Merge CSV text (len bytes; csv_name is used in diagnostics) into the
 * catalog of pt, which must have loaded without errors.  On success returns
 * 0, stores the new catalog.json text in *out_text (malloc'd, NUL-terminated,
 * *out_len bytes; the caller frees it) and loads it into *new_pt (the caller
 * frees it with price_table_free; its diagnostics name the catalog file).
 * On failure returns -1 with every problem found added to dl; *out_text is
 * NULL and *new_pt is safe to free.  Warnings alone do not fail. */
int catalog_csv_import(const struct price_table *pt, const char *csv_name, const char *csv,
                       size_t len, char **out_text, size_t *out_len,
                       struct price_table *new_pt, struct diag_list *dl);

/* Read a whole CSV file for catalog_csv_import (at most
 * CATALOG_CSV_MAX_BYTES).  Returns the malloc'd bytes (NUL-terminated, *len
 * without the NUL), or NULL with a diagnostic. */
char *catalog_csv_read_file(const char *path, size_t *len, struct diag_list *dl);

#endif
