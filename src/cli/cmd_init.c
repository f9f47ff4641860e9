/* `regenquote init` and `regenquote backup`: setting a register up and
 * keeping a copy of it.  init is the only command that makes a register:
 * issuing into one that does not exist is an error (register.h), so a
 * mistyped --register cannot quietly start an empty register whose numbers
 * begin again at 1. */
#include "cli.h"
#include "commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "register.h"
#include "settings.h"

enum { OPT_REGISTER = 300, OPT_PATTERN };

/* The options of init and backup: --register, and where given (non-NULL)
 * --number-pattern; --help prints help and returns -1; mistakes
 * print a usage error and return 2.  optind is then at the arguments. */
static int parse(int argc, char **argv, const char *cmd, const char *help, const char **reg, const char **pattern)
{
    struct option opts[4] = {
        { "help", no_argument, NULL, 'h' },
        { "register", required_argument, NULL, OPT_REGISTER },
    };
    size_t n = 2;
    if (pattern)
        opts[n++] = (struct option){ "number-pattern", required_argument, NULL, OPT_PATTERN };
    opts[n] = (struct option){ NULL, 0, NULL, 0 };
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(help, stdout); return -1;
        case OPT_REGISTER: *reg = optarg; break;
        case OPT_PATTERN: *pattern = optarg; break;
        case ':': return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    return 0;
}

/* Print what dl holds, free it; returns status. */
static int finish(struct diag_list *dl, struct reg *r, int status)
{
    if (dl->n)
        cli_print_diags(dl, 20);
    diag_list_free(dl);
    register_close(r);
    return status;
}

static const char INIT_HELP[] =
    "Usage: regenquote init [--register FILE] [--number-pattern P]\n"
    "\n"
    "Create a new, empty register (mode 0600, in a folder made if needed) with a\n"
    "random id, ready for 'regenquote quote'. A register that exists is never\n"
    "changed. Issuing, listing and every other register command refuse a\n"
    "register that does not exist.\n"
    "\n"
    "  --register FILE            where (default out/register.db or $REGENQUOTE_REGISTER)\n"
    "  --number-pattern P         quote numbers, e.g. Q-{year}-{seq:6} (the default);\n"
    "                             it must contain {year}\n"
    "\n"
    "The operating-system account that runs it owns the register: it may do\n"
    "everything on the command line and adds the staff accounts ('regenquote\n"
    "user add'), which the front desk signs in with.\n";

int cmd_init(int argc, char **argv)
{
    const char *reg_opt = NULL, *pattern = NULL;
    int rc = parse(argc, argv, "init", INIT_HELP, &reg_opt, &pattern);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (optind < argc)
        return cli_usage_error("init", "unexpected argument '%s'", argv[optind]);
    const char *path = settings_register_path(reg_opt);
    struct diag_list dl = { 0 };
    struct reg *r = NULL;
    if (register_create(&r, path, pattern, settings_os_account(), &dl) != 0)
        return finish(&dl, r, EXIT_DATA);
    char *p = register_pattern(r);
    printf("created the register %s (id %s, numbers %s)\n", path, register_id(r), p ? p : "?");
    free(p);
    return finish(&dl, r, 0);
}

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
    const char *reg_opt = NULL;
    int rc = parse(argc, argv, "backup", BACKUP_HELP, &reg_opt, NULL);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (optind >= argc)
        return cli_usage_error("backup", "give the file to write the backup to");
    const char *dest = argv[optind++];
    if (optind < argc)
        return cli_usage_error("backup", "unexpected argument '%s'", argv[optind]);
    const char *path = settings_register_path(reg_opt);
    struct diag_list dl = { 0 };
    struct reg *r = NULL;
    if (register_open(&r, path, &dl) != 0 || register_backup(r, dest, &dl) != 0)
        return finish(&dl, r, EXIT_DATA);
    printf("backed up %s to %s\n", path, dest);
    return finish(&dl, r, 0);
}
