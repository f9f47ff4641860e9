/* register_sqlite — the register in one SQLite file (register_engine.h).
 *
 * The file is created mode 0600 (SQLite gives its -wal and -shm files the
 * same mode), journaled in WAL with synchronous=FULL, foreign keys on, a
 * busy timeout of a minute.  The writer lock is BEGIN IMMEDIATE.  The schema
 * version is PRAGMA user_version; the history is append-only and quotes are
 * undeletable by triggers, and from schema 3 a quote's content and the
 * price tables are unchangeable too (only status and superseded_by may
 * change).  All of this engine's SQL is in this file (register_pg.c mirrors
 * its schema steps for PostgreSQL). */
#include "register_engine.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct reg_store {
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
    /* 2 -> 3: where a quote came from; a quote's content and the price
     * tables can no longer be changed */
    "ALTER TABLE quotes ADD COLUMN location TEXT;"
    "ALTER TABLE quotes ADD COLUMN desk TEXT;"
    "CREATE TRIGGER quotes_content_fixed BEFORE UPDATE OF number, year, seq, patient_id, patient_name,"
    "  issued, valid_until, scheduled, estimate_due, total_cents, language, tables_sha256, request_json,"
    "  quote_json, pdf, pdf_sha256, supersedes, created_unix, location, desk ON quotes"
    "  BEGIN SELECT RAISE(ABORT, 'an issued quote''s content never changes'); END;"
    "CREATE TRIGGER price_tables_keep_u BEFORE UPDATE ON price_tables"
    "  BEGIN SELECT RAISE(ABORT, 'stored price tables never change'); END;"
    "CREATE TRIGGER price_tables_keep_d BEFORE DELETE ON price_tables"
    "  BEGIN SELECT RAISE(ABORT, 'stored price tables never change'); END;"
    "CREATE INDEX quotes_location ON quotes(location);",
};
#define N_MIGRATIONS ((int)(sizeof MIGRATIONS / sizeof MIGRATIONS[0]))
_Static_assert(N_MIGRATIONS == REGISTER_SCHEMA_VERSION, "one migration step per schema version");

static int db_err(struct reg_store *s, struct diag_list *dl, const char *what)
{
    diag_error(dl, s->path, NULL, "%s: %s", what, sqlite3_errmsg(s->db));
    return -1;
}

static int exec(struct reg_store *s, const char *sql, struct diag_list *dl)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        diag_error(dl, s->path, NULL, "register error: %s", msg ? msg : "unknown");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* Like exec, but waits out SQLITE_BUSY that SQLite reports without calling
 * the busy handler (switching a new file to WAL while another process does
 * the same, for instance): up to about ten seconds. */
static int exec_patient(struct reg_store *s, const char *sql, struct diag_list *dl)
{
    for (int attempt = 0; attempt < 1000; attempt++) {
        int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            return 0;
        if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
            break;
        struct timespec ts = { 0, (long)(5 + (attempt * 7919 + getpid()) % 10) * 1000000L };
        nanosleep(&ts, NULL);
    }
    return exec(s, sql, dl);
}

/* A prepared statement, or NULL with the diagnostic "what: …". */
static sqlite3_stmt *prepare(struct reg_store *s, const char *sql, const char *what, struct diag_list *dl)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        db_err(s, dl, what);
        return NULL;
    }
    return st;
}

/* Step a statement that returns no row, finalize it: 0, or -1 with "what: …". */
static int step_done(struct reg_store *s, sqlite3_stmt *st, const char *what, struct diag_list *dl)
{
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_err(s, dl, what);
    sqlite3_finalize(st);
    return rc;
}

static char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

/* ---- connection and transactions ----------------------------------------- */

static void sq_close(struct reg_store *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);   /* rolls back a transaction still open */
    free(s->path);
    free(s);
}

static int sq_open(struct reg_store **out, const char *path, struct diag_list *dl)
{
    *out = NULL;
    struct reg_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        diag_error(dl, path, NULL, "out of memory");
        return -1;
    }
    /* create the file ourselves so it is private from the start; SQLite
     * gives its -wal and -shm files the same mode */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        diag_error(dl, path, NULL, "cannot open the register: %s", strerror(errno));
        sq_close(s);
        return -1;
    }
    close(fd);
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        diag_error(dl, path, NULL, "cannot open the register: %s",
                   s->db ? sqlite3_errmsg(s->db) : "out of memory");
        sq_close(s);
        return -1;
    }
    sqlite3_busy_timeout(s->db, 60000);
    if (exec_patient(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", dl) != 0) {
        sq_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

static int sq_begin(struct reg_store *s, struct diag_list *dl)
{
    return exec_patient(s, "BEGIN IMMEDIATE", dl);
}

static void sq_rollback(struct reg_store *s)
{
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static int sq_commit(struct reg_store *s, struct diag_list *dl)
{
    if (exec(s, "COMMIT", dl) == 0)
        return 0;
    sq_rollback(s);
    return -1;
}

/* ---- schema -------------------------------------------------------------- */

static int sq_schema_version(struct reg_store *s, int *v, struct diag_list *dl)
{
    sqlite3_stmt *st = prepare(s, "PRAGMA user_version", "cannot read the schema version", dl);
    if (!st)
        return -1;
    int rc = 0;
    if (sqlite3_step(st) == SQLITE_ROW)
        *v = sqlite3_column_int(st, 0);
    else
        rc = db_err(s, dl, "cannot read the schema version");
    sqlite3_finalize(st);
    return rc;
}

static int sq_migrate(struct reg_store *s, int from, int to, struct diag_list *dl)
{
    if (from < 0 || to > N_MIGRATIONS) {
        diag_error(dl, s->path, NULL, "cannot migrate the register from schema %d to %d", from, to);
        return -1;
    }
    for (int v = from; v < to; v++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
        if (exec(s, MIGRATIONS[v], dl) != 0 || exec(s, pragma, dl) != 0)
            return -1;
    }
    return 0;
}

/* ---- the number pattern ---------------------------------------------------- */

static int sq_get_pattern(struct reg_store *s, char **pattern, struct diag_list *dl)
{
    *pattern = NULL;
    sqlite3_stmt *st = prepare(s, "SELECT value FROM meta WHERE key='number_pattern'",
                               "cannot read the number pattern", dl);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *pattern = col_text(st, 0);
    else if (rc != SQLITE_DONE)
        db_err(s, dl, "cannot read the number pattern");
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int sq_set_pattern(struct reg_store *s, const char *pattern, struct diag_list *dl)
{
    static const char what[] = "cannot change the number pattern";
    sqlite3_stmt *st = prepare(s, "INSERT OR REPLACE INTO meta VALUES ('number_pattern', ?)", what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, pattern, -1, SQLITE_STATIC);
    return step_done(s, st, what, dl);
}

/* ---- issuing ---------------------------------------------------------------- */

static int sq_next_seq(struct reg_store *s, int year, long long *seq, struct diag_list *dl)
{
    static const char what[] = "cannot allocate a quote number";
    sqlite3_stmt *st = prepare(s,
                               "INSERT INTO series(year, last) VALUES (?, 1)"
                               " ON CONFLICT(year) DO UPDATE SET last = last + 1 RETURNING last",
                               what, dl);
    if (!st)
        return -1;
    sqlite3_bind_int(st, 1, year);
    int rc = -1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *seq = sqlite3_column_int64(st, 0);
        rc = 0;
    } else {
        db_err(s, dl, what);
    }
    sqlite3_finalize(st);
    return rc;
}

static int sq_has_quote(struct reg_store *s, const char *number, struct diag_list *dl)
{
    sqlite3_stmt *st = prepare(s, "SELECT 1 FROM quotes WHERE number = ?", "cannot read the register", dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int found = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : db_err(s, dl, "cannot read the register");
    sqlite3_finalize(st);
    return found;
}

static int sq_put_tables(struct reg_store *s, const struct reg_tables *t, struct diag_list *dl)
{
    static const char what[] = "cannot store the price tables";
    sqlite3_stmt *st = prepare(s, "INSERT OR IGNORE INTO price_tables VALUES (?,?,?,?)", what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, t->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, t->version, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, t->clinic_json, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, t->catalog_json, -1, SQLITE_STATIC);
    return step_done(s, st, what, dl);
}

static int sq_insert_quote(struct reg_store *s, const struct reg_new_quote *q, struct diag_list *dl)
{
    static const char what[] = "cannot store the quote";
    sqlite3_stmt *st = prepare(s,
                               "INSERT INTO quotes(number, year, seq, status, patient_id, patient_name, issued,"
                               " valid_until, scheduled, estimate_due, total_cents, language, tables_sha256,"
                               " request_json, quote_json, pdf, pdf_sha256, supersedes, created_unix,"
                               " location, desk)"
                               " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                               what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, q->number, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, q->year);
    sqlite3_bind_int64(st, 3, q->seq);
    sqlite3_bind_text(st, 4, q->status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, q->patient_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, q->patient_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, q->issued, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, q->valid_until, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, q->scheduled, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, q->estimate_due, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 11, q->total_cents);
    sqlite3_bind_text(st, 12, q->language, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 13, q->tables_sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 14, q->request_json, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 15, q->quote_json, -1, SQLITE_STATIC);
    /* an empty document is still a BLOB, not NULL */
    sqlite3_bind_blob64(st, 16, q->pdf ? (const void *)q->pdf : (const void *)"", q->pdf_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 17, q->pdf_sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 18, q->supersedes, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 19, q->created_unix);
    sqlite3_bind_text(st, 20, q->location, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 21, q->desk, -1, SQLITE_STATIC);
    return step_done(s, st, what, dl);
}

/* ---- changes ------------------------------------------------------------------ */

static int sq_set_status(struct reg_store *s, const char *number, const char *status,
                         const char *superseded_by, struct diag_list *dl)
{
    static const char what[] = "cannot update the register";
    sqlite3_stmt *st = prepare(s,
                               superseded_by ? "UPDATE quotes SET status = ?1, superseded_by = ?3 WHERE number = ?2"
                                             : "UPDATE quotes SET status = ?1 WHERE number = ?2",
                               what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, number, -1, SQLITE_STATIC);
    if (superseded_by)
        sqlite3_bind_text(st, 3, superseded_by, -1, SQLITE_STATIC);
    if (step_done(s, st, what, dl) != 0)
        return -1;
    if (sqlite3_changes(s->db) != 1) {
        diag_error(dl, s->path, NULL, "%s: no quote %.40s", what, number);
        return -1;
    }
    return 0;
}

static int sq_add_event(struct reg_store *s, const struct reg_new_event *ev, struct diag_list *dl)
{
    static const char what[] = "cannot record the history";
    sqlite3_stmt *st = prepare(s, "INSERT INTO events(number, at, action, detail, actor) VALUES (?,?,?,?,?)",
                               what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, ev->number, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, ev->at, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, ev->action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, ev->detail, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, ev->actor, -1, SQLITE_STATIC);
    return step_done(s, st, what, dl);
}

/* Step st to its end, reading each row with read_row into a new, zeroed
 * element (elem bytes) of a growing array; read_row returns false when out
 * of memory.  Finalizes st.  Returns 0 with the array in *out and its
 * length in *n, or -1 with a diagnostic and nothing handed out (release
 * frees the rows read so far). */
static int collect_rows(struct reg_store *s, sqlite3_stmt *st, size_t elem,
                        bool (*read_row)(sqlite3_stmt *st, void *row), void (*release)(void *v, size_t n),
                        void **out, size_t *n, const char *what, struct diag_list *dl)
{
    char *v = NULL;
    size_t cap = 0;
    int rc;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char *nv = realloc(v, ncap * elem);
            if (!nv)
                break;
            v = nv;
            cap = ncap;
        }
        memset(v + *n * elem, 0, elem);
        if (!read_row(st, v + *n * elem))
            break;
        (*n)++;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE) {
        *out = v;
        return 0;
    }
    if (rc == SQLITE_ROW)
        diag_error(dl, s->path, NULL, "out of memory");
    else
        db_err(s, dl, what);
    release(v, *n);
    *out = NULL;
    *n = 0;
    return -1;
}

/* ---- reading -------------------------------------------------------------------- */

#define ENTRY_COLS                                                                          \
    "q.number, q.status, q.patient_id, q.patient_name, q.issued, q.valid_until, q.scheduled," \
    " q.estimate_due, q.total_cents, q.language, t.version, q.tables_sha256, q.supersedes,"  \
    " q.superseded_by, q.year, q.seq, q.created_unix, q.location, q.desk"
#define N_ENTRY_COLS 19
#define ENTRY_FROM " FROM quotes q JOIN price_tables t ON t.sha256 = q.tables_sha256"

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
    e->year = sqlite3_column_int(st, 14);
    e->seq = sqlite3_column_int64(st, 15);
    e->created_unix = sqlite3_column_int64(st, 16);
    e->location = col_text(st, 17);
    e->desk = col_text(st, 18);
}

static int sq_get(struct reg_store *s, const char *number, bool with_pdf, struct reg_entry *e,
                  struct diag_list *dl)
{
    static const char what[] = "cannot read the register";
    memset(e, 0, sizeof *e);
    sqlite3_stmt *st = prepare(s,
                               with_pdf ? "SELECT " ENTRY_COLS ", q.request_json, q.quote_json, q.pdf_sha256, q.pdf"
                                          ENTRY_FROM " WHERE q.number = ?"
                                        : "SELECT " ENTRY_COLS ", q.request_json, q.quote_json, q.pdf_sha256"
                                          ENTRY_FROM " WHERE q.number = ?",
                               what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        rc = rc == SQLITE_DONE ? 1 : db_err(s, dl, what);
        sqlite3_finalize(st);
        return rc;
    }
    read_entry(st, e);
    e->request_json = col_text(st, N_ENTRY_COLS);
    e->quote_json = col_text(st, N_ENTRY_COLS + 1);
    e->pdf_sha256 = col_text(st, N_ENTRY_COLS + 2);
    rc = 0;
    if (with_pdf) {
        const void *b = sqlite3_column_blob(st, N_ENTRY_COLS + 3);
        size_t n = (size_t)sqlite3_column_bytes(st, N_ENTRY_COLS + 3);
        e->pdf = malloc(n ? n : 1);
        if (!e->pdf) {
            diag_error(dl, s->path, NULL, "out of memory");
            reg_entry_free(e);
            rc = -1;
        } else {
            if (b)
                memcpy(e->pdf, b, n);
            e->pdf_len = n;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static int sq_get_tables(struct reg_store *s, const char *sha256, char **clinic_json, char **catalog_json,
                         struct diag_list *dl)
{
    static const char what[] = "cannot read the register";
    *clinic_json = *catalog_json = NULL;
    sqlite3_stmt *st = prepare(s, "SELECT clinic_json, catalog_json FROM price_tables WHERE sha256 = ?", what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *clinic_json = col_text(st, 0);
        *catalog_json = col_text(st, 1);
        rc = 0;
    } else {
        rc = rc == SQLITE_DONE ? 1 : db_err(s, dl, what);
    }
    sqlite3_finalize(st);
    return rc;
}

static bool read_list_row(sqlite3_stmt *st, void *row)
{
    read_entry(st, row);
    return true;
}

static void release_entries(void *v, size_t n)
{
    reg_entries_free(v, n);
}

static int sq_list(struct reg_store *s, const struct reg_query *q, struct reg_entry **out, size_t *n,
                   struct diag_list *dl)
{
    static const char what[] = "cannot read the register";
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = prepare(s,
                               "SELECT " ENTRY_COLS ENTRY_FROM
                               " WHERE (?1 IS NULL OR q.patient_id = ?1)"
                               " AND (?2 IS NULL OR instr(lower(q.patient_name), lower(?2)) > 0)"
                               " AND (?3 IS NULL OR q.issued >= ?3) AND (?4 IS NULL OR q.issued <= ?4)"
                               " AND (?5 IS NULL OR q.status = ?5)"
                               " AND (?6 IS NULL OR q.valid_until >= ?6) AND (?7 IS NULL OR q.valid_until < ?7)"
                               " AND (?8 IS NULL OR q.location = ?8)"
                               " ORDER BY q.issued DESC, q.year DESC, q.seq DESC",
                               what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, q->patient_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, q->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, q->issued_from, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, q->issued_to, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, q->status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, q->valid_until_min, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, q->valid_until_below, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, q->location, -1, SQLITE_STATIC);
    void *v;
    int rc = collect_rows(s, st, sizeof **out, read_list_row, release_entries, &v, n, what, dl);
    *out = v;
    return rc;
}

static bool read_event_row(sqlite3_stmt *st, void *row)
{
    struct reg_event *ev = row;
    ev->at = col_text(st, 0);
    ev->actor = col_text(st, 1);
    ev->action = col_text(st, 2);
    ev->detail = col_text(st, 3);
    return true;
}

static void release_events(void *v, size_t n)
{
    reg_events_free(v, n);
}

static int sq_history(struct reg_store *s, const char *number, struct reg_event **out, size_t *n,
                      struct diag_list *dl)
{
    static const char what[] = "cannot read the history";
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = prepare(s, "SELECT at, actor, action, detail FROM events WHERE number = ? ORDER BY id",
                               what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
    void *v;
    int rc = collect_rows(s, st, sizeof **out, read_event_row, release_events, &v, n, what, dl);
    *out = v;
    return rc;
}

static bool read_pdf_ref_row(sqlite3_stmt *st, void *row)
{
    struct reg_pdf_ref *p = row;
    const unsigned char *sha = sqlite3_column_text(st, 2);
    snprintf(p->sha256, sizeof p->sha256, "%s", sha ? (const char *)sha : "");
    p->len = (size_t)sqlite3_column_int64(st, 1);
    p->desk = col_text(st, 3);
    return (p->number = col_text(st, 0)) != NULL;
}

static void release_pdf_refs(void *v, size_t n)
{
    reg_pdf_refs_free(v, n);
}

static int sq_pdf_refs(struct reg_store *s, int64_t created_by, struct reg_pdf_ref **out, size_t *n,
                       struct diag_list *dl)
{
    static const char what[] = "cannot read the register";
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = prepare(s,
                               "SELECT number, length(pdf), pdf_sha256, desk FROM quotes"
                               " WHERE created_unix IS NULL OR created_unix <= ?",
                               what, dl);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, created_by);
    void *v;
    int rc = collect_rows(s, st, sizeof **out, read_pdf_ref_row, release_pdf_refs, &v, n, what, dl);
    *out = v;
    return rc;
}

static bool read_series_row(sqlite3_stmt *st, void *row)
{
    struct reg_series *v = row;
    v->year = sqlite3_column_int(st, 0);
    v->last = sqlite3_column_int64(st, 1);
    return true;
}

static void release_plain(void *v, size_t n)
{
    (void)n;
    free(v);
}

static int sq_series(struct reg_store *s, struct reg_series **out, size_t *n, struct diag_list *dl)
{
    static const char what[] = "cannot read the number series";
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = prepare(s, "SELECT year, last FROM series ORDER BY year", what, dl);
    if (!st)
        return -1;
    void *v;
    int rc = collect_rows(s, st, sizeof **out, read_series_row, release_plain, &v, n, what, dl);
    *out = v;
    return rc;
}

static int sq_put_series(struct reg_store *s, int year, long long last, struct diag_list *dl)
{
    static const char what[] = "cannot store the number series";
    sqlite3_stmt *st = prepare(s,
                               "INSERT INTO series(year, last) VALUES (?1, ?2)"
                               " ON CONFLICT(year) DO UPDATE SET last = max(last, excluded.last)",
                               what, dl);
    if (!st)
        return -1;
    sqlite3_bind_int(st, 1, year);
    sqlite3_bind_int64(st, 2, last);
    return step_done(s, st, what, dl);
}

const struct reg_engine reg_engine_sqlite = {
    .name = "sqlite",
    .scheme = NULL,
    .open = sq_open,
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .schema_version = sq_schema_version,
    .migrate = sq_migrate,
    .get_pattern = sq_get_pattern,
    .set_pattern = sq_set_pattern,
    .next_seq = sq_next_seq,
    .has_quote = sq_has_quote,
    .put_tables = sq_put_tables,
    .insert_quote = sq_insert_quote,
    .set_status = sq_set_status,
    .add_event = sq_add_event,
    .get = sq_get,
    .get_tables = sq_get_tables,
    .list = sq_list,
    .history = sq_history,
    .pdf_refs = sq_pdf_refs,
    .series = sq_series,
    .put_series = sq_put_series,
};
