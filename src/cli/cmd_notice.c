/* `regenquote notice`: a state's stem-cell notice, as text or as the wall
 * poster (notice.h, render_poster.h). */
#include "cli.h"
#include "commands.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notice.h"
#include "outfile.h"
#include "price_table.h"
#include "render_pdf.h"
#include "render_poster.h"
#include "settings.h"

static const char NOTICE_HELP[] =
    "Usage: regenquote notice [--state XX] [--poster [-o FILE] [--a4]] [--prices DIR]\n"
    "\n"
    "Show the state stem-cell notice of the price tables' notices.json, in the\n"
    "statute's exact words with its citation, for the clinic's state (or --state).\n"
    "\n"
    "  --state XX       the state's two-letter code (default: the clinic's state)\n"
    "  --poster         write the wall poster PDF (US Letter, type of 40 points or\n"
    "                   more) instead of printing the text\n"
    "  -o, --output F   where the poster goes (default notice-XX.pdf)\n"
    "  --a4             A4 paper instead of US Letter\n"
    "  --prices DIR     the price tables (default ./pricing)\n"
    "  --templates DIR  where the fonts are (default ./templates)\n"
    "\n"
    "Exit status: 0 done, 1 no such notice or bad data, 2 wrong options.\n";

enum { OPT_STATE = 256, OPT_POSTER, OPT_A4, OPT_PRICES, OPT_TEMPLATES };

/* Write len bytes to path whole or not at all (outfile.h). */
static int write_all(const char *path, const unsigned char *buf, size_t len, struct diag_list *dl)
{
    struct outfile of;
    if (outfile_open_output(&of, path, dl) != 0)
        return -1;
    if (fwrite(buf, 1, len, of.f) != len) {
        int e = errno ? errno : EIO;
        outfile_abort(&of);
        diag_error(dl, path, NULL, "cannot write: %s", strerror(e));
        return -1;
    }
    return outfile_commit(&of, dl);
}

int cmd_notice(int argc, char **argv)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "state", required_argument, NULL, OPT_STATE },
        { "poster", no_argument, NULL, OPT_POSTER },
        { "output", required_argument, NULL, 'o' },
        { "a4", no_argument, NULL, OPT_A4 },
        { "prices", required_argument, NULL, OPT_PRICES },
        { "templates", required_argument, NULL, OPT_TEMPLATES },
        { NULL, 0, NULL, 0 },
    };
    const char *state = NULL, *out = NULL, *prices = NULL, *templates = NULL;
    bool poster = false, a4 = false;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(NOTICE_HELP, stdout); return 0;
        case OPT_STATE: state = optarg; break;
        case OPT_POSTER: poster = true; break;
        case 'o': out = optarg; break;
        case OPT_A4: a4 = true; break;
        case OPT_PRICES: prices = optarg; break;
        case OPT_TEMPLATES: templates = optarg; break;
        case ':': return cli_usage_error("notice", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("notice", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("notice", "unexpected argument '%s'", argv[optind]);
    if (out && !poster)
        return cli_usage_error("notice", "'--output' goes with '--poster'");

    struct price_table pt;
    rq_date today;
    if (cli_today(&today) != 0)
        return EXIT_DATA;
    int rc = cli_load_tables(&pt, prices, today);
    if (rc != 0) {
        price_table_free(&pt);
        return rc;
    }
    const char *dir = settings_prices_dir(prices);
    if (!state)
        state = pt.clinic.state;
    const struct notice *n = NULL;
    if (!pt.notices)
        fprintf(stderr, "regenquote: no notices.json in '%s'\n", dir);
    else if (!state)
        fprintf(stderr, "regenquote: the clinic names no state in '%s/clinic.json'; give --state XX\n", dir);
    else if (!(n = notice_find(pt.notices, state)))
        fprintf(stderr, "regenquote: '%s/notices.json' has no notice for '%s'\n", dir, state);
    else if (n->is_template) {
        fprintf(stderr, "regenquote: the %s notice in '%s/notices.json' is a template; "
                        "fill in the statute's exact words first\n", n->state_name, dir);
        n = NULL;
    }
    if (!n) {
        price_table_free(&pt);
        return EXIT_DATA;
    }
    if (!poster) {
        printf("%s\n\n%s\n", n->text, n->citation);
        if (n->signed_consent)
            printf("Signed consent is required before the therapy.\n");
        price_table_free(&pt);
        return 0;
    }
    char font[4096], defout[32];
    snprintf(font, sizeof font, "%s/%s", settings_templates_dir(templates), RENDER_PDF_FONT);
    snprintf(defout, sizeof defout, "notice-%s.pdf", n->state);
    struct diag_list dl = { 0 };
    unsigned char *buf = NULL;
    size_t len = 0;
    rc = 0;
    if (render_poster_mem(n, font, a4, &buf, &len, &dl) != 0 ||
        write_all(out ? out : defout, buf, len, &dl) != 0) {
        cli_print_diags(&dl, 20);
        rc = EXIT_DATA;
    } else if (!out || strcmp(out, "-") != 0)
        printf("%s\n", out ? out : defout);
    free(buf);
    diag_list_free(&dl);
    price_table_free(&pt);
    return rc;
}
