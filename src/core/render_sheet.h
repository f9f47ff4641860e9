/* render_sheet — the front desk's price list as a PDF: every item with its
 * code and the price in force on a date, grouped by phase, the packages
 * with what they save, the discounts and their rules, the insurance notice
 * and the price table's version and digest.  Same canvas, fonts and
 * template mechanism as the patient's quote (render_pdf); words from
 * TEMPLATES_DIR/LANG/sheet.txt.
 *
 * A library: never prints, never exits; problems are diagnostics.  The
 * table must already be set to the date and language wanted
 * (price_table_use_date, price_table_use_language). */
#ifndef RQ_RENDER_SHEET_H
#define RQ_RENDER_SHEET_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "price_table.h"

struct sheet_opts {
    const char *lang;            /* "en" or "es" */
    const char *templates_dir;   /* NULL = "templates" */
    bool a4;
};

/* Render into a malloc'd buffer the caller frees.  Returns 0, or -1 with a
 * diagnostic (then *buf is NULL). */
int render_sheet_mem(const struct price_table *pt, const struct sheet_opts *o, unsigned char **buf,
                     size_t *len, struct diag_list *dl);

#endif
