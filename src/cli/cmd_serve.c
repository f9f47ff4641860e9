/* `regenquote serve`: runs the server program, regenquote-serve. */
#include "cli.h"
#include "commands.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- serve ----------------------------------------------------------------------- */

/* `regenquote serve` is the program regenquote-serve (only it loads the HTTP
 * server's libraries): $REGENQUOTE_SERVE_BIN, else the one beside this
 * program, else the installed one.  It replaces this process, so signals
 * and the exit status are its own. */
int cmd_serve(int argc, char **argv)
{
    /* the front desk issues quotes: it does not start on a date away from
     * the clock (settings_issue_date) */
    bool help = false;
    for (int i = 1; i < argc; i++)
        help |= !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h");
    rq_date today;
    if (!help && cli_issue_date(&today) != 0)
        return EXIT_USAGE;
    char path[4096] = "";
    const char *env = getenv("REGENQUOTE_SERVE_BIN");
    if (env && *env) {
        snprintf(path, sizeof path, "%s", env);
    } else {
        ssize_t n = readlink("/proc/self/exe", path, sizeof path - 32);
        char *slash = n > 0 ? (path[n] = '\0', strrchr(path, '/')) : NULL;
        if (slash)
            snprintf(slash + 1, sizeof path - (size_t)(slash + 1 - path), "regenquote-serve");
        if (!slash || access(path, X_OK) != 0)
            snprintf(path, sizeof path, "%s", RQ_LIBEXECDIR "/regenquote-serve");
    }
    fflush(stdout);
    fflush(stderr);
    execv(path, argv);
    fprintf(stderr, "regenquote: cannot start the front desk server '%s': %s; 'make' builds it\n", path,
            strerror(errno));
    return EXIT_DATA;
}

