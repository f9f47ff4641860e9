#include "settings.h"

#include <errno.h>
#include <pwd.h>
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

const char *settings_actor(const char *opt)
{
    if (opt && *opt)
        return opt;
    const char *u = getenv("REGENQUOTE_USER");
    if (u && *u)
        return u;
    u = getenv("USER");
    if (u && *u)
        return u;
    struct passwd *pw = getpwuid(getuid());
    return pw && pw->pw_name ? pw->pw_name : "unknown";
}

int settings_today(rq_date *out, struct diag_list *dl)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end;
        errno = 0;
        long long t = strtoll(sde, &end, 10);
        if (errno || *end || t < 0 || t > 7258118400LL) {
            diag_error(dl, NULL, NULL, "SOURCE_DATE_EPOCH '%.20s' is not a Unix time; unset it or give seconds since 1970", sde);
            return -1;
        }
        *out = date_from_unix(t);
        return 0;
    }
    *out = date_from_unix((int64_t)time(NULL));
    return 0;
}
