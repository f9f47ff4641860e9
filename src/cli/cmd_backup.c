/* `regenquote backup FILE`: a consistent, private copy of the register. */
#include "cli.h"
#include "commands.h"

#include <getopt.h>
#include <stdio.h>

#include "register.h"
#include "settings.h"

static const char BACKUP_HELP[] =
    "Usage: regenquote backup FILE [--register FILE]\n"
    "\n"
    "Write a copy of the whole register to FILE: consistent even while quotes\n"
    "are being issued, readable by its owner only (mode 0600), whole or not at\n"
    "all (a temporary name, then renamed over FILE). To restore one without\n"
    "ever giving a number twice, follow 'Restoring a backup' in docs/register.md.\n"
    "\n"
    "  --register FILE            the register (default out/register.db or $REGENQUOTE_REGISTER)\n";

int cmd_backup(int argc, char **argv)
{
    enum { OPT_REGISTER = 300 };
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "register", required_argument, NULL, OPT_REGISTER },
        { NULL, 0, NULL, 0 },
    };
    const char *reg_opt = NULL;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(BACKUP_HELP, stdout); return 0;
        case OPT_REGISTER: reg_opt = optarg; break;
        case ':': return cli_usage_error("backup", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("backup", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("backup", "give the file to write the backup to");
    const char *dest = argv[optind++];
    if (optind < argc)
        return cli_usage_error("backup", "unexpected argument '%s'", argv[optind]);
    const char *path = settings_register_path(reg_opt);
    struct diag_list dl = { 0 };
    struct reg *r = NULL;
    int rc = 0;
    if (register_open(&r, path, &dl) != 0 || register_backup(r, dest, &dl) != 0)
        rc = EXIT_DATA;
    if (dl.n)
        cli_print_diags(&dl, 20);
    if (rc == 0)
        printf("backed up %s to %s\n", path, dest);
    diag_list_free(&dl);
    register_close(r);
    return rc;
}
