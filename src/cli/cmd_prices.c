#include "commands.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <time.h>

#include "catalog_csv.h"
#include "cli.h"
#include "settings.h"
#include "date.h"
#include "diag.h"
#include "money.h"
#include "outfile.h"
#include "price_diff.h"
#include "price_table.h"
#include "render_sheet.h"


/* ---- messages -------------------------------------------------------------- */

/* "regenquote prices VERB: …; see 'regenquote prices VERB --help'" */
#define usage_error(verb, ...) cli_usage_error(verb_cmd(verb), __VA_ARGS__)

static const char *verb_cmd(const char *verb)
{
    static char buf[64];
    snprintf(buf, sizeof buf, "prices%s%s", verb ? " " : "", verb ? verb : "");
    return buf;
}

/* The option getopt_long stopped at, for messages. */
static int bad_option(const char *verb, int c, char **argv)
{
    if (c == ':')
        return usage_error(verb, "option '%s' needs a value", argv[optind - 1]);
    return usage_error(verb, "unknown option '%s'", argv[optind - 1]);
}

/* ---- shared helpers ------------------------------------------------------------ */

/* A catalog named by a folder (DIR/catalog.json) or a file. */
static void catalog_path(const char *arg, char *buf, size_t size)
{
    struct stat st;
    if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
        snprintf(buf, size, "%s/catalog.json", arg);
    else
        snprintf(buf, size, "%s", arg);
}

/* Load a catalog alone; on errors print them and return -1. */
static int load_catalog(struct price_table *pt, const char *path)
{
    struct diag_list dl = { 0 };
    int rc = price_table_load_files(pt, NULL, path, &dl);
    if (rc != 0) {
        cli_print_diags(&dl, 20);
        fprintf(stderr, "regenquote: '%s' has problems; run 'regenquote validate %s'\n", path, path);
    }
    diag_list_free(&dl);
    return rc;
}

/* ---- diff --------------------------------------------------------------------- */

static const char DIFF_HELP[] =
    "Usage: regenquote prices diff [--format text|json] OLD NEW\n"
    "\n"
    "Compare two versions of the catalog and list what changed: items added,\n"
    "removed and changed (each price with old, new, amount and percent; codes,\n"
    "coverage, descriptions), billing codes moved between items, packages and\n"
    "their savings, discounts, scheduled price changes, version and effective date.\n"
    "OLD and NEW are price-table folders or catalog.json files.\n"
    "\n"
    "Changes that are often mistakes are marked CHECK: a price about 10, 100 or\n"
    "1000 times bigger or smaller (from 0.8 to 1.25 times the power of ten), any\n"
    "other change over 50%, a price set to zero, a free item that now costs\n"
    "something, a billing code moved to another item, a package that no longer\n"
    "saves anything, prices changed without a new version, an earlier effective date.\n"
    "\n"
    "  --format text|json   for people (default) or for programs (cents)\n"
    "\n"
    "Exit status: 0 compared (whether or not anything differs; see \"flagged\"\n"
    "in the JSON or the CHECK lines), 1 a catalog cannot be read or has errors,\n"
    "2 wrong options.\n";

static int prices_diff(int argc, char **argv)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "format", required_argument, NULL, 'f' },
        { NULL, 0, NULL, 0 },
    };
    const char *format = "text";
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(DIFF_HELP, stdout); return 0;
        case 'f': format = optarg; break;
        default: return bad_option("diff", c, argv);
        }
    }
    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
        return usage_error("diff", "unknown format '%s'; expected text or json", format);
    if (argc - optind < 2)
        return usage_error("diff", "give two price tables, OLD and NEW");
    if (argc - optind > 2)
        return usage_error("diff", "unexpected argument '%s'; give two price tables", argv[optind + 2]);
    char a[4200], b[4200];
    catalog_path(argv[optind], a, sizeof a);
    catalog_path(argv[optind + 1], b, sizeof b);
    struct price_table po, pn;
    int lo = load_catalog(&po, a);
    int ln = load_catalog(&pn, b);
    int rc = 0;
    if (lo != 0 || ln != 0) {
        rc = EXIT_DATA;
    } else {
        struct price_diff d;
        struct diag_list dl = { 0 };
        if (price_diff_compute(&d, &po, &pn, &dl) != 0) {
            cli_print_diags(&dl, 20);
            rc = EXIT_DATA;
        } else {
            int w = !strcmp(format, "json") ? price_diff_write_json(&d, a, b, stdout)
                                            : price_diff_write_text(&d, a, b, stdout);
            if (w != 0 || fflush(stdout) != 0) {
                fprintf(stderr, "regenquote: cannot write to standard output\n");
                rc = EXIT_DATA;
            }
        }
        price_diff_free(&d);
        diag_list_free(&dl);
    }
    price_table_free(&po);
    price_table_free(&pn);
    return rc;
}

/* ---- export ------------------------------------------------------------------- */

static const char EXPORT_HELP[] =
    "Usage: regenquote prices export --csv [--bom] [--prices DIR] [-o FILE]\n"
    "\n"
    "Write the catalog's items as a spreadsheet (CSV, UTF-8) with the columns\n"
    "  id,code,price,description,unit,phase,coverage,coverage_reason,taxable,separate\n"
    "Prices are those written in items[] (scheduled changes are not in the CSV).\n"
    "Edit it and read it back with 'regenquote prices import'.\n"
    "\n"
    "  --csv            the format (the only one for now; required)\n"
    "  --bom            start with a UTF-8 byte-order mark, so Excel shows accents right\n"
    "  --prices DIR     price tables (default ./pricing or $REGENQUOTE_PRICES)\n"
    "  -o, --output FILE  write to FILE (mode 0600) instead of the screen\n"
    "\n"
    "Exit status: 0 written, 1 the catalog has errors or FILE cannot be written,\n"
    "2 wrong options.\n";

static int write_out(const char *output, int (*fn)(const void *ctx, FILE *out), const void *ctx)
{
    struct diag_list dl = { 0 };
    int rc = 0;
    if (output) {
        struct outfile of;
        if (outfile_open_output(&of, output, &dl) != 0) {
            rc = EXIT_DATA;
        } else if (fn(ctx, of.f) != 0) {
            outfile_abort(&of);
            diag_error(&dl, output, NULL, "cannot write the file");
            rc = EXIT_DATA;
        } else if (outfile_commit(&of, &dl) != 0) {
            rc = EXIT_DATA;
        }
    } else if (fn(ctx, stdout) != 0 || fflush(stdout) != 0) {
        diag_error(&dl, NULL, NULL, "cannot write to standard output");
        rc = EXIT_DATA;
    }
    cli_print_diags(&dl, 20);
    diag_list_free(&dl);
    return rc;
}

struct export_ctx {
    const struct price_table *pt;
    bool bom;
};

static int export_fn(const void *ctx, FILE *out)
{
    const struct export_ctx *e = ctx;
    return catalog_csv_export(e->pt, e->bom, out);
}

static int prices_export(int argc, char **argv)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "csv", no_argument, NULL, 'c' },
        { "bom", no_argument, NULL, 'b' },
        { "prices", required_argument, NULL, 'p' },
        { "output", required_argument, NULL, 'o' },
        { NULL, 0, NULL, 0 },
    };
    const char *prices = NULL, *output = NULL;
    bool csv = false, bom = false;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(EXPORT_HELP, stdout); return 0;
        case 'c': csv = true; break;
        case 'b': bom = true; break;
        case 'p': prices = optarg; break;
        case 'o': output = optarg; break;
        default: return bad_option("export", c, argv);
        }
    }
    if (optind < argc)
        return usage_error("export", "unexpected argument '%s'", argv[optind]);
    if (!csv)
        return usage_error("export", "give the format: --csv");
    char path[4200];
    snprintf(path, sizeof path, "%s/catalog.json", settings_prices_dir(prices));
    struct price_table pt;
    int rc = EXIT_DATA;
    if (load_catalog(&pt, path) == 0) {
        struct export_ctx e = { &pt, bom };
        rc = write_out(output, export_fn, &e);
    }
    price_table_free(&pt);
    return rc;
}

/* ---- import --------------------------------------------------------------------- */

static const char IMPORT_HELP[] =
    "Usage: regenquote prices import FILE.csv [--prices DIR] [--in-place | -o FILE]\n"
    "\n"
    "Read items edited in a spreadsheet (a CSV from 'regenquote prices export\n"
    "--csv') back into catalog.json, check the result like 'validate' does, and\n"
    "list what changes (as 'regenquote prices diff' would). Rows are matched to\n"
    "items by id; a new id adds an item; an item missing from the CSV is an\n"
    "error (import never deletes). A column left out keeps its field as it is.\n"
    "Only changed items are rewritten; the rest of catalog.json stays as it is.\n"
    "Without --in-place or -o nothing is written (a dry run).\n"
    "\n"
    "  --prices DIR     price tables (default ./pricing or $REGENQUOTE_PRICES)\n"
    "  --in-place       replace DIR/catalog.json\n"
    "  -o, --output FILE  write the new catalog to FILE\n"
    "Files are written whole or not at all, readable by the owner only (0600).\n"
    "\n"
    "Exit status: 0 imported (or nothing to change), 1 a problem in the CSV\n"
    "(file:line:column: column: message) or in the resulting catalog,\n"
    "2 wrong options.\n";

struct text_ctx {
    const char *s;
    size_t n;
};

static int text_fn(const void *ctx, FILE *out)
{
    const struct text_ctx *t = ctx;
    return fwrite(t->s, 1, t->n, out) == t->n ? 0 : -1;
}

static int prices_import(int argc, char **argv)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "prices", required_argument, NULL, 'p' },
        { "in-place", no_argument, NULL, 'i' },
        { "output", required_argument, NULL, 'o' },
        { NULL, 0, NULL, 0 },
    };
    const char *prices = NULL, *output = NULL;
    bool in_place = false;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(IMPORT_HELP, stdout); return 0;
        case 'p': prices = optarg; break;
        case 'i': in_place = true; break;
        case 'o': output = optarg; break;
        default: return bad_option("import", c, argv);
        }
    }
    if (argc - optind < 1)
        return usage_error("import", "give the CSV file to import");
    if (argc - optind > 1)
        return usage_error("import", "unexpected argument '%s'; give one CSV file", argv[optind + 1]);
    if (in_place && output)
        return usage_error("import", "give --in-place or -o FILE, not both");
    const char *csv_path = argv[optind];
    char path[4200];
    snprintf(path, sizeof path, "%s/catalog.json", settings_prices_dir(prices));
    const char *target = in_place ? path : output;

    struct price_table pt, npt;
    struct diag_list dl = { 0 };
    char *csv = NULL, *text = NULL;
    size_t len = 0, tlen = 0;
    int rc = EXIT_DATA;
    memset(&npt, 0, sizeof npt);
    if (load_catalog(&pt, path) != 0)
        goto out;
    csv = catalog_csv_read_file(csv_path, &len, &dl);
    if (!csv || catalog_csv_import(&pt, csv_path, csv, len, &text, &tlen, &npt, &dl) != 0) {
        cli_print_diags(&dl, 40);
        diag_list_free(&dl);
        fprintf(stderr, "regenquote: nothing imported; %s is unchanged\n", path);
        goto out;
    }
    cli_print_diags(&dl, 40); /* warnings */
    diag_list_free(&dl);
    if (tlen == pt.catalog_doc.len && !memcmp(text, pt.catalog_doc.text, tlen)) {
        printf("No changes: %s already has these items.\n", path);
        rc = 0;
        goto out;
    }
    struct price_diff d;
    if (price_diff_compute(&d, &pt, &npt, &dl) == 0)
        price_diff_write_text(&d, path, csv_path, stdout);
    price_diff_free(&d);
    if (!target) {
        printf("\nNothing written (a dry run): use --in-place to update %s, or -o FILE.\n", path);
        rc = 0; /* standard output is checked at the end (cli_close_stdout) */
        goto out;
    }
    struct text_ctx t = { text, tlen };
    rc = write_out(target, text_fn, &t);
    if (rc == 0 && outfile_descriptor(target) != STDOUT_FILENO)
        printf("\nWrote %s.\n", target);
out:
    cli_print_diags(&dl, 20);
    diag_list_free(&dl);
    free(csv);
    free(text);
    price_table_free(&npt);
    price_table_free(&pt);
    return rc;
}

/* ---- show ------------------------------------------------------------------------ */

static const char SHOW_HELP[] =
    "Usage: regenquote prices show [--on YYYY-MM-DD] [--prices DIR]\n"
    "\n"
    "List every item and package with the price in force on a date (default\n"
    "today, or the date SOURCE_DATE_EPOCH fixes): the price in items[], or the\n"
    "one a scheduled change set. A quote uses the prices in force on the day it\n"
    "is issued.\n"
    "\n"
    "  --on DATE        the date (YYYY-MM-DD)\n"
    "  --prices DIR     price tables (default ./pricing or $REGENQUOTE_PRICES)\n"
    "\n"
    "Exit status: 0 listed, 1 the price tables have errors, 2 wrong options.\n";

/* The latest change in force on `on` that sets item (or package) id. */
static const struct pt_change *set_by(const struct price_table *pt, rq_date on, const void *what,
                                      bool pkg)
{
    const struct pt_change *by = NULL;
    for (size_t i = 0; i < pt->n_changes && pt->changes[i].effective_date <= on; i++) {
        const struct pt_change *c = &pt->changes[i];
        for (size_t k = 0; !pkg && k < c->n_prices; k++)
            if (c->prices[k].item == what)
                by = c;
        for (size_t k = 0; pkg && k < c->n_package_prices; k++)
            if (c->package_prices[k].package == what)
                by = c;
    }
    return by;
}

static int prices_show(int argc, char **argv)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "on", required_argument, NULL, 'd' },
        { "prices", required_argument, NULL, 'p' },
        { NULL, 0, NULL, 0 },
    };
    const char *prices = NULL, *on_text = NULL;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(SHOW_HELP, stdout); return 0;
        case 'd': on_text = optarg; break;
        case 'p': prices = optarg; break;
        default: return bad_option("show", c, argv);
        }
    }
    if (optind < argc)
        return usage_error("show", "unexpected argument '%s'", argv[optind]);
    rq_date on;
    if (on_text) {
        if (!date_parse(on_text, &on))
            return usage_error("show", "'%s' is not a date; expected YYYY-MM-DD", on_text);
    } else if (cli_today(&on) != 0) {
        return EXIT_USAGE;
    }
    const char *dir = settings_prices_dir(prices);
    struct price_table pt;
    struct diag_list dl = { 0 };
    if (price_table_load(&pt, dir, &dl) != 0) {
        cli_print_diags(&dl, 20);
        fprintf(stderr, "regenquote: the price tables in '%s' have problems; run 'regenquote validate %s'\n",
                dir, dir);
        price_table_free(&pt);
        diag_list_free(&dl);
        return EXIT_DATA;
    }
    diag_list_free(&dl);
    int rc = price_table_use_date(&pt, on, &dl);
    cli_print_diags(&dl, 20);
    diag_list_free(&dl);
    if (rc != 0) {
        price_table_free(&pt);
        return EXIT_DATA;
    }
    char d1[16], d2[16], m1[40], m2[40];
    printf("Prices in force on %s: version %s\n", date_iso(on, d1), price_table_prices_version(&pt));
    if (pt.change_in_force)
        printf("(price table %s of %s, with the scheduled change of %s%s%s)\n", pt.version,
               date_iso(pt.effective_date, d1), date_iso(pt.change_in_force->effective_date, d2),
               pt.change_in_force->note ? ": " : "",
               pt.change_in_force->note ? pt.change_in_force->note : "");
    else
        printf("(price table %s of %s, as written in items[])\n", pt.version,
               date_iso(pt.effective_date, d1));
    printf("\n%-24s %-6s %13s  %s\n", "Item", "Code", "Price", "Set by");
    for (size_t i = 0; i < pt.n_items; i++) {
        const struct pt_item *it = &pt.items[i];
        const struct pt_change *by = set_by(&pt, on, it, false);
        printf("%-24s %-6s %13s  ", it->id, it->code, money_usd(it->price, m1, sizeof m1));
        if (by)
            printf("change of %s (items[] has %s)\n", date_iso(by->effective_date, d1),
                   money_usd(it->list_price, m2, sizeof m2));
        else
            printf("items[]\n");
    }
    if (pt.n_packages)
        printf("\n%-31s %13s  %s\n", "Package", "Price", "Separate prices, saving; set by");
    for (size_t i = 0; i < pt.n_packages; i++) {
        const struct pt_package *pk = &pt.packages[i];
        const struct pt_change *by = set_by(&pt, on, pk, true);
        char m3[40];
        printf("%-31s %13s  %s, saving %s; ", pk->id, money_usd(pk->price, m1, sizeof m1),
               money_usd(pk->a_la_carte, m2, sizeof m2),
               money_usd(pk->a_la_carte - pk->price, m3, sizeof m3));
        if (by)
            printf("change of %s\n", date_iso(by->effective_date, d1));
        else
            printf("packages[]\n");
    }
    if (pt.n_changes) {
        printf("\nScheduled changes:\n");
        for (size_t i = 0; i < pt.n_changes; i++) {
            const struct pt_change *ch = &pt.changes[i];
            printf("  %s  %-12s %-9s %zu item price%s, %zu package price%s%s%s\n",
                   date_iso(ch->effective_date, d1), ch->version,
                   ch->effective_date <= on ? "in force" : "not yet", ch->n_prices,
                   ch->n_prices == 1 ? "" : "s", ch->n_package_prices,
                   ch->n_package_prices == 1 ? "" : "s", ch->note ? ": " : "", ch->note ? ch->note : "");
        }
    }
    price_table_free(&pt);
    return 0; /* standard output is checked at the end (cli_close_stdout) */
}

static const char SHEET_HELP[] =
    "Usage: regenquote prices sheet [-o FILE] [--on YYYY-MM-DD] [--lang en|es] [--a4]\n"
    "                               [--prices DIR] [--templates DIR]\n"
    "\n"
    "The front desk's price list as a PDF (default out/price-list.pdf): every item\n"
    "with its code and the price in force on the date (default today), grouped by\n"
    "phase; the packages with what they save; the discounts and their rules; the\n"
    "insurance notice. Words from templates/LANG/sheet.txt.\n";

static int prices_sheet(int argc, char **argv)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "output", required_argument, NULL, 'o' },
        { "on", required_argument, NULL, 'd' },
        { "lang", required_argument, NULL, 'l' },
        { "a4", no_argument, NULL, 'a' },
        { "prices", required_argument, NULL, 'p' },
        { "templates", required_argument, NULL, 't' },
        { NULL, 0, NULL, 0 },
    };
    const char *output = "out/price-list.pdf", *on_text = NULL, *lang = "en", *prices = NULL,
               *templates = NULL;
    bool a4 = false;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(SHEET_HELP, stdout); return 0;
        case 'o': output = optarg; break;
        case 'd': on_text = optarg; break;
        case 'l': lang = optarg; break;
        case 'a': a4 = true; break;
        case 'p': prices = optarg; break;
        case 't': templates = optarg; break;
        default: return bad_option("sheet", c, argv);
        }
    }
    if (optind < argc)
        return usage_error("sheet", "unexpected argument '%s'", argv[optind]);
    if (strcmp(lang, "en") != 0 && strcmp(lang, "es") != 0)
        return usage_error("sheet", "'%s' is not a supported language; expected en or es", lang);
    rq_date on;
    if (on_text) {
        if (!date_parse(on_text, &on))
            return usage_error("sheet", "'%s' is not a date; expected YYYY-MM-DD", on_text);
    } else if (cli_today(&on) != 0) {
        return EXIT_USAGE;
    }
    struct price_table pt;
    if (cli_load_tables(&pt, prices, on) != 0) {
        price_table_free(&pt);
        return EXIT_DATA;
    }
    price_table_use_language(&pt, lang);
    struct diag_list dl = { 0 };
    struct sheet_opts so = { .lang = lang, .templates_dir = settings_templates_dir(templates), .a4 = a4 };
    unsigned char *pdf = NULL;
    size_t len = 0;
    int rc = EXIT_DATA;
    struct outfile of;
    if (!strcmp(output, "out/price-list.pdf"))
        mkdir("out", 0700);
    if (render_sheet_mem(&pt, &so, &pdf, &len, &dl) == 0 && outfile_open_output(&of, output, &dl) == 0) {
        if (fwrite(pdf, 1, len, of.f) != len) {
            outfile_abort(&of);
            diag_error(&dl, output, NULL, "cannot write");
        } else if (outfile_commit(&of, &dl) == 0) {
            if (outfile_descriptor(output) != STDOUT_FILENO)
                printf("%s\n", output);
            rc = 0;
        }
    }
    cli_print_diags(&dl, 20);
    diag_list_free(&dl);
    free(pdf);
    price_table_free(&pt);
    return rc;
}

/* ---- dispatch ------------------------------------------------------------------- */

struct verb {
    const char *name, *summary;
    int (*run)(int argc, char **argv);
};

static const struct verb VERBS[] = {
    { "diff", "what changed between two price tables, and what to check", prices_diff },
    { "export", "the catalog's items as a spreadsheet (--csv)", prices_export },
    { "import", "items edited in a spreadsheet back into catalog.json", prices_import },
    { "show", "the prices in force on a date (--on YYYY-MM-DD)", prices_show },
    { "sheet", "the front desk's price list as a PDF (--lang en|es)", prices_sheet },
};

static void prices_help(FILE *out)
{
    fprintf(out,
            "Usage: regenquote prices VERB [options]\n"
            "\n"
            "Tools for keeping the price tables: compare versions, edit items in a\n"
            "spreadsheet, see the prices in force on a date.\n"
            "\n"
            "Verbs:\n");
    for (size_t i = 0; i < sizeof VERBS / sizeof VERBS[0]; i++)
        fprintf(out, "  %-8s %s\n", VERBS[i].name, VERBS[i].summary);
    fprintf(out,
            "\n"
            "  regenquote prices VERB --help   describes one verb\n"
            "\n"
            "See docs/finance-guide.md for a walk-through.\n");
}

int cmd_prices(int argc, char **argv)
{
    if (argc < 2) {
        prices_help(stderr);
        return EXIT_USAGE;
    }
    const char *verb = argv[1];
    if (!strcmp(verb, "--help") || !strcmp(verb, "-h") || !strcmp(verb, "help")) {
        prices_help(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof VERBS / sizeof VERBS[0]; i++)
        if (!strcmp(verb, VERBS[i].name))
            return VERBS[i].run(argc - 1, argv + 1);
    if (verb[0] == '-')
        return usage_error(NULL, "unknown option '%s'", verb);
    return usage_error(NULL, "unknown verb '%s'; expected diff, export, import or show", verb);
}
