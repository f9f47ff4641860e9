/* `regenquote price`: compute a plan and show it; nothing is issued. */
#include "cli.h"
#include "commands.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "outfile.h"
#include "pricing.h"
#include "render_pdf.h"
#include "settings.h"

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

int cmd_price(int argc, char **argv)
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
        wrc = outfile_open_output(&of, output, &dl);
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
        if (outfile_descriptor(output) != STDOUT_FILENO)
            printf("%s\n", output);
    }
    diag_list_free(&dl);
    quote_free(&q);
out_pt:
    price_table_free(&pt);
    plan_free(&plan);
    return rc;
}

