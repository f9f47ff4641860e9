/* cli_common — what every command shares: messages, today's date, the plan
 * options, loading the price tables.  Declared in cli.h. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outfile.h"
#include "price_table.h"
#include "settings.h"

/* ---- messages (the one place that prints diagnostics) ------------------- */

void cli_print_diags(const struct diag_list *dl, size_t max)
{
    diag_list_write(stderr, "regenquote", dl, max);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "regenquote%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "; see 'regenquote%s%s --help'\n", cmd ? " " : "", cmd ? cmd : "");
    return EXIT_USAGE;
}

/* Today, or the date SOURCE_DATE_EPOCH fixes (settings_today), printing why not. */
int cli_today(rq_date *out)
{
    struct diag_list dl = { 0 };
    int rc = settings_today(out, &dl);
    if (rc != 0)
        cli_print_diags(&dl, 5);
    diag_list_free(&dl);
    return rc;
}

/* ---- plan options -------------------------------------------------------- */

const char CLI_PLAN_HELP[] =
    "Plan (run 'regenquote catalog' to see every id):\n"
    "  --source ID                cell source: bone-marrow, adipose, umbilical-cord, …\n"
    "  --method ID                processing method; optional when only one fits\n"
    "  --area ID                  treatment area, once per area: left-ankle, right-knee, …\n"
    "  --sessions N               number of MSC sessions (default 1)\n"
    "  --spacing WEEKS            weeks between sessions (default from the tables)\n"
    "  --repeat-cells banked|new-harvest\n"
    "                             repeats use frozen cells, or a new harvest each time\n"
    "  --guidance ID              image guidance: ultrasound or fluoroscopy\n"
    "  --add ID[:COUNT]           add an adjunct: prp-booster, physical-therapy:12, …\n"
    "  --without ID               leave out something every plan includes\n"
    "  --package ID               price the plan as a package\n"
    "  --discount ID[=VALUE][:REASON]\n"
    "                             apply a discount; VALUE is 10% or 250.00 where staff\n"
    "                             enter it; REASON where the discount needs one\n"
    "  --date YYYY-MM-DD          scheduled date of the procedure\n"
    "  --patient-name TEXT  --dob YYYY-MM-DD  --patient-id TEXT\n"
    "  --condition TEXT  --icd10 CODE (once per code)\n"
    "  --provider ID  --location ID  --lang en|es\n";

size_t cli_add_plan_options(struct option *opts, size_t n)
{
    for (int i = 0; plan_option_names[i]; i++)
        opts[n++] = (struct option){ plan_option_names[i], required_argument, NULL, CLI_OPT_PLAN_BASE + i };
    opts[n] = (struct option){ NULL, 0, NULL, 0 };
    return n;
}

int cli_plan_arg(struct cli_plan_args *a, int c, const char *arg)
{
    if (c < CLI_OPT_PLAN_BASE || c >= CLI_OPT_PLAN_BASE + 64)
        return 0;
    if (a->n >= sizeof a->opt / sizeof a->opt[0])
        return -1;
    a->opt[a->n].idx = c - CLI_OPT_PLAN_BASE;
    a->opt[a->n++].val = arg;
    return 1;
}

int cli_build_plan(const struct cli_plan_args *a, struct plan *p)
{
    struct diag_list dl = { 0 };
    int rc = 0;
    if (a->request && plan_load_file(p, a->request, &dl) != 0)
        rc = EXIT_DATA;
    for (size_t i = 0; i < a->n && rc == 0; i++)
        if (plan_apply_option(p, plan_option_names[a->opt[i].idx], a->opt[i].val, &dl) != 0)
            rc = EXIT_USAGE;
    if (rc)
        cli_print_diags(&dl, 20);
    diag_list_free(&dl);
    return rc;
}

/* ---- price tables ---------------------------------------------------------- */

int cli_load_tables(struct price_table *pt, const char *opt, rq_date on)
{
    struct diag_list dl = { 0 };
    const char *dir = settings_prices_dir(opt);
    int rc = 0;
    if (price_table_load(pt, dir, &dl) != 0) {
        cli_print_diags(&dl, 20);
        fprintf(stderr, "regenquote: the price tables in '%s' have problems; run 'regenquote validate %s'\n",
                dir, dir);
        rc = EXIT_DATA;
    } else {
        diag_list_free(&dl); /* warnings are validate's business */
        if (price_table_use_date(pt, on, &dl) != 0) {
            cli_print_diags(&dl, 20);
            rc = EXIT_DATA;
        }
    }
    diag_list_free(&dl);
    return rc;
}


int cli_write_bytes(const char *path, const char *bytes, size_t len, struct diag_list *dl)
{
    if (!path) {
        if (fwrite(bytes, 1, len, stdout) != len || fflush(stdout) != 0) {
            diag_error(dl, NULL, NULL, "cannot write to standard output");
            return -1;
        }
        return 0;
    }
    struct outfile of;
    if (outfile_open(&of, path, dl) != 0)
        return -1;
    if (fwrite(bytes, 1, len, of.f) != len) {
        int e = errno ? errno : EIO;
        outfile_abort(&of);
        diag_error(dl, path, NULL, "cannot write: %s", strerror(e));
        return -1;
    }
    return outfile_commit(&of, dl);
}
