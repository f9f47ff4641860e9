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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "outfile.h"
#include "textfold.h"

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
    /* 2 -> 3: the name's search key (textfold.h), for the quotes stored before too */
    ("ALTER TABLE quotes ADD COLUMN name_key TEXT;"
     "UPDATE quotes SET name_key = rq_textfold(patient_name) WHERE patient_name IS NOT NULL;"),
    /* 3 -> 4: a request's idempotency key, one quote per key */
    "ALTER TABLE quotes ADD COLUMN idempotency_key TEXT;"
    "CREATE UNIQUE INDEX quotes_idempotency_key ON quotes(idempotency_key)"
    "  WHERE idempotency_key IS NOT NULL;",
    /* 4 -> 5: staff accounts, sign-in sessions (only an id's SHA-256), the
     * audit chain (one link per event, append-only; its head in meta) */
    "CREATE TABLE users(username TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL,"
    "  disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL,"
    "  failed_logins INTEGER NOT NULL DEFAULT 0, last_failed_unix INTEGER NOT NULL DEFAULT 0);"
    "CREATE TRIGGER users_keep BEFORE DELETE ON users"
    "  BEGIN SELECT RAISE(ABORT, 'staff accounts are disabled, never deleted'); END;"
    "CREATE TABLE sessions(id_sha256 TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES users(username),"
    "  created_unix INTEGER NOT NULL, last_seen_unix INTEGER NOT NULL, ended_unix INTEGER NOT NULL DEFAULT 0,"
    "  end_reason TEXT);"
    "CREATE INDEX sessions_open ON sessions(username, ended_unix);"
    "CREATE TABLE audit_links(event_id INTEGER PRIMARY KEY REFERENCES events(id),"
    "  seq INTEGER NOT NULL UNIQUE, prev TEXT NOT NULL, hash TEXT NOT NULL);"
    "CREATE TRIGGER audit_links_append_only_u BEFORE UPDATE ON audit_links"
    "  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
    "CREATE TRIGGER audit_links_append_only_d BEFORE DELETE ON audit_links"
    "  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
    "CREATE INDEX events_actor ON events(actor);"
    "CREATE INDEX events_at ON events(at);",
    /* 5 -> 6: final bills and the clinic's explanations (bill.h), append-only */
    ("CREATE TABLE bills(id INTEGER PRIMARY KEY, number TEXT NOT NULL REFERENCES quotes(number),"
     "  given_for TEXT, bill_date TEXT NOT NULL, format TEXT NOT NULL, file_name TEXT,"
     "  bytes BLOB NOT NULL, sha256 TEXT NOT NULL, lines_json TEXT NOT NULL,"
     "  corrects INTEGER REFERENCES bills(id), added_by TEXT NOT NULL, added_at TEXT NOT NULL);"
     "CREATE INDEX bills_number ON bills(number);"
     "CREATE TABLE bill_notes(id INTEGER PRIMARY KEY, number TEXT NOT NULL REFERENCES quotes(number),"
     "  line INTEGER NOT NULL, row_key TEXT NOT NULL, text TEXT NOT NULL,"
     "  written_by TEXT NOT NULL, written_at TEXT NOT NULL);"
     "CREATE INDEX bill_notes_number ON bill_notes(number);"
     "CREATE TRIGGER bills_keep_u BEFORE UPDATE ON bills"
     "  BEGIN SELECT RAISE(ABORT, 'bills are kept as added'); END;"
     "CREATE TRIGGER bills_keep_d BEFORE DELETE ON bills"
     "  BEGIN SELECT RAISE(ABORT, 'bills are kept as added'); END;"
     "CREATE TRIGGER bill_notes_keep_u BEFORE UPDATE ON bill_notes"
     "  BEGIN SELECT RAISE(ABORT, 'explanations are kept as written'); END;"
     "CREATE TRIGGER bill_notes_keep_d BEFORE DELETE ON bill_notes"
     "  BEGIN SELECT RAISE(ABORT, 'explanations are kept as written'); END;"),
    /* 6 -> 7: the patient's side: signed acceptances, kept whole and never changed */
    "CREATE TABLE acceptances(number TEXT PRIMARY KEY REFERENCES quotes(number),"
    "  signer TEXT NOT NULL, signed_at TEXT NOT NULL, witness TEXT NOT NULL,"
    "  how TEXT NOT NULL CHECK (how IN ('screen','paper')),"
    "  notice_state TEXT, notice_sha256 TEXT,"
    "  pdf_sha256 TEXT NOT NULL, tables_sha256 TEXT NOT NULL,"
    "  signature_type TEXT NOT NULL CHECK (signature_type IN ('png','jpeg')), signature BLOB NOT NULL,"
    "  accepted_pdf BLOB NOT NULL, accepted_sha256 TEXT NOT NULL);"
    "CREATE TRIGGER acceptances_keep_u BEFORE UPDATE ON acceptances"
    "  BEGIN SELECT RAISE(ABORT, 'a signed acceptance is never changed'); END;"
    "CREATE TRIGGER acceptances_keep_d BEFORE DELETE ON acceptances"
    "  BEGIN SELECT RAISE(ABORT, 'a signed acceptance is never deleted'); END;"
    /* how and when the estimate reached the patient; consent to e-mail it */
    "CREATE TABLE deliveries(id INTEGER PRIMARY KEY, number TEXT NOT NULL REFERENCES quotes(number),"
    "  how TEXT NOT NULL CHECK (how IN ('paper','email','download')), at TEXT NOT NULL,"
    "  actor TEXT NOT NULL, detail TEXT);"
    "CREATE INDEX deliveries_number ON deliveries(number);"
    "CREATE TRIGGER deliveries_keep_u BEFORE UPDATE ON deliveries"
    "  BEGIN SELECT RAISE(ABORT, 'a delivery record is never changed'); END;"
    "CREATE TRIGGER deliveries_keep_d BEFORE DELETE ON deliveries"
    "  BEGIN SELECT RAISE(ABORT, 'a delivery record is never deleted'); END;"
    "CREATE TABLE email_consents(id INTEGER PRIMARY KEY, number TEXT NOT NULL REFERENCES quotes(number),"
    "  address TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL);"
    "CREATE TRIGGER email_consents_keep_u BEFORE UPDATE ON email_consents"
    "  BEGIN SELECT RAISE(ABORT, 'a consent record is never changed'); END;",
    /* 7 -> 8: where a quote came from; a quote's content and the price
     * tables can no longer be changed */
    "ALTER TABLE quotes ADD COLUMN location TEXT;"
    "ALTER TABLE quotes ADD COLUMN desk TEXT;"
    "CREATE TRIGGER quotes_content_fixed BEFORE UPDATE OF number, year, seq, patient_id, patient_name,"
    "  issued, valid_until, scheduled, estimate_due, total_cents, language, tables_sha256, request_json,"
    "  quote_json, pdf, pdf_sha256, supersedes, created_unix, name_key, location, desk ON quotes"
    "  BEGIN SELECT RAISE(ABORT, 'an issued quote''s content never changes'); END;"
    "CREATE TRIGGER price_tables_keep_u BEFORE UPDATE ON price_tables"
    "  BEGIN SELECT RAISE(ABORT, 'stored price tables never change'); END;"
    "CREATE TRIGGER price_tables_keep_d BEFORE DELETE ON price_tables"
    "  BEGIN SELECT RAISE(ABORT, 'stored price tables never change'); END;"
    "CREATE INDEX quotes_location ON quotes(location);",
    /* 8 -> 9: a consent to e-mail is never deleted (step 7 refused only
     * changing one) */
    "CREATE TRIGGER email_consents_keep_d BEFORE DELETE ON email_consents"
    "  BEGIN SELECT RAISE(ABORT, 'a consent record is never deleted'); END;",
};
#define N_MIGRATIONS ((int)(sizeof MIGRATIONS / sizeof MIGRATIONS[0]))
_Static_assert(N_MIGRATIONS == REGISTER_SCHEMA_VERSION, "one migration step per schema version");

/* What to add to a message when SQLite finds the file damaged (not when
 * it is no database at all: that is more often a mistyped --register). */
static const char *damage_hint(struct reg_store *s)
{
    return (sqlite3_errcode(s->db) & 0xff) == SQLITE_CORRUPT
               ? "; the register file is damaged: keep it aside and restore the latest backup "
                 "(docs/register.md, \"Restoring a backup\")"
               : "";
}

static int db_err(struct reg_store *s, struct diag_list *dl, const char *what)
{
    diag_error(dl, s->path, NULL, "%s: %s%s", what, sqlite3_errmsg(s->db), damage_hint(s));
    return -1;
}

static int exec(struct reg_store *s, const char *sql, struct diag_list *dl)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        diag_error(dl, s->path, NULL, "register error: %s%s", msg ? msg : "unknown", damage_hint(s));
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

/* Make the folder path is in (mode 0700), unless it exists. */
static int make_folder_of(const char *path, struct diag_list *dl)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    return outfile_make_dir(dir, dl);
}

/* Whether the file open as fd is an SQLite database or empty: only then
 * are its modes the register's business (a file given by mistake is left
 * as it is, and SQLite refuses it). */
static bool sqlite_or_empty(int fd)
{
    char head[16];
    ssize_t n = pread(fd, head, sizeof head, 0);
    return n == 0 || (n == (ssize_t)sizeof head && !memcmp(head, "SQLite format 3", 16));
}

/* Make the register's files private, as ssh treats a loose key file, but
 * mending instead of refusing: a file of the register (the database, its
 * -wal or -shm) open to the group or others, typically restored by a copy
 * that did not keep its mode, is changed to 0600 with a warning naming the
 * file and the mode it had; one that cannot be changed (another owner's) is
 * refused.  Returns 0 or -1. */
static int make_private(const char *path, struct diag_list *dl)
{
    static const char *const suffix[] = { "", "-wal", "-shm" };
    for (size_t i = 0; i < 3; i++) {
        char f[4200];
        struct stat st;
        snprintf(f, sizeof f, "%s%s", path, suffix[i]);
        if (stat(f, &st) != 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 077))
            continue;
        unsigned mode = (unsigned)(st.st_mode & 07777);
        if (chmod(f, 0600) != 0) {
            diag_error(dl, f, NULL, "is mode %04o, open to other users, and cannot be made private: %s; "
                       "its owner can run 'chmod 600 %s'", mode, strerror(errno), f);
            return -1;
        }
        diag_add(dl, DIAG_WARNING, f, 0, 0, NULL, "was mode %04o, open to other users; changed to 0600 (owner only)",
                 mode);
    }
    return 0;
}

static int sq_open(struct reg_store **out, const char *path, bool create, struct diag_list *dl)
{
    *out = NULL;
    struct reg_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        diag_error(dl, path, NULL, "out of memory");
        return -1;
    }
    /* create the file ourselves so it is private from the start (in a
     * private folder when that is missing too); SQLite gives its -wal and
     * -shm files the same mode */
    if (create && make_folder_of(path, dl) != 0) {
        sq_close(s);
        return -1;
    }
    int fd = open(path, O_RDWR | (create ? O_CREAT : 0) | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        sq_close(s);
        if (e == ENOENT && !create)
            return 1;
        diag_error(dl, path, NULL, "cannot open the register: %s", strerror(e));
        return -1;
    }
    bool ours = sqlite_or_empty(fd);
    close(fd);
    if (ours && make_private(path, dl) != 0) {
        sq_close(s);
        return -1;
    }
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

static int sq_is_owner(struct reg_store *s, struct diag_list *dl)
{
    (void)dl;
    struct stat st;
    return stat(s->path, &st) == 0 && st.st_uid == getuid() ? 1 : 0;
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
    if (rc != 0 || *v != 0)
        return rc;
    /* version 0: new and empty, or another program's database */
    st = prepare(s, "SELECT count(*) FROM sqlite_master", "cannot read the schema version", dl);
    if (!st)
        return -1;
    if (sqlite3_step(st) != SQLITE_ROW)
        rc = db_err(s, dl, "cannot read the schema version");
    else if (sqlite3_column_int(st, 0) != 0) {
        diag_error(dl, s->path, NULL, "is a database of another program, not a register; give another file");
        rc = -1;
    }
    sqlite3_finalize(st);
    return rc;
}

/* rq_textfold(text): the SQL face of textfold(), for the step that gives
 * the quotes already stored their name_key. */
static void sql_textfold(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const unsigned char *t = sqlite3_value_text(argv[0]);
    if (!t) {
        sqlite3_result_null(ctx);
        return;
    }
    size_t n = (size_t)sqlite3_value_bytes(argv[0]);
    char *key = malloc(n + 1);
    if (!key) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    textfold((const char *)t, n, key);
    sqlite3_result_text(ctx, key, -1, free);
}

static int sq_migrate(struct reg_store *s, int from, int to, struct diag_list *dl)
{
    if (from < 0 || to > N_MIGRATIONS) {
        diag_error(dl, s->path, NULL, "cannot migrate the register from schema %d to %d", from, to);
        return -1;
    }
    if (sqlite3_create_function(s->db, "rq_textfold", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_textfold,
                                NULL, NULL) != SQLITE_OK)
        return db_err(s, dl, "cannot migrate the register");
    for (int v = from; v < to; v++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
        if (exec(s, MIGRATIONS[v], dl) != 0 || exec(s, pragma, dl) != 0)
            return -1;
    }
    return 0;
}

/* ---- the number pattern and the register's identity ------------------------- */

/* The value stored under key in meta (*value malloc'd), or NULL if none. */
static int get_meta(struct reg_store *s, const char *key, char **value, const char *what, struct diag_list *dl)
{
    *value = NULL;
    sqlite3_stmt *st = prepare(s, "SELECT value FROM meta WHERE key = ?", what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && !(*value = col_text(st, 0))) {
        diag_error(dl, s->path, NULL, "out of memory");
        rc = SQLITE_NOMEM;
    } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        db_err(s, dl, what);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Store value under key in meta; replace: over a value stored before,
 * else a second value is refused (the key is the primary key). */
static int set_meta(struct reg_store *s, const char *key, const char *value, bool replace, const char *what,
                    struct diag_list *dl)
{
    sqlite3_stmt *st = prepare(s, replace ? "INSERT OR REPLACE INTO meta VALUES (?, ?)" : "INSERT INTO meta VALUES (?, ?)",
                               what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    return step_done(s, st, what, dl);
}

static int sq_get_pattern(struct reg_store *s, char **pattern, struct diag_list *dl)
{
    return get_meta(s, "number_pattern", pattern, "cannot read the number pattern", dl);
}

static int sq_set_pattern(struct reg_store *s, const char *pattern, struct diag_list *dl)
{
    return set_meta(s, "number_pattern", pattern, true, "cannot change the number pattern", dl);
}

static int sq_get_id(struct reg_store *s, char **id, struct diag_list *dl)
{
    return get_meta(s, "register_id", id, "cannot read the register's id", dl);
}

static int sq_set_id(struct reg_store *s, const char *id, struct diag_list *dl)
{
    return set_meta(s, "register_id", id, false, "cannot store the register's id", dl);
}

/* ---- issuing ---------------------------------------------------------------- */

/* Run sql, an upsert of year's counter (?1 the year, ?2 value) that
 * returns it, and give the counter it leaves in *last. */
static int series_upsert(struct reg_store *s, const char *sql, int year, long long value, long long *last,
                         const char *what, struct diag_list *dl)
{
    sqlite3_stmt *st = prepare(s, sql, what, dl);
    if (!st)
        return -1;
    sqlite3_bind_int(st, 1, year);
    sqlite3_bind_int64(st, 2, value);
    int rc = -1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *last = sqlite3_column_int64(st, 0);
        rc = 0;
    } else {
        db_err(s, dl, what);
    }
    sqlite3_finalize(st);
    return rc;
}

static int sq_next_seq(struct reg_store *s, int year, long long *seq, struct diag_list *dl)
{
    return series_upsert(s,
                         "INSERT INTO series(year, last) VALUES (?1, ?2)"
                         " ON CONFLICT(year) DO UPDATE SET last = last + ?2 RETURNING last",
                         year, 1, seq, "cannot allocate a quote number", dl);
}

static int sq_series(struct reg_store *s, int year, long long *last, struct diag_list *dl)
{
    static const char what[] = "cannot read the register";
    *last = 0;
    sqlite3_stmt *st = prepare(s, "SELECT last FROM series WHERE year = ?", what, dl);
    if (!st)
        return -1;
    sqlite3_bind_int(st, 1, year);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *last = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE)
        db_err(s, dl, what);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int sq_raise_series(struct reg_store *s, int year, long long last, struct diag_list *dl)
{
    long long now;
    return series_upsert(s,
                         "INSERT INTO series(year, last) VALUES (?1, ?2)"
                         " ON CONFLICT(year) DO UPDATE SET last = max(last, ?2) RETURNING last",
                         year, last, &now, "cannot move the series on", dl);
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
                               " request_json, quote_json, pdf, pdf_sha256, supersedes, created_unix, name_key,"
                               " location, desk)"
                               " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
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
    sqlite3_bind_text(st, 20, q->name_key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 21, q->location, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 22, q->desk, -1, SQLITE_STATIC);
    return step_done(s, st, what, dl);
}

/* ---- idempotency keys --------------------------------------------------------- */

static int sq_set_key(struct reg_store *s, const char *number, const char *key, struct diag_list *dl)
{
    static const char what[] = "cannot store the idempotency key";
    sqlite3_stmt *st = prepare(s, "UPDATE quotes SET idempotency_key = ?2 WHERE number = ?1 AND idempotency_key IS NULL",
                               what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    if (step_done(s, st, what, dl) != 0)
        return -1;
    if (sqlite3_changes(s->db) != 1) {
        diag_error(dl, s->path, NULL, "%s: no new quote %.40s", what, number);
        return -1;
    }
    return 0;
}

static int sq_find_key(struct reg_store *s, const char *key, char **number, struct diag_list *dl)
{
    static const char what[] = "cannot read the register";
    *number = NULL;
    sqlite3_stmt *st = prepare(s, "SELECT number FROM quotes WHERE idempotency_key = ?", what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *number = col_text(st, 0);
        rc = *number ? 0 : (diag_error(dl, s->path, NULL, "out of memory"), -1);
    } else {
        rc = rc == SQLITE_DONE ? 1 : db_err(s, dl, what);
    }
    sqlite3_finalize(st);
    return rc;
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
                               " AND (?2 IS NULL OR instr(q.name_key, ?2) > 0)"
                               " AND (?3 IS NULL OR q.issued >= ?3) AND (?4 IS NULL OR q.issued <= ?4)"
                               " AND (?5 IS NULL OR q.status = ?5)"
                               " AND (?6 IS NULL OR q.valid_until >= ?6) AND (?7 IS NULL OR q.valid_until < ?7)"
                               " AND (?8 IS NULL OR q.location = ?8)"
                               " ORDER BY q.issued DESC, q.year DESC, q.seq DESC",
                               what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, q->patient_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, q->name_key, -1, SQLITE_STATIC);
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
    p->year = sqlite3_column_int(st, 3);
    p->seq = sqlite3_column_int64(st, 4);
    p->desk = col_text(st, 5);
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
                               "SELECT number, length(pdf), pdf_sha256, year, seq, desk FROM quotes"
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

static int sq_series_all(struct reg_store *s, struct reg_series **out, size_t *n, struct diag_list *dl)
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

/* ---- final bills (schema 6) ------------------------------------------------------ */

static int sq_put_bill(struct reg_store *s, const struct reg_new_bill *b, long long *id, struct diag_list *dl)
{
    static const char what[] = "cannot store the bill";
    sqlite3_stmt *st = prepare(s,
                               "INSERT INTO bills(number, given_for, bill_date, format, file_name, bytes, sha256,"
                               " lines_json, corrects, added_by, added_at, id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                               what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, b->number, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, b->given_for, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, b->bill_date, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, b->format, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, b->file_name, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(st, 6, b->bytes ? (const void *)b->bytes : "", b->len, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, b->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, b->lines_json, -1, SQLITE_STATIC);
    if (b->corrects > 0)
        sqlite3_bind_int64(st, 9, b->corrects);
    else
        sqlite3_bind_null(st, 9);
    sqlite3_bind_text(st, 10, b->added_by, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, b->added_at, -1, SQLITE_STATIC);
    /* NULL: the next id (INTEGER PRIMARY KEY), above every stored one */
    if (b->id > 0)
        sqlite3_bind_int64(st, 12, b->id);
    else
        sqlite3_bind_null(st, 12);
    if (step_done(s, st, what, dl) != 0)
        return -1;
    *id = (long long)sqlite3_last_insert_rowid(s->db);
    return 0;
}

static bool read_bill_row(sqlite3_stmt *st, void *row)
{
    struct reg_bill *b = row;
    b->id = sqlite3_column_int64(st, 0);
    b->number = col_text(st, 1);
    b->given_for = col_text(st, 2);
    b->bill_date = col_text(st, 3);
    b->format = col_text(st, 4);
    b->file_name = col_text(st, 5);
    b->len = (size_t)sqlite3_column_bytes(st, 6);
    const void *bytes = sqlite3_column_blob(st, 6);
    b->bytes = malloc(b->len ? b->len : 1);
    if (b->bytes && bytes)
        memcpy(b->bytes, bytes, b->len);
    b->sha256 = col_text(st, 7);
    b->lines_json = col_text(st, 8);
    b->corrects = sqlite3_column_int64(st, 9);
    b->added_by = col_text(st, 10);
    b->added_at = col_text(st, 11);
    return b->number && b->bill_date && b->bytes && b->sha256 && b->lines_json && b->added_by && b->added_at;
}

static void release_bills(void *v, size_t n)
{
    reg_bills_free(v, n);
}

static int sq_bills(struct reg_store *s, const char *number, struct reg_bill **out, size_t *n,
                    struct diag_list *dl)
{
    static const char what[] = "cannot read the bills";
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = prepare(s,
                               "SELECT id, number, given_for, bill_date, format, file_name, bytes, sha256,"
                               " lines_json, corrects, added_by, added_at FROM bills WHERE number = ? ORDER BY id",
                               what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
    void *v;
    int rc = collect_rows(s, st, sizeof **out, read_bill_row, release_bills, &v, n, what, dl);
    *out = v;
    return rc;
}

static int sq_put_bill_note(struct reg_store *s, const struct reg_bill_note *note, struct diag_list *dl)
{
    static const char what[] = "cannot store the explanation";
    sqlite3_stmt *st = prepare(s,
                               "INSERT INTO bill_notes(number, line, row_key, text, written_by, written_at)"
                               " VALUES (?,?,?,?,?,?)",
                               what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, note->number, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, note->line);
    sqlite3_bind_text(st, 3, note->row_key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, note->text, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, note->written_by, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, note->written_at, -1, SQLITE_STATIC);
    return step_done(s, st, what, dl);
}

static bool read_note_row(sqlite3_stmt *st, void *row)
{
    struct reg_bill_note *b = row;
    b->id = sqlite3_column_int64(st, 0);
    b->number = col_text(st, 1);
    b->line = sqlite3_column_int(st, 2);
    b->row_key = col_text(st, 3);
    b->text = col_text(st, 4);
    b->written_by = col_text(st, 5);
    b->written_at = col_text(st, 6);
    return b->number && b->row_key && b->text && b->written_by && b->written_at;
}

static void release_notes(void *v, size_t n)
{
    reg_bill_notes_free(v, n);
}

static int sq_bill_notes(struct reg_store *s, const char *number, struct reg_bill_note **out, size_t *n,
                         struct diag_list *dl)
{
    static const char what[] = "cannot read the explanations";
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = prepare(s,
                               "SELECT id, number, line, row_key, text, written_by, written_at FROM bill_notes"
                               " WHERE number = ? ORDER BY id",
                               what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
    void *v;
    int rc = collect_rows(s, st, sizeof **out, read_note_row, release_notes, &v, n, what, dl);
    *out = v;
    return rc;
}

static bool read_text_row(sqlite3_stmt *st, void *row)
{
    return (*(char **)row = col_text(st, 0)) != NULL;
}

static void release_texts(void *v, size_t n)
{
    char **t = v;
    for (size_t i = 0; i < n; i++)
        free(t[i]);
    free(t);
}

static int sq_billed_numbers(struct reg_store *s, char ***out, size_t *n, struct diag_list *dl)
{
    static const char what[] = "cannot read the bills";
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = prepare(s, "SELECT DISTINCT number FROM bills ORDER BY number", what, dl);
    if (!st)
        return -1;
    void *v;
    int rc = collect_rows(s, st, sizeof **out, read_text_row, release_texts, &v, n, what, dl);
    *out = v;
    return rc;
}

/* ---- backup ------------------------------------------------------------------ */

/* Whether a and b name the same file. */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* fsync the folder that holds path, so a rename in it is durable. */
static void sync_folder_of(const char *path)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    int fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* SQLite's online backup API copies every page as of one moment (a read
 * transaction on the register, which writers do not wait for in WAL mode)
 * into a private temporary file beside dest; the copy is switched to a
 * rollback journal, so it is one self-contained file, synced, and renamed
 * into place. */
static int sq_backup(struct reg_store *s, const char *dest, struct diag_list *dl)
{
    static const char *const suffix[] = { "", "-wal", "-shm" };
    for (size_t i = 0; i < 3; i++) {
        char f[4200];
        snprintf(f, sizeof f, "%s%s", s->path, suffix[i]);
        if (same_file(dest, f)) {
            diag_error(dl, dest, NULL, "is the register's own file; give another file for the backup");
            return -1;
        }
    }
    size_t n = strlen(dest) + 16;
    char *tmp = malloc(n);
    if (!tmp) {
        diag_error(dl, dest, NULL, "out of memory");
        return -1;
    }
    snprintf(tmp, n, "%s.tmpXXXXXX", dest);
    mode_t old = umask(077);
    int fd = mkstemp(tmp);
    umask(old);
    if (fd < 0) {
        diag_error(dl, dest, NULL, "cannot create the backup: %s", strerror(errno));
        free(tmp);
        return -1;
    }
    fchmod(fd, 0600);
    sqlite3 *d = NULL;
    char why[300] = "";
    if (sqlite3_open_v2(tmp, &d, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        snprintf(why, sizeof why, "%s", d ? sqlite3_errmsg(d) : "out of memory");
    } else {
        sqlite3_backup *b = sqlite3_backup_init(d, "main", s->db, "main");
        if (b)
            sqlite3_backup_step(b, -1);
        if (!b || sqlite3_backup_finish(b) != SQLITE_OK ||
            sqlite3_exec(d, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK)
            snprintf(why, sizeof why, "%s", sqlite3_errmsg(d));
    }
    if (sqlite3_close(d) != SQLITE_OK && !why[0])
        snprintf(why, sizeof why, "cannot close the copy");
    if (!why[0] && fsync(fd) != 0)
        snprintf(why, sizeof why, "%s", strerror(errno));
    close(fd);
    if (!why[0] && rename(tmp, dest) != 0)
        snprintf(why, sizeof why, "%s", strerror(errno));
    if (why[0]) {
        diag_error(dl, dest, NULL, "cannot write the backup: %s", why);
        unlink(tmp);
        free(tmp);
        return -1;
    }
    sync_folder_of(dest);
    free(tmp);
    return 0;
}

/* ---- checking ------------------------------------------------------------------ */

static int sq_check(struct reg_store *s, char *finding, size_t size, struct diag_list *dl)
{
    sqlite3_stmt *st;
    snprintf(finding, size, "%s", "");
    int rc = sqlite3_prepare_v2(s->db, "PRAGMA integrity_check(10)", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int e = sqlite3_errcode(s->db) & 0xff;
    if (rc == SQLITE_ROW) {
        /* the first problem, on one line: "*** in database main ***\nOn tree page 33 …\n…" */
        const char *t = (const char *)sqlite3_column_text(st, 0), *head = "*** in database main ***\n";
        t = t ? t : "?";
        if (!strncmp(t, head, strlen(head)))
            t += strlen(head);
        snprintf(finding, size, "%.*s", (int)strcspn(t, "\n"), t);
        rc = strcmp(finding, "ok") ? 1 : 0;
    } else if (e == SQLITE_CORRUPT || e == SQLITE_NOTADB) {
        snprintf(finding, size, "%s", sqlite3_errmsg(s->db));
        rc = 1;
    } else {
        rc = db_err(s, dl, "cannot check the register");
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- staff accounts (schema 5) -------------------------------------------------------------- */

#define USER_COLS "username, role, password_hash, disabled, created_at, failed_logins, last_failed_unix"

static bool read_user_row(sqlite3_stmt *st, void *row)
{
    struct reg_user *u = row;
    u->username = col_text(st, 0);
    u->role = col_text(st, 1);
    u->password_hash = col_text(st, 2);
    u->disabled = sqlite3_column_int(st, 3) != 0;
    u->created_at = col_text(st, 4);
    u->failed_logins = sqlite3_column_int64(st, 5);
    u->last_failed_unix = sqlite3_column_int64(st, 6);
    return u->username && u->role && u->password_hash && u->created_at;
}

static void release_users(void *v, size_t n)
{
    reg_users_free(v, n);
}

static int sq_user_insert(struct reg_store *s, const struct reg_user *u, struct diag_list *dl)
{
    static const char what[] = "cannot store the account";
    sqlite3_stmt *st = prepare(s, "INSERT INTO users(" USER_COLS ") VALUES (?,?,?,?,?,?,?)", what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, u->username, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, u->role, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, u->password_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, u->disabled);
    sqlite3_bind_text(st, 5, u->created_at, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, u->failed_logins);
    sqlite3_bind_int64(st, 7, u->last_failed_unix);
    return step_done(s, st, what, dl);
}

static int sq_user_get(struct reg_store *s, const char *username, struct reg_user *u, struct diag_list *dl)
{
    static const char what[] = "cannot read the accounts";
    memset(u, 0, sizeof *u);
    sqlite3_stmt *st = prepare(s, "SELECT " USER_COLS " FROM users WHERE username = ?", what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        rc = read_user_row(st, u) ? 0 : -1;
        if (rc) {
            free(u->username);
            free(u->role);
            free(u->password_hash);
            free(u->created_at);
            memset(u, 0, sizeof *u);
            diag_error(dl, s->path, NULL, "out of memory");
        }
    } else {
        rc = rc == SQLITE_DONE ? 1 : db_err(s, dl, what);
    }
    sqlite3_finalize(st);
    return rc;
}

static int sq_user_list(struct reg_store *s, struct reg_user **out, size_t *n, struct diag_list *dl)
{
    static const char what[] = "cannot read the accounts";
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = prepare(s, "SELECT " USER_COLS " FROM users ORDER BY username", what, dl);
    if (!st)
        return -1;
    void *v;
    int rc = collect_rows(s, st, sizeof **out, read_user_row, release_users, &v, n, what, dl);
    *out = v;
    return rc;
}

static int sq_user_update(struct reg_store *s, const struct reg_user *u, struct diag_list *dl)
{
    static const char what[] = "cannot change the account";
    sqlite3_stmt *st = prepare(s,
                               "UPDATE users SET role = ?2, password_hash = ?3, disabled = ?4, failed_logins = ?5,"
                               " last_failed_unix = ?6 WHERE username = ?1",
                               what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, u->username, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, u->role, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, u->password_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, u->disabled);
    sqlite3_bind_int64(st, 5, u->failed_logins);
    sqlite3_bind_int64(st, 6, u->last_failed_unix);
    if (step_done(s, st, what, dl) != 0)
        return -1;
    if (sqlite3_changes(s->db) != 1) {
        diag_error(dl, s->path, NULL, "%s: no account %.40s", what, u->username);
        return -1;
    }
    return 0;
}

/* ---- sessions (schema 5) ---------------------------------------------------------------------- */

static int sq_session_insert(struct reg_store *s, const char *id_sha256, const char *username, int64_t created_unix,
                             struct diag_list *dl)
{
    static const char what[] = "cannot store the session";
    sqlite3_stmt *st = prepare(s,
                               "INSERT INTO sessions(id_sha256, username, created_unix, last_seen_unix)"
                               " VALUES (?1, ?2, ?3, ?3)",
                               what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, id_sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, username, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, created_unix);
    return step_done(s, st, what, dl);
}

static int sq_session_get(struct reg_store *s, const char *id_sha256, struct reg_session *out, struct diag_list *dl)
{
    static const char what[] = "cannot read the sessions";
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = prepare(s,
                               "SELECT username, created_unix, last_seen_unix, ended_unix FROM sessions"
                               " WHERE id_sha256 = ?",
                               what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, id_sha256, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->username = col_text(st, 0);
        out->created_unix = sqlite3_column_int64(st, 1);
        out->last_seen_unix = sqlite3_column_int64(st, 2);
        out->ended_unix = sqlite3_column_int64(st, 3);
        rc = 0;
        if (!out->username) {
            diag_error(dl, s->path, NULL, "out of memory");
            rc = -1;
        }
    } else {
        rc = rc == SQLITE_DONE ? 1 : db_err(s, dl, what);
    }
    sqlite3_finalize(st);
    return rc;
}

static int sq_session_touch(struct reg_store *s, const char *id_sha256, int64_t last_seen_unix, struct diag_list *dl)
{
    static const char what[] = "cannot update the session";
    sqlite3_stmt *st = prepare(s, "UPDATE sessions SET last_seen_unix = ?2 WHERE id_sha256 = ?1 AND ended_unix = 0",
                               what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, id_sha256, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, last_seen_unix);
    return step_done(s, st, what, dl);
}

static int sq_session_end(struct reg_store *s, const char *id_sha256, const char *username, int64_t ended_unix,
                          const char *reason, long long *ended, struct diag_list *dl)
{
    static const char what[] = "cannot end the session";
    *ended = 0;
    sqlite3_stmt *st = prepare(s,
                               id_sha256 ? "UPDATE sessions SET ended_unix = ?2, end_reason = ?3"
                                           " WHERE id_sha256 = ?1 AND ended_unix = 0"
                                         : "UPDATE sessions SET ended_unix = ?2, end_reason = ?3"
                                           " WHERE username = ?1 AND ended_unix = 0",
                               what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, id_sha256 ? id_sha256 : username, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, ended_unix > 0 ? ended_unix : 1);
    sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
    if (step_done(s, st, what, dl) != 0)
        return -1;
    *ended = sqlite3_changes(s->db);
    return 0;
}

/* ---- the audit chain (schema 5) ------------------------------------------------------------------ */

#define HEAD_KEY "audit_head"
#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

static int sq_audit_head(struct reg_store *s, int64_t *seq, char hash[65], struct diag_list *dl)
{
    static const char what[] = "cannot read the audit trail";
    *seq = 0;
    snprintf(hash, 65, "%s", ZERO_HASH);
    sqlite3_stmt *st = prepare(s, "SELECT value FROM meta WHERE key = '" HEAD_KEY "'", what, dl);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(st, 0);
        long long n = 0;
        char h[65] = "";
        if (!v || sscanf((const char *)v, "%lld %64s", &n, h) != 2 || strlen(h) != 64) {
            diag_error(dl, s->path, NULL, "%s: its recorded head is damaged", what);
            rc = -1;
        } else {
            *seq = n;
            memcpy(hash, h, 65);
            rc = 0;
        }
    } else {
        rc = rc == SQLITE_DONE ? 0 : db_err(s, dl, what);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Store event_id's link and make it the head (in a transaction). */
static int put_link(struct reg_store *s, int64_t event_id, int64_t seq, const char *prev, const char *hash,
                    struct diag_list *dl)
{
    static const char what[] = "cannot record the audit trail";
    sqlite3_stmt *st = prepare(s, "INSERT INTO audit_links(event_id, seq, prev, hash) VALUES (?,?,?,?)", what, dl);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, event_id);
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_text(st, 3, prev, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, hash, -1, SQLITE_STATIC);
    if (step_done(s, st, what, dl) != 0)
        return -1;
    char head[96];
    snprintf(head, sizeof head, "%lld %s", (long long)seq, hash);
    st = prepare(s, "INSERT OR REPLACE INTO meta(key, value) VALUES ('" HEAD_KEY "', ?)", what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, head, -1, SQLITE_TRANSIENT);
    return step_done(s, st, what, dl);
}

static int sq_audit_append(struct reg_store *s, const struct reg_new_event *ev, int64_t seq, const char *prev,
                           const char *hash, struct diag_list *dl)
{
    if (sq_add_event(s, ev, dl) != 0)
        return -1;
    return put_link(s, sqlite3_last_insert_rowid(s->db), seq, prev, hash, dl);
}

static int sq_audit_link(struct reg_store *s, int64_t ref, int64_t seq, const char *prev, const char *hash,
                         struct diag_list *dl)
{
    return put_link(s, ref, seq, prev, hash, dl);
}

static bool read_audit_row(sqlite3_stmt *st, void *row)
{
    struct reg_audit_row *w = row;
    w->ref = sqlite3_column_int64(st, 0);
    w->number = col_text(st, 1);
    w->at = col_text(st, 2);
    w->actor = col_text(st, 3);
    w->action = col_text(st, 4);
    w->detail = col_text(st, 5);
    w->linked = sqlite3_column_type(st, 6) != SQLITE_NULL;
    if (w->linked) {
        const unsigned char *p = sqlite3_column_text(st, 7), *h = sqlite3_column_text(st, 8);
        w->seq = sqlite3_column_int64(st, 6);
        snprintf(w->prev, sizeof w->prev, "%s", p ? (const char *)p : "");
        snprintf(w->hash, sizeof w->hash, "%s", h ? (const char *)h : "");
    }
    return true;
}

static void release_audit_rows(void *v, size_t n)
{
    reg_audit_rows_free(v, n);
}

static int sq_audit_rows(struct reg_store *s, const struct reg_audit_query *q, int64_t after, size_t limit,
                         struct reg_audit_row **out, size_t *n, struct diag_list *dl)
{
    static const char what[] = "cannot read the audit trail";
    static const struct reg_audit_query all = { 0 };
    *out = NULL;
    *n = 0;
    if (!q)
        q = &all;
    sqlite3_stmt *st = prepare(s,
                               q->newest_first
                                   ? "SELECT e.id, e.number, e.at, e.actor, e.action, e.detail, l.seq, l.prev, l.hash"
                                     " FROM events e LEFT JOIN audit_links l ON l.event_id = e.id"
                                     " WHERE (?1 = 0 OR e.id < ?1) AND (?2 IS NULL OR e.actor = ?2)"
                                     " AND (?3 IS NULL OR e.action = ?3) AND (?4 IS NULL OR e.number = ?4)"
                                     " AND (?5 IS NULL OR e.at >= ?5) AND (?6 IS NULL OR e.at < ?6)"
                                     " ORDER BY e.id DESC LIMIT ?7"
                                   : "SELECT e.id, e.number, e.at, e.actor, e.action, e.detail, l.seq, l.prev, l.hash"
                                     " FROM events e LEFT JOIN audit_links l ON l.event_id = e.id"
                                     " WHERE e.id > ?1 AND (?2 IS NULL OR e.actor = ?2)"
                                     " AND (?3 IS NULL OR e.action = ?3) AND (?4 IS NULL OR e.number = ?4)"
                                     " AND (?5 IS NULL OR e.at >= ?5) AND (?6 IS NULL OR e.at < ?6)"
                                     " ORDER BY e.id LIMIT ?7",
                               what, dl);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_text(st, 2, q->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, q->action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, q->number, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, q->at_from, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, q->at_below, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    void *v;
    int rc = collect_rows(s, st, sizeof **out, read_audit_row, release_audit_rows, &v, n, what, dl);
    *out = v;
    return rc;
}

/* ---- the patient's side ------------------------------------------------------ */

static int sq_put_acceptance(struct reg_store *s, const struct reg_acceptance *a, struct diag_list *dl)
{
    static const char what[] = "cannot store the acceptance";
    sqlite3_stmt *st = prepare(s,
        "INSERT INTO acceptances(number, signer, signed_at, witness, how, notice_state, notice_sha256,"
        " pdf_sha256, tables_sha256, signature_type, signature, accepted_pdf, accepted_sha256)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)", what, dl);
    if (!st)
        return -1;
    const char *t[] = { a->number, a->signer, a->signed_at, a->witness, a->how, a->notice_state,
                        a->notice_sha256, a->pdf_sha256, a->tables_sha256, a->signature_type };
    for (int i = 0; i < 10; i++)
        sqlite3_bind_text(st, i + 1, t[i], -1, SQLITE_STATIC);
    sqlite3_bind_blob64(st, 11, a->signature, a->signature_len, SQLITE_STATIC);
    sqlite3_bind_blob64(st, 12, a->accepted_pdf, a->accepted_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 13, a->accepted_sha256, -1, SQLITE_STATIC);
    return step_done(s, st, what, dl);
}

/* A blob column copied into *out (malloc'd, at least one byte) and *len. */
static int col_blob(sqlite3_stmt *st, int i, unsigned char **out, size_t *len)
{
    const void *b = sqlite3_column_blob(st, i);
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    if (!(*out = malloc(n ? n : 1)))
        return -1;
    if (n)
        memcpy(*out, b, n);
    *len = n;
    return 0;
}

static int sq_get_acceptance(struct reg_store *s, const char *number, bool with_bytes,
                             struct reg_acceptance *a, struct diag_list *dl)
{
    static const char what[] = "cannot read the register";
    memset(a, 0, sizeof *a);
    sqlite3_stmt *st = prepare(s,
        "SELECT number, signer, signed_at, witness, how, notice_state, notice_sha256, pdf_sha256,"
        " tables_sha256, signature_type, accepted_sha256, signature, accepted_pdf"
        " FROM acceptances WHERE number = ?", what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        rc = rc == SQLITE_DONE ? 1 : db_err(s, dl, what);
        sqlite3_finalize(st);
        return rc;
    }
    char **f[] = { &a->number, &a->signer, &a->signed_at, &a->witness, &a->how, &a->notice_state,
                   &a->notice_sha256, &a->pdf_sha256, &a->tables_sha256, &a->signature_type,
                   &a->accepted_sha256 };
    for (int i = 0; i < 11; i++)
        *f[i] = col_text(st, i);
    rc = 0;
    if (with_bytes && (col_blob(st, 11, &a->signature, &a->signature_len) != 0 ||
                       col_blob(st, 12, &a->accepted_pdf, &a->accepted_len) != 0)) {
        diag_error(dl, s->path, NULL, "out of memory");
        reg_acceptance_free(a);
        rc = -1;
    }
    sqlite3_finalize(st);
    return rc;
}

static int sq_add_delivery(struct reg_store *s, const struct reg_delivery *d, struct diag_list *dl)
{
    static const char what[] = "cannot store the delivery";
    sqlite3_stmt *st = prepare(s, "INSERT INTO deliveries(number, how, at, actor, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
                               what, dl);
    if (!st)
        return -1;
    const char *t[] = { d->number, d->how, d->at, d->actor, d->detail };
    for (int i = 0; i < 5; i++)
        sqlite3_bind_text(st, i + 1, t[i], -1, SQLITE_STATIC);
    return step_done(s, st, what, dl);
}

static bool read_delivery_row(sqlite3_stmt *st, void *row)
{
    struct reg_delivery *d = row;
    d->number = col_text(st, 0);
    d->how = col_text(st, 1);
    d->at = col_text(st, 2);
    d->actor = col_text(st, 3);
    d->detail = col_text(st, 4);
    return d->number && d->how && d->at && d->actor && (d->detail || sqlite3_column_type(st, 4) == SQLITE_NULL);
}

static void release_deliveries(void *v, size_t n)
{
    reg_deliveries_free(v, n);
}

static int sq_deliveries(struct reg_store *s, const char *number, struct reg_delivery **out, size_t *n,
                         struct diag_list *dl)
{
    static const char what[] = "cannot read the register";
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = prepare(s, "SELECT number, how, at, actor, detail FROM deliveries WHERE number = ? ORDER BY id",
                               what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
    void *v;
    int rc = collect_rows(s, st, sizeof **out, read_delivery_row, release_deliveries, &v, n, what, dl);
    *out = v;
    return rc;
}

static int sq_add_email_consent(struct reg_store *s, const char *number, const char *address, const char *at,
                                 const char *actor, struct diag_list *dl)
{
    static const char what[] = "cannot store the consent";
    sqlite3_stmt *st = prepare(s, "INSERT INTO email_consents(number, address, at, actor) VALUES (?1, ?2, ?3, ?4)",
                               what, dl);
    if (!st)
        return -1;
    const char *t[] = { number, address, at, actor };
    for (int i = 0; i < 4; i++)
        sqlite3_bind_text(st, i + 1, t[i], -1, SQLITE_STATIC);
    return step_done(s, st, what, dl);
}

static int sq_email_consent(struct reg_store *s, const char *number, const char *address, struct diag_list *dl)
{
    static const char what[] = "cannot read the register";
    sqlite3_stmt *st = prepare(s, "SELECT 1 FROM email_consents WHERE number = ?1 AND address = ?2", what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, address, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    rc = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : db_err(s, dl, what);
    sqlite3_finalize(st);
    return rc;
}

static bool read_consent_row(sqlite3_stmt *st, void *row)
{
    struct reg_email_consent *c = row;
    c->number = col_text(st, 0);
    c->address = col_text(st, 1);
    c->at = col_text(st, 2);
    c->actor = col_text(st, 3);
    return c->number && c->address && c->at && c->actor;
}

static void release_consents(void *v, size_t n)
{
    reg_email_consents_free(v, n);
}

static int sq_email_consents(struct reg_store *s, const char *number, struct reg_email_consent **out, size_t *n,
                             struct diag_list *dl)
{
    static const char what[] = "cannot read the register";
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st =
        prepare(s, "SELECT number, address, at, actor FROM email_consents WHERE number = ? ORDER BY id", what, dl);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
    void *v;
    int rc = collect_rows(s, st, sizeof **out, read_consent_row, release_consents, &v, n, what, dl);
    *out = v;
    return rc;
}

const struct reg_engine reg_engine_sqlite = {
    .name = "sqlite",
    .scheme = NULL,
    .open = sq_open,
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .is_owner = sq_is_owner,
    .schema_version = sq_schema_version,
    .migrate = sq_migrate,
    .get_pattern = sq_get_pattern,
    .set_pattern = sq_set_pattern,
    .get_id = sq_get_id,
    .set_id = sq_set_id,
    .next_seq = sq_next_seq,
    .series = sq_series,
    .raise_series = sq_raise_series,
    .has_quote = sq_has_quote,
    .put_tables = sq_put_tables,
    .insert_quote = sq_insert_quote,
    .set_key = sq_set_key,
    .find_key = sq_find_key,
    .set_status = sq_set_status,
    .add_event = sq_add_event,
    .get = sq_get,
    .get_tables = sq_get_tables,
    .list = sq_list,
    .history = sq_history,
    .pdf_refs = sq_pdf_refs,
    .series_all = sq_series_all,
    .backup = sq_backup,
    .check = sq_check,
    .user_insert = sq_user_insert,
    .user_get = sq_user_get,
    .user_list = sq_user_list,
    .user_update = sq_user_update,
    .session_insert = sq_session_insert,
    .session_get = sq_session_get,
    .session_touch = sq_session_touch,
    .session_end = sq_session_end,
    .audit_head = sq_audit_head,
    .audit_append = sq_audit_append,
    .audit_link = sq_audit_link,
    .audit_rows = sq_audit_rows,
    .put_bill = sq_put_bill,
    .bills = sq_bills,
    .put_bill_note = sq_put_bill_note,
    .bill_notes = sq_bill_notes,
    .billed_numbers = sq_billed_numbers,
    .put_acceptance = sq_put_acceptance,
    .get_acceptance = sq_get_acceptance,
    .add_delivery = sq_add_delivery,
    .deliveries = sq_deliveries,
    .add_email_consent = sq_add_email_consent,
    .email_consent = sq_email_consent,
    .email_consents = sq_email_consents,
};
