#include "settings.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef RQ_DATADIR
#define RQ_DATADIR "/usr/local/share/regenquote"
#endif

/* opt, else $env, else local if probe exists (or no probe), else installed. */
static const char *locate(const char *opt, const char *env, const char *local, const char *probe,
                          const char *installed)
{
    if (opt)
        return opt;
    const char *e = getenv(env);
    if (e && *e)
        return e;
    struct stat st;
    if (!probe || stat(probe, &st) == 0)
        return local;
    return installed;
}

const char *settings_prices_dir(const char *opt)
{
    return locate(opt, "REGENQUOTE_PRICES", "pricing", "pricing/catalog.json", RQ_DATADIR "/pricing");
}

const char *settings_templates_dir(const char *opt)
{
    return locate(opt, "REGENQUOTE_TEMPLATES", "templates", "templates/en", RQ_DATADIR "/templates");
}

const char *settings_register_path(const char *opt)
{
    return locate(opt, "REGENQUOTE_REGISTER", "out/register.db", NULL, NULL);
}

const char *settings_out_dir(const char *opt)
{
    return locate(opt, "REGENQUOTE_OUT", "out", NULL, NULL);
}

const char *settings_web_dir(const char *opt)
{
    if (opt && *opt)
        return opt;
    const char *e = getenv("REGENQUOTE_WEB");
    if (e && *e)
        return e;
    struct stat st;
    if (stat("web/index.html", &st) == 0)
        return "web";
    if (stat(RQ_DATADIR "/web/index.html", &st) == 0)
        return RQ_DATADIR "/web";
    return NULL;
}

const char *settings_desk(const char *opt)
{
    if (opt && *opt)
        return opt;
    const char *e = getenv("REGENQUOTE_DESK");
    return e && *e ? e : NULL;
}

const char *settings_os_account(void)
{
    static char name[64];
    if (!name[0]) {
        struct passwd *pw = getpwuid(getuid());
        if (pw && pw->pw_name && *pw->pw_name)
            snprintf(name, sizeof name, "%s", pw->pw_name);
        else
            snprintf(name, sizeof name, "uid:%lu", (unsigned long)getuid());
    }
    return name;
}

/* SOURCE_DATE_EPOCH as a date: 1 and *out when it is set, 0 when it is
 * not, -1 with a diagnostic when it is not a Unix time. */
static int source_date(rq_date *out, struct diag_list *dl)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (!sde || !*sde)
        return 0;
    char *end;
    errno = 0;
    long long t = strtoll(sde, &end, 10);
    if (errno || *end || t < 0 || t > 7258118400LL) {
        diag_error(dl, NULL, NULL, "SOURCE_DATE_EPOCH '%.20s' is not a Unix time; unset it or give seconds since 1970", sde);
        return -1;
    }
    *out = date_from_unix(t);
    return 1;
}

int settings_today(rq_date *out, struct diag_list *dl)
{
    int set = source_date(out, dl);
    if (set < 0)
        return -1;
    if (!set)
        *out = date_from_unix((int64_t)time(NULL));
    return 0;
}

int settings_issue_date(rq_date *out, struct diag_list *dl)
{
    rq_date clock = date_from_unix((int64_t)time(NULL));
    int set = source_date(out, dl);
    if (set < 0)
        return -1;
    if (!set) {
        *out = clock;
        return 0;
    }
#ifndef RQ_TEST_BUILD
    if (*out - clock > 1 || clock - *out > 1) {
        char fixed[11], today[11];
        diag_error(dl, NULL, NULL,
                   "SOURCE_DATE_EPOCH dates this run %s, but the clock says %s; a quote is a legal estimate "
                   "issued on today's date: unset SOURCE_DATE_EPOCH (it is for reproducible 'price' output) "
                   "and run again",
                   date_iso(*out, fixed), date_iso(clock, today));
        return -1;
    }
#endif
    return 0;
}
