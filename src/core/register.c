/* register — what the register means, whatever stores it.
 *
 * The numbering policy, the status rules, the supersede chain, what an
 * entry keeps and the repair of the PDF copies live here; storage is
 * reached only through a struct reg_engine (register_engine.h), chosen by
 * the register's locator in engine_for(). */
#include "register.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "money.h"
#include "outfile.h"
#include "register_engine.h"
#include "register_int.h"
#include "sha256.h"
#include "textfold.h"


/* ---- engines -------------------------------------------------------------- */

/* Every storage engine this build has.  A locator "scheme://…" selects the
 * engine with that scheme; anything else is a file path, for the engine
 * without one.  A new engine is its file and one line here. */
static const struct reg_engine *const ENGINES[] = {
    &reg_engine_sqlite,
    &reg_engine_pg,
};
#define N_ENGINES (sizeof ENGINES / sizeof ENGINES[0])

/* The length of locator's URI scheme (RFC 3986: a letter, then letters,
 * digits, '+', '-', '.'), when it is followed by "://"; else 0. */
static size_t scheme_len(const char *locator)
{
    size_t i = 0;
    if (!((locator[0] >= 'A' && locator[0] <= 'Z') || (locator[0] >= 'a' && locator[0] <= 'z')))
        return 0;
    while ((locator[i] >= 'A' && locator[i] <= 'Z') || (locator[i] >= 'a' && locator[i] <= 'z') ||
           (locator[i] >= '0' && locator[i] <= '9') || locator[i] == '+' || locator[i] == '-' ||
           locator[i] == '.')
        i++;
    return strncmp(locator + i, "://", 3) ? 0 : i;
}

bool register_locator_is_path(const char *locator)
{
    return scheme_len(locator) == 0;
}

/* Whether the n-character scheme at locator is s (any case). */
static bool scheme_is(const char *s, const char *locator, size_t n)
{
    return s && strlen(s) == n && !strncasecmp(s, locator, n);
}

char *register_locator_display(const char *locator, char *out, size_t size)
{
    size_t n = scheme_len(locator);
    if (!n) {
        snprintf(out, size, "%s", locator);
        return out;
    }
    /* scheme://[userinfo@]hostport[/path][?query][#fragment]; a password
     * written without percent-encoding may hold '@', '/' or ':', so the
     * user information ends at the last '@' before the query */
    const char *auth = locator + n + 3, *host = auth;
    for (const char *p = auth; *p && *p != '?' && *p != '#'; p++)
        if (*p == '@')
            host = p + 1;
    size_t host_len = strcspn(host, "/?#");
    const char *path = host + host_len;
    size_t path_len = *path == '/' ? strcspn(path, "?#") : 0;
    int o = snprintf(out, size, "%.*s://%.*s%.*s", (int)n, locator, (int)host_len, host, (int)path_len, path);
    /* of the query, only where the database is: host, port, dbname */
    const char *q = path + path_len;
    char sep = '?';
    if (*q == '?') {
        for (const char *p = q + 1; *p && *p != '#';) {
            size_t len = strcspn(p, "&#");
            if ((len > 5 && !strncmp(p, "host=", 5)) || (len > 5 && !strncmp(p, "port=", 5)) ||
                (len > 7 && !strncmp(p, "dbname=", 7))) {
                if (o >= 0 && (size_t)o < size)
                    o += snprintf(out + o, size - (size_t)o, "%c%.*s", sep, (int)len, p);
                sep = '&';
            }
            p += len;
            if (*p == '&')
                p++;
        }
    }
    return out;
}

static const struct reg_engine *engine_for(const char *locator, struct diag_list *dl)
{
    size_t n = scheme_len(locator);
    for (size_t i = 0; i < N_ENGINES; i++) {
        const struct reg_engine *e = ENGINES[i];
        if (n ? scheme_is(e->scheme, locator, n) || scheme_is(e->alias, locator, n) : !e->scheme)
            return e;
    }
    /* the locator itself is not repeated: it may carry a password */
    char known[200] = "a file path";
    for (size_t i = 0; i < N_ENGINES; i++)
        if (ENGINES[i]->scheme)
            snprintf(known + strlen(known), sizeof known - strlen(known), " or a %s:// locator",
                     ENGINES[i]->scheme);
    if (n)
        diag_error(dl, NULL, NULL, "cannot open the register: no storage engine serves '%.*s://' locators; give %s",
                   (int)(n > 20 ? 20 : n), locator, known);
    else
        diag_error(dl, NULL, NULL, "cannot open the register: no storage engine takes a file path; give %s",
                   known);
    return NULL;
}

bool register_is_owner(struct reg *r)
{
    struct diag_list ignored = { 0 };
    int rc = r->eng->is_owner(r->s, &ignored);
    diag_list_free(&ignored);
    return rc == 1;
}

const char *register_engine_name(const struct reg *r)
{
    return r->eng->name;
}

const struct reg_engine *register_engine_of(struct reg *r, struct reg_store **s)
{
    *s = r->s;
    return r->eng;
}

/* ---- opening and the schema ------------------------------------------------ */

static void now_iso(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Append an event, now, to the history and its audit chain (in a
 * transaction). */
int reg_add_event(struct reg *r, const char *number, const char *action, const char *detail,
                  const char *actor, struct diag_list *dl)
{
    char at[32];
    now_iso(at);
    struct reg_new_event ev = {
        .number = number, .at = at, .actor = actor ? actor : "unknown", .action = action, .detail = detail,
    };
    return audit_append(r, &ev, dl);
}

static const char *pattern_problem(const char *p);

/* A new register id: 16 bytes from the operating system's random source,
 * as 32 hex digits. */
static int new_register_id(char out[33], struct diag_list *dl)
{
    unsigned char b[16];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            diag_error(dl, NULL, NULL, "cannot make a register id: no random numbers from the system: %s",
                       strerror(errno));
            return -1;
        }
        got += (size_t)n;
    }
    for (size_t i = 0; i < sizeof b; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    return 0;
}

static void no_register(const char *locator, struct diag_list *dl)
{
    /* a locator with a scheme is shown without its password or user */
    char shown[512];
    register_locator_display(locator, shown, sizeof shown);
    diag_error(dl, shown, NULL, "there is no register here; check --register and $REGENQUOTE_REGISTER, "
                                "or create one with 'regenquote init --register %s'", shown);
}

/* What creating a register stores besides its schema. */
struct create_opts {
    const char *pattern;          /* NULL: the default */
    const char *actor;
    const char *id;               /* the id to give it (a copy's), or NULL: a new one */
};

/* Bring the schema to version `target` in one transaction.  Creating (the
 * storage must be new: schema 0), c given records the creation; opening,
 * storage that holds no register yet is refused (no_register) and one
 * written by a newer regenquote is refused unchanged; an existing register
 * brought up to date records a `migrated` event.  At the current version a
 * register without an id gets one, as it is created or on the first open
 * by a regenquote that knows ids.  r->id is then set. */
static int migrate(struct reg *r, int target, bool creating, const struct create_opts *c, struct diag_list *dl)
{
    int v;
    char *id = NULL;
    /* up to date, with its id (nearly always): nothing to write, so no
     * writer lock — every front desk opens the register for each request */
    if (!creating && target == REGISTER_SCHEMA_VERSION) {
        struct diag_list ignored = { 0 };
        if (r->eng->schema_version(r->s, &v, &ignored) == 0 && v == target &&
            r->eng->get_id(r->s, &id, &ignored) == 0 && id) {
            diag_list_free(&ignored);
            free(r->id);
            r->id = id;
            return 0;
        }
        diag_list_free(&ignored);
        free(id);
        id = NULL;
    }
    if (r->eng->begin(r->s, dl) != 0)
        return -1;
    if (r->eng->schema_version(r->s, &v, dl) != 0)
        goto fail;
    if (v == 0 && !creating) {
        no_register(r->locator, dl);
        goto fail;
    }
    if (v > 0 && creating) {
        diag_error(dl, r->locator, NULL, "is a register already; nothing was changed");
        goto fail;
    }
    if (v > REGISTER_SCHEMA_VERSION) {
        diag_error(dl, r->locator, NULL,
                   "was written by a newer regenquote (schema %d; this one knows %d); upgrade regenquote",
                   v, REGISTER_SCHEMA_VERSION);
        goto fail;
    }
    if (v < target && r->eng->migrate(r->s, v, target, dl) != 0)
        goto fail;
    /* the events of an older register join the audit chain, in order */
    if (v > 0 && v < REGISTER_SCHEMA_AUDIT && target >= REGISTER_SCHEMA_AUDIT && audit_chain_existing(r, dl) != 0)
        goto fail;
    if (v > 0 && v < target && target == REGISTER_SCHEMA_VERSION) {
        char detail[64];
        snprintf(detail, sizeof detail, "schema %d to %d", v, target);
        if (reg_add_event(r, "-", "migrated", detail, "regenquote", dl) != 0)
            goto fail;
    }
    if (target == REGISTER_SCHEMA_VERSION) {
        if (r->eng->get_id(r->s, &id, dl) != 0)
            goto fail;
        if (!id) {
            char fresh[33], detail[64];
            if (c && c->id)
                snprintf(fresh, sizeof fresh, "%.32s", c->id);
            else if (new_register_id(fresh, dl) != 0)
                goto fail;
            if (r->eng->set_id(r->s, fresh, dl) != 0 ||
                !(id = strdup(fresh)))
                goto fail;
            snprintf(detail, sizeof detail, "register %s", fresh);
            if (!creating && reg_add_event(r, "-", "register id", fresh, "regenquote", dl) != 0)
                goto fail;
            if (c && reg_add_event(r, "-", "created", detail, c->actor, dl) != 0)
                goto fail;
        }
        if (c && c->pattern &&
            (r->eng->set_pattern(r->s, c->pattern, dl) != 0 ||
             reg_add_event(r, "-", "number pattern", c->pattern, c->actor, dl) != 0))
            goto fail;
    }
    if (r->eng->commit(r->s, dl) != 0)
        goto fail;
    free(r->id);
    r->id = id;
    return 0;
fail:
    r->eng->rollback(r->s);
    free(id);
    return -1;
}

/* Connect to the storage at locator: 0, 1 when there is none and create
 * is false (no diagnostic), -1. */
static int open_store(struct reg **out, const char *locator, bool create, struct diag_list *dl)
{
    *out = NULL;
    const struct reg_engine *eng = engine_for(locator, dl);
    if (!eng)
        return -1;
    struct reg *r = calloc(1, sizeof *r);
    char shown[512];
    /* messages name the register without the password a locator may hold */
    register_locator_display(locator, shown, sizeof shown);
    if (!r || !(r->locator = strdup(shown))) {
        free(r);
        diag_error(dl, shown, NULL, "out of memory");
        return -1;
    }
    r->eng = eng;
    int rc = eng->open(&r->s, locator, create, dl);
    if (rc != 0) {
        register_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

int register_open(struct reg **out, const char *path, struct diag_list *dl)
{
    int rc = open_store(out, path, false, dl);
    if (rc == 1)
        no_register(path, dl);
    if (rc != 0)
        return -1;
    if (migrate(*out, REGISTER_SCHEMA_VERSION, false, NULL, dl) != 0) {
        register_close(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int register_create(struct reg **out, const char *path, const char *pattern, const char *actor,
                    struct diag_list *dl)
{
    *out = NULL;
    const char *why = pattern ? pattern_problem(pattern) : NULL;
    if (why) {
        diag_error(dl, NULL, "--number-pattern", "'%.40s' %s", pattern, why);
        return -1;
    }
    if (open_store(out, path, true, dl) != 0)
        return -1;
    struct create_opts c = { .pattern = pattern, .actor = actor ? actor : "unknown" };
    if (migrate(*out, REGISTER_SCHEMA_VERSION, true, &c, dl) != 0) {
        register_close(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int register_open_copy_target(struct reg **out, const char *path, const char *id, const char *actor,
                              struct diag_list *dl)
{
    *out = NULL;
    if (open_store(out, path, true, dl) != 0)
        return -1;
    int v;
    int rc = (*out)->eng->schema_version((*out)->s, &v, dl);
    if (rc == 0) {
        struct create_opts c = { .actor = actor ? actor : "unknown", .id = id };
        rc = migrate(*out, REGISTER_SCHEMA_VERSION, v == 0, v == 0 ? &c : NULL, dl);
    }
    if (rc != 0) {
        register_close(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int register_create_at_version(const char *path, int version, struct diag_list *dl)
{
    if (version < 0 || version > REGISTER_SCHEMA_VERSION) {
        char shown[512];
        diag_error(dl, register_locator_display(path, shown, sizeof shown), NULL,
                   "there is no register schema %d (this regenquote knows 0 to %d)", version,
                   REGISTER_SCHEMA_VERSION);
        return -1;
    }
    struct reg *r;
    if (open_store(&r, path, true, dl) != 0)
        return -1;
    int rc = migrate(r, version, true, NULL, dl);
    register_close(r);
    return rc;
}

const char *register_id(const struct reg *r)
{
    return r->id;
}

void register_close(struct reg *r)
{
    if (!r)
        return;
    if (r->s)
        r->eng->close(r->s);
    free(r->locator);
    free(r->id);
    free(r);
}

/* ---- numbers ------------------------------------------------------------ */

/* Why p is not a number pattern (words that follow it in a message), or
 * NULL when it is one. */
static const char *pattern_problem(const char *p)
{
    static const char not_one[] =
        "is not a number pattern; use letters, digits, '-', '_', '.', {year} and {seq} or {seq:N}, such as "
        REGISTER_DEFAULT_PATTERN;
    bool seq = false, year = false;
    size_t n = strlen(p);
    if (n == 0 || n > 40 || p[0] == '.')
        return not_one;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '{') {
            const char *close = strchr(p + i, '}');
            if (!close)
                return not_one;
            size_t len = (size_t)(close - (p + i)) + 1;
            if (len == 6 && !strncmp(p + i, "{year}", 6)) {
                year = true;
            } else if (len == 5 && !strncmp(p + i, "{seq}", 5)) {
                seq = true;
            } else if (len == 7 && !strncmp(p + i, "{seq:", 5) && p[i + 5] >= '1' && p[i + 5] <= '9') {
                seq = true;
            } else {
                return not_one;
            }
            i += len - 1;
        } else if (!(p[i] == '-' || p[i] == '_' || p[i] == '.' || (p[i] >= '0' && p[i] <= '9') ||
                     (p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z'))) {
            return not_one;
        }
    }
    if (!seq)
        return not_one;
    if (!year)
        return "has no {year}: the counter starts again at 1 each year, so without the year numbers would "
               "repeat; use a pattern such as " REGISTER_DEFAULT_PATTERN;
    return NULL;
}

bool register_pattern_ok(const char *p)
{
    return pattern_problem(p) == NULL;
}

void reg_format_number(const char *pat, int year, long long seq, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; pat[i] && o + 1 < size; i++) {
        if (!strncmp(pat + i, "{year}", 6)) {
            o += (size_t)snprintf(out + o, size - o, "%04d", year);
            i += 5;
        } else if (!strncmp(pat + i, "{seq}", 5)) {
            o += (size_t)snprintf(out + o, size - o, "%lld", seq);
            i += 4;
        } else if (!strncmp(pat + i, "{seq:", 5)) {
            o += (size_t)snprintf(out + o, size - o, "%0*lld", pat[i + 5] - '0', seq);
            i += 6;
        } else {
            out[o++] = pat[i];
        }
        if (o >= size)
            o = size - 1;
    }
    out[o] = '\0';
}

/* Match number from s against pattern from p: {year} takes 4 digits,
 * {seq}/{seq:N} one or more (trying the longest first). */
static bool match_number(const char *p, const char *s, int *year, long long *seq)
{
    if (!*p)
        return !*s;
    if (!strncmp(p, "{year}", 6)) {
        int y = 0;
        for (int i = 0; i < 4; i++) {
            if (s[i] < '0' || s[i] > '9')
                return false;
            y = y * 10 + (s[i] - '0');
        }
        *year = y;
        return match_number(p + 6, s + 4, year, seq);
    }
    if (!strncmp(p, "{seq", 4)) {
        const char *after = strchr(p, '}') + 1;
        size_t digits = 0;
        while (digits < 18 && s[digits] >= '0' && s[digits] <= '9')
            digits++;
        for (size_t k = digits; k >= 1; k--) {
            long long v = 0;
            for (size_t i = 0; i < k; i++)
                v = v * 10 + (s[i] - '0');
            if (match_number(after, s + k, year, seq)) {
                *seq = v;
                return true;
            }
        }
        return false;
    }
    return *p == *s && match_number(p + 1, s + 1, year, seq);
}

bool reg_number_parse(const char *pattern, const char *number, int *year, long long *seq)
{
    int y = 0;
    long long q = 0;
    char again[128];
    if (!match_number(pattern, number, &y, &q) || y < 1 || q < 1)
        return false;
    /* the same number back from (year, seq): padding and repeats agree */
    reg_format_number(pattern, y, q, again, sizeof again);
    if (strcmp(again, number) != 0)
        return false;
    *year = y;
    *seq = q;
    return true;
}

char *register_pattern(struct reg *r)
{
    struct diag_list ignored = { 0 };
    char *p = NULL;
    r->eng->get_pattern(r->s, &p, &ignored);
    diag_list_free(&ignored);
    return p ? p : strdup(REGISTER_DEFAULT_PATTERN);
}

int register_set_pattern(struct reg *r, const char *pattern, const char *actor,
                         struct diag_list *dl)
{
    const char *why = pattern_problem(pattern);
    if (why) {
        diag_error(dl, NULL, "--number-pattern", "'%.40s' %s", pattern, why);
        return -1;
    }
    char *old = register_pattern(r);
    bool same = old && !strcmp(old, pattern);
    free(old);
    if (same)
        return 0;
    if (r->eng->begin(r->s, dl) != 0)
        return -1;
    if (r->eng->set_pattern(r->s, pattern, dl) != 0 || reg_add_event(r, "-", "number pattern", pattern, actor, dl) != 0) {
        r->eng->rollback(r->s);
        return -1;
    }
    return r->eng->commit(r->s, dl);
}

#ifdef RQ_TEST_BUILD
void register_fault_point(const char *name)
{
    const char *f = getenv("REGENQUOTE_FAULT");
    if (f && !strcmp(f, name))
        kill(getpid(), SIGKILL);
}
#endif

/* ---- issuing ------------------------------------------------------------ */

/* The search key of a name (textfold.h), malloc'd; NULL for no name, or
 * with *oom set when out of memory. */
static char *name_key(const char *name, bool *oom)
{
    if (!name)
        return NULL;
    size_t n = strlen(name);
    char *key = malloc(n + 1);
    if (!key)
        *oom = true;
    else
        textfold(name, n, key);
    return key;
}

/* Mark `old` superseded by `number`; it must be issued or accepted. */
static int supersede(struct reg *r, const char *old, const char *number, const char *actor,
                     struct diag_list *dl)
{
    struct reg_entry e;
    int g = r->eng->get(r->s, old, false, &e, dl);
    if (g != 0) {
        if (g == 1)
            diag_error(dl, NULL, NULL, "there is no quote %s in the register", old);
        return -1;
    }
    int rc = -1;
    if (strcmp(e.status, "issued") != 0 && strcmp(e.status, "accepted") != 0) {
        diag_error(dl, NULL, NULL, "quote %s is %s; only an issued or accepted quote can be revised",
                   old, e.status);
    } else if (r->eng->set_status(r->s, old, "superseded", number, dl) == 0) {
        char detail[128];
        snprintf(detail, sizeof detail, "by %s", number);
        rc = reg_add_event(r, old, "superseded", detail, actor, dl);
    }
    reg_entry_free(&e);
    return rc;
}

int register_issue(struct reg *r, const struct reg_issue *in, reg_render_fn render, void *ctx,
                   char **number_out, struct diag_list *dl)
{
    *number_out = NULL;
    int y, m, d;
    date_ymd(in->issued, &y, &m, &d);
    bool oom = false;
    char *pattern = register_pattern(r), *key = name_key(in->patient_name, &oom);
    if (!pattern || oom) {
        diag_error(dl, r->locator, NULL, "out of memory");
        free(pattern);
        free(key);
        return -1;
    }
    if (r->eng->begin(r->s, dl) != 0) {
        free(pattern);
        free(key);
        return -1;
    }
    if (in->idempotency_key) {
        /* under the writer lock: a key seen here cannot be issued meanwhile */
        char *had = NULL;
        int k = r->eng->find_key(r->s, in->idempotency_key, &had, dl);
        if (k != 1) {
            r->eng->rollback(r->s);
            free(pattern);
            free(key);
            *number_out = had;
            return k == 0 ? 1 : -1;
        }
    }
    const unsigned char *pdf = NULL;
    size_t pdf_len = 0;
    long long seq;
    char number[96];
    if (r->eng->next_seq(r->s, y, &seq, dl) != 0)
        goto fail;
    reg_format_number(pattern, y, seq, number, sizeof number);
    int used = r->eng->has_quote(r->s, number, dl);
    if (used != 0) {
        if (used == 1)
            diag_error(dl, r->locator, NULL,
                       "the number pattern '%s' gives %s, which is already used; set a pattern that cannot "
                       "give an earlier number, such as " REGISTER_DEFAULT_PATTERN,
                       pattern, number);
        goto fail;
    }
    /* numbers only go up, even past a restored or swapped register: the
     * folder remembers what was given out from it */
    if (in->out_dir && reg_folder_check(r, in->out_dir, y, seq, number, dl) != 0)
        goto fail;
    register_fault_point("after-number");
    if (render(ctx, number, &pdf, &pdf_len, dl) != 0)
        goto fail;
    register_fault_point("after-render");
    struct reg_tables tables = {
        .sha256 = in->tables_sha256,
        .version = in->tables_version,
        .clinic_json = in->clinic_json,
        .catalog_json = in->catalog_json,
    };
    if (r->eng->put_tables(r->s, &tables, dl) != 0)
        goto fail;
    char pdf_sha[65], issued[11], valid_until[11], scheduled[11], due[11];
    sha256_hex(pdf, pdf_len, pdf_sha);
    struct reg_new_quote q = {
        .number = number,
        .year = y,
        .seq = seq,
        .status = "issued",
        .patient_id = in->patient_id,
        .patient_name = in->patient_name,
        .name_key = key,
        .issued = date_iso(in->issued, issued),
        .valid_until = date_iso(in->valid_until, valid_until),
        .scheduled = in->has_scheduled ? date_iso(in->scheduled, scheduled) : NULL,
        .estimate_due = in->has_scheduled ? date_iso(in->estimate_due, due) : NULL,
        .total_cents = in->total_cents,
        .language = in->language,
        .tables_sha256 = in->tables_sha256,
        .request_json = in->request_json,
        .quote_json = in->quote_json,
        .pdf = pdf,
        .pdf_len = pdf_len,
        .pdf_sha256 = pdf_sha,
        .supersedes = in->supersedes,
        .created_unix = (int64_t)time(NULL),
        .location = in->location,
        .desk = in->desk,
    };
    if (r->eng->insert_quote(r->s, &q, dl) != 0)
        goto fail;
    if (in->idempotency_key && r->eng->set_key(r->s, number, in->idempotency_key, dl) != 0)
        goto fail;
    char detail[200], amount[40];
    money_usd(in->total_cents, amount, sizeof amount);
    snprintf(detail, sizeof detail, "total %s%s%s", amount, in->supersedes ? "; replaces " : "",
             in->supersedes ? in->supersedes : "");
    if (reg_add_event(r, number, "issued", detail, in->actor, dl) != 0)
        goto fail;
    if (in->supersedes && supersede(r, in->supersedes, number, in->actor, dl) != 0)
        goto fail;
    if (r->eng->commit(r->s, dl) != 0)
        goto fail;
    register_fault_point("after-commit");
    if (in->out_dir)
        reg_folder_note(r, in->out_dir, y, seq, dl);
    free(pattern);
    free(key);
    *number_out = strdup(number);
    if (!*number_out) {
        diag_error(dl, r->locator, NULL, "out of memory");
        return -1;
    }
    return 0;
fail:
    r->eng->rollback(r->s);
    free(pattern);
    free(key);
    return -1;
}

/* ---- keeping it -------------------------------------------------------------- */

int register_backup(struct reg *r, const char *dest, struct diag_list *dl)
{
    if (!dest || !*dest) {
        diag_error(dl, NULL, NULL, "give the file to write the backup to");
        return -1;
    }
    return r->eng->backup(r->s, dest, dl);
}

int register_find_key(struct reg *r, const char *key, char **number, struct diag_list *dl)
{
    *number = NULL;
    return r->eng->find_key(r->s, key, number, dl);
}

/* ---- reading ------------------------------------------------------------- */

void reg_entry_free(struct reg_entry *e)
{
    free(e->number); free(e->status); free(e->patient_id); free(e->patient_name);
    free(e->issued); free(e->valid_until); free(e->scheduled); free(e->estimate_due);
    free(e->language); free(e->tables_version); free(e->tables_sha256);
    free(e->supersedes); free(e->superseded_by); free(e->request_json); free(e->quote_json);
    free(e->pdf); free(e->pdf_sha256); free(e->location); free(e->desk);
    memset(e, 0, sizeof *e);
}

void reg_entries_free(struct reg_entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        reg_entry_free(&v[i]);
    free(v);
}

void reg_pdf_refs_free(struct reg_pdf_ref *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].number);
        free(v[i].desk);
    }
    free(v);
}

const char *reg_entry_status(const struct reg_entry *e, rq_date today)
{
    rq_date vu;
    if (e->status && !strcmp(e->status, "issued") && e->valid_until && date_parse(e->valid_until, &vu) &&
        today > vu)
        return "expired";
    return e->status ? e->status : "?";
}

int register_get(struct reg *r, const char *number, bool with_pdf, struct reg_entry *e,
                 struct diag_list *dl)
{
    int rc = r->eng->get(r->s, number, with_pdf, e, dl);
    if (rc == 1)
        diag_error(dl, NULL, NULL, "there is no quote '%.40s' in the register; 'regenquote list' shows them",
                   number);
    return rc;
}

int register_get_tables(struct reg *r, const char *sha256, char **clinic_json,
                        char **catalog_json, struct diag_list *dl)
{
    int rc = r->eng->get_tables(r->s, sha256, clinic_json, catalog_json, dl);
    if (rc == 1)
        diag_error(dl, r->locator, NULL, "the price tables %.12s are missing from the register", sha256);
    return rc == 0 ? 0 : -1;
}

/* Keep in *out only the entries f->undelivered / f->late ask for (the
 * first delivery record decides: none, or a date after estimate_due). */
static int keep_by_delivery(struct reg *r, const struct reg_filter *f, struct reg_entry **out, size_t *n,
                            struct diag_list *dl)
{
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        struct reg_delivery *d = NULL;
        size_t nd = 0;
        if (r->eng->deliveries(r->s, (*out)[i].number, &d, &nd, dl) != 0) {
            for (size_t j = i; j < *n; j++)
                reg_entry_free(&(*out)[j]);
            *n = k;
            return -1;
        }
        bool keep = true;
        if (f->undelivered && nd > 0)
            keep = false;
        if (f->late && (nd == 0 || !(*out)[i].estimate_due || !d[0].at ||
                        strncmp(d[0].at, (*out)[i].estimate_due, 10) <= 0))
            keep = false;
        reg_deliveries_free(d, nd);
        if (keep)
            (*out)[k++] = (*out)[i];
        else
            reg_entry_free(&(*out)[i]);
    }
    *n = k;
    return 0;
}

int register_list(struct reg *r, const struct reg_filter *f, struct reg_entry **out, size_t *n,
                  struct diag_list *dl)
{
    char today[11], from[11], to[11];
    bool oom = false;
    char *key = name_key(f->name, &oom);
    if (oom) {
        diag_error(dl, r->locator, NULL, "out of memory");
        return -1;
    }
    struct reg_query q = {
        .patient_id = f->patient_id,
        .name_key = key,
        .issued_from = f->has_from ? date_iso(f->from, from) : NULL,
        .issued_to = f->has_to ? date_iso(f->to, to) : NULL,
        .status = f->status,
        .location = f->location,
    };
    /* "expired" is not stored: it is an issued quote past its valid-until
     * date (reg_entry_status), so "issued" means one that is not */
    date_iso(f->today, today);
    if (f->status && !strcmp(f->status, "expired")) {
        q.status = "issued";
        q.valid_until_below = today;
    } else if (f->status && !strcmp(f->status, "issued")) {
        q.valid_until_min = today;
    }
    int rc = r->eng->list(r->s, &q, out, n, dl);
    free(key);
    if (rc == 0 && (f->undelivered || f->late))
        rc = keep_by_delivery(r, f, out, n, dl);
    return rc;
}

int register_set_status(struct reg *r, const char *number, const char *status,
                        const char *reason, const char *actor, rq_date today,
                        struct diag_list *dl)
{
    bool to_void = !strcmp(status, "void");
    if (to_void && (!reason || !*reason)) {
        diag_error(dl, NULL, "--reason", "voiding a quote needs a reason");
        return -1;
    }
    if (r->eng->begin(r->s, dl) != 0)
        return -1;
    struct reg_entry e;
    if (register_get(r, number, false, &e, dl) != 0) {
        r->eng->rollback(r->s);
        return -1;
    }
    const char *now = reg_entry_status(&e, today);
    const char *why = NULL;
    if (to_void && (!strcmp(e.status, "void") || !strcmp(e.status, "superseded")))
        why = "it cannot be voided";
    if (!to_void && strcmp(e.status, "issued") != 0)
        why = "only an issued quote can be accepted";
    if (!to_void && !strcmp(now, "expired"))
        why = "it has expired; revise it to issue a new estimate";
    if (why)
        diag_error(dl, NULL, NULL, "quote %s is %s; %s", number, now, why);
    reg_entry_free(&e);
    if (why || r->eng->set_status(r->s, number, to_void ? "void" : "accepted", NULL, dl) != 0 ||
        reg_add_event(r, number, to_void ? "voided" : "accepted", reason, actor, dl) != 0) {
        r->eng->rollback(r->s);
        return -1;
    }
    return r->eng->commit(r->s, dl);
}

void reg_acceptance_free(struct reg_acceptance *a)
{
    if (!a)
        return;
    char *f[] = { a->number, a->signer, a->signed_at, a->witness, a->how, a->notice_state,
                  a->notice_sha256, a->pdf_sha256, a->tables_sha256, a->signature_type,
                  a->accepted_sha256 };
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
        free(f[i]);
    free(a->signature);
    free(a->accepted_pdf);
    memset(a, 0, sizeof *a);
}

int register_accept_signed(struct reg *r, const char *number, const struct reg_acceptance *a,
                           reg_accept_fn copy, void *ctx, rq_date today, struct diag_list *dl)
{
    if (!a->signer || !*a->signer) {
        diag_error(dl, NULL, "signer", "the signer's printed name is missing");
        return -1;
    }
    if (r->eng->begin(r->s, dl) != 0)
        return -1;
    struct reg_entry e;
    if (register_get(r, number, true, &e, dl) != 0) {
        r->eng->rollback(r->s);
        return -1;
    }
    const char *now = reg_entry_status(&e, today), *why = NULL;
    if (!strcmp(now, "void"))
        why = "a void quote cannot be accepted";
    else if (!strcmp(now, "superseded"))
        why = e.superseded_by ? "it was replaced; have the patient sign the quote that replaces it"
                              : "it was replaced";
    else if (!strcmp(now, "expired"))
        why = "it has expired; revise it to issue a new estimate";
    else if (!strcmp(now, "accepted"))
        why = "it is signed already ('regenquote reprint --accepted' gives the accepted copy)";
    else if (strcmp(now, "issued") != 0)
        why = "only an issued quote can be accepted";
    int rc = -1;
    if (why) {
        if (e.superseded_by && !strcmp(now, "superseded"))
            diag_error(dl, NULL, NULL, "quote %s is superseded by %s; %s", number, e.superseded_by, why);
        else
            diag_error(dl, NULL, NULL, "quote %s is %s; %s", number, now, why);
        goto out;
    }
    struct reg_acceptance row = *a;
    row.number = (char *)number;
    row.pdf_sha256 = e.pdf_sha256;
    row.tables_sha256 = e.tables_sha256;
    const unsigned char *pdf = NULL;
    size_t len = 0;
    if (copy(ctx, &e, &row, &pdf, &len, dl) != 0)
        goto out;
    char digest[65];
    sha256_hex(pdf, len, digest);
    row.accepted_pdf = (unsigned char *)pdf;
    row.accepted_len = len;
    row.accepted_sha256 = digest;
    char detail[240];
    snprintf(detail, sizeof detail, "signed %s%s%s%s; accepted copy sha256 %.16s",
             !strcmp(a->how, "paper") ? "on paper" : "on screen",
             a->notice_state ? "; state notice " : "", a->notice_state ? a->notice_state : "",
             a->notice_state && a->consent ? "; signed consent the notice requires" : "", digest);
    if (r->eng->put_acceptance(r->s, &row, dl) != 0 ||
        r->eng->set_status(r->s, number, "accepted", NULL, dl) != 0 ||
        reg_add_event(r, number, "accepted", detail, a->witness, dl) != 0)
        goto out;
    rc = r->eng->commit(r->s, dl);
out:
    if (rc != 0)
        r->eng->rollback(r->s);
    reg_entry_free(&e);
    return rc;
}

int register_get_acceptance(struct reg *r, const char *number, bool with_bytes,
                            struct reg_acceptance *a, struct diag_list *dl)
{
    int rc = r->eng->get_acceptance(r->s, number, with_bytes, a, dl);
    if (rc == 1)
        diag_error(dl, NULL, NULL, "quote %s has no signed acceptance; 'regenquote accept %s --signature FILE "
                   "--signer NAME' records one", number, number);
    return rc;
}

void reg_deliveries_free(struct reg_delivery *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].number);
        free(v[i].how);
        free(v[i].at);
        free(v[i].actor);
        free(v[i].detail);
    }
    free(v);
}

void reg_email_consents_free(struct reg_email_consent *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].number);
        free(v[i].address);
        free(v[i].at);
        free(v[i].actor);
    }
    free(v);
}

bool register_delivery_kind_ok(const char *how)
{
    return how && (!strcmp(how, "paper") || !strcmp(how, "email") || !strcmp(how, "download"));
}

/* Record delivery d of number, one transaction (under the register's
 * writer lock); when once, not if one of the same kind by the same actor is
 * already recorded (then 1).  0 recorded, -1 with a diagnostic. */
static int deliver(struct reg *r, const char *number, const struct reg_delivery *d, bool once, struct diag_list *dl)
{
    if (!register_delivery_kind_ok(d->how)) {
        diag_error(dl, NULL, "how", "'%.20s' is not a way of delivery; expected paper, email or download",
                   d->how ? d->how : "");
        return -1;
    }
    if (r->eng->begin(r->s, dl) != 0)
        return -1;
    int has = r->eng->has_quote(r->s, number, dl);
    if (has == 0)
        diag_error(dl, NULL, NULL, "there is no quote '%s' in the register", number);
    if (has == 1 && once) {
        struct reg_delivery *v = NULL;
        size_t n = 0;
        bool seen = false;
        if (r->eng->deliveries(r->s, number, &v, &n, dl) != 0) {
            r->eng->rollback(r->s);
            return -1;
        }
        for (size_t i = 0; i < n && !seen; i++)
            seen = v[i].how && !strcmp(v[i].how, d->how) && v[i].actor && d->actor && !strcmp(v[i].actor, d->actor);
        reg_deliveries_free(v, n);
        if (seen) {
            r->eng->rollback(r->s);
            return 1;
        }
    }
    struct reg_delivery row = *d;
    row.number = (char *)number;
    char detail[120];
    snprintf(detail, sizeof detail, "%s", d->how);
    if (has != 1 || r->eng->add_delivery(r->s, &row, dl) != 0 ||
        reg_add_event(r, number, "delivered", detail, d->actor, dl) != 0) {
        r->eng->rollback(r->s);
        return -1;
    }
    return r->eng->commit(r->s, dl);
}

int register_deliver(struct reg *r, const char *number, const struct reg_delivery *d, struct diag_list *dl)
{
    return deliver(r, number, d, false, dl);
}

int register_deliver_once(struct reg *r, const char *number, const struct reg_delivery *d, struct diag_list *dl)
{
    return deliver(r, number, d, true, dl);
}

int register_deliveries(struct reg *r, const char *number, struct reg_delivery **out, size_t *n,
                        struct diag_list *dl)
{
    return r->eng->deliveries(r->s, number, out, n, dl);
}

int register_consent_email(struct reg *r, const char *number, const char *address, const char *at,
                           const char *actor, struct diag_list *dl)
{
    if (r->eng->begin(r->s, dl) != 0)
        return -1;
    int has = r->eng->has_quote(r->s, number, dl);
    if (has == 0)
        diag_error(dl, NULL, NULL, "there is no quote '%s' in the register", number);
    if (has != 1 || r->eng->add_email_consent(r->s, number, address, at, actor, dl) != 0 ||
        reg_add_event(r, number, "consent", "to receive it by e-mail", actor, dl) != 0) {
        r->eng->rollback(r->s);
        return -1;
    }
    return r->eng->commit(r->s, dl);
}

int register_email_consent(struct reg *r, const char *number, const char *address, struct diag_list *dl)
{
    int rc = r->eng->email_consent(r->s, number, address, dl);
    if (rc == 1)
        diag_error(dl, NULL, NULL, "the patient has not consented to receive %s by e-mail at that address; "
                   "record it first with 'regenquote consent %s --email ADDRESS'", number, number);
    return rc;
}

int register_history(struct reg *r, const char *number, struct reg_event **out, size_t *n,
                     struct diag_list *dl)
{
    return r->eng->history(r->s, number, out, n, dl);
}

void reg_events_free(struct reg_event *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].at);
        free(v[i].actor);
        free(v[i].action);
        free(v[i].detail);
    }
    free(v);
}
