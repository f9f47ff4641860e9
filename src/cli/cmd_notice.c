/* `regenquote notice`: a state's stem-cell notice, as text, as the wall
 * poster, or as the consent form for one issued quote (notice.h,
 * render_poster.h, consent_form.h). */
#include "cli.h"
#include "commands.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consent_form.h"
#include "notice.h"
#include "outfile.h"
#include "price_table.h"
#include "register.h"
#include "render_pdf.h"
#include "render_poster.h"
#include "settings.h"

static const char NOTICE_HELP[] =
    "Usage: regenquote notice [--state XX] [--poster [-o FILE] [--a4]] [--prices DIR]\n"
    "       regenquote notice --consent NUMBER [-o FILE] [--register PATH] [--prices DIR]\n"
    "\n"
    "Show the state stem-cell notice of the price tables' notices.json, in the\n"
    "statute's exact words with its citation, for the clinic's state (or --state).\n"
    "\n"
    "  --state XX       the state's two-letter code (default: the clinic's state)\n"
    "  --poster         write the wall poster PDF (US Letter, type of 40 points or\n"
    "                   more) instead of printing the text\n"
    "  --consent NUMBER write the consent form for issued quote NUMBER, to print and\n"
    "                   sign: the notice its estimate carries, verbatim (with the\n"
    "                   Spanish companion on a Spanish quote), the quote's number,\n"
    "                   the patient and lines for the signatures; only for a notice\n"
    "                   that calls for one (\"consent\" in its \"appears_on\", or\n"
    "                   \"signed_consent\": Utah)\n"
    "  -o, --output F   where the PDF goes (default notice-XX.pdf, consent-NUMBER.pdf;\n"
    "                   - for standard output)\n"
    "  --a4             A4 paper instead of US Letter (the consent form takes the\n"
    "                   estimate's paper)\n"
    "  --register PATH  the register (default $REGENQUOTE_REGISTER or ./out/register.db)\n"
    "  --prices DIR     the price tables (default ./pricing)\n"
    "  --templates DIR  where the fonts and words are (default ./templates)\n"
    "\n"
    "Exit status: 0 done, 1 no such notice or quote, no consent form called for,\n"
    "or bad data, 2 wrong options.\n";

enum { OPT_STATE = 256, OPT_POSTER, OPT_A4, OPT_PRICES, OPT_TEMPLATES, OPT_CONSENT, OPT_REGISTER };

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

/* notice --consent NUMBER: the consent form of quote number (consent_form.h). */
static int consent_cmd(const char *number, const char *out, const char *reg_opt, const char *prices,
                       const char *templates)
{
    struct diag_list dl = { 0 };
    rq_date today;
    if (cli_today(&today) != 0)
        return EXIT_DATA;
    struct price_table pt;
    int rc = cli_load_tables(&pt, prices, today);
    if (rc != 0) {
        price_table_free(&pt);
        return rc;
    }
    if (!pt.notices) {
        fprintf(stderr, "regenquote: no notices.json in '%s'\n", settings_prices_dir(prices));
        price_table_free(&pt);
        return EXIT_DATA;
    }
    struct reg *r = NULL;
    const char *path = settings_register_path(reg_opt);
    if (register_open(&r, path, &dl) != 0) {
        cli_print_diags(&dl, 10);
        diag_list_free(&dl);
        price_table_free(&pt);
        return EXIT_DATA;
    }
    struct cli_caller who;
    cli_caller(r, path, &who);
    if (cli_require(&who, ACTION_REPRINT, "notice --consent") != 0) {
        register_close(r);
        diag_list_free(&dl);
        price_table_free(&pt);
        return EXIT_DATA;
    }
    char font[4096], defout[120];
    const char *tdir = settings_templates_dir(templates);
    snprintf(font, sizeof font, "%s/%s", tdir, RENDER_PDF_FONT);
    snprintf(defout, sizeof defout, "consent-%.64s.pdf", number);
    unsigned char *buf = NULL;
    size_t len = 0;
    rc = 0;
    if (consent_form_for_quote(r, number, pt.notices, today, tdir, font, &buf, &len, &dl) != 0 ||
        write_all(out ? out : defout, buf, len, &dl) != 0)
        rc = EXIT_DATA;
    else if (!out || strcmp(out, "-") != 0)
        printf("%s\n", out ? out : defout);
    if (dl.n)
        cli_print_diags(&dl, 20);
    free(buf);
    diag_list_free(&dl);
    register_close(r);
    price_table_free(&pt);
    return rc;
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
        { "consent", required_argument, NULL, OPT_CONSENT },
        { "register", required_argument, NULL, OPT_REGISTER },
        { NULL, 0, NULL, 0 },
    };
    const char *state = NULL, *out = NULL, *prices = NULL, *templates = NULL, *consent = NULL, *reg = NULL;
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
        case OPT_CONSENT: consent = optarg; break;
        case OPT_REGISTER: reg = optarg; break;
        case ':': return cli_usage_error("notice", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("notice", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("notice", "unexpected argument '%s'", argv[optind]);
    if (consent && (poster || state || a4))
        return cli_usage_error("notice", "'--consent' takes the quote's notice and paper; "
                                         "it goes without '--poster', '--state' and '--a4'");
    if (reg && !consent)
        return cli_usage_error("notice", "'--register' goes with '--consent'");
    if (consent)
        return consent_cmd(consent, out, reg, prices, templates);
    if (out && !poster)
        return cli_usage_error("notice", "'--output' goes with '--poster' or '--consent'");

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
