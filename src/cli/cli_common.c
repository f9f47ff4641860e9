/* cli_common — what every command shares: messages, today's date, the plan
 * options, loading the price tables.  Declared in cli.h. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_cell.h"
#include "human_text.h"
#include "price_table.h"
#include "settings.h"

/* ---- messages (the one place that prints diagnostics) ------------------- */

void cli_print_diags(const struct diag_list *dl, size_t max)
{
    diag_list_write(stderr, "regenquote", dl, max);
}

int cli_close_stdout(int status)
{
    /* an earlier write may have failed already (its reason is gone then);
     * what is still buffered is written now */
    bool failed = ferror(stdout) != 0;
    errno = 0;
    int e = 0;
    if (fflush(stdout) != 0) {
        failed = true;
        e = errno;
    }
    /* closing a standard output that was closed from the start, with
     * nothing written to it, is no loss */
    if (fclose(stdout) != 0 && errno != EBADF && !failed) {
        failed = true;
        e = errno;
    }
    if (!failed || status != 0)
        return status;
    if (e)
        fprintf(stderr, "regenquote: cannot write to standard output: %s; the output is incomplete: "
                        "free space or send it elsewhere and run again\n", strerror(e));
    else
        fprintf(stderr, "regenquote: cannot write to standard output; the output is incomplete: "
                        "free space or send it elsewhere and run again\n");
    return EXIT_DATA;
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

/* The date one of settings.h's rules gives, printing why not. */
static int date_by(int (*rule)(rq_date *out, struct diag_list *dl), rq_date *out)
{
    struct diag_list dl = { 0 };
    int rc = rule(out, &dl);
    if (rc != 0)
        cli_print_diags(&dl, 5);
    diag_list_free(&dl);
    return rc;
}

/* Today, or the date SOURCE_DATE_EPOCH fixes (settings_today). */
int cli_today(rq_date *out)
{
    return date_by(settings_today, out);
}

/* The clock's date, SOURCE_DATE_EPOCH only within a day of it (settings_issue_date). */
int cli_issue_date(rq_date *out)
{
    return date_by(settings_issue_date, out);
}

const char CLI_ISSUE_DATE_HELP[] =
    "Date: what is recorded is dated today by the clock. SOURCE_DATE_EPOCH, which\n"
    "fixes the date of 'price' output, is refused here when it is more than a\n"
    "day away from the clock (a quote is a legal estimate; docs/register.md).\n";

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

/* ---- tables and spreadsheets ------------------------------------------------ */

void cli_csv(FILE *out, const char *s, bool last)
{
    csv_cell_write(out, s); /* quoted when needed, neutralised against formulas */
    fputc(last ? '\n' : ',', out);
}

void cli_cell(FILE *out, const char *s, size_t width)
{
    size_t chars = 0, i = 0;
    s = s ? s : "";
    for (; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (chars == width)
                break;
            chars++;
        }
    }
    fwrite(s, 1, i, out);
    for (; chars < width; chars++)
        fputc(' ', out);
    fputc(' ', out);
}
