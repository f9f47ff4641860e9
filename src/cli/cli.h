/* cli — the command-line front end: option parsing, messages, exit codes.
 * All work is done by the core (src/core); the CLI prints.
 * Exit status: 0 success, 1 bad input or data, 2 usage.
 *
 * Besides cli_main() (cli.c: the command table), this header offers the
 * command files (cmd_*.c, commands.h) the helpers every command shares
 * (cli_common.c), so each rule is written once. */
#ifndef RQ_CLI_H
#define RQ_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "date.h"
#include "diag.h"
#include "plan.h"
#include "register.h"
#include "roles.h"

#define RQ_VERSION "0.2.0"
#define EXIT_DATA 1
#define EXIT_USAGE 2

int cli_main(int argc, char **argv);

/* The end of every command: flush and close standard output.  A failed
 * write or close (a full disk, a closed pipe end, a quota) is reported on
 * stderr and turns a status of 0 into EXIT_DATA; a command that already
 * failed keeps its status and its own message.  Returns the status. */
int cli_close_stdout(int status);

/* Print diagnostics to stderr, one line each as "regenquote: …" (at most max). */
void cli_print_diags(const struct diag_list *dl, size_t max);
/* Print "regenquote CMD: MESSAGE; see 'regenquote CMD --help'"; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));


/* Load the price tables from cli_prices_dir(opt) with the prices in force
 * on `on`; print the problems.  Returns 0 or EXIT_DATA (*pt is always safe
 * to price_table_free). */
struct price_table;
int cli_load_tables(struct price_table *pt, const char *opt, rq_date on);

/* Today, or the date SOURCE_DATE_EPOCH fixes (reading and pricing
 * commands). Returns 0, or prints why and returns -1. */
int cli_today(rq_date *out);
/* The date issuing commands record (settings_issue_date: the clock's; a
 * SOURCE_DATE_EPOCH more than a day away is refused). Returns 0, or prints
 * why and returns -1. */
int cli_issue_date(rq_date *out);

/* Help text of the issuing commands about their date. */
extern const char CLI_ISSUE_DATE_HELP[];

/* Plan options (--source, --area, …) shared by price, quote and revise. */
#define CLI_OPT_PLAN_BASE 512
/* Append the plan options to opts at index n; returns the new count. */
size_t cli_add_plan_options(struct option *opts, size_t n);
/* The plan part of a command line, collected before anything is loaded. */
struct cli_plan_args {
    const char *request;         /* REQUEST.json or NULL */
    struct {
        int idx;
        const char *val;
    } opt[256];
    size_t n;
};
/* Record getopt's value c if it is a plan option: 1 taken, 0 not a plan
 * option, -1 too many options. */
int cli_plan_arg(struct cli_plan_args *a, int c, const char *optarg);
/* Build the plan: the request file (if any), then the options.  Returns 0,
 * EXIT_DATA or EXIT_USAGE after printing the problems. */
int cli_build_plan(const struct cli_plan_args *a, struct plan *p);
/* Help text for the plan options. */
extern const char CLI_PLAN_HELP[];

/* ---- who is working (cli_access.c) ---------------------------------------- */

/* The operating-system account running the command and its role in a
 * register: its owner may do everything; another account has the role of
 * the enabled staff account of the same name, else none. */
struct cli_caller {
    char name[64];               /* settings_os_account(): recorded as the actor */
    bool owner;                  /* owns the register's file */
    bool has_account, disabled;  /* a staff account of that name */
    enum role role;              /* what it may do (the owner: manager and more) */
};
/* Decide who the caller is for the register r opened from register_path. */
void cli_caller(struct reg *r, const char *register_path, struct cli_caller *c);
/* May the caller take action a? */
bool cli_may(const struct cli_caller *c, enum staff_action a);
/* 0 when the caller may take action a; else print which role it needs and
 * why the caller has none ("regenquote CMD: voiding a quote needs the
 * manager role; …") and return EXIT_DATA. */
int cli_require(const struct cli_caller *c, enum staff_action a, const char *cmd);

/* ---- output helpers (cli_common.c) ------------------------------------------ */

/* s as one CSV field (RFC 4180: quoted when needed; a cell a spreadsheet
 * would run as a formula neutralised, csv_cell.h), then ',' or, when last,
 * a newline. */
void cli_csv(FILE *out, const char *s, bool last);
/* s left-aligned in width characters (UTF-8 aware, cut if longer), then a space. */
void cli_cell(FILE *out, const char *s, size_t width);

#endif
