/* cli — the command line's entry: the command table, help and dispatch.
 * Each command lives in its own cmd_*.c (commands.h); what they share is in
 * cli_common.c (cli.h). */
#include "cli.h"
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- dispatch -------------------------------------------------------------------- */

struct command {
    const char *name, *summary;
    int (*run)(int argc, char **argv);
};

static const struct command COMMANDS[] = {
    { "price", "compute and show a cost estimate (text, JSON or a DRAFT PDF); nothing is issued", cmd_price },
    { "init", "create a register (out/register.db unless --register says otherwise)", cmd_init },
    { "quote", "issue a numbered quote: PDF in out/ and an entry in the register", cmd_quote },
    { "list", "list issued quotes (filter by patient, dates, status; table, CSV, JSON)", cmd_list },
    { "show", "show one quote with its history", cmd_show },
    { "reprint", "write a quote's PDF again, byte for byte as issued", cmd_reprint },
    { "export", "write a quote as an HL7 FHIR Good Faith Estimate packet", cmd_export },
    { "verify", "say whether an estimate PDF is genuine, as issued", cmd_verify },
    { "revise", "issue a new quote that supersedes an old one", cmd_revise },
    { "void", "void a quote, with a reason", cmd_void },
    { "accept", "record that the patient accepted a quote (with --signature: signed, with the accepted copy)", cmd_accept },
    { "deliver", "record how and when an estimate reached the patient (paper, email, download)", cmd_deliver },
    { "consent", "record the patient's consent to receive an estimate by e-mail", cmd_consent },
    { "send", "e-mail an estimate's PDF through the clinic's SMTP relay and record it", cmd_send },
    { "repair", "check the register and rewrite missing PDF copies", cmd_repair },
    { "register", "the register as a whole: copy it to another store (SQLite, PostgreSQL)", cmd_register },
    { "backup", "write a consistent, private copy of the register to a file", cmd_backup },
    { "user", "staff accounts: add, passwd, disable, list (who may sign in, with which role)", cmd_user },
    { "audit", "the audit trail: verify its hash chain, list its events", cmd_audit },
    { "bill", "after the treatment: the final bill checked against the estimate, the dispute packet", cmd_bill },
    { "batch", "price or issue many requests (JSON Lines or a folder), in parallel", cmd_batch },
    { "validate", "check price tables; list every problem with file, line and field", cmd_validate },
    { "notice", "a state's stem-cell notice: its exact words, or the wall poster PDF", cmd_notice },
    { "prices", "finance tools: diff, export/import CSV, prices in force on a date", cmd_prices },
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
    /* every write to standard output is checked once it is done */
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        main_help(stdout);
        return cli_close_stdout(0);
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("regenquote %s\n", RQ_VERSION);
        return cli_close_stdout(0);
    }
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (!strcmp(cmd, COMMANDS[i].name))
            return cli_close_stdout(COMMANDS[i].run(argc - 1, argv + 1));
    if (cmd[0] == '-')
        return cli_usage_error(NULL, "unknown option '%s'", cmd);
    return cli_usage_error(NULL, "unknown command '%s'", cmd);
}
