/* settings — where a front end finds its files and who is working, decided
 * the same way for the command line and the server: an explicit value (an
 * option), else an environment variable, else the local default when it
 * exists, else the installed copy.  Never prints.
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
/* Who is working, for the register's history: opt, $REGENQUOTE_USER, $USER,
 * the operating-system account, "unknown". */
const char *settings_actor(const char *opt);

/* Today's date, or the one SOURCE_DATE_EPOCH fixes (reproducible runs).
 * Returns 0, or -1 with a diagnostic when SOURCE_DATE_EPOCH is not a Unix
 * time. */
int settings_today(rq_date *out, struct diag_list *dl);

#endif
