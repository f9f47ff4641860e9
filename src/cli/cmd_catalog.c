/* `regenquote catalog`: what a plan can contain, with ids and prices. */
#include "cli.h"
#include "commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "money.h"
#include "price_table.h"
#include "settings.h"

/* ---- catalog ------------------------------------------------------------------ */

static const char CATALOG_HELP[] =
    "Usage: regenquote catalog [--prices DIR]\n"
    "\n"
    "List what a plan can contain: treatment areas, cell sources, processing\n"
    "methods, image guidance, adjuncts, packages and discounts, with their ids\n"
    "(for the options of 'regenquote price') and prices.\n";

int cmd_catalog(int argc, char **argv)
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
    return 0; /* standard output is checked at the end (cli_close_stdout) */
}

