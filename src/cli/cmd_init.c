/* `regenquote init`: create a register.  The only command that makes one:
 * issuing into a register that does not exist is an error (register.h), so
 * a mistyped --register cannot quietly start an empty register whose
 * numbers begin again at 1. */
#include "cli.h"
#include "commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "register.h"
#include "settings.h"

static const char INIT_HELP[] =
    "Usage: regenquote init [--register FILE] [--number-pattern P] [--by NAME]\n"
    "\n"
    "Create a new, empty register (mode 0600, in a folder made if needed) with a\n"
    "random id, ready for 'regenquote quote'. A register that exists is never\n"
    "changed. Issuing, listing and every other register command refuse a\n"
    "register that does not exist.\n"
    "\n"
    "  --register FILE            where (default out/register.db or $REGENQUOTE_REGISTER)\n"
    "  --number-pattern P         quote numbers, e.g. Q-{year}-{seq:6} (the default);\n"
    "                             it must contain {year}\n"
    "  --by NAME                  who creates it, for the history\n";

int cmd_init(int argc, char **argv)
{
    enum { OPT_REGISTER = 300, OPT_PATTERN, OPT_BY };
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "register", required_argument, NULL, OPT_REGISTER },
        { "number-pattern", required_argument, NULL, OPT_PATTERN },
        { "by", required_argument, NULL, OPT_BY },
        { NULL, 0, NULL, 0 },
    };
    const char *reg_opt = NULL, *pattern = NULL, *by = NULL;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(INIT_HELP, stdout); return 0;
        case OPT_REGISTER: reg_opt = optarg; break;
        case OPT_PATTERN: pattern = optarg; break;
        case OPT_BY: by = optarg; break;
        case ':': return cli_usage_error("init", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("init", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("init", "unexpected argument '%s'", argv[optind]);
    const char *path = settings_register_path(reg_opt);
    struct diag_list dl = { 0 };
    struct reg *r = NULL;
    int rc = 0;
    if (register_create(&r, path, pattern, settings_actor(by), &dl) != 0) {
        rc = EXIT_DATA;
    } else {
        char *p = register_pattern(r);
        printf("created the register %s (id %s, numbers %s)\n", path, register_id(r), p ? p : "?");
        free(p);
    }
    if (dl.n)
        cli_print_diags(&dl, 20);
    diag_list_free(&dl);
    register_close(r);
    return rc;
}
