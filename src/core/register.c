/* register — what the register means, whatever stores it.
 *
 * The numbering policy, the status rules, the supersede chain, what an
 * entry keeps and the repair of the PDF copies live here; storage is
 * reached only through a struct reg_engine (register_engine.h), chosen by
 * the register's locator in engine_for(). */
#include "register.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "money.h"
#include "outfile.h"
#include "register_engine.h"
#include "register_int.h"
#include "sha256.h"

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

const char *register_engine_name(const struct reg *r)
{
    return r->eng->name;
}

/* ---- opening and the schema ------------------------------------------------ */

static void now_iso(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Append an event, now, to the history (in a transaction). */
static int add_event(struct reg *r, const char *number, const char *action, const char *detail,
                     const char *actor, struct diag_list *dl)
{
    char at[32];
    now_iso(at);
    struct reg_new_event ev = {
        .number = number, .at = at, .actor = actor ? actor : "unknown", .action = action, .detail = detail,
    };
    return r->eng->add_event(r->s, &ev, dl);
}

/* Bring the schema to version `target` in one transaction: a register
 * written by a newer regenquote is refused unchanged, and an existing one
 * brought up to date records a `migrated` event. */
static int migrate(struct reg *r, int target, struct diag_list *dl)
{
    int v;
    /* up to date (nearly always): nothing to write, so no writer lock —
     * every front desk opens the register for each request */
    struct diag_list ignored = { 0 };
    int rc = r->eng->schema_version(r->s, &v, &ignored);
    diag_list_free(&ignored);
    if (rc == 0 && v == target)
        return 0;
    if (r->eng->begin(r->s, dl) != 0)
        return -1;
    if (r->eng->schema_version(r->s, &v, dl) != 0)
        goto fail;
    if (v > REGISTER_SCHEMA_VERSION) {
        diag_error(dl, r->locator, NULL,
                   "was written by a newer regenquote (schema %d; this one knows %d); upgrade regenquote",
                   v, REGISTER_SCHEMA_VERSION);
        goto fail;
    }
    if (v < target && r->eng->migrate(r->s, v, target, dl) != 0)
        goto fail;
    if (v > 0 && v < target && target == REGISTER_SCHEMA_VERSION) {
        char detail[64];
        snprintf(detail, sizeof detail, "schema %d to %d", v, target);
        if (add_event(r, "-", "migrated", detail, "regenquote", dl) != 0)
            goto fail;
    }
    return r->eng->commit(r->s, dl);
fail:
    r->eng->rollback(r->s);
    return -1;
}

static int open_store(struct reg **out, const char *locator, struct diag_list *dl)
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
    if (eng->open(&r->s, locator, dl) != 0) {
        register_close(r);
        return -1;
    }
    *out = r;
    return 0;
}

int register_open(struct reg **out, const char *path, struct diag_list *dl)
{
    if (open_store(out, path, dl) != 0)
        return -1;
    if (migrate(*out, REGISTER_SCHEMA_VERSION, dl) != 0) {
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
    if (open_store(&r, path, dl) != 0)
        return -1;
    int rc = migrate(r, version, dl);
    register_close(r);
    return rc;
}

void register_close(struct reg *r)
{
    if (!r)
        return;
    if (r->s)
        r->eng->close(r->s);
    free(r->locator);
    free(r);
}

/* ---- numbers ------------------------------------------------------------ */

bool register_pattern_ok(const char *p)
{
    bool seq = false;
    size_t n = strlen(p);
    if (n == 0 || n > 40)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '{') {
            const char *close = strchr(p + i, '}');
            if (!close)
                return false;
            size_t len = (size_t)(close - (p + i)) + 1;
            if (len == 6 && !strncmp(p + i, "{year}", 6)) {
            } else if (len == 5 && !strncmp(p + i, "{seq}", 5)) {
                seq = true;
            } else if (len == 7 && !strncmp(p + i, "{seq:", 5) && p[i + 5] >= '1' && p[i + 5] <= '9') {
                seq = true;
            } else {
                return false;
            }
            i += len - 1;
        } else if (!(p[i] == '-' || p[i] == '_' || p[i] == '.' || (p[i] >= '0' && p[i] <= '9') ||
                     (p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z'))) {
            return false;
        }
    }
    return seq && p[0] != '.';
}

static void format_number(const char *pat, int year, long long seq, char *out, size_t size)
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
    if (!register_pattern_ok(pattern)) {
        diag_error(dl, NULL, "--number-pattern",
                   "'%.40s' is not a number pattern; use letters, digits, '-', '_', '.', {year} and {seq} or {seq:N}, such as " REGISTER_DEFAULT_PATTERN,
                   pattern);
        return -1;
    }
    char *old = register_pattern(r);
    bool same = old && !strcmp(old, pattern);
    free(old);
    if (same)
        return 0;
    if (r->eng->begin(r->s, dl) != 0)
        return -1;
    if (r->eng->set_pattern(r->s, pattern, dl) != 0 || add_event(r, "-", "number pattern", pattern, actor, dl) != 0) {
        r->eng->rollback(r->s);
        return -1;
    }
    return r->eng->commit(r->s, dl);
}

#ifdef RQ_FAULT_INJECTION
void register_fault_point(const char *name)
{
    const char *f = getenv("REGENQUOTE_FAULT");
    if (f && !strcmp(f, name))
        kill(getpid(), SIGKILL);
}
#endif

/* ---- issuing ------------------------------------------------------------ */

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
        rc = add_event(r, old, "superseded", detail, actor, dl);
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
    char *pattern = register_pattern(r);
    if (!pattern) {
        diag_error(dl, r->locator, NULL, "out of memory");
        return -1;
    }
    if (r->eng->begin(r->s, dl) != 0) {
        free(pattern);
        return -1;
    }
    const unsigned char *pdf = NULL;
    size_t pdf_len = 0;
    long long seq;
    char number[96];
    if (r->eng->next_seq(r->s, y, &seq, dl) != 0)
        goto fail;
    format_number(pattern, y, seq, number, sizeof number);
    register_fault_point("after-number");
    if (render(ctx, number, &pdf, &pdf_len, dl) != 0)
        goto fail;
    register_fault_point("after-render");
    /* Whether the number is free is not asked beforehand: the storage
     * refuses a number that is taken (insert_quote), and only then is it
     * told in these words.  One question less while every other issuer
     * waits for the writer lock. */
    struct diag_list store = { 0 };
    struct reg_tables tables = {
        .sha256 = in->tables_sha256,
        .version = in->tables_version,
        .clinic_json = in->clinic_json,
        .catalog_json = in->catalog_json,
    };
    char pdf_sha[65], issued[11], valid_until[11], scheduled[11], due[11];
    sha256_hex(pdf, pdf_len, pdf_sha);
    struct reg_new_quote q = {
        .number = number,
        .year = y,
        .seq = seq,
        .status = "issued",
        .patient_id = in->patient_id,
        .patient_name = in->patient_name,
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
    char detail[200], amount[40];
    money_format(in->total_cents, "$", '.', ',', amount, sizeof amount);
    snprintf(detail, sizeof detail, "total %s%s%s", amount, in->supersedes ? "; replaces " : "",
             in->supersedes ? in->supersedes : "");
    if (r->eng->put_tables(r->s, &tables, &store) != 0 || r->eng->insert_quote(r->s, &q, &store) != 0 ||
        add_event(r, number, "issued", detail, in->actor, &store) != 0 ||
        (in->supersedes && supersede(r, in->supersedes, number, in->actor, &store) != 0) ||
        r->eng->commit(r->s, &store) != 0) {
        r->eng->rollback(r->s);
        if (r->eng->has_quote(r->s, number, &store) == 1) {
            diag_error(dl, r->locator, NULL,
                       "the number pattern '%s' gives %s, which is already used; include {year} in the pattern",
                       pattern, number);
        } else {
            for (size_t i = 0; i < store.n; i++)
                diag_add(dl, store.v[i].severity, store.v[i].file, store.v[i].line, store.v[i].col, store.v[i].path,
                         "%s", store.v[i].msg);
        }
        diag_list_free(&store);
        free(pattern);
        return -1;
    }
    diag_list_free(&store);
    register_fault_point("after-commit");
    free(pattern);
    *number_out = strdup(number);
    if (!*number_out) {
        diag_error(dl, r->locator, NULL, "out of memory");
        return -1;
    }
    return 0;
fail:
    r->eng->rollback(r->s);
    free(pattern);
    return -1;
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

int register_list(struct reg *r, const struct reg_filter *f, struct reg_entry **out, size_t *n,
                  struct diag_list *dl)
{
    char today[11], from[11], to[11];
    struct reg_query q = {
        .patient_id = f->patient_id,
        .name = f->name,
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
    return r->eng->list(r->s, &q, out, n, dl);
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
        add_event(r, number, to_void ? "voided" : "accepted", reason, actor, dl) != 0) {
        r->eng->rollback(r->s);
        return -1;
    }
    return r->eng->commit(r->s, dl);
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

/* ---- repair ---------------------------------------------------------------- */

static bool file_matches(const char *path, size_t size, const char *sha, bool verify)
{
    struct stat st;
    if (stat(path, &st) != 0 || st.st_size < 0 || (size_t)st.st_size != size)
        return false;
    if (!verify)
        return true;
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    struct sha256 c;
    unsigned char buf[16384], d[32];
    size_t got;
    sha256_init(&c);
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        sha256_update(&c, buf, got);
    fclose(f);
    sha256_final(&c, d);
    char hex[65];
    sha256_to_hex(d, hex);
    return !strcmp(hex, sha);
}

/* Write the stored PDF of number to path (whole or not at all). */
static int rewrite_copy(struct reg *r, const char *number, const char *path, struct diag_list *dl)
{
    struct reg_entry e;
    if (register_get(r, number, true, &e, dl) != 0)
        return -1;
    int rc = -1;
    struct outfile of;
    if (outfile_open(&of, path, dl) == 0) {
        if (fwrite(e.pdf, 1, e.pdf_len, of.f) != e.pdf_len) {
            outfile_abort(&of);
            diag_error(dl, path, NULL, "cannot write");
        } else {
            rc = outfile_commit(&of, dl);
        }
    }
    reg_entry_free(&e);
    return rc;
}

int register_repair(struct reg *r, const char *out_dir, bool verify, int min_age, int *fixed,
                    struct diag_list *dl)
{
    return register_repair_desk(r, out_dir, NULL, verify, min_age, fixed, dl);
}

int register_repair_desk(struct reg *r, const char *out_dir, const char *desk, bool verify, int min_age,
                         int *fixed, struct diag_list *dl)
{
    *fixed = 0;
    struct reg_pdf_ref *refs;
    size_t n;
    if (r->eng->pdf_refs(r->s, (int64_t)time(NULL) - min_age, &refs, &n, dl) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.pdf", out_dir, refs[i].number);
        /* one desk's folder holds the copies of its own quotes, not the chain's */
        if ((desk && (!refs[i].desk || strcmp(refs[i].desk, desk) != 0)) ||
            file_matches(path, refs[i].len, refs[i].sha256, verify))
            continue;
        if (rewrite_copy(r, refs[i].number, path, dl) != 0) {
            rc = -1;
            break;
        }
        (*fixed)++;
    }
    reg_pdf_refs_free(refs, n);
    /* temporary files of interrupted writes: NAME.pdf.tmpXXXXXX */
    DIR *d = opendir(out_dir);
    if (d) {
        struct dirent *de;
        time_t now = time(NULL);
        while ((de = readdir(d)) != NULL) {
            if (!strstr(de->d_name, ".pdf.tmp"))
                continue;
            char path[4096];
            struct stat fst;
            snprintf(path, sizeof path, "%s/%s", out_dir, de->d_name);
            if (stat(path, &fst) == 0 && now - fst.st_mtime > 60)
                unlink(path);
        }
        closedir(d);
    }
    return rc;
}
