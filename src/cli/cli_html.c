/* The HTML estimate of an issued quote, for `regenquote reprint --format
 * html` (cmd_register.c stays a thin caller: others are editing it). */
#include "cli.h"

#include <stdlib.h>

#include "register.h"
#include "render_html.h"
#include "settings.h"

int cli_reprint_html(const struct reg_entry *e, bool large_print, const char *output, struct diag_list *dl)
{
    struct html_opts o = { .lang = e->language, .templates_dir = settings_templates_dir(NULL),
                           .quote_number = e->number, .supersedes = e->supersedes,
                           .large_print = large_print };
    char *page = NULL;
    size_t len = 0;
    if (render_html(e->quote_json, &o, &page, &len, dl) != 0)
        return -1;
    int rc = cli_write_bytes(output, page, len, dl);
    free(page);
    return rc;
}
