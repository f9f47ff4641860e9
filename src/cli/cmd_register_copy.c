/* cmd_register_copy — `regenquote register VERB`: the register as a whole.
 * `register copy --from FROM --to TO` moves a register between stores (an
 * SQLite file, a PostgreSQL database); the work is register_copy()'s. */
#include "commands.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "register.h"

static const char REGISTER_HELP[] =
    "Usage: regenquote register copy --from FROM --to TO\n"
    "\n"
    "Copy a whole register into another: the staff accounts (each keeps its\n"
    "password), every quote with its PDF, the price tables, the history, the\n"
    "final bills and their explanations, signed acceptances, delivery records\n"
    "and e-mail consents, the number series and pattern. FROM and TO are each\n"
    "an SQLite file or a postgresql://… database, e.g. to move one location's\n"
    "register into the chain's database, or back. Sign-in sessions are not\n"
    "copied: on TO everyone signs in again.\n"
    "\n"
    "Accounts first, then quote by quote, each kept whole: an interrupted copy\n"
    "is resumed by running the same command again (what is there already is\n"
    "checked, not copied twice; what differs is refused, naming it). TO must be\n"
    "empty or hold only what an earlier run of this copy put there. At the end\n"
    "everything is read back from TO and compared with FROM: counts, and the\n"
    "SHA-256 of every PDF, bill and accepted copy. Stop issuing into FROM while\n"
    "it runs, or run it again after.\n"
    "\n"
    "  --from FROM                the register to copy (it is only read)\n"
    "  --to TO                    the register to fill (created when a file)\n"
    "  -q, --quiet                no progress line\n";

struct progress {
    bool on;
};

static void show_progress(void *ctx, size_t done, size_t total)
{
    const struct progress *p = ctx;
    if (p->on && (done == total || done % 50 == 0))
        fprintf(stderr, "\rregenquote: copied %zu of %zu quotes", done, total);
    if (p->on && done == total)
        fputc('\n', stderr);
}

static int register_copy_cmd(int argc, char **argv)
{
    enum { OPT_FROM = 900, OPT_TO };
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "from", required_argument, NULL, OPT_FROM },
        { "to", required_argument, NULL, OPT_TO },
        { "quiet", no_argument, NULL, 'q' },
        { NULL, 0, NULL, 0 },
    };
    const char *from = NULL, *to = NULL;
    bool quiet = false;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(REGISTER_HELP, stdout); return 0;
        case OPT_FROM: from = optarg; break;
        case OPT_TO: to = optarg; break;
        case 'q': quiet = true; break;
        case ':': return cli_usage_error("register copy", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("register copy", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("register copy", "unexpected argument '%s'", argv[optind]);
    if (!from || !to)
        return cli_usage_error("register copy", "give both registers: --from FROM --to TO");
    struct progress p = { .on = !quiet && isatty(STDERR_FILENO) };
    struct reg_copy_report rep;
    struct diag_list dl = { 0 };
    int rc = register_copy(from, to, show_progress, &p, &rep, &dl);
    if (p.on && rc != 0)
        fputc('\n', stderr);
    if (dl.n)
        cli_print_diags(&dl, 20);
    diag_list_free(&dl);
    if (rc != 0)
        return EXIT_DATA;
    char shown[512];
    printf("%zu quotes (%zu copied now, %zu already there), %zu price tables, %zu history events added;"
           " %zu PDFs verified by SHA-256 in %s\n",
           rep.quotes, rep.copied, rep.quotes - rep.copied, rep.tables, rep.events, rep.verified,
           register_locator_display(to, shown, sizeof shown));
    printf("%zu accounts (%zu copied now), %zu bills (%zu), %zu bill explanations (%zu), %zu signed acceptances (%zu),"
           " %zu delivery records (%zu), %zu e-mail consents (%zu); sign-in sessions are not copied\n",
           rep.accounts.source, rep.accounts.copied, rep.bills.source, rep.bills.copied, rep.bill_notes.source,
           rep.bill_notes.copied, rep.acceptances.source, rep.acceptances.copied, rep.deliveries.source,
           rep.deliveries.copied, rep.consents.source, rep.consents.copied);
    return 0;
}

int cmd_register(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(REGISTER_HELP, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (!strcmp(argv[1], "copy"))
        return register_copy_cmd(argc - 1, argv + 1);
    return cli_usage_error("register", "unknown verb '%s'; expected copy", argv[1]);
}
