/* `regenquote export fhir NUMBER`: an issued quote as an HL7 FHIR R4 Good
 * Faith Estimate packet (src/core/fhir.h), made from the quote the register
 * keeps. */
#include "cli.h"
#include "commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir.h"
#include "register.h"
#include "settings.h"

static const char EXPORT_HELP[] =
    "Usage: regenquote export fhir NUMBER [--register FILE] [-o FILE]\n"
    "\n"
    "Write issued quote NUMBER as an HL7 FHIR R4 Good Faith Estimate packet (a\n"
    "document Bundle in the shape of the Da Vinci Patient Cost Transparency\n"
    "guide, self-pay) to FILE or the screen. A revised quote names the one it\n"
    "replaces (Composition.relatesTo).\n"
    "\n"
    "  --register FILE            the register (default out/register.db or $REGENQUOTE_REGISTER)\n"
    "  -o, --output FILE          write to FILE (mode 0600) instead of the screen\n"
    "\n"
    "Exit status: 0 written, 1 no such quote or the register has a problem, 2 wrong options.\n";

enum { OPT_REGISTER = 256 };

int cmd_export(int argc, char **argv)
{
    static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
                                          { "register", required_argument, NULL, OPT_REGISTER },
                                          { "output", required_argument, NULL, 'o' },
                                          { NULL, 0, NULL, 0 } };
    const char *reg_path = NULL, *output = NULL;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(EXPORT_HELP, stdout); return 0;
        case 'o': output = optarg; break;
        case OPT_REGISTER: reg_path = optarg; break;
        case ':': return cli_usage_error("export", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("export", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc || strcmp(argv[optind], "fhir") != 0)
        return cli_usage_error("export", "give the format: 'regenquote export fhir NUMBER'");
    if (optind + 1 >= argc)
        return cli_usage_error("export", "give the quote number");
    if (optind + 2 < argc)
        return cli_usage_error("export", "unexpected argument '%s'", argv[optind + 2]);
    const char *number = argv[optind + 1];

    struct diag_list dl = { 0 };
    struct reg *r = NULL;
    struct reg_entry e;
    int rc = EXIT_DATA;
    if (register_open(&r, settings_register_path(reg_path), &dl) != 0)
        goto out;
    if (register_get(r, number, false, &e, &dl) != 0)
        goto out;
    struct fhir_opts fo = { .quote_number = e.number, .supersedes = e.supersedes };
    char *text = e.quote_json ? fhir_gfe_packet(e.quote_json, &fo, &dl) : NULL;
    if (!e.quote_json)
        diag_error(&dl, NULL, NULL, "quote %s has no stored quote; the register is damaged", number);
    if (text) {
        size_t len = strlen(text);
        text[len++] = '\n'; /* the NUL becomes the closing newline */
        if (cli_write_bytes(output, text, len, &dl) == 0) {
            rc = 0;
            if (output)
                printf("%s\n", output);
        }
        free(text);
    }
    reg_entry_free(&e);
out:
    if (dl.n)
        cli_print_diags(&dl, 5);
    diag_list_free(&dl);
    register_close(r);
    return rc;
}
