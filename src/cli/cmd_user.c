/* `regenquote user VERB`: the register's staff accounts (accounts.h).
 *
 *   user add NAME --role ROLE    a new account; its password is asked
 *   user passwd NAME             a new password; its sessions end
 *   user disable NAME            no more sign-ins; its sessions end
 *   user list                    every account, its role and status
 *
 * Passwords are read from the terminal without echo (twice, to confirm),
 * or as one line of standard input when it is not a terminal (scripts,
 * tests); they are never printed, logged or given as an option (options
 * show in the process list).  Managing accounts needs the manager role:
 * the register's owner has it on the command line (cli_access.c), so the
 * owner creates the first account. */
#include "commands.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "accounts.h"
#include "cli.h"
#include "outfile.h"
#include "settings.h"

static const char USER_HELP[] =
    "Usage: regenquote user VERB [options]\n"
    "\n"
    "The register's staff accounts: who may sign in to the front desk\n"
    "('regenquote serve'), with which role.\n"
    "\n"
    "  user add NAME --role ROLE   add an account; asks its password\n"
    "  user passwd NAME            set a new password; the account's sessions end\n"
    "  user disable NAME           the account can no longer sign in; its sessions end\n"
    "  user list [--format table|csv|json]\n"
    "\n"
    "  --register FILE            the register (default out/register.db or $REGENQUOTE_REGISTER)\n"
    "\n"
    "NAME: a lowercase letter, then up to 31 lowercase letters, digits, '.', '_', '-'.\n"
    "ROLE: front-desk (price, issue, revise, accept, find, reprint), manager (also\n"
    "void, accounts, the audit trail) or finance (price tables and reports).\n"
    "Passwords (at least 10 characters) are read from the terminal without echo,\n"
    "twice, or as one line of standard input when it is not a terminal.\n"
    "Accounts are never deleted, so a name is never reused; each change is an event\n"
    "of the audit trail. Managing accounts needs the manager role: the register's\n"
    "owner (the operating-system account that owns its file) has every role on the\n"
    "command line and adds the first account. Another operating-system account has\n"
    "the role of the staff account of the same name.\n";

enum { OPT_REGISTER = 600, OPT_ROLE, OPT_FORMAT };

/* ---- reading a password -------------------------------------------------------- */

static struct termios saved_tty;
static volatile sig_atomic_t tty_changed;

/* A signal while echo is off: put the terminal back, then die of it. */
static void restore_tty(int sig)
{
    if (tty_changed)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void wipe(char *p, size_t n)
{
    volatile char *v = p;
    while (n--)
        *v++ = 0;
}

/* One line of stdin into buf (without its line end).  0, or -1 with a
 * message (too long, or nothing). */
static int read_line(char *buf, size_t size)
{
    if (!fgets(buf, (int)size, stdin)) {
        fprintf(stderr, "regenquote user: no password given\n");
        return -1;
    }
    size_t n = strlen(buf);
    if (n && buf[n - 1] != '\n' && !feof(stdin)) {
        int ch;
        while ((ch = getchar()) != EOF && ch != '\n')
            ;
        wipe(buf, size);
        fprintf(stderr, "regenquote user: the password is longer than %d bytes\n", ACCOUNT_PASSWORD_MAX);
        return -1;
    }
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    return 0;
}

/* Ask prompt on the terminal and read the answer without echo. */
static int read_hidden(const char *prompt, char *buf, size_t size)
{
    fprintf(stderr, "%s", prompt);
    fflush(stderr);
    struct termios t;
    bool hidden = tcgetattr(STDIN_FILENO, &saved_tty) == 0;
    if (hidden) {
        t = saved_tty;
        t.c_lflag &= ~(tcflag_t)ECHO;
        tty_changed = 1;
        signal(SIGINT, restore_tty);
        signal(SIGTERM, restore_tty);
        signal(SIGHUP, restore_tty);
        hidden = tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == 0;
    }
    int rc = read_line(buf, size);
    if (hidden)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
    tty_changed = 0;
    fputc('\n', stderr);
    return rc;
}

/* The new password of account `name` into buf: from the terminal (twice),
 * or one line of standard input. */
static int read_password(const char *name, char *buf, size_t size)
{
    if (!isatty(STDIN_FILENO))
        return read_line(buf, size);
    char again[ACCOUNT_PASSWORD_MAX + 2];
    char prompt[96];
    snprintf(prompt, sizeof prompt, "New password for '%s': ", name);
    if (read_hidden(prompt, buf, size) != 0)
        return -1;
    int rc = read_hidden("The same password again: ", again, sizeof again);
    if (rc == 0 && strcmp(buf, again) != 0) {
        fprintf(stderr, "regenquote user: the two passwords differ; nothing changed\n");
        rc = -1;
    }
    wipe(again, sizeof again);
    if (rc)
        wipe(buf, size);
    return rc;
}

/* ---- the verbs ------------------------------------------------------------------- */

/* Open the register for verb (creating it for `add`) and check that the
 * account running the command may manage accounts.  NULL after printing why. */
static struct reg *open_for(const char *path, const char *verb, struct cli_caller *who)
{
    struct diag_list dl = { 0 };
    struct reg *r = NULL;
    /* register_open() says when there is no register at path (a file or a
     * database): only init makes one */
    if (register_open(&r, path, &dl) != 0) {
        cli_print_diags(&dl, 10);
        diag_list_free(&dl);
        register_close(r);
        return NULL;
    }
    diag_list_free(&dl);
    char cmd[32];
    snprintf(cmd, sizeof cmd, "user %s", verb);
    cli_caller(r, path, who);
    if (cli_require(who, ACTION_ACCOUNTS, cmd) != 0) {
        register_close(r);
        return NULL;
    }
    return r;
}

static int list_accounts(struct reg *r, const char *format)
{
    struct account *v;
    size_t n;
    struct diag_list dl = { 0 };
    if (accounts_list(r, &v, &n, &dl) != 0) {
        cli_print_diags(&dl, 5);
        diag_list_free(&dl);
        return EXIT_DATA;
    }
    if (!strcmp(format, "json")) {
        cJSON *a = cJSON_CreateArray();
        for (size_t i = 0; a && i < n; i++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "name", v[i].name);
            cJSON_AddStringToObject(o, "role", role_name(v[i].role));
            cJSON_AddBoolToObject(o, "disabled", v[i].disabled);
            cJSON_AddStringToObject(o, "created", v[i].created_at);
            cJSON_AddNumberToObject(o, "failed_logins", (double)v[i].failed_logins);
            cJSON_AddItemToArray(a, o);
        }
        char *text = a ? cJSON_Print(a) : NULL;
        cJSON_Delete(a);
        if (text)
            printf("%s\n", text);
        free(text);
    } else if (!strcmp(format, "csv")) {
        printf("name,role,status,created,failed_logins\n");
        for (size_t i = 0; i < n; i++) {
            char f[32];
            snprintf(f, sizeof f, "%lld", v[i].failed_logins);
            cli_csv(stdout, v[i].name, false);
            cli_csv(stdout, role_name(v[i].role), false);
            cli_csv(stdout, v[i].disabled ? "disabled" : "enabled", false);
            cli_csv(stdout, v[i].created_at, false);
            cli_csv(stdout, f, true);
        }
    } else {
        printf("NAME                             ROLE       STATUS   CREATED              FAILED SIGN-INS\n");
        for (size_t i = 0; i < n; i++) {
            cli_cell(stdout, v[i].name, 32);
            cli_cell(stdout, role_name(v[i].role), 10);
            cli_cell(stdout, v[i].disabled ? "disabled" : "enabled", 8);
            cli_cell(stdout, v[i].created_at, 20);
            printf("%lld\n", v[i].failed_logins);
        }
        printf("%zu account%s\n", n, n == 1 ? "" : "s");
    }
    accounts_free(v, n);
    return 0;
}

int cmd_user(int argc, char **argv)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "register", required_argument, NULL, OPT_REGISTER },
        { "role", required_argument, NULL, OPT_ROLE },
        { "format", required_argument, NULL, OPT_FORMAT },
        { NULL, 0, NULL, 0 },
    };
    const char *reg_opt = NULL, *role_opt = NULL, *format = NULL;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(USER_HELP, stdout); return 0;
        case OPT_REGISTER: reg_opt = optarg; break;
        case OPT_ROLE: role_opt = optarg; break;
        case OPT_FORMAT: format = optarg; break;
        case ':': return cli_usage_error("user", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("user", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("user", "give a verb: add, passwd, disable or list");
    const char *verb = argv[optind++];
    bool list = !strcmp(verb, "list");
    if (!list && strcmp(verb, "add") && strcmp(verb, "passwd") && strcmp(verb, "disable"))
        return cli_usage_error("user", "unknown verb '%.40s'; expected add, passwd, disable or list", verb);
    const char *name = NULL;
    if (!list) {
        if (optind >= argc)
            return cli_usage_error("user", "give the account's name");
        name = argv[optind++];
        if (!account_name_ok(name))
            return cli_usage_error("user", "'%.40s' is not an account name; use a lowercase letter, then up to 31 "
                                           "lowercase letters, digits, '.', '_' or '-'", name);
    }
    if (optind < argc)
        return cli_usage_error("user", "unexpected argument '%.40s'", argv[optind]);
    enum role role = ROLE_NONE;
    if (!strcmp(verb, "add") && (!role_opt || !role_parse(role_opt, &role)))
        return cli_usage_error("user", "give the account's role with --role: %s", ROLE_WORDS);
    if (role_opt && strcmp(verb, "add") != 0)
        return cli_usage_error("user", "--role is for 'user add'");
    if (format && !list)
        return cli_usage_error("user", "--format is for 'user list'");
    if (format && strcmp(format, "table") && strcmp(format, "csv") && strcmp(format, "json"))
        return cli_usage_error("user", "unknown format '%.20s'; expected table, csv or json", format);

    const char *path = settings_register_path(reg_opt);
    struct cli_caller who;
    struct reg *r = open_for(path, verb, &who);
    if (!r)
        return EXIT_DATA;
    int rc = 0;
    struct diag_list dl = { 0 };
    if (list) {
        rc = list_accounts(r, format ? format : "table");
    } else if (!strcmp(verb, "disable")) {
        long long ended = 0;
        if (accounts_disable(r, name, who.name, &ended, &dl) != 0)
            rc = EXIT_DATA;
        else
            printf("account '%s' is disabled; %lld session%s ended\n", name, ended, ended == 1 ? "" : "s");
    } else {
        char pw[ACCOUNT_PASSWORD_MAX + 2];
        long long ended = 0;
        if (read_password(name, pw, sizeof pw) != 0) {
            rc = EXIT_DATA;
        } else if (!strcmp(verb, "add")) {
            if (accounts_add(r, name, role, pw, who.name, &dl) != 0)
                rc = EXIT_DATA;
            else
                printf("account '%s' added, role %s\n", name, role_name(role));
        } else if (accounts_set_password(r, name, pw, who.name, &ended, &dl) != 0) {
            rc = EXIT_DATA;
        } else {
            printf("password of '%s' changed; %lld session%s ended\n", name, ended, ended == 1 ? "" : "s");
        }
        wipe(pw, sizeof pw);
    }
    if (dl.n)
        cli_print_diags(&dl, 10);
    diag_list_free(&dl);
    register_close(r);
    return rc;
}
