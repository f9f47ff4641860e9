/* The patient's side of a quote on the command line: `accept NUMBER
 * --signature FILE --signer NAME` (a scanned paper signature) and
 * `reprint NUMBER --accepted` (the accepted copy, byte for byte).  `accept`
 * and `reprint` without those options are in cmd_register.c; they hand
 * over to these functions. */
#include "cli.h"
#include "commands.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acceptance.h"
#include "notice.h"
#include "outfile.h"
#include "price_table.h"
#include "register.h"
#include "render_pdf.h"
#include "settings.h"
#include "sha256.h"

enum { OPT_REGISTER = 256, OPT_SIGNATURE, OPT_SIGNER, OPT_PRICES, OPT_TEMPLATES, OPT_ACCEPTED };

static const char ACCEPT_SIGNED_HELP[] =
    "Usage: regenquote accept NUMBER --signature FILE --signer NAME [options]\n"
    "\n"
    "Record the patient's signed acceptance of an issued, unexpired quote from a\n"
    "scanned paper signature (a PNG or JPEG file), and make the accepted copy: the\n"
    "issued PDF unchanged plus an acceptance page with the signature, the printed\n"
    "name, the time, who witnessed it (you), the state notice the estimate carried\n"
    "and the fingerprints of the PDF and of the price tables.  A void, superseded,\n"
    "expired or already accepted quote is refused with the reason.\n"
    "\n"
    "  --signature FILE   the scanned signature (PNG or JPEG, at most 2 MB)\n"
    "  --signer NAME      the signer's printed name\n"
    "  --register PATH    the register (default out/register.db)\n"
    "  --prices DIR       price tables whose notices.json is in use (default ./pricing)\n"
    "  --templates DIR    document words and fonts (default ./templates)\n"
    "\n"
    "'regenquote reprint NUMBER --accepted' writes the accepted copy again.\n";

/* Read a whole file of at most max bytes into *buf (malloc'd). */
static int read_file(const char *path, size_t max, unsigned char **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "regenquote: cannot open '%s': %s\n", path, strerror(errno));
        return -1;
    }
    unsigned char *b = malloc(max + 1);
    size_t n = b ? fread(b, 1, max + 1, f) : 0;
    bool err = !b || ferror(f);
    fclose(f);
    if (err || n > max) {
        fprintf(stderr, "regenquote: cannot read '%s': %s\n", path,
                n > max ? "larger than 2 MB" : "read error");
        free(b);
        return -1;
    }
    *buf = b;
    *len = n;
    return 0;
}

int cmd_accept_signed(int argc, char **argv)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "register", required_argument, NULL, OPT_REGISTER },
        { "signature", required_argument, NULL, OPT_SIGNATURE },
        { "signer", required_argument, NULL, OPT_SIGNER },
        { "prices", required_argument, NULL, OPT_PRICES },
        { "templates", required_argument, NULL, OPT_TEMPLATES },
        { NULL, 0, NULL, 0 },
    };
    const char *reg_path = NULL, *sig = NULL, *signer = NULL, *prices = NULL, *templates = NULL;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(ACCEPT_SIGNED_HELP, stdout); return 0;
        case OPT_REGISTER: reg_path = optarg; break;
        case OPT_SIGNATURE: sig = optarg; break;
        case OPT_SIGNER: signer = optarg; break;
        case OPT_PRICES: prices = optarg; break;
        case OPT_TEMPLATES: templates = optarg; break;
        case ':': return cli_usage_error("accept", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("accept", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("accept", "give the quote number");
    const char *number = argv[optind++];
    if (optind < argc)
        return cli_usage_error("accept", "unexpected argument '%s'", argv[optind]);
    if (!sig || !signer)
        return cli_usage_error("accept", "give both --signature FILE and --signer NAME");
    /* the witness is the operating-system account running the command */
    const char *actor = settings_os_account();
    rq_date today;
    if (cli_issue_date(&today) != 0)
        return EXIT_USAGE;
    unsigned char *img;
    size_t len;
    if (read_file(sig, ACCEPTANCE_MAX_SIGNATURE, &img, &len) != 0)
        return EXIT_DATA;
    struct price_table pt;
    int rc = cli_load_tables(&pt, prices, today);
    struct diag_list dl = { 0 };
    struct reg *r = NULL;
    if (rc == 0 && register_open(&r, settings_register_path(reg_path), &dl) != 0)
        rc = EXIT_DATA;
    if (rc == 0) {
        struct cli_caller who;
        cli_caller(r, settings_register_path(reg_path), &who);
        if (cli_require(&who, ACTION_ACCEPT, "accept") != 0)
            rc = EXIT_DATA;
    }
    if (rc == 0) {
        char font[4096], at[32], sha[65] = "";
        const char *tdir = settings_templates_dir(templates);
        snprintf(font, sizeof font, "%s/%s", tdir, RENDER_PDF_FONT);
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
        struct acceptance_request in = {
            .number = number, .signer = signer, .witness = actor, .on_paper = true,
            .signature = img, .signature_len = len, .signed_at = at, .notices = pt.notices,
            .templates_dir = tdir, .font_path = font,
        };
        if (acceptance_record(r, &in, today, sha, &dl) != 0)
            rc = EXIT_DATA;
        else
            printf("%s is now accepted (signed on paper; accepted copy sha256 %s)\n", number, sha);
    }
    if (dl.n)
        cli_print_diags(&dl, 10);
    diag_list_free(&dl);
    register_close(r);
    price_table_free(&pt);
    free(img);
    return rc;
}

int cmd_reprint_accepted(int argc, char **argv)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "register", required_argument, NULL, OPT_REGISTER },
        { "accepted", no_argument, NULL, OPT_ACCEPTED },
        { "output", required_argument, NULL, 'o' },
        { NULL, 0, NULL, 0 },
    };
    const char *reg_path = NULL, *output = NULL;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs("Usage: regenquote reprint NUMBER --accepted -o FILE [--register PATH]\n\n"
                  "Write the accepted copy of a signed quote (the issued PDF plus its\n"
                  "acceptance page) exactly as it was made, byte for byte.\n", stdout);
            return 0;
        case OPT_REGISTER: reg_path = optarg; break;
        case OPT_ACCEPTED: break;
        case 'o': output = optarg; break;
        case ':': return cli_usage_error("reprint", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("reprint", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("reprint", "give the quote number");
    const char *number = argv[optind++];
    if (optind < argc)
        return cli_usage_error("reprint", "unexpected argument '%s'", argv[optind]);
    if (!output)
        return cli_usage_error("reprint", "give where the accepted copy goes with -o FILE");
    struct diag_list dl = { 0 };
    struct reg *r = NULL;
    struct reg_acceptance a = { 0 };
    int rc = EXIT_DATA;
    struct cli_caller who = { 0 };
    if (register_open(&r, settings_register_path(reg_path), &dl) == 0)
        cli_caller(r, settings_register_path(reg_path), &who);
    if (r && cli_require(&who, ACTION_REPRINT, "reprint") != 0) {
        register_close(r);
        r = NULL;
    }
    if (r && register_get_acceptance(r, number, true, &a, &dl) == 0) {
        char sha[65];
        sha256_hex(a.accepted_pdf, a.accepted_len, sha);
        struct outfile of;
        if (strcmp(sha, a.accepted_sha256) != 0)
            diag_error(&dl, settings_register_path(reg_path), NULL,
                       "the stored accepted copy of %s does not match its digest; the register is damaged", number);
        else if (outfile_open_output(&of, output, &dl) == 0) {
            if (fwrite(a.accepted_pdf, 1, a.accepted_len, of.f) != a.accepted_len) {
                outfile_abort(&of);
                diag_error(&dl, output, NULL, "cannot write");
            } else if (outfile_commit(&of, &dl) == 0)
                rc = 0;
        }
    }
    if (dl.n)
        cli_print_diags(&dl, 10);
    diag_list_free(&dl);
    reg_acceptance_free(&a);
    register_close(r);
    return rc;
}
