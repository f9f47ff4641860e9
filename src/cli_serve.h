/* cli_serve — `regenquote serve`: the front desk in a browser.  Options,
 * messages and signal handling over the server module (src/server.h). */
#ifndef RQ_CLI_SERVE_H
#define RQ_CLI_SERVE_H

/* Run the server until Ctrl-C (SIGINT) or SIGTERM; returns the exit status
 * (0 after a clean stop, 1 when it cannot start, 2 on a usage error). */
int cli_serve(int argc, char **argv);

/* The folder of the page's files: the option, $REGENQUOTE_WEB, ./web (when
 * it holds index.html), the installed copy; NULL when none exists. */
const char *cli_web_dir(const char *opt);

#endif
