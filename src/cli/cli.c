#include "cli.h"
#include "cli_batch.h"
#include "cli_prices.h"
#include "cli_register.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "date.h"
#include "diag.h"
#include "money.h"
#include "outfile.h"
#include "plan.h"
#include "price_table.h"
#include "pricing.h"
#include "quote.h"
#include "render_pdf.h"
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

/* ---- shared helpers ----------------------------------------------------- */

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

/* ---- price ---------------------------------------------------------------- */

static const char PRICE_HELP[] =
    "Usage: regenquote price [REQUEST.json] [options]\n"
    "\n"
    "Compute the cost estimate for a treatment plan and show it. Nothing is\n"
    "issued or recorded (a PDF is marked DRAFT; 'regenquote quote' issues one).\n"
    "The plan comes from REQUEST.json (docs/requests.md), from the options\n"
    "below, or both: options are applied on top of the file.\n"
    "\n"
    "Output:\n"
    "  --format text|json|pdf     aligned table (default), JSON with money in cents,\n"
    "                             or the patient's PDF (to -o, default out/draft.pdf)\n"
    "  -o, --output FILE          write to FILE (mode 0600) instead of the screen\n"
    "  --a4                       A4 paper for the PDF (default US Letter)\n"
    "  --prices DIR               price tables (default ./pricing or $REGENQUOTE_PRICES)\n"
    "  --templates DIR            document wording (default ./templates)\n"
    "\n";

static const char PRICE_HELP_TAIL[] =
    "\n"
    "Example:\n"
    "  regenquote price --source bone-marrow --method bmac --area left-ankle \\\n"
    "                   --sessions 2 --add prp-booster\n"
    "\n"
    "Exit status: 0 priced, 1 the plan or the price tables have a problem\n"
    "(the message names the file and field), 2 wrong options.\n";

enum { OPT_FORMAT = 256, OPT_PRICES, OPT_TEMPLATES, OPT_A4 };

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

static int cmd_price(int argc, char **argv)
{
    static struct option opts[64];
    size_t no = 0;
    opts[no++] = (struct option){ "help", no_argument, NULL, 'h' };
    opts[no++] = (struct option){ "format", required_argument, NULL, OPT_FORMAT };
    opts[no++] = (struct option){ "output", required_argument, NULL, 'o' };
    opts[no++] = (struct option){ "prices", required_argument, NULL, OPT_PRICES };
    opts[no++] = (struct option){ "templates", required_argument, NULL, OPT_TEMPLATES };
    opts[no++] = (struct option){ "a4", no_argument, NULL, OPT_A4 };
    cli_add_plan_options(opts, no);

    const char *format = "text", *output = NULL, *prices = NULL, *templates = NULL;
    bool a4 = false;
    struct cli_plan_args pa = { 0 };
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(PRICE_HELP, stdout);
            fputs(CLI_PLAN_HELP, stdout);
            fputs(PRICE_HELP_TAIL, stdout);
            return 0;
        case 'o': output = optarg; break;
        case OPT_FORMAT: format = optarg; break;
        case OPT_PRICES: prices = optarg; break;
        case OPT_TEMPLATES: templates = optarg; break;
        case OPT_A4: a4 = true; break;
        case ':': return cli_usage_error("price", "option '%s' needs a value", argv[optind - 1]);
        case '?': return cli_usage_error("price", "unknown option '%s'", argv[optind - 1]);
        default:
            if (cli_plan_arg(&pa, c, optarg) != 1)
                return cli_usage_error("price", "too many options");
        }
    }
    bool pdf = !strcmp(format, "pdf");
    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0 && !pdf)
        return cli_usage_error("price", "unknown format '%s'; expected text, json or pdf", format);
    if (optind < argc)
        pa.request = argv[optind++];
    if (optind < argc)
        /* not repeated: it may be half of an unquoted patient name */
        return cli_usage_error("price", "unexpected second argument; give one request file and quote "
                               "option values that contain spaces");
    if (!pa.request && pa.n == 0)
        return cli_usage_error("price", "no plan given: name a request file or use --source and --area");
    if (pdf && !output)
        output = "out/draft.pdf";

    rq_date issued;
    if (cli_today(&issued) != 0)
        return EXIT_USAGE;
    struct plan plan;
    plan_init(&plan);
    int rc = cli_build_plan(&pa, &plan);
    if (rc) {
        plan_free(&plan);
        return rc;
    }
    struct price_table pt;
    if ((rc = cli_load_tables(&pt, prices, issued)) != 0)
        goto out_pt;

    /* the patient's language for the document and its data; the table on
     * the screen is for staff and stays in English */
    if (strcmp(format, "text") != 0)
        price_table_use_language(&pt, plan.language);
    struct diag_list dl = { 0 };
    struct quote q;
    if (pricing_compute(&pt, &plan, issued, &q, &dl) != 0) {
        cli_print_diags(&dl, 20);
        diag_list_free(&dl);
        rc = EXIT_DATA;
        goto out_pt;
    }
    int wrc;
    if (pdf) {
        struct render_opts ro = { .templates_dir = settings_templates_dir(templates), .a4 = a4 };
        wrc = render_pdf(&q, &ro, output, &dl);
    } else if (output) {
        struct outfile of;
        wrc = outfile_open(&of, output, &dl);
        if (wrc == 0) {
            wrc = !strcmp(format, "json") ? quote_write_json(&q, of.f) : quote_write_text(&q, of.f);
            if (wrc != 0) {
                int e = errno ? errno : EIO;
                outfile_abort(&of);
                diag_error(&dl, output, NULL, "cannot write the quote: %s", strerror(e));
            } else {
                wrc = outfile_commit(&of, &dl);
            }
        }
    } else {
        wrc = !strcmp(format, "json") ? quote_write_json(&q, stdout) : quote_write_text(&q, stdout);
        if (wrc != 0 || fflush(stdout) != 0) {
            wrc = -1;
            diag_error(&dl, NULL, NULL, "cannot write to standard output");
        }
    }
    if (wrc != 0) {
        cli_print_diags(&dl, 20);
        rc = EXIT_DATA;
    } else if (pdf) {
        cli_print_diags(&dl, 20); /* warnings, such as a logo left out */
        printf("%s\n", output);
    }
    diag_list_free(&dl);
    quote_free(&q);
out_pt:
    price_table_free(&pt);
    plan_free(&plan);
    return rc;
}

/* ---- validate --------------------------------------------------------------- */

static const char VALIDATE_HELP[] =
    "Usage: regenquote validate [--strict] [DIR | FILE…]\n"
    "\n"
    "Check price tables and list every problem at once, one per line:\n"
    "  file:line:col: field.path: what is wrong\n"
    "DIR is a price-table folder (clinic.json and catalog.json; default ./pricing).\n"
    "FILE is clinic.json or catalog.json checked on its own.\n"
    "\n"
    "  --strict    treat warnings as errors\n"
    "\n"
    "Exit status: 0 no errors, 1 errors found (or warnings with --strict),\n"
    "2 wrong options.\n";

/* Is this JSON file a clinic file (has a "clinic" object)? */
static int is_clinic_file(const char *path)
{
    struct jdoc d;
    struct diag_list dl = { 0 };
    int r = -1;
    if (jdoc_load_file(&d, path, &dl) == 0) {
        r = jr_member(d.root, "clinic") != NULL;
        jdoc_free(&d);
    }
    diag_list_free(&dl);
    return r;
}

static int cmd_validate(int argc, char **argv)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "strict", no_argument, NULL, 's' },
        { NULL, 0, NULL, 0 },
    };
    bool strict = false;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(VALIDATE_HELP, stdout); return 0;
        case 's': strict = true; break;
        default: return cli_usage_error("validate", "unknown option '%s'", argv[optind - 1]);
        }
    }
    struct diag_list dl = { 0 };
    struct price_table pt;
    const char *clinic = NULL, *catalog = NULL, *dir = NULL;
    int nfiles = argc - optind;
    char label[4200];
    if (nfiles == 0) {
        dir = settings_prices_dir(NULL);
    } else {
        for (int i = optind; i < argc; i++) {
            struct stat st;
            if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
                if (nfiles > 1)
                    return cli_usage_error("validate", "give one folder, or files");
                dir = argv[i];
                continue;
            }
            int k = is_clinic_file(argv[i]);
            if (k == 1) {
                if (clinic)
                    return cli_usage_error("validate", "two clinic files given ('%s')", argv[i]);
                clinic = argv[i];
            } else {
                if (catalog)
                    return cli_usage_error("validate", "two catalog files given ('%s')", argv[i]);
                catalog = argv[i];
            }
        }
    }
    int lr;
    if (dir) {
        lr = price_table_load(&pt, dir, &dl);
        snprintf(label, sizeof label, "%s", dir);
    } else {
        lr = price_table_load_files(&pt, clinic, catalog, &dl);
        snprintf(label, sizeof label, "%s%s%s", clinic ? clinic : "", clinic && catalog ? ", " : "",
                 catalog ? catalog : "");
    }
    char buf[1200];
    for (size_t i = 0; i < dl.n; i++)
        printf("%s\n", diag_format(&dl.v[i], buf, sizeof buf));
    int rc = 0;
    if (lr != 0 || (strict && dl.warnings)) {
        fprintf(stderr, "regenquote: %zu error%s, %zu warning%s in %s\n", dl.errors,
                dl.errors == 1 ? "" : "s", dl.warnings, dl.warnings == 1 ? "" : "s", label);
        rc = EXIT_DATA;
    } else {
        printf("%s: OK", label);
        if (pt.has_catalog)
            printf(" (version %s, %zu items, %zu cell sources, %zu packages)", pt.version,
                   pt.n_items, pt.n_sources, pt.n_packages);
        if (dl.warnings)
            printf(", %zu warning%s", dl.warnings, dl.warnings == 1 ? "" : "s");
        printf("\n");
    }
    price_table_free(&pt);
    diag_list_free(&dl);
    return rc;
}

/* ---- catalog ------------------------------------------------------------------ */

static const char CATALOG_HELP[] =
    "Usage: regenquote catalog [--prices DIR]\n"
    "\n"
    "List what a plan can contain: treatment areas, cell sources, processing\n"
    "methods, image guidance, adjuncts, packages and discounts, with their ids\n"
    "(for the options of 'regenquote price') and prices.\n";

static int cmd_catalog(int argc, char **argv)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "prices", required_argument, NULL, 'p' },
        { NULL, 0, NULL, 0 },
    };
    const char *prices = NULL;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(CATALOG_HELP, stdout); return 0;
        case 'p': prices = optarg; break;
        case ':': return cli_usage_error("catalog", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("catalog", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("catalog", "unexpected argument '%s'", argv[optind]);
    struct diag_list dl = { 0 };
    struct price_table pt;
    const char *dir = settings_prices_dir(prices);
    if (price_table_load(&pt, dir, &dl) != 0) {
        cli_print_diags(&dl, 20);
        price_table_free(&pt);
        diag_list_free(&dl);
        return EXIT_DATA;
    }
    char a[40];
    printf("Price table %s, effective %s\n", pt.version, date_iso(pt.effective_date, a));
    printf("\nTreatment areas (--area, at most %d):\n", pt.max_areas);
    for (size_t i = 0; i < pt.n_areas; i++)
        printf("  %-24s %s\n", pt.areas[i].id, pt.areas[i].name);
    printf("\nCell sources (--source):\n");
    for (size_t i = 0; i < pt.n_sources; i++)
        printf("  %-24s %s%s\n", pt.sources[i].id, pt.sources[i].name,
               pt.sources[i].research_only ? " (research only, never quoted)" : "");
    printf("\nProcessing methods (--method):\n");
    for (size_t i = 0; i < pt.n_methods; i++) {
        printf("  %-24s %s; fits", pt.methods[i].id, pt.methods[i].name);
        for (size_t k = 0; k < pt.methods[i].n_fits; k++)
            printf("%s %s", k ? "," : "", pt.methods[i].fits[k]->id);
        printf("\n");
    }
    printf("\nImage guidance (--guidance, default %s):\n",
           pt.default_guidance ? pt.default_guidance->id : "none");
    for (size_t i = 0; i < pt.n_guidance; i++)
        printf("  %-24s %s\n", pt.guidance[i].id, pt.guidance[i].name);
    printf("\nAdjuncts (--add ID[:COUNT]; * = in every plan, --without ID leaves it out):\n");
    for (size_t i = 0; i < pt.n_adjuncts; i++) {
        const struct pt_adjunct *ad = &pt.adjuncts[i];
        money_format(ad->item->price, "$", '.', ',', a, sizeof a);
        printf("  %-24s %c %s, %s each (default %d, at most %d)\n", ad->id, ad->included ? '*' : ' ',
               ad->item->description, a, ad->default_count, ad->max_count);
    }
    printf("\nPackages (--package):\n");
    for (size_t i = 0; i < pt.n_packages; i++) {
        money_format(pt.packages[i].price, "$", '.', ',', a, sizeof a);
        printf("  %-24s %s, %s\n", pt.packages[i].id, pt.packages[i].name, a);
    }
    printf("\nDiscounts (--discount ID[=VALUE][:REASON]):\n");
    for (size_t i = 0; i < pt.n_discounts; i++) {
        const struct pt_discount *d = &pt.discounts[i];
        char v[40];
        if (d->type == DISCOUNT_PERCENT)
            d->has_value ? percent_format(d->percent, '.', v, sizeof v)
                         : (snprintf(v, sizeof v, "up to "), percent_format(d->max_percent, '.', v + 6, sizeof v - 6));
        else
            d->has_value ? money_format(d->amount, "$", '.', ',', v, sizeof v)
                         : (snprintf(v, sizeof v, "up to "), money_format(d->max_amount, "$", '.', ',', v + 6, sizeof v - 6));
        printf("  %-24s %s, %s%s\n", d->id, d->name, v, d->requires_reason ? ", reason required" : "");
    }
    price_table_free(&pt);
    diag_list_free(&dl);
    return fflush(stdout) == 0 ? 0 : EXIT_DATA;
}

/* ---- serve ----------------------------------------------------------------------- */

/* `regenquote serve` is the program regenquote-serve (only it loads the HTTP
 * server's libraries): $REGENQUOTE_SERVE_BIN, else the one beside this
 * program, else the installed one.  It replaces this process, so signals
 * and the exit status are its own. */
static int cmd_serve(int argc, char **argv)
{
    (void)argc;
    char path[4096] = "";
    const char *env = getenv("REGENQUOTE_SERVE_BIN");
    if (env && *env) {
        snprintf(path, sizeof path, "%s", env);
    } else {
        ssize_t n = readlink("/proc/self/exe", path, sizeof path - 32);
        char *slash = n > 0 ? (path[n] = '\0', strrchr(path, '/')) : NULL;
        if (slash)
            snprintf(slash + 1, sizeof path - (size_t)(slash + 1 - path), "regenquote-serve");
        if (!slash || access(path, X_OK) != 0)
            snprintf(path, sizeof path, "%s", RQ_LIBEXECDIR "/regenquote-serve");
    }
    fflush(stdout);
    fflush(stderr);
    execv(path, argv);
    fprintf(stderr, "regenquote: cannot start the front desk server '%s': %s; 'make' builds it\n", path,
            strerror(errno));
    return EXIT_DATA;
}

/* ---- dispatch -------------------------------------------------------------------- */

struct command {
    const char *name, *summary;
    int (*run)(int argc, char **argv);
};

static const struct command COMMANDS[] = {
    { "price", "compute and show a cost estimate (text, JSON or a DRAFT PDF); nothing is issued", cmd_price },
    { "quote", "issue a numbered quote: PDF in out/ and an entry in the register", cli_quote },
    { "list", "list issued quotes (filter by patient, dates, status; table, CSV, JSON)", cli_list },
    { "show", "show one quote with its history", cli_show },
    { "reprint", "write a quote's PDF again, byte for byte as issued", cli_reprint },
    { "revise", "issue a new quote that supersedes an old one", cli_revise },
    { "void", "void a quote, with a reason", cli_void },
    { "accept", "record that the patient accepted a quote", cli_accept },
    { "repair", "check the register and rewrite missing PDF copies", cli_repair },
    { "batch", "price or issue many requests (JSON Lines or a folder), in parallel", cli_batch },
    { "validate", "check price tables; list every problem with file, line and field", cmd_validate },
    { "prices", "finance tools: diff, export/import CSV, prices in force on a date", cli_prices },
    { "catalog", "list the areas, sources, methods, adjuncts, packages and discounts", cmd_catalog },
    { "serve", "the front desk in a browser: the quoting page and its JSON API (docs/api.md)", cmd_serve },
};

static void main_help(FILE *out)
{
    fprintf(out,
            "Usage: regenquote COMMAND [options]\n"
            "\n"
            "Turn a clinic's treatment plan for stem cell (MSC) therapy into an exact,\n"
            "itemised out-of-pocket cost estimate.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        fprintf(out, "  %-9s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    fprintf(out,
            "\n"
            "  regenquote COMMAND --help   describes one command\n"
            "  regenquote --version        prints the version\n"
            "\n"
            "Price tables are read from --prices DIR, $REGENQUOTE_PRICES, ./pricing,\n"
            "or " RQ_DATADIR "/pricing, the first that is given or exists.\n");
}

int cli_main(int argc, char **argv)
{
    if (argc < 2) {
        main_help(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        main_help(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("regenquote %s\n", RQ_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (!strcmp(cmd, COMMANDS[i].name))
            return COMMANDS[i].run(argc - 1, argv + 1);
    if (cmd[0] == '-')
        return cli_usage_error(NULL, "unknown option '%s'", cmd);
    return cli_usage_error(NULL, "unknown command '%s'", cmd);
}
