/* `regenquote validate`: check price tables, every problem at once. */
#include "cli.h"
#include "commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "price_table.h"
#include "settings.h"

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

int cmd_validate(int argc, char **argv)
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

