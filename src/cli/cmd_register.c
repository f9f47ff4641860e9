#include "commands.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cli.h"
#include "csv_cell.h"
#include "human_text.h"
#include "settings.h"
#include "issue.h"
#include "money.h"
#include "outdir.h"
#include "outfile.h"
#include "acceptance.h"
#include "price_table.h"
#include "register.h"
#include "register_view.h"
#include "sha256.h"

/* Options every register command takes. */
enum { OPT_REGISTER = 300, OPT_OUT_DIR, OPT_PRICES, OPT_TEMPLATES, OPT_A4, OPT_PATTERN,
       OPT_FORMAT, OPT_PATIENT, OPT_NAME, OPT_FROM, OPT_TO, OPT_STATUS, OPT_REASON, OPT_VERIFY,
       OPT_DISPUTE_WINDOW, OPT_UNDELIVERED, OPT_LATE, OPT_DESK, OPT_LOCATION };

struct common {
    const char *register_path, *out_dir, *prices, *templates, *pattern, *desk;
    bool a4;
};

static size_t add_common(struct option *o, size_t n, bool issuing)
{
    o[n++] = (struct option){ "help", no_argument, NULL, 'h' };
    o[n++] = (struct option){ "register", required_argument, NULL, OPT_REGISTER };
    o[n++] = (struct option){ "out-dir", required_argument, NULL, OPT_OUT_DIR };
    if (issuing) {
        o[n++] = (struct option){ "prices", required_argument, NULL, OPT_PRICES };
        o[n++] = (struct option){ "templates", required_argument, NULL, OPT_TEMPLATES };
        o[n++] = (struct option){ "a4", no_argument, NULL, OPT_A4 };
        o[n++] = (struct option){ "number-pattern", required_argument, NULL, OPT_PATTERN };
        o[n++] = (struct option){ "desk", required_argument, NULL, OPT_DESK };
    }
    o[n] = (struct option){ NULL, 0, NULL, 0 };
    return n;
}

/* 1 if c was a common option (stored), 0 if not. */
static int take_common(struct common *cm, int c, const char *arg)
{
    switch (c) {
    case OPT_REGISTER: cm->register_path = arg; return 1;
    case OPT_OUT_DIR: cm->out_dir = arg; return 1;
    case OPT_PRICES: cm->prices = arg; return 1;
    case OPT_TEMPLATES: cm->templates = arg; return 1;
    case OPT_A4: cm->a4 = true; return 1;
    case OPT_PATTERN: cm->pattern = arg; return 1;
    case OPT_DESK: cm->desk = arg; return 1;
    default: return 0;
    }
}

static const char COMMON_HELP[] =
    "Register:\n"
    "  --register FILE|URI        the register: an SQLite file, or postgresql://… for a\n"
    "                             chain's database (default $REGENQUOTE_REGISTER, out/register.db)\n"
    "  --out-dir DIR              where PDFs are written (default out or $REGENQUOTE_OUT)\n"
    "The history records the operating-system account running the command; the\n"
    "register's owner may do everything, another account what its staff account's\n"
    "role allows ('regenquote user --help').\n";

static const char ISSUE_HELP[] =
    "  --number-pattern P         quote numbers, e.g. Q-{year}-{seq:6} (kept in the register)\n"
    "  --desk NAME                the front desk issuing, kept with the quote (default $REGENQUOTE_DESK)\n"
    "  --prices DIR  --templates DIR  --a4\n";

/* The one option loop of the register commands: common options (and the
 * issuing ones), extra ones handed to take(ctx, …); --help prints the help
 * parts and returns -1; mistakes print a usage error and return 2. */
static int parse_opts(int argc, char **argv, const char *cmd, const char *const help[], bool issuing,
                      const struct option *extra, struct common *cm,
                      int (*take)(void *ctx, int c, const char *arg), void *ctx)
{
    static struct option opts[80];
    size_t no = add_common(opts, 0, issuing);
    for (size_t i = 0; extra && extra[i].name; i++)
        opts[no++] = extra[i];
    opts[no] = (struct option){ NULL, 0, NULL, 0 };
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        if (c == 'h') {
            for (size_t i = 0; help[i]; i++)
                fputs(help[i], stdout);
            return -1;
        }
        if (c == ':')
            return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
        if (c == '?')
            return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        if (take_common(cm, c, optarg))
            continue;
        if (!take || take(ctx, c, optarg) != 0) {
            /* "-o FILE": name the option, not its value */
            const char *bad = optarg && optind >= 2 && argv[optind - 1] == optarg ? argv[optind - 2]
                                                                                : argv[optind - 1];
            return cli_usage_error(cmd, "unknown option '%s'", bad);
        }
    }
    return 0;
}

/* Open the register (it must exist: register_open() says how to create
 * one), check that the account running
 * the command may take action `act`, apply a new number pattern, and bring
 * the PDF copies up to date.  Prints problems; returns NULL on error. */
static struct reg *open_register(const struct common *cm, bool repair, enum staff_action act, const char *cmd)
{
    struct diag_list dl = { 0 };
    struct reg *r = NULL;
    const char *path = settings_register_path(cm->register_path);
    const char *out = settings_out_dir(cm->out_dir);
    if (register_open(&r, path, &dl) != 0)
        goto fail;
    struct cli_caller who;
    cli_caller(r, path, &who);
    if (cli_require(&who, act, cmd) != 0) {
        register_close(r);
        return NULL;
    }
    if (cm->pattern && register_set_pattern(r, cm->pattern, who.name, &dl) != 0)
        goto fail;
    int fixed = 0;
    if (repair && (outfile_make_dir(out, &dl) != 0 ||
                   register_repair_desk(r, out, settings_desk(cm->desk), false, 60, &fixed, &dl) != 0))
        goto fail;
    if (fixed)
        fprintf(stderr, "regenquote: wrote %d PDF cop%s that an interrupted run left missing\n", fixed,
                fixed == 1 ? "y" : "ies");
    if (dl.n)
        cli_print_diags(&dl, 20);
    diag_list_free(&dl);
    return r;
fail:
    cli_print_diags(&dl, 20);
    diag_list_free(&dl);
    register_close(r);
    return NULL;
}

/* ---- quote and revise ------------------------------------------------------- */

/* Issue (or, with supersedes, revise) from a parsed command line. */
static int do_issue(const struct common *cm, struct cli_plan_args *pa, const char *supersedes)
{
    rq_date today;
    if (cli_issue_date(&today) != 0)
        return EXIT_USAGE;
    struct reg *r = open_register(cm, true, ACTION_ISSUE, supersedes ? "revise" : "quote");
    if (!r)
        return EXIT_DATA;
    struct plan plan;
    struct price_table pt;
    struct diag_list dl = { 0 };
    struct reg_entry old = { 0 };
    int rc = 0;
    plan_init(&plan);
    memset(&pt, 0, sizeof pt);
    if (supersedes) {
        if (register_get(r, supersedes, false, &old, &dl) != 0) {
            rc = EXIT_DATA;
            goto out;
        }
        if (!pa->request) {
            /* revise the stored plan: the options change it */
            if (plan_load_text(&plan, supersedes, old.request_json, strlen(old.request_json), &dl) != 0) {
                rc = EXIT_DATA;
                goto out;
            }
            struct cli_plan_args only_opts = *pa;
            only_opts.request = NULL;
            if ((rc = cli_build_plan(&only_opts, &plan)) != 0)
                goto out;
        }
    }
    if (!supersedes || pa->request) {
        if ((rc = cli_build_plan(pa, &plan)) != 0)
            goto out;
    }
    if (supersedes && issue_same_patient(&plan, supersedes, old.request_json, &dl) != 0) {
        rc = EXIT_DATA;
        goto out;
    }
    if ((rc = cli_load_tables(&pt, cm->prices, today)) != 0)
        goto out;
    price_table_use_language(&pt, plan.language);
    struct issue_opts io = {
        .out_dir = settings_out_dir(cm->out_dir),
        .templates_dir = settings_templates_dir(cm->templates),
        .a4 = cm->a4,
        .actor = settings_os_account(),
        .supersedes = supersedes,
        .desk = settings_desk(cm->desk),
        .idempotency_key = plan.idempotency_key,
    };
    struct issue_result res;
    int irc = issue_quote(r, &pt, &plan, today, &io, &res, &dl);
    if (irc == 1) {
        /* the request's idempotency key: it was issued before, once is enough */
        printf("%s  already issued with idempotency key '%s'; nothing new issued\n", res.number, io.idempotency_key);
        issue_result_free(&res);
        goto out;
    }
    if (irc != 0) {
        rc = EXIT_DATA;
        issue_result_free(&res);
        goto out;
    }
    char total[40], due[11];
    money_usd(res.total_cents, total, sizeof total);
    printf("%s  %s  total %s", res.number, res.pdf_path, total);
    if (supersedes)
        printf("  replaces %s", supersedes);
    if (res.has_estimate_due)
        printf("  estimate due by %s", date_iso(res.estimate_due, due));
    printf("\n");
    issue_result_free(&res);
out:
    if (dl.n)
        cli_print_diags(&dl, 20);
    diag_list_free(&dl);
    reg_entry_free(&old);
    price_table_free(&pt);
    plan_free(&plan);
    register_close(r);
    return rc;
}

static const char QUOTE_HELP[] =
    "Usage: regenquote quote [REQUEST.json] [options]\n"
    "\n"
    "Issue a numbered quote: the next number (e.g. Q-2026-000123), the PDF\n"
    "OUT-DIR/NUMBER.pdf, and an entry in the register that keeps the request,\n"
    "the lines and totals, the exact price tables and the PDF. Prints the\n"
    "number, the file and the total.\n"
    "\n";

static int take_plan(void *ctx, int c, const char *arg)
{
    return cli_plan_arg(ctx, c, arg) == 1 ? 0 : -1;
}

/* Options of quote and revise: the plan's, the register's, the issuing ones;
 * then npos positional arguments (numbers) and an optional request file. */
static int parse_issue(int argc, char **argv, const char *cmd, const char *help, struct common *cm,
                       struct cli_plan_args *pa, int npos, const char **pos)
{
    static struct option plan_opts[40];
    cli_add_plan_options(plan_opts, 0);
    const char *const helps[] = { help, CLI_PLAN_HELP, COMMON_HELP, ISSUE_HELP, "\n", CLI_ISSUE_DATE_HELP, NULL };
    int rc = parse_opts(argc, argv, cmd, helps, true, plan_opts, cm, take_plan, pa);
    if (rc)
        return rc;
    for (int i = 0; i < npos; i++) {
        if (optind >= argc)
            return cli_usage_error(cmd, "give the quote number");
        pos[i] = argv[optind++];
    }
    if (optind < argc)
        pa->request = argv[optind++];
    if (optind < argc)
        /* not repeated: it may be half of an unquoted patient name */
        return cli_usage_error(cmd, "unexpected second argument; give one request file and quote "
                               "option values that contain spaces");
    return 0;
}

int cmd_quote(int argc, char **argv)
{
    struct common cm = { 0 };
    struct cli_plan_args pa = { 0 };
    int rc = parse_issue(argc, argv, "quote", QUOTE_HELP, &cm, &pa, 0, NULL);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!pa.request && pa.n == 0)
        return cli_usage_error("quote", "no plan given: name a request file or use --source and --area");
    return do_issue(&cm, &pa, NULL);
}

static const char REVISE_HELP[] =
    "Usage: regenquote revise NUMBER [REQUEST.json] [options]\n"
    "\n"
    "Issue a new quote that supersedes NUMBER (a changed plan needs a new\n"
    "estimate). Without REQUEST.json the stored plan of NUMBER is used, changed\n"
    "by the plan options given. Prices are today's. The new PDF says which quote\n"
    "it replaces; NUMBER then shows as superseded.\n"
    "\n";

int cmd_revise(int argc, char **argv)
{
    struct common cm = { 0 };
    struct cli_plan_args pa = { 0 };
    const char *number = NULL;
    int rc = parse_issue(argc, argv, "revise", REVISE_HELP, &cm, &pa, 1, &number);
    if (rc)
        return rc < 0 ? 0 : rc;
    return do_issue(&cm, &pa, number);
}

/* ---- simple verbs --------------------------------------------------------- */

/* Parse options for list/show/void/accept/reprint/repair: the common ones
 * and extra, each of which is given to take(ctx, …). */
static int parse_simple(int argc, char **argv, const char *cmd, const char *help,
                        const struct option *extra, struct common *cm,
                        int (*take)(void *ctx, int c, const char *arg), void *ctx)
{
    const char *const helps[] = { help, COMMON_HELP, NULL };
    return parse_opts(argc, argv, cmd, helps, false, extra, cm, take, ctx);
}

static int one_number(int argc, char **argv, const char *cmd, const char **number)
{
    if (optind >= argc)
        return cli_usage_error(cmd, "give the quote number");
    *number = argv[optind++];
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    return 0;
}

/* The one extra string option of a verb (--reason, --format, -o): which
 * option, and where its value goes. */
struct one_string {
    int opt;
    const char **out;
};

static int take_string(void *ctx, int c, const char *arg)
{
    const struct one_string *o = ctx;
    if (c != o->opt)
        return -1;
    *o->out = arg;
    return 0;
}

static int set_status(int argc, char **argv, const char *cmd, const char *status, const char *help)
{
    static const struct option extra[] = { { "reason", required_argument, NULL, OPT_REASON },
                                           { NULL, 0, NULL, 0 } };
    /* accepting also reads the state notices in use (--prices: their notices.json) */
    static const struct option extra_accept[] = { { "reason", required_argument, NULL, OPT_REASON },
                                                  { "prices", required_argument, NULL, OPT_PRICES },
                                                  { NULL, 0, NULL, 0 } };
    struct common cm = { 0 };
    const char *reason = NULL, *number;
    struct one_string take = { OPT_REASON, &reason };
    const char *const helps[] = { help, COMMON_HELP, "\n", CLI_ISSUE_DATE_HELP, NULL };
    int rc = parse_opts(argc, argv, cmd, helps, false, !strcmp(status, "accepted") ? extra_accept : extra, &cm,
                        take_string, &take);
    if (rc)
        return rc < 0 ? 0 : rc;
    if ((rc = one_number(argc, argv, cmd, &number)) != 0)
        return rc;
    if (!strcmp(status, "void") && (!reason || !*reason))
        return cli_usage_error(cmd, "give the reason with --reason TEXT");
    /* the reason is printed by show, on one line */
    struct diag_list dl = { 0 };
    if (reason && human_text_check(reason, HUMAN_TEXT_MAX, NULL, "--reason", &dl) != 0) {
        cli_print_diags(&dl, 5);
        diag_list_free(&dl);
        return EXIT_USAGE;
    }
    rq_date today;
    if (cli_issue_date(&today) != 0)
        return EXIT_USAGE;
    struct reg *r = open_register(&cm, false, !strcmp(status, "void") ? ACTION_VOID : ACTION_ACCEPT, cmd);
    if (!r)
        return EXIT_DATA;
    if (!strcmp(status, "accepted")) {
        /* a notice that requires signed consent: only a signed acceptance */
        struct price_table pt;
        if ((rc = cli_load_tables(&pt, cm.prices, today)) != 0) {
            register_close(r);
            return rc;
        }
        int ok = acceptance_unsigned_allowed(r, pt.notices, number, &dl);
        price_table_free(&pt);
        if (ok != 0) {
            cli_print_diags(&dl, 5);
            diag_list_free(&dl);
            register_close(r);
            return EXIT_DATA;
        }
    }
    if (register_set_status(r, number, status, reason, settings_os_account(), today, &dl) != 0) {
        cli_print_diags(&dl, 5);
        rc = EXIT_DATA;
    } else {
        printf("%s is now %s\n", number, !strcmp(status, "void") ? "void" : "accepted");
    }
    diag_list_free(&dl);
    register_close(r);
    return rc;
}

int cmd_void(int argc, char **argv)
{
    return set_status(argc, argv, "void", "void",
                      "Usage: regenquote void NUMBER --reason TEXT\n\n"
                      "Void an issued or accepted quote. It stays in the register, marked void,\n"
                      "with the reason (one line, at most 200 characters), the time and who\n"
                      "voided it.\n\n");
}

/* Is option `name` ("--signature") among argv's words? */
static bool has_option(int argc, char **argv, const char *name)
{
    size_t k = strlen(name);
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (!strncmp(argv[i], name, k) && (argv[i][k] == '\0' || argv[i][k] == '='))
            return true;
    return false;
}

int cmd_accept(int argc, char **argv)
{
    if (has_option(argc, argv, "--signature") || has_option(argc, argv, "--signer"))
        return cmd_accept_signed(argc, argv);
    return set_status(argc, argv, "accept", "accepted",
                      "Usage: regenquote accept NUMBER [--reason TEXT] [--prices DIR]\n\n"
                      "Record that the patient accepted an issued, unexpired quote, with an\n"
                      "optional note for the history (one line, at most 200 characters).\n"
                      "Refused when the estimate carries a state notice that requires the\n"
                      "patient's signed consent (Utah): then record the signature. --prices:\n"
                      "the price tables whose notices.json is in use.\n"
                      "With --signature FILE --signer NAME: a signed acceptance from a scanned\n"
                      "paper signature ('regenquote accept --signature x --help').\n\n");
}

/* ---- list ----------------------------------------------------------------- */

struct list_args {
    struct reg_filter f;
    const char *format;
    bool bad_date;
    bool dispute_window;
};

static int take_list(void *ctx, int c, const char *arg)
{
    struct list_args *a = ctx;
    switch (c) {
    case OPT_PATIENT: a->f.patient_id = arg; return 0;
    case OPT_NAME: a->f.name = arg; return 0;
    case OPT_STATUS: a->f.status = arg; return 0;
    case OPT_LOCATION: a->f.location = arg; return 0;
    case OPT_FORMAT: a->format = arg; return 0;
    case OPT_DISPUTE_WINDOW: a->dispute_window = true; return 0;
    case OPT_UNDELIVERED: a->f.undelivered = true; return 0;
    case OPT_LATE: a->f.late = true; return 0;
    case OPT_FROM:
        a->f.has_from = true;
        a->bad_date |= !date_parse(arg, &a->f.from);
        return 0;
    case OPT_TO:
        a->f.has_to = true;
        a->bad_date |= !date_parse(arg, &a->f.to);
        return 0;
    default: return -1;
    }
}

static const char LIST_HELP[] =
    "Usage: regenquote list [options]\n"
    "\n"
    "List quotes in the register, newest first. An issued quote past its\n"
    "valid-until date shows as expired.\n"
    "\n"
    "  --patient ID               only this patient id\n"
    "  --name TEXT                patient names containing TEXT (any case or accents)\n"
    "  --from DATE  --to DATE     issued between these dates (YYYY-MM-DD, inclusive)\n"
    "  --status S                 issued, accepted, expired, superseded or void\n"
    "  --undelivered              only estimates with no delivery record yet ('deliver', 'send')\n"
    "  --late                     only estimates first delivered after their Good Faith Estimate\n"
    "                             due date\n"
    "  --location ID              only quotes issued for this clinic location\n"
    "  --format table|csv|json    (default table)\n"
    "  --dispute-window           only quotes whose final bill is $400.00 or more above the\n"
    "                             estimate for a provider, while the patient may still dispute\n"
    "                             (120 days from the initial bill), with the days left\n";

int cmd_list(int argc, char **argv)
{
    static const struct option extra[] = {
        { "patient", required_argument, NULL, OPT_PATIENT },
        { "name", required_argument, NULL, OPT_NAME },
        { "from", required_argument, NULL, OPT_FROM },
        { "to", required_argument, NULL, OPT_TO },
        { "status", required_argument, NULL, OPT_STATUS },
        { "location", required_argument, NULL, OPT_LOCATION },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "dispute-window", no_argument, NULL, OPT_DISPUTE_WINDOW },
        { "undelivered", no_argument, NULL, OPT_UNDELIVERED },
        { "late", no_argument, NULL, OPT_LATE },
        { NULL, 0, NULL, 0 },
    };
    struct common cm = { 0 };
    struct list_args la = { .format = "table" };
    int rc = parse_simple(argc, argv, "list", LIST_HELP, extra, &cm, take_list, &la);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (optind < argc)
        return cli_usage_error("list", "unexpected argument '%s'", argv[optind]);
    if (la.bad_date)
        return cli_usage_error("list", "dates are YYYY-MM-DD");
    if (la.f.status && !reg_status_known(la.f.status))
        return cli_usage_error("list", "unknown status '%s'; expected %s", la.f.status, REG_STATUS_WORDS);
    bool table = !strcmp(la.format, "table"), is_csv = !strcmp(la.format, "csv"),
         json = !strcmp(la.format, "json");
    if (!table && !is_csv && !json)
        return cli_usage_error("list", "unknown format '%s'; expected table, csv or json", la.format);
    if (la.dispute_window)
        return bill_list_dispute_window(cm.register_path, la.format);
    if (cli_today(&la.f.today) != 0)
        return EXIT_USAGE;
    struct reg *r = open_register(&cm, false, ACTION_FIND, "list");
    if (!r)
        return EXIT_DATA;
    struct diag_list dl = { 0 };
    struct reg_entry *v = NULL;
    size_t n = 0;
    if (register_list(r, &la.f, &v, &n, &dl) != 0) {
        cli_print_diags(&dl, 5);
        rc = EXIT_DATA;
    } else if (table) {
        printf("%-16s %-10s %-10s %-10s %-12s %-24s %12s\n", "NUMBER", "ISSUED", "VALID TO", "STATUS",
               "PATIENT ID", "PATIENT", "TOTAL");
        for (size_t i = 0; i < n; i++) {
            char t[40];
            money_usd(v[i].total_cents, t, sizeof t);
            cli_cell(stdout, v[i].number, 16);
            cli_cell(stdout, v[i].issued, 10);
            cli_cell(stdout, v[i].valid_until, 10);
            cli_cell(stdout, reg_entry_status(&v[i], la.f.today), 10);
            cli_cell(stdout, v[i].patient_id, 12);
            cli_cell(stdout, v[i].patient_name, 24);
            printf("%12s\n", t);
        }
        printf("%zu quote%s\n", n, n == 1 ? "" : "s");
    } else if (is_csv) {
        printf("number,issued,valid_until,status,patient_id,patient_name,total,scheduled,supersedes,superseded_by,"
               "price_table,location,desk\n");
        for (size_t i = 0; i < n; i++) {
            char t[40];
            money_format(v[i].total_cents, "", '.', 0, t, sizeof t);
            cli_csv(stdout, v[i].number, false);
            cli_csv(stdout, v[i].issued, false);
            cli_csv(stdout, v[i].valid_until, false);
            cli_csv(stdout, reg_entry_status(&v[i], la.f.today), false);
            cli_csv(stdout, v[i].patient_id, false);
            cli_csv(stdout, v[i].patient_name, false);
            cli_csv(stdout, t, false);
            cli_csv(stdout, v[i].scheduled, false);
            cli_csv(stdout, v[i].supersedes, false);
            cli_csv(stdout, v[i].superseded_by, false);
            cli_csv(stdout, v[i].tables_version, false);
            cli_csv(stdout, v[i].location, false);
            cli_csv(stdout, v[i].desk, true);
        }
    } else {
        /* the entries as the front desk's API gives them (register_view.h) */
        cJSON *a = cJSON_CreateArray();
        for (size_t i = 0; a && i < n; i++) {
            cJSON *o = reg_entry_json(&v[i], la.f.today);
            if (!o || !cJSON_AddItemToArray(a, o)) {
                cJSON_Delete(o);
                cJSON_Delete(a);
                a = NULL;
            }
        }
        char *text = a ? cJSON_Print(a) : NULL;
        cJSON_Delete(a);
        if (text)
            printf("%s\n", text);
        else {
            fprintf(stderr, "regenquote: out of memory while writing the list\n");
            rc = EXIT_DATA;
        }
        free(text);
    }
    for (size_t i = 0; i < n; i++)
        reg_entry_free(&v[i]);
    free(v);
    diag_list_free(&dl);
    register_close(r);
    return rc;
}

/* ---- show, reprint, repair ---------------------------------------------------- */

int cmd_show(int argc, char **argv)
{
    static const struct option extra[] = { { "format", required_argument, NULL, OPT_FORMAT },
                                           { NULL, 0, NULL, 0 } };
    struct common cm = { 0 };
    const char *format = "text", *number;
    int rc = parse_simple(argc, argv, "show",
                          "Usage: regenquote show NUMBER [--format text|json]\n\n"
                          "Show one quote: its status, dates, patient, totals, the price tables it\n"
                          "used and its history. JSON gives the stored quote as computed.\n\n",
                          extra, &cm, take_string, &(struct one_string){ OPT_FORMAT, &format });
    if (rc)
        return rc < 0 ? 0 : rc;
    if ((rc = one_number(argc, argv, "show", &number)) != 0)
        return rc;
    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
        return cli_usage_error("show", "unknown format '%s'; expected text or json", format);
    rq_date today;
    if (cli_today(&today) != 0)
        return EXIT_USAGE;
    struct reg *r = open_register(&cm, false, ACTION_FIND, "show");
    if (!r)
        return EXIT_DATA;
    struct diag_list dl = { 0 };
    struct reg_entry e;
    if (register_get(r, number, false, &e, &dl) != 0) {
        cli_print_diags(&dl, 5);
        diag_list_free(&dl);
        register_close(r);
        return EXIT_DATA;
    }
    if (!strcmp(format, "json")) {
        fputs(e.quote_json, stdout);
    } else {
        char t[40];
        money_usd(e.total_cents, t, sizeof t);
        printf("Quote         %s\n", e.number);
        printf("Status        %s\n", reg_entry_status(&e, today));
        printf("Issued        %s, valid until %s\n", e.issued, e.valid_until);
        if (e.scheduled)
            printf("Scheduled     %s (estimate due by %s)\n", e.scheduled, e.estimate_due ? e.estimate_due : "-");
        printf("Patient       %s%s%s%s\n", e.patient_name ? e.patient_name : "(no name)",
               e.patient_id ? " (" : "", e.patient_id ? e.patient_id : "", e.patient_id ? ")" : "");
        printf("Total         %s\n", t);
        printf("Price table   %s, sha256 %s\n", e.tables_version, e.tables_sha256);
        printf("PDF           sha256 %s\n", e.pdf_sha256);
        if (e.supersedes)
            printf("Replaces      %s\n", e.supersedes);
        if (e.superseded_by)
            printf("Replaced by   %s\n", e.superseded_by);
        struct reg_event *ev;
        size_t nev;
        if (register_history(r, number, &ev, &nev, &dl) == 0) {
            printf("History\n");
            for (size_t i = 0; i < nev; i++)
                printf("  %s  %-11s %-12s %s\n", ev[i].at, ev[i].action, ev[i].actor,
                       ev[i].detail ? ev[i].detail : "");
            reg_events_free(ev, nev);
        }
    }
    reg_entry_free(&e);
    diag_list_free(&dl);
    register_close(r);
    return 0;
}

/* reprint's options: -o FILE, --format pdf|html, --large-print (html). */
struct reprint_opts {
    const char *output, *format;
    bool large;
};

static int take_reprint(void *ctx, int c, const char *arg)
{
    struct reprint_opts *o = ctx;
    if (c == 'o')
        o->output = arg;
    else if (c == 'F')
        o->format = arg;
    else if (c == 'L')
        o->large = true;
    else
        return -1;
    return 0;
}

int cmd_reprint(int argc, char **argv)
{
    if (has_option(argc, argv, "--accepted"))
        return cmd_reprint_accepted(argc, argv);
    static const struct option extra[] = { { "output", required_argument, NULL, 'o' },
                                           { "format", required_argument, NULL, 'F' },
                                           { "large-print", no_argument, NULL, 'L' },
                                           { NULL, 0, NULL, 0 } };
    struct common cm = { 0 };
    const char *number;
    struct reprint_opts ro = { .format = "pdf" };
    int rc = parse_simple(argc, argv, "reprint",
                          "Usage: regenquote reprint NUMBER [-o FILE] [--format pdf|html] [--large-print]\n\n"
                          "Write the quote's PDF exactly as it was issued (byte for byte, whatever\n"
                          "has changed in the price tables since), to FILE or OUT-DIR/NUMBER.pdf\n"
                          "(never over a different file there).  --format html writes the same\n"
                          "estimate as an accessible HTML page, made from the quote as it was\n"
                          "priced, to FILE or the screen (--large-print: 18 pt text).\n\n",
                          extra, &cm, take_reprint, &ro);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *output = ro.output;
    if (strcmp(ro.format, "pdf") != 0 && strcmp(ro.format, "html") != 0)
        return cli_usage_error("reprint", "unknown format '%s'; expected pdf or html", ro.format);
    if ((rc = one_number(argc, argv, "reprint", &number)) != 0)
        return rc;
    struct reg *r = open_register(&cm, false, ACTION_REPRINT, "reprint");
    if (!r)
        return EXIT_DATA;
    struct diag_list dl = { 0 };
    struct reg_entry e;
    char path[4096];
    if (register_get(r, number, true, &e, &dl) != 0) {
        rc = EXIT_DATA;
        goto out;
    }
    if (!strcmp(ro.format, "html")) {
        rc = cli_reprint_html(&e, ro.large, output, &dl) != 0 ? EXIT_DATA : 0;
        goto out_e;
    }
    char sha[65];
    sha256_hex(e.pdf, e.pdf_len, sha);
    if (strcmp(sha, e.pdf_sha256) != 0) {
        char shown[512];
        diag_error(&dl, register_locator_display(settings_register_path(cm.register_path), shown, sizeof shown), NULL,
                   "the stored PDF of %s does not match its digest; the register is damaged", number);
        rc = EXIT_DATA;
        goto out_e;
    }
    if (output) {
        snprintf(path, sizeof path, "%s", output);
    } else {
        /* the folder's copy: created, never replaced */
        const char *dir = settings_out_dir(cm.out_dir);
        snprintf(path, sizeof path, "%s/%s.pdf", dir, e.number);
        int put = outfile_make_dir(dir, &dl) != 0 ? -1 : outdir_put_copy(path, e.pdf, e.pdf_len, &dl);
        if (put == 2)
            diag_error(&dl, path, NULL, "differs from quote %s as issued; it is left as it is: move it aside "
                       "and reprint again, or give -o FILE", number);
        if (put < 0 || put == 2)
            rc = EXIT_DATA;
        else
            printf("%s\n", path);
        goto out_e;
    }
    struct outfile of;
    if ((output ? outfile_open_output(&of, path, &dl) : outfile_open(&of, path, &dl)) != 0) {
        rc = EXIT_DATA;
        goto out_e;
    }
    if (fwrite(e.pdf, 1, e.pdf_len, of.f) != e.pdf_len) {
        outfile_abort(&of);
        diag_error(&dl, path, NULL, "cannot write");
        rc = EXIT_DATA;
    } else if (outfile_commit(&of, &dl) != 0) {
        rc = EXIT_DATA;
    } else if (outfile_descriptor(path) != STDOUT_FILENO) {
        printf("%s\n", path);
    }
out_e:
    reg_entry_free(&e);
out:
    if (dl.n)
        cli_print_diags(&dl, 5);
    diag_list_free(&dl);
    register_close(r);
    return rc;
}

static int take_verify(void *ctx, int c, const char *arg)
{
    (void)arg;
    if (c != OPT_VERIFY)
        return -1;
    *(bool *)ctx = true;
    return 0;
}

int cmd_repair(int argc, char **argv)
{
    static const struct option extra[] = { { "verify", no_argument, NULL, OPT_VERIFY },
                                           { NULL, 0, NULL, 0 } };
    struct common cm = { 0 };
    bool verify = false;
    int rc = parse_simple(argc, argv, "repair",
                          "Usage: regenquote repair [--verify]\n\n"
                          "Make the register and its PDF copies in OUT-DIR agree: write missing\n"
                          "copies (never over a file: one that differs is reported), report files\n"
                          "for numbers the register does not have, carry the numbers on after those\n"
                          "already given out from OUT-DIR (after a restored backup; recorded), and\n"
                          "remove temporary files of interrupted runs. With --verify, first check\n"
                          "the register itself (its storage and every stored PDF) and every copy's\n"
                          "SHA-256. Exit status 1 when something needs a person; the messages say\n"
                          "what to do.\n\n",
                          extra, &cm, take_verify, &verify);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (optind < argc)
        return cli_usage_error("repair", "unexpected argument '%s'", argv[optind]);
    struct reg *r = open_register(&cm, false, ACTION_ISSUE, "repair");
    if (!r)
        return EXIT_DATA;
    struct diag_list dl = { 0 };
    struct reg_repair_report rep;
    const char *out = settings_out_dir(cm.out_dir);
    int found = outfile_make_dir(out, &dl) != 0
                    ? -1
                    : register_reconcile(r, out, verify, settings_os_account(), &rep, &dl);
    if (dl.n)
        cli_print_diags(&dl, 50);
    if (found == 0)
        printf("register OK; %d PDF cop%s rewritten\n", rep.written, rep.written == 1 ? "y" : "ies");
    else
        rc = EXIT_DATA;
    diag_list_free(&dl);
    register_close(r);
    return rc;
}
