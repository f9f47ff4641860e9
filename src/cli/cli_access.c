/* cli_access — who is running the command line and what they may do in a
 * register (cli.h; SECURITY.md "The command line").
 *
 * The actor is the operating-system account running the command
 * (settings_os_account).  Its role:
 *   - the account that owns the register's file (on PostgreSQL: the
 *     database role that owns its tables) is the register's owner
 *     and may do everything (the file is mode 0600: whoever can open it
 *     can change it anyway, so the command line asks no password of it);
 *   - any other account that can open the register (root, or a shared
 *     group set up by hand) has the role of the enabled staff account of
 *     the same name, if there is one, else none. */
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accounts.h"
#include "settings.h"

void cli_caller(struct reg *r, const char *register_path, struct cli_caller *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", settings_os_account());
    (void)register_path;
    /* a file's owner; for a database, the role that owns its tables */
    c->owner = register_is_owner(r);
    if (c->owner) {
        c->role = ROLE_MANAGER;
        return;
    }
    struct account a;
    struct diag_list dl = { 0 };
    if (accounts_get(r, c->name, &a, &dl) == 0) {
        c->has_account = true;
        c->disabled = a.disabled;
        c->role = a.disabled ? ROLE_NONE : a.role;
        account_free(&a);
    }
    diag_list_free(&dl);
}

bool cli_may(const struct cli_caller *c, enum staff_action a)
{
    return c->owner || role_may(c->role, a);
}

int cli_require(const struct cli_caller *c, enum staff_action a, const char *cmd)
{
    if (cli_may(c, a))
        return 0;
    char roles[80];
    action_roles(a, roles, sizeof roles);
    fprintf(stderr, "regenquote %s: %s needs %s; the account '%s' running it does not own the register and ", cmd,
            action_words(a), roles, c->name);
    if (!c->has_account)
        fprintf(stderr, "has no staff account of that name\n");
    else if (c->disabled)
        fprintf(stderr, "its staff account is disabled\n");
    else
        fprintf(stderr, "its staff account is %s\n", role_name(c->role));
    return EXIT_DATA;
}

