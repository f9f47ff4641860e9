/* settings — where a front end finds its files, decided the same way for
 * the command line and the server: an explicit value (an option), else an
 * environment variable, else the local default when it exists, else the
 * installed copy; and which operating-system account is working.  Never
 * prints.
 *
 * Memory: every returned string is the argument, an environment value or a
 * constant; none is to be freed, and an environment value lives until the
 * variable is changed. */
#ifndef RQ_SETTINGS_H
#define RQ_SETTINGS_H

#include "date.h"
#include "diag.h"

/* The price tables: opt, $REGENQUOTE_PRICES, ./pricing, the installed copy. */
const char *settings_prices_dir(const char *opt);
/* The document wording: opt, $REGENQUOTE_TEMPLATES, ./templates, the installed copy. */
const char *settings_templates_dir(const char *opt);
/* The register: opt, $REGENQUOTE_REGISTER, out/register.db. */
const char *settings_register_path(const char *opt);
/* Where issued PDFs go: opt, $REGENQUOTE_OUT, out. */
const char *settings_out_dir(const char *opt);
/* The front desk's page: opt, $REGENQUOTE_WEB, ./web (when it holds
 * index.html), the installed copy; NULL when none exists. */
const char *settings_web_dir(const char *opt);
/* The front desk (a name for this machine or counter), kept with each
 * quote it issues: opt, $REGENQUOTE_DESK, else NULL. */
const char *settings_desk(const char *opt);
/* Who is working on the command line, for the register's history: the
 * name of the operating-system account running it (getpwuid(getuid())),
 * or "uid:N" when it has none.  Not an option or a variable: the history
 * names who did it, not who they say they are.  The string is kept in a
 * static buffer (the first call fills it). */
const char *settings_os_account(void);

/* Today's date, or the one SOURCE_DATE_EPOCH fixes (reproducible runs):
 * what reading and pricing use (price, list, show, prices, batch without
 * --issue).  Returns 0, or -1 with a diagnostic when SOURCE_DATE_EPOCH is
 * not a Unix time. */
int settings_today(rq_date *out, struct diag_list *dl);

/* The date an issuing command gives what it records: a quote (quote,
 * revise, batch --issue, the front desk's issuing) or a change of status
 * (void, accept).  A quote is a legal estimate, dated by the clock: a
 * SOURCE_DATE_EPOCH more than one day away from the clock's date is refused
 * (-1, with a diagnostic naming both dates and how to go on) instead of
 * back- or forward-dating it; within a day it is honoured (time zones, a
 * reproducible run near midnight).  Returns 0 with the date, or -1.
 * In the test build (RQ_TEST_BUILD) SOURCE_DATE_EPOCH is honoured
 * whatever its date, so the tests keep their fixed dates. */
int settings_issue_date(rq_date *out, struct diag_list *dl);

#endif
