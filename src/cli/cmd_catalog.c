/* `regenquote catalog`: what a plan can contain, with ids and prices, as
 * text or as the JSON document the front desk's API sends (catalog_view.h). */
#include "cli.h"
#include "commands.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_view.h"
#include "money.h"
#include "price_table.h"
#include "settings.h"

/* ---- catalog ------------------------------------------------------------------ */

static const char CATALOG_HELP[] =
    "Usage: regenquote catalog [--format text|json] [--lang en|es] [--prices DIR]\n"
    "\n"
    "List what a plan can contain: treatment areas, cell sources, processing\n"
    "methods, image guidance, adjuncts, packages and discounts, with their ids\n"
    "(for the options of 'regenquote price') and prices.\n"
    "\n"
    "  --format text|json         text (default): ids, names and the prices as written\n"
    "                             in the tables' items[]; json: the document the front\n"
    "                             desk's API sends (GET /api/catalog, docs/api.md), with\n"
    "                             the prices in force today\n"
    "  --lang en|es               names and descriptions in Spanish where the tables\n"
    "                             have them (default en)\n";

/* The catalog for people: a section per kind, one id a line. */
static void print_text(const struct price_table *pt)
{
    char a[40];
    printf("Price table %s, effective %s\n", pt->version, date_iso(pt->effective_date, a));
    printf("\nTreatment areas (--area, at most %d):\n", pt->max_areas);
    for (size_t i = 0; i < pt->n_areas; i++)
        printf("  %-24s %s\n", pt->areas[i].id, pt->areas[i].name);
    printf("\nCell sources (--source):\n");
    for (size_t i = 0; i < pt->n_sources; i++)
        printf("  %-24s %s%s\n", pt->sources[i].id, pt->sources[i].name,
               pt->sources[i].research_only ? " (research only, never quoted)" : "");
    printf("\nProcessing methods (--method):\n");
    for (size_t i = 0; i < pt->n_methods; i++) {
        printf("  %-24s %s; fits", pt->methods[i].id, pt->methods[i].name);
        for (size_t k = 0; k < pt->methods[i].n_fits; k++)
            printf("%s %s", k ? "," : "", pt->methods[i].fits[k]->id);
        printf("\n");
    }
    printf("\nImage guidance (--guidance, default %s):\n",
           pt->default_guidance ? pt->default_guidance->id : "none");
    for (size_t i = 0; i < pt->n_guidance; i++)
        printf("  %-24s %s\n", pt->guidance[i].id, pt->guidance[i].name);
    printf("\nAdjuncts (--add ID[:COUNT]; * = in every plan, --without ID leaves it out):\n");
    for (size_t i = 0; i < pt->n_adjuncts; i++) {
        const struct pt_adjunct *ad = &pt->adjuncts[i];
        money_usd(ad->item->price, a, sizeof a);
        printf("  %-24s %c %s, %s each (default %d, at most %d)\n", ad->id, ad->included ? '*' : ' ',
               ad->item->description, a, ad->default_count, ad->max_count);
    }
    printf("\nPackages (--package):\n");
    for (size_t i = 0; i < pt->n_packages; i++) {
        money_usd(pt->packages[i].price, a, sizeof a);
        printf("  %-24s %s, %s\n", pt->packages[i].id, pt->packages[i].name, a);
    }
    printf("\nDiscounts (--discount ID[=VALUE][:REASON]):\n");
    for (size_t i = 0; i < pt->n_discounts; i++) {
        const struct pt_discount *d = &pt->discounts[i];
        char v[40];
        if (d->type == DISCOUNT_PERCENT)
            d->has_value ? percent_format(d->percent, '.', v, sizeof v)
                         : (snprintf(v, sizeof v, "up to "), percent_format(d->max_percent, '.', v + 6, sizeof v - 6));
        else
            d->has_value ? money_usd(d->amount, v, sizeof v)
                         : (snprintf(v, sizeof v, "up to "), money_usd(d->max_amount, v + 6, sizeof v - 6));
        printf("  %-24s %s, %s%s\n", d->id, d->name, v, d->requires_reason ? ", reason required" : "");
    }
}

/* The catalog as the API's GET /api/catalog sends it, and a newline. */
static int print_json(const struct price_table *pt, rq_date today)
{
    cJSON *doc = catalog_view_json(pt, today);
    char *text = doc ? cJSON_PrintUnformatted(doc) : NULL;
    cJSON_Delete(doc);
    if (!text) {
        fprintf(stderr, "regenquote: out of memory while writing the catalog\n");
        return EXIT_DATA;
    }
    printf("%s\n", text);
    free(text);
    return 0;
}

int cmd_catalog(int argc, char **argv)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "prices", required_argument, NULL, 'p' },
        { "format", required_argument, NULL, 'f' },
        { "lang", required_argument, NULL, 'l' },
        { NULL, 0, NULL, 0 },
    };
    const char *prices = NULL, *format = "text", *lang = "en";
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(CATALOG_HELP, stdout); return 0;
        case 'p': prices = optarg; break;
        case 'f': format = optarg; break;
        case 'l': lang = optarg; break;
        case ':': return cli_usage_error("catalog", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("catalog", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("catalog", "unexpected argument '%s'", argv[optind]);
    bool json = !strcmp(format, "json");
    if (!json && strcmp(format, "text") != 0)
        return cli_usage_error("catalog", "unknown format '%s'; expected text or json", format);
    if (strcmp(lang, "en") != 0 && strcmp(lang, "es") != 0)
        return cli_usage_error("catalog", "'%s' is not a supported language; expected en or es", lang);
    rq_date today = 0;
    if (json && cli_today(&today) != 0)
        return EXIT_USAGE;
    struct diag_list dl = { 0 };
    struct price_table pt;
    const char *dir = settings_prices_dir(prices);
    if (price_table_load(&pt, dir, &dl) != 0) {
        cli_print_diags(&dl, 20);
        price_table_free(&pt);
        diag_list_free(&dl);
        return EXIT_DATA;
    }
    int rc = 0;
    /* JSON: the prices in force today, as the API gives them; text: as written. */
    if (json) {
        diag_list_free(&dl); /* warnings are validate's business */
        if (price_table_use_date(&pt, today, &dl) != 0) {
            cli_print_diags(&dl, 20);
            rc = EXIT_DATA;
        }
    }
    if (rc == 0) {
        price_table_use_language(&pt, lang);
        if (json)
            rc = print_json(&pt, today);
        else
            print_text(&pt);
    }
    price_table_free(&pt);
    diag_list_free(&dl);
    return 0; /* standard output is checked at the end (cli_close_stdout) */
}
