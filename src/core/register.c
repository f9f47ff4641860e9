#include "register.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "money.h"
#include "outfile.h"
#include "sha256.h"

struct reg {
    sqlite3 *db;
    char *path;
};

/* ---- schema ------------------------------------------------------------ */

/* Each step takes the schema from version i to i + 1. Never edit a step
 * that has shipped: add a new one. */
static const char *const MIGRATIONS[] = {
    /* 0 -> 1 */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE series(year INTEGER PRIMARY KEY, last INTEGER NOT NULL);"
    "CREATE TABLE price_tables(sha256 TEXT PRIMARY KEY, version TEXT NOT NULL,"
    "  clinic_json TEXT NOT NULL, catalog_json TEXT NOT NULL);"
    "CREATE TABLE quotes(number TEXT PRIMARY KEY, year INTEGER NOT NULL, seq INTEGER NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('issued','accepted','void','superseded')),"
    "  patient_id TEXT, patient_name TEXT, issued TEXT NOT NULL, valid_until TEXT NOT NULL,"
    "  scheduled TEXT, total_cents INTEGER NOT NULL, language TEXT NOT NULL,"
    "  tables_sha256 TEXT NOT NULL REFERENCES price_tables(sha256),"
    "  request_json TEXT NOT NULL, quote_json TEXT NOT NULL,"
    "  pdf BLOB NOT NULL, pdf_sha256 TEXT NOT NULL,"
    "  supersedes TEXT REFERENCES quotes(number), superseded_by TEXT,"
    "  UNIQUE(year, seq));"
    "CREATE TABLE events(id INTEGER PRIMARY KEY, number TEXT NOT NULL, at TEXT NOT NULL,"
    "  action TEXT NOT NULL, detail TEXT);"
    "INSERT INTO meta VALUES ('number_pattern', '" REGISTER_DEFAULT_PATTERN "');",
    /* 1 -> 2: the GFE due date, who did what, append-only history, indexes */
    "ALTER TABLE quotes ADD COLUMN estimate_due TEXT;"
    "ALTER TABLE quotes ADD COLUMN created_unix INTEGER;"
    "ALTER TABLE events ADD COLUMN actor TEXT NOT NULL DEFAULT 'unknown';"
    "CREATE TRIGGER events_append_only_u BEFORE UPDATE ON events"
    "  BEGIN SELECT RAISE(ABORT, 'the history is append-only'); END;"
    "CREATE TRIGGER events_append_only_d BEFORE DELETE ON events"
    "  BEGIN SELECT RAISE(ABORT, 'the history is append-only'); END;"
    "CREATE TRIGGER quotes_keep BEFORE DELETE ON quotes"
    "  BEGIN SELECT RAISE(ABORT, 'issued quotes are never deleted'); END;"
    "CREATE INDEX quotes_patient ON quotes(patient_id);"
    "CREATE INDEX quotes_issued ON quotes(issued);"
    "CREATE INDEX events_number ON events(number);",
};
#define N_MIGRATIONS ((int)(sizeof MIGRATIONS / sizeof MIGRATIONS[0]))

static int db_err(struct reg *r, struct diag_list *dl, const char *what)
{
    diag_error(dl, r->path, NULL, "%s: %s", what, sqlite3_errmsg(r->db));
    return -1;
}

static int exec(struct reg *r, const char *sql, struct diag_list *dl)
{
    char *msg = NULL;
    if (sqlite3_exec(r->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        diag_error(dl, r->path, NULL, "register error: %s", msg ? msg : "unknown");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* Like exec, but waits out SQLITE_BUSY that SQLite reports without calling
 * the busy handler (switching a new file to WAL while another process does
 * the same, for instance): up to about ten seconds. */
static int exec_patient(struct reg *r, const char *sql, struct diag_list *dl)
{
    for (int attempt = 0; attempt < 1000; attempt++) {
        int rc = sqlite3_exec(r->db, sql, NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            return 0;
        if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
            break;
        struct timespec ts = { 0, (long)(5 + (attempt * 7919 + getpid()) % 10) * 1000000L };
        nanosleep(&ts, NULL);
    }
    return exec(r, sql, dl);
}

static int user_version(struct reg *r, int *v)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : -1;
    *v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc;
}

static void now_iso(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int add_event(struct reg *r, const char *number, const char *action, const char *detail,
                     const char *actor, struct diag_list *dl)
{
    sqlite3_stmt *st;
    char at[32];
    now_iso(at);
    if (sqlite3_prepare_v2(r->db,
                           "INSERT INTO events(number, at, action, detail, actor) VALUES (?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(r, dl, "cannot record the history");
    sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, detail, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, actor ? actor : "unknown", -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_err(r, dl, "cannot record the history");
    sqlite3_finalize(st);
    return rc;
}

static int migrate(struct reg *r, int target, struct diag_list *dl)
{
    int v;
    if (exec_patient(r, "BEGIN IMMEDIATE", dl) != 0)
        return -1;
    if (user_version(r, &v) != 0) {
        exec(r, "ROLLBACK", dl);
        return db_err(r, dl, "cannot read the schema version");
    }
    if (v > N_MIGRATIONS) {
        exec(r, "ROLLBACK", dl);
        diag_error(dl, r->path, NULL,
                   "was written by a newer regenquote (schema %d; this one knows %d); upgrade regenquote",
                   v, N_MIGRATIONS);
        return -1;
    }
    int from = v;
    for (; v < target; v++) {
        char pragma[64];
        if (exec(r, MIGRATIONS[v], dl) != 0)
            goto fail;
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
        if (exec(r, pragma, dl) != 0)
            goto fail;
    }
    if (from > 0 && from < target && target >= 2) {
        char detail[64];
        snprintf(detail, sizeof detail, "schema %d to %d", from, target);
        if (add_event(r, "-", "migrated", detail, "regenquote", dl) != 0)
            goto fail;
    }
    return exec(r, "COMMIT", dl);
fail:
    exec(r, "ROLLBACK", dl);
    return -1;
}

static int open_db(struct reg **out, const char *path, struct diag_list *dl)
{
    *out = NULL;
    struct reg *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        free(r);
        diag_error(dl, path, NULL, "out of memory");
        return -1;
    }
    /* create the file ourselves so it is private from the start; SQLite
     * gives its -wal and -shm files the same mode */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        diag_error(dl, path, NULL, "cannot open the register: %s", strerror(errno));
        free(r->path);
        free(r);
        return -1;
    }
    close(fd);
    if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        diag_error(dl, path, NULL, "cannot open the register: %s",
                   r->db ? sqlite3_errmsg(r->db) : "out of memory");
        register_close(r);
        return -1;
    }
    sqlite3_busy_timeout(r->db, 60000);
    if (exec_patient(r, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", dl) != 0) {
        register_close(r);
        return -1;
    }
    *out = r;
    return 0;
}

int register_open(struct reg **out, const char *path, struct diag_list *dl)
{
    if (open_db(out, path, dl) != 0)
        return -1;
    if (migrate(*out, N_MIGRATIONS, dl) != 0) {
        register_close(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int register_create_at_version(const char *path, int version, struct diag_list *dl)
{
    struct reg *r;
    if (open_db(&r, path, dl) != 0)
        return -1;
    int rc = migrate(r, version, dl);
    register_close(r);
    return rc;
}

void register_close(struct reg *r)
{
    if (!r)
        return;
    sqlite3_close(r->db);
    free(r->path);
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

static char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

char *register_pattern(struct reg *r)
{
    sqlite3_stmt *st;
    char *p = NULL;
    if (sqlite3_prepare_v2(r->db, "SELECT value FROM meta WHERE key='number_pattern'", -1, &st,
                           NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            p = col_text(st, 0);
        sqlite3_finalize(st);
    }
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
    if (exec(r, "BEGIN IMMEDIATE", dl) != 0)
        return -1;
    sqlite3_stmt *st;
    int rc = -1;
    if (sqlite3_prepare_v2(r->db, "INSERT OR REPLACE INTO meta VALUES ('number_pattern', ?)", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, pattern, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
        sqlite3_finalize(st);
    }
    if (rc != 0 || add_event(r, "-", "number pattern", pattern, actor, dl) != 0) {
        if (rc != 0)
            db_err(r, dl, "cannot change the number pattern");
        exec(r, "ROLLBACK", dl);
        return -1;
    }
    return exec(r, "COMMIT", dl);
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

static int next_seq(struct reg *r, int year, long long *seq, struct diag_list *dl)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db,
                           "INSERT INTO series(year, last) VALUES (?, 1)"
                           " ON CONFLICT(year) DO UPDATE SET last = last + 1 RETURNING last",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(r, dl, "cannot allocate a quote number");
    sqlite3_bind_int(st, 1, year);
    int rc = -1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *seq = sqlite3_column_int64(st, 0);
        rc = 0;
    } else {
        db_err(r, dl, "cannot allocate a quote number");
    }
    sqlite3_finalize(st);
    return rc;
}

static bool number_exists(struct reg *r, const char *number)
{
    sqlite3_stmt *st;
    bool found = false;
    if (sqlite3_prepare_v2(r->db, "SELECT 1 FROM quotes WHERE number = ?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
        found = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
    }
    return found;
}

static void bind_date(sqlite3_stmt *st, int i, bool has, rq_date d)
{
    char b[11];
    if (has)
        sqlite3_bind_text(st, i, date_iso(d, b), -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static int store_tables(struct reg *r, const struct reg_issue *in, struct diag_list *dl)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db, "INSERT OR IGNORE INTO price_tables VALUES (?,?,?,?)", -1, &st,
                           NULL) != SQLITE_OK)
        return db_err(r, dl, "cannot store the price tables");
    sqlite3_bind_text(st, 1, in->tables_sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, in->tables_version, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, in->clinic_json, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, in->catalog_json, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_err(r, dl, "cannot store the price tables");
    sqlite3_finalize(st);
    return rc;
}

/* Mark `old` superseded by `number`; it must be issued or accepted. */
static int supersede(struct reg *r, const char *old, const char *number, const char *actor,
                     struct diag_list *dl)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db, "SELECT status FROM quotes WHERE number = ?", -1, &st, NULL) != SQLITE_OK)
        return db_err(r, dl, "cannot read the register");
    sqlite3_bind_text(st, 1, old, -1, SQLITE_STATIC);
    char status[32] = "";
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(status, sizeof status, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (!status[0]) {
        diag_error(dl, NULL, NULL, "there is no quote %s in the register", old);
        return -1;
    }
    if (strcmp(status, "issued") != 0 && strcmp(status, "accepted") != 0) {
        diag_error(dl, NULL, NULL, "quote %s is %s; only an issued or accepted quote can be revised",
                   old, status);
        return -1;
    }
    if (sqlite3_prepare_v2(r->db, "UPDATE quotes SET status = 'superseded', superseded_by = ? WHERE number = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(r, dl, "cannot update the register");
    sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, old, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_err(r, dl, "cannot update the register");
    sqlite3_finalize(st);
    if (rc == 0) {
        char detail[128];
        snprintf(detail, sizeof detail, "by %s", number);
        rc = add_event(r, old, "superseded", detail, actor, dl);
    }
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
        diag_error(dl, r->path, NULL, "out of memory");
        return -1;
    }
    if (exec_patient(r, "BEGIN IMMEDIATE", dl) != 0) {
        free(pattern);
        return -1;
    }
    const unsigned char *pdf = NULL;
    size_t pdf_len = 0;
    long long seq;
    char number[96];
    if (next_seq(r, y, &seq, dl) != 0)
        goto fail;
    format_number(pattern, y, seq, number, sizeof number);
    if (number_exists(r, number)) {
        diag_error(dl, r->path, NULL,
                   "the number pattern '%s' gives %s, which is already used; include {year} in the pattern",
                   pattern, number);
        goto fail;
    }
    register_fault_point("after-number");
    if (render(ctx, number, &pdf, &pdf_len, dl) != 0)
        goto fail;
    register_fault_point("after-render");
    if (store_tables(r, in, dl) != 0)
        goto fail;
    char pdf_sha[65];
    sha256_hex(pdf, pdf_len, pdf_sha);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db,
                           "INSERT INTO quotes(number, year, seq, status, patient_id, patient_name, issued,"
                           " valid_until, scheduled, estimate_due, total_cents, language, tables_sha256,"
                           " request_json, quote_json, pdf, pdf_sha256, supersedes, created_unix)"
                           " VALUES (?,?,?,'issued',?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK) {
        db_err(r, dl, "cannot store the quote");
        goto fail;
    }
    sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, y);
    sqlite3_bind_int64(st, 3, seq);
    sqlite3_bind_text(st, 4, in->patient_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, in->patient_name, -1, SQLITE_STATIC);
    bind_date(st, 6, true, in->issued);
    bind_date(st, 7, true, in->valid_until);
    bind_date(st, 8, in->has_scheduled, in->scheduled);
    bind_date(st, 9, in->has_scheduled, in->estimate_due);
    sqlite3_bind_int64(st, 10, in->total_cents);
    sqlite3_bind_text(st, 11, in->language, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, in->tables_sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 13, in->request_json, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 14, in->quote_json, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 15, pdf, (int)pdf_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 16, pdf_sha, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 17, in->supersedes, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 18, (sqlite3_int64)time(NULL));
    int src = sqlite3_step(st);
    sqlite3_finalize(st);
    if (src != SQLITE_DONE) {
        db_err(r, dl, "cannot store the quote");
        goto fail;
    }
    char detail[200], amount[40];
    money_format(in->total_cents, "$", '.', ',', amount, sizeof amount);
    snprintf(detail, sizeof detail, "total %s%s%s", amount, in->supersedes ? "; replaces " : "",
             in->supersedes ? in->supersedes : "");
    if (add_event(r, number, "issued", detail, in->actor, dl) != 0)
        goto fail;
    if (in->supersedes && supersede(r, in->supersedes, number, in->actor, dl) != 0)
        goto fail;
    if (exec(r, "COMMIT", dl) != 0)
        goto fail;
    register_fault_point("after-commit");
    free(pattern);
    *number_out = strdup(number);
    if (!*number_out) {
        diag_error(dl, r->path, NULL, "out of memory");
        return -1;
    }
    return 0;
fail:
    sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
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
    free(e->pdf); free(e->pdf_sha256);
    memset(e, 0, sizeof *e);
}

const char *reg_entry_status(const struct reg_entry *e, rq_date today)
{
    rq_date vu;
    if (e->status && !strcmp(e->status, "issued") && e->valid_until && date_parse(e->valid_until, &vu) &&
        today > vu)
        return "expired";
    return e->status ? e->status : "?";
}

#define ENTRY_COLS                                                                          \
    "q.number, q.status, q.patient_id, q.patient_name, q.issued, q.valid_until, q.scheduled," \
    " q.estimate_due, q.total_cents, q.language, t.version, q.tables_sha256, q.supersedes,"  \
    " q.superseded_by"

static void read_entry(sqlite3_stmt *st, struct reg_entry *e)
{
    e->number = col_text(st, 0);
    e->status = col_text(st, 1);
    e->patient_id = col_text(st, 2);
    e->patient_name = col_text(st, 3);
    e->issued = col_text(st, 4);
    e->valid_until = col_text(st, 5);
    e->scheduled = col_text(st, 6);
    e->estimate_due = col_text(st, 7);
    e->total_cents = sqlite3_column_int64(st, 8);
    e->language = col_text(st, 9);
    e->tables_version = col_text(st, 10);
    e->tables_sha256 = col_text(st, 11);
    e->supersedes = col_text(st, 12);
    e->superseded_by = col_text(st, 13);
}

int register_get(struct reg *r, const char *number, bool with_pdf, struct reg_entry *e,
                 struct diag_list *dl)
{
    memset(e, 0, sizeof *e);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db,
                           "SELECT " ENTRY_COLS ", q.request_json, q.quote_json, q.pdf_sha256, q.pdf"
                           " FROM quotes q JOIN price_tables t ON t.sha256 = q.tables_sha256"
                           " WHERE q.number = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(r, dl, "cannot read the register");
    sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        if (rc == SQLITE_DONE) {
            diag_error(dl, NULL, NULL, "there is no quote '%.40s' in the register; 'regenquote list' shows them",
                       number);
            return 1;
        }
        return db_err(r, dl, "cannot read the register");
    }
    read_entry(st, e);
    e->request_json = col_text(st, 14);
    e->quote_json = col_text(st, 15);
    e->pdf_sha256 = col_text(st, 16);
    if (with_pdf) {
        int n = sqlite3_column_bytes(st, 17);
        const void *b = sqlite3_column_blob(st, 17);
        e->pdf = malloc(n > 0 ? (size_t)n : 1);
        if (e->pdf && b)
            memcpy(e->pdf, b, (size_t)n);
        e->pdf_len = (size_t)n;
    }
    sqlite3_finalize(st);
    return 0;
}

int register_get_tables(struct reg *r, const char *sha256, char **clinic_json,
                        char **catalog_json, struct diag_list *dl)
{
    sqlite3_stmt *st;
    *clinic_json = *catalog_json = NULL;
    if (sqlite3_prepare_v2(r->db, "SELECT clinic_json, catalog_json FROM price_tables WHERE sha256 = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(r, dl, "cannot read the register");
    sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
    int rc = -1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *clinic_json = col_text(st, 0);
        *catalog_json = col_text(st, 1);
        rc = 0;
    } else {
        diag_error(dl, r->path, NULL, "the price tables %.12s are missing from the register", sha256);
    }
    sqlite3_finalize(st);
    return rc;
}

int register_list(struct reg *r, const struct reg_filter *f, struct reg_entry **out, size_t *n,
                  struct diag_list *dl)
{
    *out = NULL;
    *n = 0;
    char sql[1024];
    char today[11], from[11], to[11];
    date_iso(f->today, today);
    snprintf(sql, sizeof sql,
             "SELECT " ENTRY_COLS " FROM quotes q JOIN price_tables t ON t.sha256 = q.tables_sha256"
             " WHERE (?1 IS NULL OR q.patient_id = ?1)"
             " AND (?2 IS NULL OR instr(lower(q.patient_name), lower(?2)) > 0)"
             " AND (?3 IS NULL OR q.issued >= ?3) AND (?4 IS NULL OR q.issued <= ?4)"
             " AND (?5 IS NULL OR (CASE WHEN q.status = 'issued' AND q.valid_until < ?6"
             "      THEN 'expired' ELSE q.status END) = ?5)"
             " ORDER BY q.issued DESC, q.year DESC, q.seq DESC");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_err(r, dl, "cannot read the register");
    sqlite3_bind_text(st, 1, f->patient_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, f->name, -1, SQLITE_STATIC);
    if (f->has_from)
        sqlite3_bind_text(st, 3, date_iso(f->from, from), -1, SQLITE_STATIC);
    if (f->has_to)
        sqlite3_bind_text(st, 4, date_iso(f->to, to), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, f->status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, today, -1, SQLITE_STATIC);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            struct reg_entry *nv = realloc(*out, ncap * sizeof *nv);
            if (!nv) {
                sqlite3_finalize(st);
                diag_error(dl, r->path, NULL, "out of memory");
                return -1;
            }
            *out = nv;
            cap = ncap;
        }
        memset(&(*out)[*n], 0, sizeof **out);
        read_entry(st, &(*out)[(*n)++]);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_err(r, dl, "cannot read the register");
    return 0;
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
    if (exec_patient(r, "BEGIN IMMEDIATE", dl) != 0)
        return -1;
    struct reg_entry e;
    int g = register_get(r, number, false, &e, dl);
    if (g != 0) {
        exec(r, "ROLLBACK", dl);
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
    if (why) {
        diag_error(dl, NULL, NULL, "quote %s is %s; %s", number, now, why);
        reg_entry_free(&e);
        exec(r, "ROLLBACK", dl);
        return -1;
    }
    reg_entry_free(&e);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db, "UPDATE quotes SET status = ? WHERE number = ?", -1, &st, NULL) != SQLITE_OK) {
        db_err(r, dl, "cannot update the register");
        exec(r, "ROLLBACK", dl);
        return -1;
    }
    sqlite3_bind_text(st, 1, to_void ? "void" : "accepted", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, number, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_err(r, dl, "cannot update the register");
    sqlite3_finalize(st);
    if (rc == 0)
        rc = add_event(r, number, to_void ? "voided" : "accepted", reason, actor, dl);
    if (rc != 0) {
        exec(r, "ROLLBACK", dl);
        return -1;
    }
    return exec(r, "COMMIT", dl);
}

int register_history(struct reg *r, const char *number, struct reg_event **out, size_t *n,
                     struct diag_list *dl)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db, "SELECT at, actor, action, detail FROM events WHERE number = ? ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(r, dl, "cannot read the history");
    sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            struct reg_event *nv = realloc(*out, ncap * sizeof *nv);
            if (!nv)
                break;
            *out = nv;
            cap = ncap;
        }
        struct reg_event *ev = &(*out)[(*n)++];
        ev->at = col_text(st, 0);
        ev->actor = col_text(st, 1);
        ev->action = col_text(st, 2);
        ev->detail = col_text(st, 3);
    }
    sqlite3_finalize(st);
    return 0;
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

static bool file_matches(const char *path, sqlite3_int64 size, const char *sha, bool verify)
{
    struct stat st;
    if (stat(path, &st) != 0 || st.st_size != size)
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

int register_repair(struct reg *r, const char *out_dir, bool verify, int min_age, int *fixed,
                    struct diag_list *dl)
{
    *fixed = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db,
                           "SELECT number, length(pdf), pdf_sha256, pdf FROM quotes"
                           " WHERE created_unix IS NULL OR created_unix <= ?",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(r, dl, "cannot read the register");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL) - min_age);
    int rc = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *number = (const char *)sqlite3_column_text(st, 0);
        sqlite3_int64 size = sqlite3_column_int64(st, 1);
        const char *sha = (const char *)sqlite3_column_text(st, 2);
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.pdf", out_dir, number);
        if (file_matches(path, size, sha, verify))
            continue;
        struct outfile of;
        if (outfile_open(&of, path, dl) != 0) {
            rc = -1;
            break;
        }
        const void *b = sqlite3_column_blob(st, 3);
        if (fwrite(b, 1, (size_t)size, of.f) != (size_t)size) {
            outfile_abort(&of);
            diag_error(dl, path, NULL, "cannot write");
            rc = -1;
            break;
        }
        if (outfile_commit(&of, dl) != 0) {
            rc = -1;
            break;
        }
        (*fixed)++;
    }
    sqlite3_finalize(st);
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
