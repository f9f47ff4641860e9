/* register_pg — the register in a PostgreSQL database (register_engine.h).
 *
 * The locator is a libpq connection URI, postgresql://… or postgres://…
 * (host, port, database, user, password, sslmode and the other libpq
 * parameters).  It may carry a password: no message repeats it; messages
 * name the register as register_locator_display() shows it (host, port and
 * database only).
 *
 * Same meaning as the SQLite engine:
 *   - the writer lock is a transaction-scoped advisory lock that begin()
 *     asks for (so every writer of the database is serialised, whatever it
 *     writes); next_seq's UPSERT also row-locks the year's series row until
 *     commit, so a number is never given twice even to a writer that
 *     skipped the lock.  Waits for a lock give up after lock_timeout (a
 *     minute).  BEGIN, the lock and the writes are sent with the next
 *     statement whose answer is needed (libpq pipeline mode, statements
 *     prepared once per connection): the lock is held for as few round
 *     trips as can be (see run());
 *   - synchronous_commit is on: COMMIT returns once the WAL is flushed;
 *   - a lost connection rolls the open transaction back on the server.  A
 *     COMMIT whose answer was lost is settled by reconnecting and looking
 *     for the quote the transaction inserted (same number, same PDF digest);
 *   - the schema version is the one row of table schema_version; the
 *     history is append-only and quotes are undeletable by triggers, and
 *     from schema 7 a quote's content and the price tables are unchangeable
 *     too (only status, superseded_by and the idempotency key may change);
 *   - PDFs and bills are bytea, sent and received in binary (byte for byte);
 *   - backup() is refused: a PostgreSQL register is backed up with pg_dump
 *     (docs/deploy.md); check() asks the server to read every stored PDF,
 *     bill and accepted copy back and compare it with its recorded
 *     SHA-256, and that every table of the schema is there (no amcheck: it
 *     needs a superuser to install).
 * All of this engine's SQL is in this file, as named constants. */
#include "register_engine.h"
#include "textfold.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dlfcn.h>

/* libpq is loaded when a PostgreSQL register is opened, not linked: it brings
 * some twenty libraries (TLS, Kerberos, LDAP…) whose loading would nearly
 * double the start-up of every command of a clinic that uses SQLite (a
 * one-process quote: 20.9 million instructions without, 34.1 million with).
 * Each PQ… call below goes through a pointer filled by pq_load(). */
#define PQ_FUNCTIONS(X) X(PQgetvalue) X(PQclear) X(PQntuples) X(PQstatus) X(PQresultStatus) X(PQgetisnull) X(PQfinish) X(PQexec) X(PQgetlength) X(PQgetResult) X(PQresultErrorField) X(PQerrorMessage) X(PQcmdTuples) X(PQtransactionStatus) X(PQsocket) X(PQsetNoticeProcessor) X(PQsendQueryPrepared) X(PQsendQueryParams) X(PQsendPrepare) X(PQpipelineSync) X(PQmakeEmptyPGresult) X(PQfreemem) X(PQexitPipelineMode) X(PQexecParams) X(PQenterPipelineMode) X(PQconninfoParse) X(PQconninfoFree) X(PQconnectStartParams) X(PQconnectPoll) X(PQcmdStatus)
#define PQ_POINTER(f) static __typeof__(f) *pq_##f;
PQ_FUNCTIONS(PQ_POINTER)
#undef PQ_POINTER

/* Load libpq.so.5 once.  Returns 0, or -1 with a diagnostic saying what to install. */
static int pq_load(const char *shown, struct diag_list *dl)
{
    static int loaded; /* 0 not yet, 1 loaded, -1 failed */
    if (loaded == 0) {
        void *h = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
        loaded = h ? 1 : -1;
#define PQ_LOAD(f)                                                                                                     \
    if (h && !(*(void **)&pq_##f = dlsym(h, #f)))                                                                        \
        loaded = -1;
        PQ_FUNCTIONS(PQ_LOAD)
#undef PQ_LOAD
    }
    if (loaded < 0) {
        diag_error(dl, shown, NULL, "cannot open a PostgreSQL register: libpq (libpq.so.5) is missing or too old; "
                   "install Debian's libpq5 package");
        return -1;
    }
    return 0;
}

#define PQgetvalue (*pq_PQgetvalue)
#define PQclear (*pq_PQclear)
#define PQntuples (*pq_PQntuples)
#define PQstatus (*pq_PQstatus)
#define PQresultStatus (*pq_PQresultStatus)
#define PQgetisnull (*pq_PQgetisnull)
#define PQfinish (*pq_PQfinish)
#define PQexec (*pq_PQexec)
#define PQgetlength (*pq_PQgetlength)
#define PQgetResult (*pq_PQgetResult)
#define PQresultErrorField (*pq_PQresultErrorField)
#define PQerrorMessage (*pq_PQerrorMessage)
#define PQcmdTuples (*pq_PQcmdTuples)
#define PQtransactionStatus (*pq_PQtransactionStatus)
#define PQsocket (*pq_PQsocket)
#define PQsetNoticeProcessor (*pq_PQsetNoticeProcessor)
#define PQsendQueryPrepared (*pq_PQsendQueryPrepared)
#define PQsendQueryParams (*pq_PQsendQueryParams)
#define PQsendPrepare (*pq_PQsendPrepare)
#define PQpipelineSync (*pq_PQpipelineSync)
#define PQmakeEmptyPGresult (*pq_PQmakeEmptyPGresult)
#define PQfreemem (*pq_PQfreemem)
#define PQexitPipelineMode (*pq_PQexitPipelineMode)
#define PQexecParams (*pq_PQexecParams)
#define PQenterPipelineMode (*pq_PQenterPipelineMode)
#define PQconninfoParse (*pq_PQconninfoParse)
#define PQconninfoFree (*pq_PQconninfoFree)
#define PQconnectStartParams (*pq_PQconnectStartParams)
#define PQconnectPoll (*pq_PQconnectPoll)
#define PQcmdStatus (*pq_PQcmdStatus)

struct reg_store {
    PGconn *conn;
    char *locator;                /* for reconnecting; may hold a password: never shown */
    char *name;                   /* what messages call the register (no password) */
    char *password;               /* scrubbed from any message that would repeat it */
    long patience_ms;             /* see CONNECT_PATIENCE_MS */
    bool in_tx;                   /* between begin() and commit()/rollback() */
    bool tx_sent;                 /* its BEGIN has reached the server */
    struct queued *queue;         /* statements waiting to be sent (see run()) */
    size_t nq, capq;
    uint32_t prepared;            /* PREPARED[i] is prepared on this connection: bit i */
    /* the quote the open transaction inserted, to settle a COMMIT whose
     * answer was lost with the connection */
    char *pending_number;
    char pending_sha[65];
    /* the price tables this connection saw stored (they are never deleted),
     * so that issuing does not send their text again each time */
    char tables_known[65];
};

static void queue_clear(struct reg_store *s);

/* The advisory lock that is the register's one writer lock ('regq'). */
#define WRITER_LOCK_KEY "1919248241"

/* How long open() and a reconnection keep trying while the server is
 * starting, restarting or shutting down (its socket missing, connections
 * refused, "the database system is starting up"), unless the locator's
 * connect_timeout says otherwise. */
#define CONNECT_PATIENCE_MS 8000

/* ---- SQL ------------------------------------------------------------------ */

static const char SQL_SESSION[] =
    "SET synchronous_commit TO on; SET lock_timeout TO '60s';"
    " SET idle_in_transaction_session_timeout TO '120s'; SET client_min_messages TO warning;"
    " SET DateStyle TO ISO; SET client_encoding TO 'UTF8'";
static const char SQL_BEGIN[] = "BEGIN ISOLATION LEVEL READ COMMITTED";
static const char SQL_WRITER_LOCK[] = "SELECT pg_advisory_xact_lock(" WRITER_LOCK_KEY ")";
static const char SQL_HAS_VERSION_TABLE[] = "SELECT to_regclass('schema_version') IS NOT NULL";
static const char SQL_SCHEMA_VERSION[] = "SELECT version FROM schema_version";
static const char SQL_SET_VERSION[] = "UPDATE schema_version SET version = $1::integer";
static const char SQL_GET_PATTERN[] = "SELECT value FROM meta WHERE key = 'number_pattern'";
static const char SQL_SET_PATTERN[] =
    "INSERT INTO meta(key, value) VALUES ('number_pattern', $1)"
    " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value";
static const char SQL_NEXT_SEQ[] =
    "INSERT INTO series(year, last) VALUES ($1::integer, 1)"
    " ON CONFLICT (year) DO UPDATE SET last = series.last + 1 RETURNING last";
static const char SQL_HAS_QUOTE[] = "SELECT 1 FROM quotes WHERE number = $1";
static const char SQL_PUT_TABLES[] =
    "INSERT INTO price_tables(sha256, version, clinic_json, catalog_json) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (sha256) DO NOTHING";
static const char SQL_INSERT_QUOTE[] =
    "INSERT INTO quotes(number, year, seq, status, patient_id, patient_name, issued, valid_until,"
    " scheduled, estimate_due, total_cents, language, tables_sha256, request_json, quote_json,"
    " pdf, pdf_sha256, supersedes, created_unix, location, desk, name_key)"
    " VALUES ($1, $2::integer, $3::bigint, $4, $5, $6, $7::date, $8::date, $9::date, $10::date,"
    " $11::bigint, $12, $13, $14, $15, $16::bytea, $17, $18, $19::bigint, $20, $21, $22)";
static const char SQL_GET_META[] = "SELECT value FROM meta WHERE key = $1";
static const char SQL_ADD_META[] = "INSERT INTO meta(key, value) VALUES ($1, $2)";
static const char SQL_SERIES_ONE[] = "SELECT last::text FROM series WHERE year = $1::integer";
static const char SQL_SET_KEY[] =
    "UPDATE quotes SET idempotency_key = $2 WHERE number = $1 AND idempotency_key IS NULL";
static const char SQL_FIND_KEY[] = "SELECT number FROM quotes WHERE idempotency_key = $1";
static const char SQL_NAMES_TO_FOLD[] = "SELECT number, patient_name FROM quotes WHERE patient_name IS NOT NULL";
static const char SQL_SET_NAME_KEY[] = "UPDATE quotes SET name_key = $2 WHERE number = $1";
/* staff accounts, sessions (schema 5) */
#define USER_COLS                                                                                     \
    "username, role, password_hash, disabled::text, created_at, failed_logins::text,"                  \
    " last_failed_unix::text"
static const char SQL_USER_INSERT[] =
    "INSERT INTO users(username, role, password_hash, disabled, created_at, failed_logins, last_failed_unix)"
    " VALUES ($1, $2, $3, $4::boolean, $5, $6::bigint, $7::bigint)";
static const char SQL_USER_GET[] = "SELECT " USER_COLS " FROM users WHERE username = $1";
static const char SQL_USER_LIST[] = "SELECT " USER_COLS " FROM users ORDER BY username";
static const char SQL_USER_UPDATE[] =
    "UPDATE users SET role = $2, password_hash = $3, disabled = $4::boolean, failed_logins = $5::bigint,"
    " last_failed_unix = $6::bigint WHERE username = $1";
/* what signing in changes (the failures; a password rehashed with stronger
 * settings): all the application role may update of an account
 * (sql/grant-app.sql) */
static const char SQL_USER_SIGN_IN[] =
    "UPDATE users SET password_hash = $2, failed_logins = $3::bigint, last_failed_unix = $4::bigint"
    " WHERE username = $1";
static const char SQL_SESSION_INSERT[] =
    "INSERT INTO sessions(id_sha256, username, created_unix, last_seen_unix) VALUES ($1, $2, $3::bigint, $3::bigint)";
static const char SQL_SESSION_GET[] =
    "SELECT username, created_unix::text, last_seen_unix::text, ended_unix::text FROM sessions WHERE id_sha256 = $1";
static const char SQL_SESSION_TOUCH[] =
    "UPDATE sessions SET last_seen_unix = $2::bigint WHERE id_sha256 = $1 AND ended_unix = 0";
static const char SQL_SESSION_END_ONE[] =
    "UPDATE sessions SET ended_unix = $2::bigint, end_reason = $3 WHERE id_sha256 = $1 AND ended_unix = 0";
static const char SQL_SESSION_END_ALL[] =
    "UPDATE sessions SET ended_unix = $2::bigint, end_reason = $3 WHERE username = $1 AND ended_unix = 0";
/* the audit chain (schema 5): its head is "SEQ HASH" in meta, as on SQLite */
#define HEAD_KEY "audit_head"
#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
static const char SQL_AUDIT_HEAD[] = "SELECT value FROM meta WHERE key = '" HEAD_KEY "'";
static const char SQL_SET_HEAD[] =
    "INSERT INTO meta(key, value) VALUES ('" HEAD_KEY "', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value";
/* the event, its link and the new head in one statement, so that it can
 * wait in the queue like any other write (the event's id is not needed) */
static const char SQL_AUDIT_APPEND[] =
    "WITH e AS (INSERT INTO events(number, at, action, detail, actor) VALUES ($1, $2, $3, $4, $5) RETURNING id),"
    " l AS (INSERT INTO audit_links(event_id, seq, prev, hash) SELECT id, $6::bigint, $7, $8 FROM e RETURNING 1)"
    " INSERT INTO meta(key, value) SELECT '" HEAD_KEY "', $9 FROM l"
    " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value";
static const char SQL_AUDIT_LINK[] =
    "INSERT INTO audit_links(event_id, seq, prev, hash) VALUES ($1::bigint, $2::bigint, $3, $4)";
#define AUDIT_SELECT                                                                                  \
    "SELECT e.id::text, e.number, e.at, e.actor, e.action, e.detail, l.seq::text, l.prev, l.hash"     \
    " FROM events e LEFT JOIN audit_links l ON l.event_id = e.id"
#define AUDIT_FILTER                                                                                  \
    " AND ($2::text IS NULL OR e.actor = $2) AND ($3::text IS NULL OR e.action = $3)"                 \
    " AND ($4::text IS NULL OR e.number = $4) AND ($5::text IS NULL OR e.at >= $5)"                   \
    " AND ($6::text IS NULL OR e.at < $6)"
static const char SQL_AUDIT_ROWS[] =
    AUDIT_SELECT " WHERE e.id > $1::bigint" AUDIT_FILTER " ORDER BY e.id LIMIT $7::bigint";
static const char SQL_AUDIT_ROWS_DESC[] =
    AUDIT_SELECT " WHERE ($1::bigint = 0 OR e.id < $1::bigint)" AUDIT_FILTER " ORDER BY e.id DESC LIMIT $7::bigint";
/* final bills (schema 6) */
static const char SQL_PUT_BILL[] =
    "INSERT INTO bills(number, given_for, bill_date, format, file_name, bytes, sha256, lines_json, corrects,"
    " added_by, added_at) VALUES ($1, $2, $3, $4, $5, $6::bytea, $7, $8, $9::bigint, $10, $11) RETURNING id::text";
/* A copied bill keeps its id; the id sequence is raised past it, so that
 * the bills added later get ids above every stored one, as on SQLite. */
static const char SQL_PUT_BILL_AS[] =
    "WITH b AS (INSERT INTO bills(number, given_for, bill_date, format, file_name, bytes, sha256, lines_json,"
    " corrects, added_by, added_at, id) VALUES ($1, $2, $3, $4, $5, $6::bytea, $7, $8, $9::bigint, $10, $11,"
    " $12::bigint) RETURNING id)"
    " SELECT b.id::text, setval(pg_get_serial_sequence('bills', 'id')::regclass, greatest(b.id,"
    " pg_sequence_last_value(pg_get_serial_sequence('bills', 'id')::regclass))) FROM b";
/* binary result: every column is text but the bytes */
static const char SQL_BILLS[] =
    "SELECT id::text, number, given_for, bill_date, format, file_name, bytes, sha256, lines_json,"
    " coalesce(corrects, 0)::text, added_by, added_at FROM bills WHERE number = $1 ORDER BY id";
static const char SQL_PUT_BILL_NOTE[] =
    "INSERT INTO bill_notes(number, line, row_key, text, written_by, written_at)"
    " VALUES ($1, $2::integer, $3, $4, $5, $6)";
static const char SQL_BILL_NOTES[] =
    "SELECT id::text, number, line::text, row_key, text, written_by, written_at FROM bill_notes"
    " WHERE number = $1 ORDER BY id";
static const char SQL_BILLED_NUMBERS[] = "SELECT DISTINCT number FROM bills ORDER BY number";
/* the patient's side (schema 7); the two images go as hex text */
static const char SQL_PUT_ACCEPTANCE[] =
    "INSERT INTO acceptances(number, signer, signed_at, witness, how, notice_state, notice_sha256, pdf_sha256,"
    " tables_sha256, signature_type, signature, accepted_pdf, accepted_sha256)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, decode($11, 'hex'), decode($12, 'hex'), $13)";
/* binary result: every column is text but the two images */
static const char SQL_GET_ACCEPTANCE[] =
    "SELECT number, signer, signed_at, witness, how, notice_state, notice_sha256, pdf_sha256, tables_sha256,"
    " signature_type, accepted_sha256, signature, accepted_pdf FROM acceptances WHERE number = $1";
static const char SQL_ADD_DELIVERY[] =
    "INSERT INTO deliveries(number, how, at, actor, detail) VALUES ($1, $2, $3, $4, $5)";
static const char SQL_DELIVERIES[] =
    "SELECT number, how, at, actor, detail FROM deliveries WHERE number = $1 ORDER BY id";
static const char SQL_ADD_EMAIL_CONSENT[] =
    "INSERT INTO email_consents(number, address, at, actor) VALUES ($1, $2, $3, $4)";
static const char SQL_EMAIL_CONSENT[] = "SELECT 1 FROM email_consents WHERE number = $1 AND address = $2";
static const char SQL_EMAIL_CONSENTS[] =
    "SELECT number, address, at, actor FROM email_consents WHERE number = $1 ORDER BY id";
/* check(): the tables of the schema, then every stored document read back
 * whole by the server and compared with its recorded digest */
static const char SQL_CHECK_TABLES[] =
    "SELECT string_agg(t, ', ') FROM unnest(ARRAY['schema_version', 'meta', 'series', 'price_tables', 'quotes',"
    " 'events', 'users', 'sessions', 'audit_links', 'bills', 'bill_notes', 'acceptances', 'deliveries',"
    " 'email_consents']) AS t WHERE to_regclass(t) IS NULL";
static const char SQL_CHECK_PDFS[] =
    "SELECT 'the stored PDF of ' || number || ' does not match its digest' FROM quotes"
    " WHERE encode(sha256(pdf), 'hex') IS DISTINCT FROM pdf_sha256"
    " UNION ALL SELECT 'bill ' || id || ' of ' || number || ' does not match its digest' FROM bills"
    " WHERE encode(sha256(bytes), 'hex') IS DISTINCT FROM sha256"
    " UNION ALL SELECT 'the accepted copy of ' || number || ' does not match its digest' FROM acceptances"
    " WHERE encode(sha256(accepted_pdf), 'hex') IS DISTINCT FROM accepted_sha256 LIMIT 1";
static const char SQL_IS_OWNER[] =
    "SELECT pg_has_role(current_user, c.relowner, 'MEMBER') FROM pg_catalog.pg_class c"
    " WHERE c.oid = to_regclass('quotes')";
static const char SQL_OTHER_TABLES[] =
    "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()";
static const char SQL_SET_STATUS[] = "UPDATE quotes SET status = $1 WHERE number = $2";
static const char SQL_SET_STATUS_BY[] = "UPDATE quotes SET status = $1, superseded_by = $3 WHERE number = $2";
static const char SQL_ADD_EVENT[] = "INSERT INTO events(number, at, action, detail, actor) VALUES ($1, $2, $3, $4, $5)";
/* Every column as text (ints and dates cast), so a binary result reads as
 * text too: the PDF, when asked for, comes last, as raw bytes. */
#define ENTRY_COLS                                                                                   \
    "q.number, q.status, q.patient_id, q.patient_name, q.issued::text, q.valid_until::text,"         \
    " q.scheduled::text, q.estimate_due::text, q.total_cents::text, q.language, t.version,"          \
    " q.tables_sha256, q.supersedes, q.superseded_by, q.year::text, q.seq::text,"                   \
    " q.created_unix::text, q.location, q.desk"
#define N_ENTRY_COLS 19
#define ENTRY_FROM " FROM quotes q JOIN price_tables t ON t.sha256 = q.tables_sha256"
static const char SQL_GET[] =
    "SELECT " ENTRY_COLS ", q.request_json, q.quote_json, q.pdf_sha256" ENTRY_FROM " WHERE q.number = $1";
static const char SQL_GET_PDF[] =
    "SELECT " ENTRY_COLS ", q.request_json, q.quote_json, q.pdf_sha256, q.pdf" ENTRY_FROM " WHERE q.number = $1";
static const char SQL_GET_TABLES[] = "SELECT clinic_json, catalog_json FROM price_tables WHERE sha256 = $1";
/* A name is found by its search key, folded by the core (textfold.h), so
 * that both engines match alike whatever the database's locale. */
static const char SQL_LIST[] =
    "SELECT " ENTRY_COLS ENTRY_FROM
    " WHERE ($1::text IS NULL OR q.patient_id = $1)"
    " AND ($2::text IS NULL OR strpos(q.name_key, $2) > 0)"
    " AND ($3::date IS NULL OR q.issued >= $3::date) AND ($4::date IS NULL OR q.issued <= $4::date)"
    " AND ($5::text IS NULL OR q.status = $5)"
    " AND ($6::date IS NULL OR q.valid_until >= $6::date) AND ($7::date IS NULL OR q.valid_until < $7::date)"
    " AND ($8::text IS NULL OR q.location = $8)"
    " ORDER BY q.issued DESC, q.year DESC, q.seq DESC";
static const char SQL_HISTORY[] = "SELECT at, actor, action, detail FROM events WHERE number = $1 ORDER BY id";
static const char SQL_PDF_REFS[] =
    "SELECT number, octet_length(pdf)::text, pdf_sha256, desk, year::text, seq::text FROM quotes"
    " WHERE created_unix IS NULL OR created_unix <= $1::bigint";
static const char SQL_SERIES[] = "SELECT year::text, last::text FROM series ORDER BY year";
static const char SQL_RAISE_SERIES[] =
    "INSERT INTO series(year, last) VALUES ($1::integer, $2::bigint)"
    " ON CONFLICT (year) DO UPDATE SET last = greatest(series.last, EXCLUDED.last)";
static const char SQL_COMMITTED_PDF[] = "SELECT pdf_sha256 FROM quotes WHERE number = $1";

/* The statements prepared once per connection (parsed and planned once,
 * then only bound and run), by their constant; others go as they are. */
static const char *const PREPARED[] = {
    SQL_SCHEMA_VERSION, SQL_GET_PATTERN, SQL_NEXT_SEQ, SQL_HAS_QUOTE, SQL_PUT_TABLES, SQL_INSERT_QUOTE,
    SQL_SET_STATUS, SQL_SET_STATUS_BY, SQL_ADD_EVENT, SQL_GET, SQL_GET_PDF, SQL_GET_TABLES, SQL_LIST,
    SQL_HISTORY, SQL_COMMITTED_PDF, SQL_GET_META, SQL_SERIES_ONE, SQL_SET_KEY, SQL_FIND_KEY, SQL_USER_GET,
    SQL_SESSION_GET, SQL_SESSION_TOUCH, SQL_AUDIT_HEAD, SQL_AUDIT_APPEND,
};
#define N_PREPARED ((int)(sizeof PREPARED / sizeof PREPARED[0]))
_Static_assert(N_PREPARED <= 32, "one bit each in reg_store.prepared");

/* The index of sql in PREPARED, or -1. */
static int prepared_index(const char *sql)
{
    for (int i = 0; sql && i < N_PREPARED; i++)
        if (sql == PREPARED[i])
            return i;
    return -1;
}

/* ---- schema ----------------------------------------------------------------- */

/* Each step takes the schema from version i to i + 1, mirroring the SQLite
 * engine's steps (register_sqlite.c) so that every version means the same
 * on both.  Never edit a step that has shipped: add a new one, and the
 * application role's grants for the new schema to sql/grant-app.sql
 * (tests/test_pg_roles.c fails until they cover every table). */
static const char *const MIGRATIONS[] = {
    /* 0 -> 1 */
    "CREATE TABLE schema_version(version integer NOT NULL);"
    "INSERT INTO schema_version VALUES (0);"
    "CREATE TABLE meta(key text PRIMARY KEY, value text NOT NULL);"
    "CREATE TABLE series(year integer PRIMARY KEY, last bigint NOT NULL);"
    "CREATE TABLE price_tables(sha256 text PRIMARY KEY, version text NOT NULL,"
    "  clinic_json text NOT NULL, catalog_json text NOT NULL);"
    "CREATE TABLE quotes(number text PRIMARY KEY, year integer NOT NULL, seq bigint NOT NULL,"
    "  status text NOT NULL CHECK (status IN ('issued','accepted','void','superseded')),"
    "  patient_id text, patient_name text, issued date NOT NULL, valid_until date NOT NULL,"
    "  scheduled date, total_cents bigint NOT NULL, language text NOT NULL,"
    "  tables_sha256 text NOT NULL REFERENCES price_tables(sha256),"
    "  request_json text NOT NULL, quote_json text NOT NULL,"
    "  pdf bytea NOT NULL, pdf_sha256 text NOT NULL,"
    "  supersedes text REFERENCES quotes(number), superseded_by text,"
    "  UNIQUE(year, seq));"
    /* PDFs are compressed already: store them out of line without trying again */
    "ALTER TABLE quotes ALTER COLUMN pdf SET STORAGE EXTERNAL;"
    "CREATE TABLE events(id bigserial PRIMARY KEY, number text NOT NULL, at text NOT NULL,"
    "  action text NOT NULL, detail text);"
    "INSERT INTO meta VALUES ('number_pattern', '" REGISTER_DEFAULT_PATTERN "');",
    /* 1 -> 2: the GFE due date, who did what, append-only history, indexes */
    "ALTER TABLE quotes ADD COLUMN estimate_due date;"
    "ALTER TABLE quotes ADD COLUMN created_unix bigint;"
    "ALTER TABLE events ADD COLUMN actor text NOT NULL DEFAULT 'unknown';"
    "CREATE FUNCTION regenquote_refuse() RETURNS trigger LANGUAGE plpgsql AS"
    "  $$BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation'; END$$;"
    "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events"
    "  FOR EACH ROW EXECUTE FUNCTION regenquote_refuse('the history is append-only');"
    "CREATE TRIGGER events_append_only_t BEFORE TRUNCATE ON events"
    "  FOR EACH STATEMENT EXECUTE FUNCTION regenquote_refuse('the history is append-only');"
    "CREATE TRIGGER quotes_keep BEFORE DELETE ON quotes"
    "  FOR EACH ROW EXECUTE FUNCTION regenquote_refuse('issued quotes are never deleted');"
    "CREATE TRIGGER quotes_keep_t BEFORE TRUNCATE ON quotes"
    "  FOR EACH STATEMENT EXECUTE FUNCTION regenquote_refuse('issued quotes are never deleted');"
    "CREATE INDEX quotes_patient ON quotes(patient_id);"
    "CREATE INDEX quotes_issued ON quotes(issued);"
    "CREATE INDEX events_number ON events(number);",
    /* 2 -> 3: the name's search key (textfold.h); pg_migrate computes it for
     * the quotes already stored */
    "ALTER TABLE quotes ADD COLUMN name_key text;",
    /* 3 -> 4: a request's idempotency key, one quote per key */
    "ALTER TABLE quotes ADD COLUMN idempotency_key text;"
    "CREATE UNIQUE INDEX quotes_idempotency_key ON quotes(idempotency_key) WHERE idempotency_key IS NOT NULL;",
    /* 4 -> 5: staff accounts, sign-in sessions (only an id's SHA-256), the
     * audit chain (one link per event, append-only; its head in meta) */
    "CREATE TABLE users(username text PRIMARY KEY, role text NOT NULL, password_hash text NOT NULL,"
    "  disabled boolean NOT NULL DEFAULT false, created_at text NOT NULL,"
    "  failed_logins bigint NOT NULL DEFAULT 0, last_failed_unix bigint NOT NULL DEFAULT 0);"
    "CREATE TRIGGER users_keep BEFORE DELETE ON users"
    "  FOR EACH ROW EXECUTE FUNCTION regenquote_refuse('staff accounts are disabled, never deleted');"
    "CREATE TRIGGER users_keep_t BEFORE TRUNCATE ON users"
    "  FOR EACH STATEMENT EXECUTE FUNCTION regenquote_refuse('staff accounts are disabled, never deleted');"
    "CREATE TABLE sessions(id_sha256 text PRIMARY KEY, username text NOT NULL REFERENCES users(username),"
    "  created_unix bigint NOT NULL, last_seen_unix bigint NOT NULL, ended_unix bigint NOT NULL DEFAULT 0,"
    "  end_reason text);"
    "CREATE INDEX sessions_open ON sessions(username, ended_unix);"
    "CREATE TABLE audit_links(event_id bigint PRIMARY KEY REFERENCES events(id),"
    "  seq bigint NOT NULL UNIQUE, prev text NOT NULL, hash text NOT NULL);"
    "CREATE TRIGGER audit_links_append_only BEFORE UPDATE OR DELETE ON audit_links"
    "  FOR EACH ROW EXECUTE FUNCTION regenquote_refuse('the audit trail is append-only');"
    "CREATE TRIGGER audit_links_append_only_t BEFORE TRUNCATE ON audit_links"
    "  FOR EACH STATEMENT EXECUTE FUNCTION regenquote_refuse('the audit trail is append-only');"
    "CREATE INDEX events_actor ON events(actor);"
    "CREATE INDEX events_at ON events(at);",
    /* 5 -> 6: final bills and the clinic's explanations (bill.h), append-only */
    "CREATE TABLE bills(id bigserial PRIMARY KEY, number text NOT NULL REFERENCES quotes(number),"
    "  given_for text, bill_date text NOT NULL, format text NOT NULL, file_name text,"
    "  bytes bytea NOT NULL, sha256 text NOT NULL, lines_json text NOT NULL,"
    "  corrects bigint REFERENCES bills(id), added_by text NOT NULL, added_at text NOT NULL);"
    "CREATE INDEX bills_number ON bills(number);"
    "CREATE TABLE bill_notes(id bigserial PRIMARY KEY, number text NOT NULL REFERENCES quotes(number),"
    "  line integer NOT NULL, row_key text NOT NULL, text text NOT NULL,"
    "  written_by text NOT NULL, written_at text NOT NULL);"
    "CREATE INDEX bill_notes_number ON bill_notes(number);"
    "CREATE TRIGGER bills_keep BEFORE UPDATE OR DELETE ON bills"
    "  FOR EACH ROW EXECUTE FUNCTION regenquote_refuse('bills are kept as added');"
    "CREATE TRIGGER bills_keep_t BEFORE TRUNCATE ON bills"
    "  FOR EACH STATEMENT EXECUTE FUNCTION regenquote_refuse('bills are kept as added');"
    "CREATE TRIGGER bill_notes_keep BEFORE UPDATE OR DELETE ON bill_notes"
    "  FOR EACH ROW EXECUTE FUNCTION regenquote_refuse('explanations are kept as written');"
    "CREATE TRIGGER bill_notes_keep_t BEFORE TRUNCATE ON bill_notes"
    "  FOR EACH STATEMENT EXECUTE FUNCTION regenquote_refuse('explanations are kept as written');",
    /* 6 -> 7: the patient's side: signed acceptances, kept whole and never
     * changed; how and when the estimate reached the patient; consent to
     * e-mail it */
    "CREATE TABLE acceptances(number text PRIMARY KEY REFERENCES quotes(number),"
    "  signer text NOT NULL, signed_at text NOT NULL, witness text NOT NULL,"
    "  how text NOT NULL CHECK (how IN ('screen','paper')),"
    "  notice_state text, notice_sha256 text,"
    "  pdf_sha256 text NOT NULL, tables_sha256 text NOT NULL,"
    "  signature_type text NOT NULL CHECK (signature_type IN ('png','jpeg')), signature bytea NOT NULL,"
    "  accepted_pdf bytea NOT NULL, accepted_sha256 text NOT NULL);"
    "CREATE TRIGGER acceptances_keep BEFORE UPDATE OR DELETE ON acceptances"
    "  FOR EACH ROW EXECUTE FUNCTION regenquote_refuse('a signed acceptance is never changed');"
    "CREATE TRIGGER acceptances_keep_t BEFORE TRUNCATE ON acceptances"
    "  FOR EACH STATEMENT EXECUTE FUNCTION regenquote_refuse('a signed acceptance is never changed');"
    "CREATE TABLE deliveries(id bigserial PRIMARY KEY, number text NOT NULL REFERENCES quotes(number),"
    "  how text NOT NULL CHECK (how IN ('paper','email','download')), at text NOT NULL,"
    "  actor text NOT NULL, detail text);"
    "CREATE INDEX deliveries_number ON deliveries(number);"
    "CREATE TRIGGER deliveries_keep BEFORE UPDATE OR DELETE ON deliveries"
    "  FOR EACH ROW EXECUTE FUNCTION regenquote_refuse('a delivery record is never changed');"
    "CREATE TRIGGER deliveries_keep_t BEFORE TRUNCATE ON deliveries"
    "  FOR EACH STATEMENT EXECUTE FUNCTION regenquote_refuse('a delivery record is never changed');"
    "CREATE TABLE email_consents(id bigserial PRIMARY KEY, number text NOT NULL REFERENCES quotes(number),"
    "  address text NOT NULL, at text NOT NULL, actor text NOT NULL);"
    "CREATE TRIGGER email_consents_keep BEFORE UPDATE OR DELETE ON email_consents"
    "  FOR EACH ROW EXECUTE FUNCTION regenquote_refuse('a consent record is never changed');",
    /* 7 -> 8: where a quote came from; a quote's content and the price
     * tables can no longer be changed */
    "ALTER TABLE quotes ADD COLUMN location text;"
    "ALTER TABLE quotes ADD COLUMN desk text;"
    "CREATE TRIGGER quotes_content_fixed BEFORE UPDATE OF number, year, seq, patient_id, patient_name,"
    "  issued, valid_until, scheduled, estimate_due, total_cents, language, tables_sha256, request_json,"
    "  quote_json, pdf, pdf_sha256, supersedes, created_unix, name_key, location, desk ON quotes"
    "  FOR EACH ROW EXECUTE FUNCTION regenquote_refuse('an issued quote''s content never changes');"
    "CREATE TRIGGER price_tables_keep BEFORE UPDATE OR DELETE ON price_tables"
    "  FOR EACH ROW EXECUTE FUNCTION regenquote_refuse('stored price tables never change');"
    "CREATE TRIGGER price_tables_keep_t BEFORE TRUNCATE ON price_tables"
    "  FOR EACH STATEMENT EXECUTE FUNCTION regenquote_refuse('stored price tables never change');"
    "CREATE INDEX quotes_location ON quotes(location);",
    /* 8 -> 9: nor are the consents to e-mail emptied all at once (step 7
     * refused changing or deleting a row, not TRUNCATE) */
    "CREATE TRIGGER email_consents_keep_t BEFORE TRUNCATE ON email_consents"
    "  FOR EACH STATEMENT EXECUTE FUNCTION regenquote_refuse('a consent record is never changed');",
};
#define N_MIGRATIONS ((int)(sizeof MIGRATIONS / sizeof MIGRATIONS[0]))
_Static_assert(N_MIGRATIONS == REGISTER_SCHEMA_VERSION, "one migration step per schema version");

/* ---- messages ---------------------------------------------------------------- */

/* libpq's message made one line ("…\n\tIs the server running…" joined with
 * "; "), without its "FATAL:"/"ERROR:" prefix and never with the password:
 * written to buf. */
static const char *one_line(const struct reg_store *s, const char *msg, char *buf, size_t size)
{
    size_t o = 0;
    if (!msg || !*msg)
        msg = "unknown error";
    for (const char *p = msg; *p && o + 1 < size; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t') {
            while (p[1] == '\n' || p[1] == '\r' || p[1] == '\t' || p[1] == ' ')
                p++;
            if (p[1] && o + 2 < size) {
                buf[o++] = ';';
                buf[o++] = ' ';
            }
            continue;
        }
        buf[o++] = *p;
    }
    buf[o] = '\0';
    static const char *const prefixes[] = { "FATAL:  ", "ERROR:  ", "FATAL: ", "ERROR: " };
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t n = strlen(prefixes[i]);
        if (!strncmp(buf, prefixes[i], n)) {
            memmove(buf, buf + n, strlen(buf + n) + 1);
            break;
        }
    }
    /* a message never repeats the password, even one that quotes a value */
    if (s->password && *s->password) {
        size_t pl = strlen(s->password);
        char *hit;
        while ((hit = strstr(buf, s->password)) != NULL) {
            memset(hit, '*', 3);
            memmove(hit + 3, hit + pl, strlen(hit + pl) + 1);
        }
    }
    return buf;
}

/* Append "what: REASON", REASON from res (the server's message) or, when
 * res carries none, the connection's. */
static int pg_err(struct reg_store *s, const PGresult *res, const char *what, struct diag_list *dl)
{
    char buf[512];
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg)
        msg = s->conn ? PQerrorMessage(s->conn) : "out of memory";
    one_line(s, msg, buf, sizeof buf);
    /* the server ending the session (a shutdown, a terminated backend) or a
     * connection error: the connection is as good as lost */
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    bool ending = state && (!strncmp(state, "57P", 3) || !strncmp(state, "08", 2));
    if (ending || (s->conn && PQstatus(s->conn) == CONNECTION_BAD))
        diag_error(dl, s->name, NULL, "%s: the connection to the database server was lost (%s)", what, buf);
    else
        diag_error(dl, s->name, NULL, "%s: %s", what, buf);
    return -1;
}

static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* ---- connection ------------------------------------------------------------------ */

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Whether a failed connection may succeed in a moment: the server is
 * starting, restarting or shutting down. */
static bool transient(const char *msg)
{
    static const char *const signs[] = {
        "starting up", "shutting down", "in recovery mode", "Connection refused", "No such file or directory",
        "not yet accepting connections",
    };
    for (size_t i = 0; msg && i < sizeof signs / sizeof signs[0]; i++)
        if (strstr(msg, signs[i]))
            return true;
    return false;
}

/* One connection attempt, made without blocking so that the notice
 * processor is set before the server can say anything (a WARNING at
 * start-up would otherwise go to stderr).  Waits at most timeout_ms for
 * each step.  Returns the connection, good or bad, or NULL (no memory, or
 * *timed_out). */
static PGconn *connect_once(const char *locator, long timeout_ms, bool *timed_out)
{
    *timed_out = false;
    static const char *const keys[] = { "dbname", "fallback_application_name", NULL };
    const char *const values[] = { locator, "regenquote", NULL };
    PGconn *c = PQconnectStartParams(keys, values, 1);
    if (!c)
        return NULL;
    PQsetNoticeProcessor(c, ignore_notice, NULL);
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    while (PQstatus(c) != CONNECTION_BAD && st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
        struct pollfd p = { .fd = PQsocket(c), .events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT };
        int ready = poll(&p, 1, (int)timeout_ms);
        if (ready == 0) {
            PQfinish(c);
            *timed_out = true;
            return NULL;
        }
        if (ready < 0 && errno != EINTR)
            break;
        st = PQconnectPoll(c);
    }
    return c;
}

/* Connect (again) to s->locator and set the session up, trying for up to
 * s->patience_ms while the failure is transient.  Returns 0 or -1 with a
 * one-line diagnostic naming host and database. */
static int pg_connect(struct reg_store *s, struct diag_list *dl)
{
    if (s->conn) {
        PQfinish(s->conn);
        s->conn = NULL;
    }
    s->in_tx = false;
    s->tables_known[0] = '\0';
    s->prepared = 0;
    long waited = 0, step = 50;
    for (;;) {
        bool timed_out;
        s->conn = connect_once(s->locator, s->patience_ms > 30000 ? s->patience_ms : 30000, &timed_out);
        const char *msg = s->conn ? PQerrorMessage(s->conn) : timed_out ? "no answer from the server" : "out of memory";
        PGresult *res = NULL;
        if (s->conn && PQstatus(s->conn) == CONNECTION_OK) {
            res = PQexec(s->conn, SQL_SESSION);
            if (PQresultStatus(res) == PGRES_COMMAND_OK) {
                PQclear(res);
                return 0;
            }
            if (PQstatus(s->conn) == CONNECTION_OK) {
                pg_err(s, res, "cannot set up the connection", dl);
                PQclear(res);
                return -1;
            }
            msg = "server closed the connection unexpectedly";
        }
        bool again = s->conn && (transient(msg) || res) && waited < s->patience_ms;
        if (!again) {
            char buf[512];
            one_line(s, msg, buf, sizeof buf);
            diag_error(dl, s->name, NULL, "cannot connect to the register's database: %s", buf);
        }
        PQclear(res);
        PQfinish(s->conn);
        s->conn = NULL;
        if (!again)
            return -1;
        sleep_ms(step);
        waited += step;
        step = step < 400 ? step * 2 : 400;
    }
}

static void pg_close(struct reg_store *s)
{
    if (!s)
        return;
    if (s->conn)
        PQfinish(s->conn);   /* the server rolls back a transaction still open */
    free(s->locator);
    free(s->name);
    free(s->password);
    free(s->pending_number);
    queue_clear(s);
    free(s->queue);
    free(s);
}

/* The database must exist (docs/deploy.md): with or without create, open
 * only connects; a database without the register's tables has schema
 * version 0, and creating them is the migration's. */
static int pg_open(struct reg_store **out, const char *locator, bool create, struct diag_list *dl)
{
    (void)create;
    *out = NULL;
    struct reg_store *s = calloc(1, sizeof *s);
    char shown[512];
    register_locator_display(locator, shown, sizeof shown);
    if (!s || !(s->locator = strdup(locator)) || !(s->name = strdup(shown))) {
        pg_close(s);
        diag_error(dl, shown, NULL, "out of memory");
        return -1;
    }
    if (pq_load(s->name, dl) != 0) {
        pg_close(s);
        return -1;
    }
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(locator, &perr);
    if (!opts) {
        /* libpq's reason may quote the locator: give only the gist */
        diag_error(dl, s->name, NULL,
                   "cannot open the register: the connection string is not valid (see the libpq manual for "
                   "postgresql:// URIs)");
        PQfreemem(perr);
        pg_close(s);
        return -1;
    }
    s->patience_ms = CONNECT_PATIENCE_MS;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!strcmp(o->keyword, "password") && o->val && *o->val)
            s->password = strdup(o->val);
        if (!strcmp(o->keyword, "connect_timeout") && o->val && *o->val)
            s->patience_ms = atol(o->val) * 1000;
    }
    PQconninfoFree(opts);
    if (pg_connect(s, dl) != 0) {
        pg_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

/* Outside a transaction, a connection the server dropped (a restart) is
 * made again before use; inside one it is not: the transaction is lost. */
static int ensure_connected(struct reg_store *s, struct diag_list *dl)
{
    if (s->in_tx || (s->conn && PQstatus(s->conn) == CONNECTION_OK))
        return 0;
    return pg_connect(s, dl);
}

/* ---- statements: sent together, in pipeline mode -------------------------
 *
 * Inside a transaction, a statement whose answer is not needed at once
 * (BEGIN, the writer lock, the writes) waits in s->queue and goes to the
 * server with the next statement whose answer is needed, or with COMMIT:
 * one round trip for them all.  Round trips are most of the time an
 * issuing transaction holds the writer lock, so this is what lets several
 * front desks issue at once.  A read still sees the transaction's own
 * writes: the queue goes first. */

#define MAX_PARAMS 24

struct queued {
    const char *sql;              /* a constant of this file */
    const char *what;             /* what could not be done, for a message */
    int n;
    char *values[MAX_PARAMS];     /* copies; NULL is SQL NULL */
    int lengths[MAX_PARAMS], formats[MAX_PARAMS];
    char *one_row;                /* an UPDATE that must change one row: what it is about
                                   * ("quote Q-…", "account …"), for the message */
};

static void queue_clear(struct reg_store *s)
{
    for (size_t i = 0; i < s->nq; i++) {
        for (int k = 0; k < s->queue[i].n; k++)
            free(s->queue[i].values[k]);
        free(s->queue[i].one_row);
    }
    s->nq = 0;
}

/* Queue a statement (param binary_param, 1-based, is binary_len raw bytes;
 * 0 for none), its values copied.  Returns 0, or -1 when out of memory. */
static int enqueue(struct reg_store *s, const char *sql, int n, const char *const *values, int binary_param,
                   size_t binary_len, const char *what, const char *one_row, struct diag_list *dl)
{
    if (s->nq == s->capq) {
        size_t cap = s->capq ? 2 * s->capq : 8;
        struct queued *q = realloc(s->queue, cap * sizeof *q);
        if (!q)
            goto oom;
        s->queue = q;
        s->capq = cap;
    }
    struct queued *q = &s->queue[s->nq];
    memset(q, 0, sizeof *q);
    q->sql = sql;
    q->what = what;
    for (int k = 0; k < n; k++) {
        q->n = k + 1;
        if (!values[k])
            continue;
        bool bin = k + 1 == binary_param;
        size_t len = bin ? binary_len : strlen(values[k]);
        if (!(q->values[k] = malloc(len + 1)))
            goto oom_q;
        memcpy(q->values[k], values[k], len);
        q->values[k][len] = '\0';
        q->lengths[k] = (int)len;
        q->formats[k] = bin;
    }
    if (one_row && !(q->one_row = strdup(one_row)))
        goto oom_q;
    s->nq++;
    return 0;
oom_q:
    s->nq++;
    queue_clear(s);
oom:
    diag_error(dl, s->name, NULL, "out of memory");
    return -1;
}

/* Send the queue and then sql (NULL: none) in one pipeline and read every
 * answer.  Returns sql's result (status want), or for NULL an empty result,
 * or NULL after a diagnostic naming what failed first; *lost tells whether
 * the connection was lost.  The queue is emptied either way. */
/* Send one statement of a pipeline: prepared (preparing it first on this
 * connection), or as it is.  *prepares counts the Parse answers to read.
 * Returns false when the connection failed. */
static bool send_one(struct reg_store *s, const char *sql, int n, const char *const *values, const int *lengths,
                     const int *formats, int result_binary, uint32_t *preparing)
{
    int i = prepared_index(sql);
    if (i < 0)
        return PQsendQueryParams(s->conn, sql, n, NULL, values, lengths, formats, result_binary) == 1;
    char name[16];
    snprintf(name, sizeof name, "rq%d", i);
    if (!(s->prepared & (1u << i)) && !(*preparing & (1u << i))) {
        if (PQsendPrepare(s->conn, name, sql, n, NULL) != 1)
            return false;
        *preparing |= 1u << i;
    }
    return PQsendQueryPrepared(s->conn, name, n, values, lengths, formats, result_binary) == 1;
}

/* Send the queue and then sql (NULL: none) in one pipeline and read every
 * answer.  Returns sql's result (status want), or for NULL an empty result,
 * or NULL after a diagnostic naming what failed first; *lost tells whether
 * the connection was lost.  The queue is emptied either way. */
static PGresult *send_all(struct reg_store *s, const char *sql, int n, const char *const *values, const int *lengths,
                          const int *formats, int result_binary, ExecStatusType want, const char *what, bool *lost,
                          struct diag_list *dl)
{
    PGconn *c = s->conn;
    PGresult *out = NULL;
    bool failed = false;
    *lost = false;
    /* what each answer is: a Parse (-1 - statement index), a queued
     * statement (its index) or sql (s->nq) */
    long order[2 * 64 + 2];
    size_t n_answers = 0;
    uint32_t preparing = 0;
    if (s->nq > 64) {
        diag_error(dl, s->name, NULL, "%s: too many statements at once", what);
        queue_clear(s);
        return NULL;
    }
    if (PQenterPipelineMode(c) != 1)
        goto broken;
    for (size_t i = 0; i <= s->nq; i++) {
        bool final = i == s->nq;
        if (final && !sql)
            break;
        const char *q_sql = final ? sql : s->queue[i].sql;
        int pi = prepared_index(q_sql);
        bool parse = pi >= 0 && !(s->prepared & (1u << pi)) && !(preparing & (1u << pi));
        bool sent = final ? send_one(s, sql, n, values, lengths, formats, result_binary, &preparing)
                          : send_one(s, q_sql, s->queue[i].n, (const char *const *)s->queue[i].values,
                                     s->queue[i].lengths, s->queue[i].formats, 0, &preparing);
        if (!sent)
            goto broken;
        if (parse)
            order[n_answers++] = -1 - pi;
        order[n_answers++] = (long)i;
    }
    if (!PQpipelineSync(c))
        goto broken;
    for (size_t a = 0; a < n_answers; a++) {
        PGresult *r = PQgetResult(c);
        if (!r)
            goto broken;
        ExecStatusType st = PQresultStatus(r);
        long k = order[a];
        bool final = k == (long)s->nq;
        const char *w = k < 0 || final ? what : s->queue[k].what;
        if (k < 0) {
            if (st == PGRES_COMMAND_OK)
                s->prepared |= 1u << (-1 - k);
            else if (st != PGRES_PIPELINE_ABORTED && !failed) {
                pg_err(s, r, w, dl);
                failed = true;
            }
        } else if (st == PGRES_PIPELINE_ABORTED) {
            /* skipped after an earlier failure: already reported */
        } else if (final ? st != want : st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            if (!failed)
                pg_err(s, r, w, dl);
            failed = true;
        } else if (!final && s->queue[k].one_row && strcmp(PQcmdTuples(r), "1") != 0) {
            if (!failed)
                diag_error(dl, s->name, NULL, "%s: no %.60s", w, s->queue[k].one_row);
            failed = true;
        }
        if (final && !failed)
            out = r;
        else
            PQclear(r);
        /* each statement's answers end with a NULL */
        while ((r = PQgetResult(c)) != NULL)
            PQclear(r);
        if (PQstatus(c) == CONNECTION_BAD)
            goto broken;
    }
    PGresult *sync = PQgetResult(c);
    if (!sync || PQresultStatus(sync) != PGRES_PIPELINE_SYNC) {
        PQclear(sync);
        goto broken;
    }
    PQclear(sync);
    if (PQexitPipelineMode(c) != 1)
        goto broken;
    queue_clear(s);
    if (failed) {
        PQclear(out);
        return NULL;
    }
    return out ? out : PQmakeEmptyPGresult(c, PGRES_COMMAND_OK);
broken:
    *lost = PQstatus(c) == CONNECTION_BAD;
    if (!failed)
        pg_err(s, NULL, what, dl);
    PQclear(out);
    queue_clear(s);
    return NULL;
}

/* Run one statement (param binary_param, 1-based, is raw bytes of length
 * binary_len; 0 for none) with a text or binary result, after the queue.
 * A statement that failed because the connection was lost is tried once
 * more on a new connection when that cannot do anything twice: outside a
 * transaction (reads), or when this round trip was to start it (the server
 * rolled back whatever of it had run).  Returns the result when its status
 * is `want`, else NULL after a diagnostic "what: …". */
static PGresult *run(struct reg_store *s, const char *sql, int n, const char *const *values, int binary_param,
                     size_t binary_len, int result_binary, ExecStatusType want, const char *what,
                     struct diag_list *dl)
{
    int lengths[MAX_PARAMS] = { 0 }, formats[MAX_PARAMS] = { 0 };
    if (binary_param > 0 && binary_param <= n) {
        lengths[binary_param - 1] = (int)binary_len;
        formats[binary_param - 1] = 1;
    }
    bool commit = !strcmp(sql, "COMMIT");
    for (int attempt = 0; attempt < 2; attempt++) {
        bool may_repeat = (!s->in_tx || !s->tx_sent) && !commit && attempt == 0;
        if (!s->in_tx && ensure_connected(s, dl) != 0)
            return NULL;
        if (!s->conn) {
            diag_error(dl, s->name, NULL, "%s: the connection to the database server was lost", what);
            return NULL;
        }
        PGresult *res;
        bool lost = false;
        struct diag_list tried = { 0 };
        if (s->nq == 0 && prepared_index(sql) < 0) {
            res = PQexecParams(s->conn, sql, n, NULL, values, lengths, formats, result_binary);
            if (PQresultStatus(res) != want) {
                lost = PQstatus(s->conn) == CONNECTION_BAD;
                pg_err(s, res, what, &tried);
                PQclear(res);
                res = NULL;
            }
        } else {
            /* the queue is gone after this: keep it for a second try */
            struct queued *saved = NULL;
            size_t nsaved = 0;
            if (may_repeat && (saved = malloc(s->nq * sizeof *saved)) != NULL) {
                nsaved = s->nq;
                for (size_t i = 0; i < nsaved; i++) {
                    saved[i] = s->queue[i];
                    for (int k = 0; k < saved[i].n; k++)
                        if (saved[i].values[k]) {
                            saved[i].values[k] = malloc((size_t)saved[i].lengths[k] + 1);
                            if (saved[i].values[k])
                                memcpy(saved[i].values[k], s->queue[i].values[k], (size_t)saved[i].lengths[k] + 1);
                        }
                    saved[i].one_row = s->queue[i].one_row ? strdup(s->queue[i].one_row) : NULL;
                }
            }
            res = send_all(s, sql, n, values, lengths, formats, result_binary, want, what, &lost, &tried);
            if (!res && lost && nsaved) {
                free(s->queue);
                s->queue = saved;
                s->nq = s->capq = nsaved;
                saved = NULL;
            }
            for (size_t i = 0; saved && i < nsaved; i++) {
                for (int k = 0; k < saved[i].n; k++)
                    free(saved[i].values[k]);
                free(saved[i].one_row);
            }
            free(saved);
        }
        if (res) {
            diag_list_free(&tried);
            if (s->in_tx)
                s->tx_sent = true;
            return res;
        }
        if (lost && may_repeat && (s->nq > 0 || !s->in_tx)) {
            /* connect again and send the same again */
            diag_list_free(&tried);
            bool in_tx = s->in_tx;
            if (pg_connect(s, dl) != 0) {
                queue_clear(s);
                return NULL;
            }
            s->in_tx = in_tx;
            continue;
        }
        queue_clear(s);
        for (size_t i = 0; i < tried.n; i++)
            diag_add(dl, tried.v[i].severity, tried.v[i].file, tried.v[i].line, tried.v[i].col, tried.v[i].path,
                     "%s", tried.v[i].msg);
        diag_list_free(&tried);
        return NULL;
    }
    return NULL;
}

/* A statement that returns no row, run now: 0, or -1 with "what: …". */
static int run_cmd(struct reg_store *s, const char *sql, int n, const char *const *values, const char *what,
                   struct diag_list *dl)
{
    PGresult *res = run(s, sql, n, values, 0, 0, 0, PGRES_COMMAND_OK, what, dl);
    PQclear(res);
    return res ? 0 : -1;
}

/* A write in a transaction: queued, sent with the next statement that
 * needs an answer (see above). */
static int write_later(struct reg_store *s, const char *sql, int n, const char *const *values, const char *what,
                       struct diag_list *dl)
{
    return enqueue(s, sql, n, values, 0, 0, what, NULL, dl);
}

static char *col_text(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : strdup(PQgetvalue(res, row, col));
}

/* ---- transactions -------------------------------------------------------------- */

static void forget_pending(struct reg_store *s)
{
    free(s->pending_number);
    s->pending_number = NULL;
    s->pending_sha[0] = '\0';
}

/* BEGIN and the writer lock wait in the queue: they go to the server with
 * the transaction's first statement that needs an answer (the lock is
 * waited for then, for up to lock_timeout). */
static int pg_begin(struct reg_store *s, struct diag_list *dl)
{
    static const char what[] = "cannot start a transaction";
    forget_pending(s);
    queue_clear(s);
    if (ensure_connected(s, dl) != 0)
        return -1;
    if (enqueue(s, SQL_BEGIN, 0, NULL, 0, 0, what, NULL, dl) != 0 ||
        enqueue(s, SQL_WRITER_LOCK, 0, NULL, 0, 0, what, NULL, dl) != 0)
        return -1;
    s->in_tx = true;
    s->tx_sent = false;
    return 0;
}

static void pg_rollback(struct reg_store *s)
{
    queue_clear(s);
    if (s->conn && PQstatus(s->conn) == CONNECTION_OK && PQtransactionStatus(s->conn) != PQTRANS_IDLE) {
        PGresult *res = PQexec(s->conn, "ROLLBACK");
        PQclear(res);
    }
    s->in_tx = s->tx_sent = false;
    s->tables_known[0] = '\0';
    forget_pending(s);
}

/* After a COMMIT whose answer was lost: whether the quote the transaction
 * inserted is there now, whole (1), not there (0), or unknown (-1). */
static int committed_after_all(struct reg_store *s, struct diag_list *dl)
{
    struct diag_list ignored = { 0 };
    int rc = -1;
    if (pg_connect(s, &ignored) == 0) {
        const char *v[] = { s->pending_number };
        PGresult *res = run(s, SQL_COMMITTED_PDF, 1, v, 0, 0, 0, PGRES_TUPLES_OK, "", &ignored);
        if (res)
            rc = PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, 0), s->pending_sha) ? 1 : 0;
        PQclear(res);
    }
    diag_list_free(&ignored);
    if (rc < 0)
        diag_error(dl, s->name, NULL,
                   "the connection was lost during the commit of %s and the server could not be asked whether it "
                   "was kept; 'regenquote show %s' tells",
                   s->pending_number, s->pending_number);
    return rc;
}

/* COMMIT goes with the writes still queued: one round trip. */
static int pg_commit(struct reg_store *s, struct diag_list *dl)
{
    static const char what[] = "cannot commit";
    if (!s->in_tx) {
        diag_error(dl, s->name, NULL, "%s: no transaction", what);
        return -1;
    }
    if (!s->tx_sent && s->nq == 2) {
        /* nothing was done: BEGIN and the lock need not go at all */
        queue_clear(s);
        s->in_tx = false;
        return 0;
    }
    struct diag_list failure = { 0 };
    PGresult *res = run(s, "COMMIT", 0, NULL, 0, 0, 0, PGRES_COMMAND_OK, what, &failure);
    /* a transaction that had failed answers COMMIT with ROLLBACK */
    bool ok = res && !strcmp(PQcmdStatus(res), "COMMIT");
    bool lost = !res && (!s->conn || PQstatus(s->conn) == CONNECTION_BAD);
    PQclear(res);
    if (ok) {
        diag_list_free(&failure);
        s->in_tx = s->tx_sent = false;
        forget_pending(s);
        return 0;
    }
    s->tables_known[0] = '\0';
    if (lost && s->pending_number) {
        diag_list_free(&failure);
        s->in_tx = s->tx_sent = false;
        int kept = committed_after_all(s, dl);
        forget_pending(s);
        if (kept == 1)
            return 0;
        if (kept == 0)
            diag_error(dl, s->name, NULL, "%s: the connection to the database server was lost; nothing was kept",
                       what);
        return -1;
    }
    if (res)
        diag_error(dl, s->name, NULL, "%s: the transaction had failed and was rolled back", what);
    else if (lost)
        diag_error(dl, s->name, NULL,
                   "%s: the connection to the database server was lost during the commit; the change may or may not "
                   "have been kept",
                   what);
    for (size_t i = 0; !lost && i < failure.n; i++)
        diag_add(dl, failure.v[i].severity, failure.v[i].file, 0, 0, failure.v[i].path, "%s", failure.v[i].msg);
    diag_list_free(&failure);
    pg_rollback(s);
    return -1;
}

/* ---- who owns it ------------------------------------------------------------------ */

/* The role that owns the tables (docs/deploy.md: the owner role, which
 * creates and migrates them) is the register's owner, as a file's owner is
 * on SQLite; the application role is not. */
static int pg_is_owner(struct reg_store *s, struct diag_list *dl)
{
    PGresult *res = run(s, SQL_IS_OWNER, 0, NULL, 0, 0, 0, PGRES_TUPLES_OK, "cannot read the register", dl);
    if (!res)
        return -1;
    int owner = PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, 0), "t");
    PQclear(res);
    return owner;
}

/* ---- schema ------------------------------------------------------------------------ */

static int pg_schema_version(struct reg_store *s, int *v, struct diag_list *dl)
{
    static const char what[] = "cannot read the schema version";
    *v = 0;
    PGresult *res = run(s, SQL_HAS_VERSION_TABLE, 0, NULL, 0, 0, 0, PGRES_TUPLES_OK, what, dl);
    if (!res)
        return -1;
    bool has = PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, 0), "t");
    PQclear(res);
    if (!has) {
        /* version 0: a new, empty database, or another program's */
        if (!(res = run(s, SQL_OTHER_TABLES, 0, NULL, 0, 0, 0, PGRES_TUPLES_OK, what, dl)))
            return -1;
        bool other = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "0") != 0;
        PQclear(res);
        if (other) {
            diag_error(dl, s->name, NULL, "is a database of another program, not a register; give another database");
            return -1;
        }
        return 0;
    }
    if (!(res = run(s, SQL_SCHEMA_VERSION, 0, NULL, 0, 0, 0, PGRES_TUPLES_OK, what, dl)))
        return -1;
    int rc = 0;
    if (PQntuples(res) == 1)
        *v = atoi(PQgetvalue(res, 0, 0));
    else
        rc = -1, diag_error(dl, s->name, NULL, "%s: the schema_version table should hold one row", what);
    PQclear(res);
    return rc;
}

/* Schema step 3: give the quotes already stored their name_key, folded
 * here by textfold() (the function SQLite's step calls), so that every
 * engine's keys agree; one UPDATE per named quote, in the migration's
 * transaction. */
static int fold_stored_names(struct reg_store *s, struct diag_list *dl)
{
    static const char what[] = "cannot bring the register's schema up to date";
    PGresult *res = run(s, SQL_NAMES_TO_FOLD, 0, NULL, 0, 0, 0, PGRES_TUPLES_OK, what, dl);
    if (!res)
        return -1;
    int rc = 0;
    for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
        const char *name = PQgetvalue(res, i, 1);
        size_t len = strlen(name);
        char *key = malloc(len + 1);
        if (!key) {
            diag_error(dl, s->name, NULL, "out of memory");
            rc = -1;
            break;
        }
        textfold(name, len, key);
        const char *v[] = { PQgetvalue(res, i, 0), key };
        rc = run_cmd(s, SQL_SET_NAME_KEY, 2, v, what, dl);
        free(key);
    }
    PQclear(res);
    return rc;
}

static int pg_migrate(struct reg_store *s, int from, int to, struct diag_list *dl)
{
    static const char what[] = "cannot bring the register's schema up to date";
    if (from < 0 || to > N_MIGRATIONS) {
        diag_error(dl, s->name, NULL, "cannot migrate the register from schema %d to %d", from, to);
        return -1;
    }
    /* only the owner role can alter the tables (docs/deploy.md): tell the
     * application role so, rather than "must be owner of table quotes" */
    int owner = from > 0 ? pg_is_owner(s, dl) : 1;
    if (owner < 0)
        return -1;
    if (!owner) {
        diag_error(dl, s->name, NULL,
                   "the register is at schema %d and this regenquote needs schema %d: only the role that owns its"
                   " tables can bring it up to date; run one register command as that role (docs/deploy.md)",
                   from, to);
        return -1;
    }
    /* BEGIN and the lock first: PQexec cannot go in a pipeline */
    PGresult *first = run(s, "SELECT 1", 0, NULL, 0, 0, 0, PGRES_TUPLES_OK, what, dl);
    if (!first)
        return -1;
    PQclear(first);
    for (int v = from; v < to; v++) {
        PGresult *res = PQexec(s->conn, MIGRATIONS[v]);
        int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        if (!ok)
            pg_err(s, res, what, dl);
        PQclear(res);
        if (!ok)
            return -1;
        if (v + 1 == 3 && fold_stored_names(s, dl) != 0)
            return -1;
        char version[16];
        snprintf(version, sizeof version, "%d", v + 1);
        const char *vals[] = { version };
        if (run_cmd(s, SQL_SET_VERSION, 1, vals, what, dl) != 0)
            return -1;
    }
    return 0;
}

/* ---- the number pattern ------------------------------------------------------------- */

static int pg_get_pattern(struct reg_store *s, char **pattern, struct diag_list *dl)
{
    *pattern = NULL;
    PGresult *res = run(s, SQL_GET_PATTERN, 0, NULL, 0, 0, 0, PGRES_TUPLES_OK, "cannot read the number pattern", dl);
    if (!res)
        return -1;
    if (PQntuples(res) == 1)
        *pattern = col_text(res, 0, 0);
    PQclear(res);
    return 0;
}

static int pg_set_pattern(struct reg_store *s, const char *pattern, struct diag_list *dl)
{
    const char *v[] = { pattern };
    return write_later(s, SQL_SET_PATTERN, 1, v, "cannot change the number pattern", dl);
}

static int pg_get_id(struct reg_store *s, char **id, struct diag_list *dl)
{
    *id = NULL;
    const char *v[] = { "register_id" };
    PGresult *res = run(s, SQL_GET_META, 1, v, 0, 0, 0, PGRES_TUPLES_OK, "cannot read the register's id", dl);
    if (!res)
        return -1;
    int rc = 0;
    if (PQntuples(res) == 1 && !(*id = col_text(res, 0, 0))) {
        diag_error(dl, s->name, NULL, "out of memory");
        rc = -1;
    }
    PQclear(res);
    return rc;
}

/* A second id is refused by meta's primary key (when it is sent). */
static int pg_set_id(struct reg_store *s, const char *id, struct diag_list *dl)
{
    const char *v[] = { "register_id", id };
    return write_later(s, SQL_ADD_META, 2, v, "cannot store the register's id", dl);
}

/* ---- issuing ---------------------------------------------------------------------------- */

static int pg_next_seq(struct reg_store *s, int year, long long *seq, struct diag_list *dl)
{
    char y[16];
    snprintf(y, sizeof y, "%d", year);
    const char *v[] = { y };
    PGresult *res = run(s, SQL_NEXT_SEQ, 1, v, 0, 0, 0, PGRES_TUPLES_OK, "cannot allocate a quote number", dl);
    if (!res)
        return -1;
    *seq = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return 0;
}

static int pg_series(struct reg_store *s, int year, long long *last, struct diag_list *dl)
{
    *last = 0;
    char y[16];
    snprintf(y, sizeof y, "%d", year);
    const char *v[] = { y };
    PGresult *res = run(s, SQL_SERIES_ONE, 1, v, 0, 0, 0, PGRES_TUPLES_OK, "cannot read the register", dl);
    if (!res)
        return -1;
    if (PQntuples(res) == 1)
        *last = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return 0;
}

static int pg_raise_series(struct reg_store *s, int year, long long last, struct diag_list *dl)
{
    char y[16], l[32];
    snprintf(y, sizeof y, "%d", year);
    snprintf(l, sizeof l, "%lld", last);
    const char *v[] = { y, l };
    return write_later(s, SQL_RAISE_SERIES, 2, v, "cannot move the series on", dl);
}

static int pg_has_quote(struct reg_store *s, const char *number, struct diag_list *dl)
{
    const char *v[] = { number };
    PGresult *res = run(s, SQL_HAS_QUOTE, 1, v, 0, 0, 0, PGRES_TUPLES_OK, "cannot read the register", dl);
    if (!res)
        return -1;
    int found = PQntuples(res) > 0;
    PQclear(res);
    return found;
}

static int pg_put_tables(struct reg_store *s, const struct reg_tables *t, struct diag_list *dl)
{
    static const char what[] = "cannot store the price tables";
    if (!strcmp(s->tables_known, t->sha256))
        return 0;
    const char *v[] = { t->sha256, t->version, t->clinic_json, t->catalog_json };
    if (write_later(s, SQL_PUT_TABLES, 4, v, what, dl) != 0)
        return -1;
    /* known once this transaction commits; a rollback forgets it (pg_rollback) */
    snprintf(s->tables_known, sizeof s->tables_known, "%s", t->sha256);
    return 0;
}

static int pg_insert_quote(struct reg_store *s, const struct reg_new_quote *q, struct diag_list *dl)
{
    static const char what[] = "cannot store the quote";
    if (q->pdf_len > 0x7fffffff) {
        diag_error(dl, s->name, NULL, "%s: the PDF is larger than 2 GB", what);
        return -1;
    }
    char year[16], seq[32], total[32], created[32];
    snprintf(year, sizeof year, "%d", q->year);
    snprintf(seq, sizeof seq, "%lld", q->seq);
    snprintf(total, sizeof total, "%lld", (long long)q->total_cents);
    snprintf(created, sizeof created, "%lld", (long long)q->created_unix);
    const char *v[] = {
        q->number, year, seq, q->status, q->patient_id, q->patient_name, q->issued, q->valid_until,
        q->scheduled, q->estimate_due, total, q->language, q->tables_sha256, q->request_json, q->quote_json,
        q->pdf ? (const char *)q->pdf : "", q->pdf_sha256, q->supersedes, created, q->location, q->desk,
        q->name_key,
    };
    enum { PDF_PARAM = 16 };
    if (enqueue(s, SQL_INSERT_QUOTE, 22, v, PDF_PARAM, q->pdf_len, what, NULL, dl) != 0)
        return -1;
    forget_pending(s);
    if ((s->pending_number = strdup(q->number)) != NULL)
        snprintf(s->pending_sha, sizeof s->pending_sha, "%s", q->pdf_sha256);
    return 0;
}

/* ---- idempotency keys ---------------------------------------------------------------------- */

static int pg_set_key(struct reg_store *s, const char *number, const char *key, struct diag_list *dl)
{
    const char *v[] = { number, key };
    char about[96];
    snprintf(about, sizeof about, "new quote %.40s", number);
    /* a key another quote has is refused by the unique index when it is sent */
    return enqueue(s, SQL_SET_KEY, 2, v, 0, 0, "cannot store the idempotency key", about, dl);
}

static int pg_find_key(struct reg_store *s, const char *key, char **number, struct diag_list *dl)
{
    *number = NULL;
    const char *v[] = { key };
    PGresult *res = run(s, SQL_FIND_KEY, 1, v, 0, 0, 0, PGRES_TUPLES_OK, "cannot read the register", dl);
    if (!res)
        return -1;
    int rc = 1;
    if (PQntuples(res) == 1) {
        *number = col_text(res, 0, 0);
        rc = *number ? 0 : (diag_error(dl, s->name, NULL, "out of memory"), -1);
    }
    PQclear(res);
    return rc;
}

/* ---- changes ------------------------------------------------------------------------------ */

static int pg_set_status(struct reg_store *s, const char *number, const char *status, const char *superseded_by,
                         struct diag_list *dl)
{
    static const char what[] = "cannot update the register";
    const char *v[] = { status, number, superseded_by };
    char about[96];
    snprintf(about, sizeof about, "quote %.40s", number);
    /* that it changed one row is checked when it is sent */
    return enqueue(s, superseded_by ? SQL_SET_STATUS_BY : SQL_SET_STATUS, superseded_by ? 3 : 2, v, 0, 0, what,
                   about, dl);
}

static int pg_add_event(struct reg_store *s, const struct reg_new_event *ev, struct diag_list *dl)
{
    const char *v[] = { ev->number, ev->at, ev->action, ev->detail, ev->actor };
    return write_later(s, SQL_ADD_EVENT, 5, v, "cannot record the history", dl);
}

/* ---- reading ---------------------------------------------------------------------------------- */

/* The rows of res (cleared here), each read by read_row into a new, zeroed
 * element (elem bytes) of an array; read_row returns false when out of
 * memory.  Returns 0 with the array in *out and its length in *n, or -1
 * with a diagnostic and nothing handed out (release frees the rows read). */
static int collect_rows(struct reg_store *s, PGresult *res, size_t elem, bool (*read_row)(const PGresult *res, int row, void *e),
                        void (*release)(void *v, size_t n), void **out, size_t *n, struct diag_list *dl)
{
    int rows = PQntuples(res);
    char *v = calloc(rows ? (size_t)rows : 1, elem);
    int i = 0;
    while (v && i < rows && read_row(res, i, v + (size_t)i * elem))
        i++;
    PQclear(res);
    if (!v || i < rows) {
        if (v)
            release(v, (size_t)i);
        diag_error(dl, s->name, NULL, "out of memory");
        *out = NULL;
        *n = 0;
        return -1;
    }
    *out = v;
    *n = (size_t)rows;
    return 0;
}

static void read_entry(const PGresult *res, int row, struct reg_entry *e)
{
    e->number = col_text(res, row, 0);
    e->status = col_text(res, row, 1);
    e->patient_id = col_text(res, row, 2);
    e->patient_name = col_text(res, row, 3);
    e->issued = col_text(res, row, 4);
    e->valid_until = col_text(res, row, 5);
    e->scheduled = col_text(res, row, 6);
    e->estimate_due = col_text(res, row, 7);
    e->total_cents = strtoll(PQgetvalue(res, row, 8), NULL, 10);
    e->language = col_text(res, row, 9);
    e->tables_version = col_text(res, row, 10);
    e->tables_sha256 = col_text(res, row, 11);
    e->supersedes = col_text(res, row, 12);
    e->superseded_by = col_text(res, row, 13);
    e->year = atoi(PQgetvalue(res, row, 14));
    e->seq = strtoll(PQgetvalue(res, row, 15), NULL, 10);
    e->created_unix = PQgetisnull(res, row, 16) ? 0 : strtoll(PQgetvalue(res, row, 16), NULL, 10);
    e->location = col_text(res, row, 17);
    e->desk = col_text(res, row, 18);
}

static int pg_get(struct reg_store *s, const char *number, bool with_pdf, struct reg_entry *e,
                  struct diag_list *dl)
{
    memset(e, 0, sizeof *e);
    const char *v[] = { number };
    /* binary: every column is text but the PDF, which comes as its bytes */
    PGresult *res = run(s, with_pdf ? SQL_GET_PDF : SQL_GET, 1, v, 0, 0, 1, PGRES_TUPLES_OK,
                        "cannot read the register", dl);
    if (!res)
        return -1;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return 1;
    }
    read_entry(res, 0, e);
    e->request_json = col_text(res, 0, N_ENTRY_COLS);
    e->quote_json = col_text(res, 0, N_ENTRY_COLS + 1);
    e->pdf_sha256 = col_text(res, 0, N_ENTRY_COLS + 2);
    int rc = 0;
    if (with_pdf) {
        size_t n = (size_t)PQgetlength(res, 0, N_ENTRY_COLS + 3);
        if ((e->pdf = malloc(n ? n : 1)) == NULL) {
            diag_error(dl, s->name, NULL, "out of memory");
            reg_entry_free(e);
            rc = -1;
        } else {
            memcpy(e->pdf, PQgetvalue(res, 0, N_ENTRY_COLS + 3), n);
            e->pdf_len = n;
        }
    }
    PQclear(res);
    return rc;
}

static int pg_get_tables(struct reg_store *s, const char *sha256, char **clinic_json, char **catalog_json,
                         struct diag_list *dl)
{
    *clinic_json = *catalog_json = NULL;
    const char *v[] = { sha256 };
    PGresult *res = run(s, SQL_GET_TABLES, 1, v, 0, 0, 0, PGRES_TUPLES_OK, "cannot read the register", dl);
    if (!res)
        return -1;
    int rc = 1;
    if (PQntuples(res) == 1) {
        *clinic_json = col_text(res, 0, 0);
        *catalog_json = col_text(res, 0, 1);
        rc = 0;
        if (!*clinic_json || !*catalog_json) {
            free(*clinic_json);
            free(*catalog_json);
            *clinic_json = *catalog_json = NULL;
            diag_error(dl, s->name, NULL, "out of memory");
            rc = -1;
        }
    }
    PQclear(res);
    return rc;
}

static bool read_list_row(const PGresult *res, int row, void *e)
{
    read_entry(res, row, e);
    return true;
}

static void release_entries(void *v, size_t n)
{
    reg_entries_free(v, n);
}

static int pg_list(struct reg_store *s, const struct reg_query *q, struct reg_entry **out, size_t *n,
                   struct diag_list *dl)
{
    *out = NULL;
    *n = 0;
    const char *v[] = { q->patient_id, q->name_key, q->issued_from, q->issued_to, q->status,
                        q->valid_until_min, q->valid_until_below, q->location };
    PGresult *res = run(s, SQL_LIST, 8, v, 0, 0, 0, PGRES_TUPLES_OK, "cannot read the register", dl);
    if (!res)
        return -1;
    void *rows;
    int rc = collect_rows(s, res, sizeof **out, read_list_row, release_entries, &rows, n, dl);
    *out = rows;
    return rc;
}

static bool read_event_row(const PGresult *res, int row, void *e)
{
    struct reg_event *ev = e;
    ev->at = col_text(res, row, 0);
    ev->actor = col_text(res, row, 1);
    ev->action = col_text(res, row, 2);
    ev->detail = col_text(res, row, 3);
    return true;
}

static void release_events(void *v, size_t n)
{
    reg_events_free(v, n);
}

static int pg_history(struct reg_store *s, const char *number, struct reg_event **out, size_t *n,
                      struct diag_list *dl)
{
    *out = NULL;
    *n = 0;
    const char *v[] = { number };
    PGresult *res = run(s, SQL_HISTORY, 1, v, 0, 0, 0, PGRES_TUPLES_OK, "cannot read the history", dl);
    if (!res)
        return -1;
    void *rows;
    int rc = collect_rows(s, res, sizeof **out, read_event_row, release_events, &rows, n, dl);
    *out = rows;
    return rc;
}

static bool read_pdf_ref_row(const PGresult *res, int row, void *e)
{
    struct reg_pdf_ref *p = e;
    p->len = (size_t)strtoull(PQgetvalue(res, row, 1), NULL, 10);
    snprintf(p->sha256, sizeof p->sha256, "%s", PQgetvalue(res, row, 2));
    p->desk = col_text(res, row, 3);
    p->year = atoi(PQgetvalue(res, row, 4));
    p->seq = strtoll(PQgetvalue(res, row, 5), NULL, 10);
    return (p->number = strdup(PQgetvalue(res, row, 0))) != NULL;
}

static void release_pdf_refs(void *v, size_t n)
{
    reg_pdf_refs_free(v, n);
}

static int pg_pdf_refs(struct reg_store *s, int64_t created_by, struct reg_pdf_ref **out, size_t *n,
                       struct diag_list *dl)
{
    *out = NULL;
    *n = 0;
    char by[32];
    snprintf(by, sizeof by, "%lld", (long long)created_by);
    const char *v[] = { by };
    PGresult *res = run(s, SQL_PDF_REFS, 1, v, 0, 0, 0, PGRES_TUPLES_OK, "cannot read the register", dl);
    if (!res)
        return -1;
    void *rows;
    int rc = collect_rows(s, res, sizeof **out, read_pdf_ref_row, release_pdf_refs, &rows, n, dl);
    *out = rows;
    return rc;
}

static bool read_series_row(const PGresult *res, int row, void *e)
{
    struct reg_series *v = e;
    v->year = atoi(PQgetvalue(res, row, 0));
    v->last = strtoll(PQgetvalue(res, row, 1), NULL, 10);
    return true;
}

static void release_plain(void *v, size_t n)
{
    (void)n;
    free(v);
}

static int pg_series_all(struct reg_store *s, struct reg_series **out, size_t *n, struct diag_list *dl)
{
    *out = NULL;
    *n = 0;
    PGresult *res = run(s, SQL_SERIES, 0, NULL, 0, 0, 0, PGRES_TUPLES_OK, "cannot read the number series", dl);
    if (!res)
        return -1;
    void *rows;
    int rc = collect_rows(s, res, sizeof **out, read_series_row, release_plain, &rows, n, dl);
    *out = rows;
    return rc;
}

/* ---- keeping it ---------------------------------------------------------------------------------- */

/* A PostgreSQL register is backed up by the database server's own tools
 * (pg_dump, or a replica): they take a consistent snapshot while desks go
 * on issuing, and keep roles and grants as the deployment wants them. */
static int pg_backup(struct reg_store *s, const char *dest, struct diag_list *dl)
{
    (void)dest;
    diag_error(dl, s->name, NULL,
               "cannot write a backup of a PostgreSQL register to a file; use pg_dump, as docs/deploy.md "
               "(\"Backups\") describes");
    return -1;
}

/* Run a check query whose one text column, when a row comes back, says
 * what is wrong.  0 sound, 1 finding written, -1 with a diagnostic. */
static int check_query(struct reg_store *s, const char *sql, char *finding, size_t size, struct diag_list *dl)
{
    struct diag_list failed = { 0 };
    PGresult *res = run(s, sql, 0, NULL, 0, 0, 0, PGRES_TUPLES_OK, "cannot check the register", &failed);
    if (!res) {
        /* the server could not read something back: that is the finding */
        bool bad = failed.n > 0 && (strstr(failed.v[0].msg, "corrupt") || strstr(failed.v[0].msg, "missing chunk") ||
                                    strstr(failed.v[0].msg, "unexpected chunk"));
        if (bad) {
            const char *m = strstr(failed.v[0].msg, ": ");
            snprintf(finding, size, "%s", m ? m + 2 : failed.v[0].msg);
        }
        for (size_t i = 0; !bad && i < failed.n; i++)
            diag_add(dl, failed.v[i].severity, failed.v[i].file, 0, 0, failed.v[i].path, "%s", failed.v[i].msg);
        diag_list_free(&failed);
        return bad ? 1 : -1;
    }
    diag_list_free(&failed);
    int rc = 0;
    if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) {
        snprintf(finding, size, "%s", PQgetvalue(res, 0, 0));
        rc = 1;
    }
    PQclear(res);
    return rc;
}

/* What can be checked from SQL by the register's own role (amcheck needs a
 * superuser to install): that every table of the schema is there, then
 * every stored PDF, bill and accepted copy read back whole by the server
 * (which fails on a damaged TOAST chunk) and its SHA-256 compared with the
 * one recorded. */
static int pg_check(struct reg_store *s, char *finding, size_t size, struct diag_list *dl)
{
    snprintf(finding, size, "%s", "");
    int rc = check_query(s, SQL_CHECK_TABLES, finding, size, dl);
    if (rc == 1) {
        char missing[200];
        snprintf(missing, sizeof missing, "%s", finding);
        snprintf(finding, size, "tables of the register are missing: %s", missing);
        return 1;
    }
    if (rc != 0)
        return rc;
    return check_query(s, SQL_CHECK_PDFS, finding, size, dl);
}

/* ---- staff accounts (schema 5) ---------------------------------------------------------------- */

static bool read_user_row(const PGresult *res, int row, void *e)
{
    struct reg_user *u = e;
    u->username = col_text(res, row, 0);
    u->role = col_text(res, row, 1);
    u->password_hash = col_text(res, row, 2);
    u->disabled = !strcmp(PQgetvalue(res, row, 3), "true");
    u->created_at = col_text(res, row, 4);
    u->failed_logins = strtoll(PQgetvalue(res, row, 5), NULL, 10);
    u->last_failed_unix = strtoll(PQgetvalue(res, row, 6), NULL, 10);
    return u->username && u->role && u->password_hash && u->created_at;
}

static void release_users(void *v, size_t n)
{
    reg_users_free(v, n);
}

static int pg_user_insert(struct reg_store *s, const struct reg_user *u, struct diag_list *dl)
{
    char failed[32], last[32];
    snprintf(failed, sizeof failed, "%lld", u->failed_logins);
    snprintf(last, sizeof last, "%lld", (long long)u->last_failed_unix);
    const char *v[] = { u->username, u->role, u->password_hash, u->disabled ? "true" : "false", u->created_at,
                        failed, last };
    return write_later(s, SQL_USER_INSERT, 7, v, "cannot store the account", dl);
}

static int pg_user_get(struct reg_store *s, const char *username, struct reg_user *u, struct diag_list *dl)
{
    memset(u, 0, sizeof *u);
    const char *v[] = { username };
    PGresult *res = run(s, SQL_USER_GET, 1, v, 0, 0, 0, PGRES_TUPLES_OK, "cannot read the accounts", dl);
    if (!res)
        return -1;
    int rc = 1;
    if (PQntuples(res) == 1) {
        rc = 0;
        if (!read_user_row(res, 0, u)) {
            free(u->username);
            free(u->role);
            free(u->password_hash);
            free(u->created_at);
            memset(u, 0, sizeof *u);
            diag_error(dl, s->name, NULL, "out of memory");
            rc = -1;
        }
    }
    PQclear(res);
    return rc;
}

static int pg_user_list(struct reg_store *s, struct reg_user **out, size_t *n, struct diag_list *dl)
{
    *out = NULL;
    *n = 0;
    PGresult *res = run(s, SQL_USER_LIST, 0, NULL, 0, 0, 0, PGRES_TUPLES_OK, "cannot read the accounts", dl);
    if (!res)
        return -1;
    void *rows;
    int rc = collect_rows(s, res, sizeof **out, read_user_row, release_users, &rows, n, dl);
    *out = rows;
    return rc;
}

static int pg_user_update(struct reg_store *s, const struct reg_user *u, struct diag_list *dl)
{
    char failed[32], last[32], about[96];
    snprintf(failed, sizeof failed, "%lld", u->failed_logins);
    snprintf(last, sizeof last, "%lld", (long long)u->last_failed_unix);
    snprintf(about, sizeof about, "account %.40s", u->username);
    /* When the role and the disabled flag stay as stored (a sign-in), only
     * the columns a sign-in changes are named: the application role may
     * update those and no others (column privileges are checked on the
     * columns a statement sets, whatever their values). */
    const char *k[] = { u->username };
    PGresult *res = run(s, SQL_USER_GET, 1, k, 0, 0, 0, PGRES_TUPLES_OK, "cannot change the account", dl);
    if (!res)
        return -1;
    bool sign_in = PQntuples(res) == 1 && u->role && !strcmp(PQgetvalue(res, 0, 1), u->role) &&
                   !strcmp(PQgetvalue(res, 0, 3), u->disabled ? "true" : "false");
    PQclear(res);
    if (sign_in) {
        const char *w[] = { u->username, u->password_hash, failed, last };
        return enqueue(s, SQL_USER_SIGN_IN, 4, w, 0, 0, "cannot change the account", about, dl);
    }
    const char *v[] = { u->username, u->role, u->password_hash, u->disabled ? "true" : "false", failed, last };
    return enqueue(s, SQL_USER_UPDATE, 6, v, 0, 0, "cannot change the account", about, dl);
}

/* ---- sessions (schema 5) -------------------------------------------------------------------------- */

static int pg_session_insert(struct reg_store *s, const char *id_sha256, const char *username, int64_t created_unix,
                             struct diag_list *dl)
{
    char created[32];
    snprintf(created, sizeof created, "%lld", (long long)created_unix);
    const char *v[] = { id_sha256, username, created };
    return write_later(s, SQL_SESSION_INSERT, 3, v, "cannot store the session", dl);
}

static int pg_session_get(struct reg_store *s, const char *id_sha256, struct reg_session *out, struct diag_list *dl)
{
    memset(out, 0, sizeof *out);
    const char *v[] = { id_sha256 };
    PGresult *res = run(s, SQL_SESSION_GET, 1, v, 0, 0, 0, PGRES_TUPLES_OK, "cannot read the sessions", dl);
    if (!res)
        return -1;
    int rc = 1;
    if (PQntuples(res) == 1) {
        out->username = col_text(res, 0, 0);
        out->created_unix = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
        out->last_seen_unix = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
        out->ended_unix = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
        rc = out->username ? 0 : (diag_error(dl, s->name, NULL, "out of memory"), -1);
    }
    PQclear(res);
    return rc;
}

static int pg_session_touch(struct reg_store *s, const char *id_sha256, int64_t last_seen_unix, struct diag_list *dl)
{
    char seen[32];
    snprintf(seen, sizeof seen, "%lld", (long long)last_seen_unix);
    const char *v[] = { id_sha256, seen };
    return write_later(s, SQL_SESSION_TOUCH, 2, v, "cannot update the session", dl);
}

/* Run now, not queued: *ended is the count of rows it changed. */
static int pg_session_end(struct reg_store *s, const char *id_sha256, const char *username, int64_t ended_unix,
                          const char *reason, long long *ended, struct diag_list *dl)
{
    *ended = 0;
    char at[32];
    snprintf(at, sizeof at, "%lld", (long long)(ended_unix > 0 ? ended_unix : 1));
    const char *v[] = { id_sha256 ? id_sha256 : username, at, reason };
    PGresult *res = run(s, id_sha256 ? SQL_SESSION_END_ONE : SQL_SESSION_END_ALL, 3, v, 0, 0, 0, PGRES_COMMAND_OK,
                        "cannot end the session", dl);
    if (!res)
        return -1;
    *ended = strtoll(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    return 0;
}

/* ---- the audit chain (schema 5) ------------------------------------------------------------------ */

static int pg_audit_head(struct reg_store *s, int64_t *seq, char hash[65], struct diag_list *dl)
{
    static const char what[] = "cannot read the audit trail";
    *seq = 0;
    snprintf(hash, 65, "%s", ZERO_HASH);
    PGresult *res = run(s, SQL_AUDIT_HEAD, 0, NULL, 0, 0, 0, PGRES_TUPLES_OK, what, dl);
    if (!res)
        return -1;
    int rc = 0;
    if (PQntuples(res) == 1) {
        long long n = 0;
        char h[65] = "";
        if (sscanf(PQgetvalue(res, 0, 0), "%lld %64s", &n, h) != 2 || strlen(h) != 64) {
            diag_error(dl, s->name, NULL, "%s: its recorded head is damaged", what);
            rc = -1;
        } else {
            *seq = n;
            memcpy(hash, h, 65);
        }
    }
    PQclear(res);
    return rc;
}

static int pg_audit_append(struct reg_store *s, const struct reg_new_event *ev, int64_t seq, const char *prev,
                           const char *hash, struct diag_list *dl)
{
    char n[32], head[96];
    snprintf(n, sizeof n, "%lld", (long long)seq);
    snprintf(head, sizeof head, "%lld %s", (long long)seq, hash);
    const char *v[] = { ev->number, ev->at, ev->action, ev->detail, ev->actor, n, prev, hash, head };
    return write_later(s, SQL_AUDIT_APPEND, 9, v, "cannot record the audit trail", dl);
}

static int pg_audit_link(struct reg_store *s, int64_t ref, int64_t seq, const char *prev, const char *hash,
                         struct diag_list *dl)
{
    static const char what[] = "cannot record the audit trail";
    char r[32], n[32], head[96];
    snprintf(r, sizeof r, "%lld", (long long)ref);
    snprintf(n, sizeof n, "%lld", (long long)seq);
    snprintf(head, sizeof head, "%lld %s", (long long)seq, hash);
    const char *v[] = { r, n, prev, hash };
    const char *h[] = { head };
    if (write_later(s, SQL_AUDIT_LINK, 4, v, what, dl) != 0)
        return -1;
    return write_later(s, SQL_SET_HEAD, 1, h, what, dl);
}

static bool read_audit_row(const PGresult *res, int row, void *e)
{
    struct reg_audit_row *w = e;
    w->ref = strtoll(PQgetvalue(res, row, 0), NULL, 10);
    w->number = col_text(res, row, 1);
    w->at = col_text(res, row, 2);
    w->actor = col_text(res, row, 3);
    w->action = col_text(res, row, 4);
    w->detail = col_text(res, row, 5);
    w->linked = !PQgetisnull(res, row, 6);
    if (w->linked) {
        w->seq = strtoll(PQgetvalue(res, row, 6), NULL, 10);
        snprintf(w->prev, sizeof w->prev, "%s", PQgetvalue(res, row, 7));
        snprintf(w->hash, sizeof w->hash, "%s", PQgetvalue(res, row, 8));
    }
    return true;
}

static void release_audit_rows(void *v, size_t n)
{
    reg_audit_rows_free(v, n);
}

static int pg_audit_rows(struct reg_store *s, const struct reg_audit_query *q, int64_t after, size_t limit,
                         struct reg_audit_row **out, size_t *n, struct diag_list *dl)
{
    static const struct reg_audit_query all = { 0 };
    *out = NULL;
    *n = 0;
    if (!q)
        q = &all;
    char a[32], l[32];
    snprintf(a, sizeof a, "%lld", (long long)after);
    snprintf(l, sizeof l, "%lld", limit > INT64_MAX ? (long long)INT64_MAX : (long long)limit);
    const char *v[] = { a, q->actor, q->action, q->number, q->at_from, q->at_below, l };
    PGresult *res = run(s, q->newest_first ? SQL_AUDIT_ROWS_DESC : SQL_AUDIT_ROWS, 7, v, 0, 0, 0, PGRES_TUPLES_OK,
                        "cannot read the audit trail", dl);
    if (!res)
        return -1;
    void *rows;
    int rc = collect_rows(s, res, sizeof **out, read_audit_row, release_audit_rows, &rows, n, dl);
    *out = rows;
    return rc;
}

/* ---- final bills (schema 6) ------------------------------------------------------------------------ */

/* Run now, not queued: the bill's id is the answer. */
static int pg_put_bill(struct reg_store *s, const struct reg_new_bill *b, long long *id, struct diag_list *dl)
{
    static const char what[] = "cannot store the bill";
    *id = 0;
    if (b->len > 0x7fffffff) {
        diag_error(dl, s->name, NULL, "%s: the file is larger than 2 GB", what);
        return -1;
    }
    char corrects[32], given_id[32];
    snprintf(corrects, sizeof corrects, "%lld", b->corrects);
    snprintf(given_id, sizeof given_id, "%lld", b->id);
    const char *v[] = { b->number, b->given_for, b->bill_date, b->format, b->file_name,
                        b->bytes ? (const char *)b->bytes : "", b->sha256, b->lines_json,
                        b->corrects > 0 ? corrects : NULL, b->added_by, b->added_at, given_id };
    enum { BYTES_PARAM = 6 };
    PGresult *res = b->id > 0 ? run(s, SQL_PUT_BILL_AS, 12, v, BYTES_PARAM, b->len, 0, PGRES_TUPLES_OK, what, dl)
                              : run(s, SQL_PUT_BILL, 11, v, BYTES_PARAM, b->len, 0, PGRES_TUPLES_OK, what, dl);
    if (!res)
        return -1;
    int rc = 0;
    if (PQntuples(res) == 1)
        *id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    else
        rc = -1, diag_error(dl, s->name, NULL, "%s: no id came back", what);
    PQclear(res);
    return rc;
}

static bool read_bill_row(const PGresult *res, int row, void *e)
{
    struct reg_bill *b = e;
    b->id = strtoll(PQgetvalue(res, row, 0), NULL, 10);
    b->number = col_text(res, row, 1);
    b->given_for = col_text(res, row, 2);
    b->bill_date = col_text(res, row, 3);
    b->format = col_text(res, row, 4);
    b->file_name = col_text(res, row, 5);
    b->len = (size_t)PQgetlength(res, row, 6);
    if ((b->bytes = malloc(b->len ? b->len : 1)) != NULL)
        memcpy(b->bytes, PQgetvalue(res, row, 6), b->len);
    b->sha256 = col_text(res, row, 7);
    b->lines_json = col_text(res, row, 8);
    b->corrects = strtoll(PQgetvalue(res, row, 9), NULL, 10);
    b->added_by = col_text(res, row, 10);
    b->added_at = col_text(res, row, 11);
    return b->number && b->bill_date && b->bytes && b->sha256 && b->lines_json && b->added_by && b->added_at;
}

static void release_bills(void *v, size_t n)
{
    reg_bills_free(v, n);
}

static int pg_bills(struct reg_store *s, const char *number, struct reg_bill **out, size_t *n, struct diag_list *dl)
{
    *out = NULL;
    *n = 0;
    const char *v[] = { number };
    /* binary: every column is text but the bytes, which come as they are */
    PGresult *res = run(s, SQL_BILLS, 1, v, 0, 0, 1, PGRES_TUPLES_OK, "cannot read the bills", dl);
    if (!res)
        return -1;
    void *rows;
    int rc = collect_rows(s, res, sizeof **out, read_bill_row, release_bills, &rows, n, dl);
    *out = rows;
    return rc;
}

static int pg_put_bill_note(struct reg_store *s, const struct reg_bill_note *note, struct diag_list *dl)
{
    char line[16];
    snprintf(line, sizeof line, "%d", note->line);
    const char *v[] = { note->number, line, note->row_key, note->text, note->written_by, note->written_at };
    return write_later(s, SQL_PUT_BILL_NOTE, 6, v, "cannot store the explanation", dl);
}

static bool read_note_row(const PGresult *res, int row, void *e)
{
    struct reg_bill_note *x = e;
    x->id = strtoll(PQgetvalue(res, row, 0), NULL, 10);
    x->number = col_text(res, row, 1);
    x->line = atoi(PQgetvalue(res, row, 2));
    x->row_key = col_text(res, row, 3);
    x->text = col_text(res, row, 4);
    x->written_by = col_text(res, row, 5);
    x->written_at = col_text(res, row, 6);
    return x->number && x->row_key && x->text && x->written_by && x->written_at;
}

static void release_notes(void *v, size_t n)
{
    reg_bill_notes_free(v, n);
}

static int pg_bill_notes(struct reg_store *s, const char *number, struct reg_bill_note **out, size_t *n,
                         struct diag_list *dl)
{
    *out = NULL;
    *n = 0;
    const char *v[] = { number };
    PGresult *res = run(s, SQL_BILL_NOTES, 1, v, 0, 0, 0, PGRES_TUPLES_OK, "cannot read the bills", dl);
    if (!res)
        return -1;
    void *rows;
    int rc = collect_rows(s, res, sizeof **out, read_note_row, release_notes, &rows, n, dl);
    *out = rows;
    return rc;
}

static bool read_number_row(const PGresult *res, int row, void *e)
{
    char **t = e;
    return (*t = strdup(PQgetvalue(res, row, 0))) != NULL;
}

static void release_numbers(void *v, size_t n)
{
    char **t = v;
    for (size_t i = 0; i < n; i++)
        free(t[i]);
    free(t);
}

static int pg_billed_numbers(struct reg_store *s, char ***out, size_t *n, struct diag_list *dl)
{
    *out = NULL;
    *n = 0;
    PGresult *res = run(s, SQL_BILLED_NUMBERS, 0, NULL, 0, 0, 0, PGRES_TUPLES_OK, "cannot read the bills", dl);
    if (!res)
        return -1;
    void *rows;
    int rc = collect_rows(s, res, sizeof **out, read_number_row, release_numbers, &rows, n, dl);
    *out = rows;
    return rc;
}

/* ---- the patient's side (schema 7) ---------------------------------------------------- */

/* bytes as lower-case hex (malloc'd), for decode($n, 'hex'); NULL when out of memory. */
static char *hex_of(const unsigned char *b, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char *h = malloc(2 * n + 1);
    if (!h)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        h[2 * i] = digits[b[i] >> 4];
        h[2 * i + 1] = digits[b[i] & 15];
    }
    h[2 * n] = '\0';
    return h;
}

static int pg_put_acceptance(struct reg_store *s, const struct reg_acceptance *a, struct diag_list *dl)
{
    static const char what[] = "cannot store the acceptance";
    char *sig = hex_of(a->signature, a->signature_len), *pdf = hex_of(a->accepted_pdf, a->accepted_len);
    int rc = -1;
    if (!sig || !pdf) {
        diag_error(dl, s->name, NULL, "%s: out of memory", what);
    } else {
        const char *v[] = { a->number, a->signer, a->signed_at, a->witness, a->how, a->notice_state,
                            a->notice_sha256, a->pdf_sha256, a->tables_sha256, a->signature_type, sig, pdf,
                            a->accepted_sha256 };
        rc = write_later(s, SQL_PUT_ACCEPTANCE, 13, v, what, dl);
    }
    free(sig);
    free(pdf);
    return rc;
}

/* A binary column copied into *out (malloc'd, at least one byte) and *len. */
static int col_bytes(const PGresult *res, int row, int col, unsigned char **out, size_t *len)
{
    size_t n = (size_t)PQgetlength(res, row, col);
    if (!(*out = malloc(n ? n : 1)))
        return -1;
    memcpy(*out, PQgetvalue(res, row, col), n);
    *len = n;
    return 0;
}

static int pg_get_acceptance(struct reg_store *s, const char *number, bool with_bytes, struct reg_acceptance *a,
                             struct diag_list *dl)
{
    memset(a, 0, sizeof *a);
    const char *v[] = { number };
    PGresult *res = run(s, SQL_GET_ACCEPTANCE, 1, v, 0, 0, 1, PGRES_TUPLES_OK, "cannot read the register", dl);
    if (!res)
        return -1;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return 1;
    }
    char **f[] = { &a->number, &a->signer, &a->signed_at, &a->witness, &a->how, &a->notice_state,
                   &a->notice_sha256, &a->pdf_sha256, &a->tables_sha256, &a->signature_type, &a->accepted_sha256 };
    for (int i = 0; i < 11; i++)
        *f[i] = col_text(res, 0, i);
    int rc = 0;
    if (!a->number || !a->signer || !a->signed_at || !a->witness || !a->how || !a->pdf_sha256 ||
        !a->tables_sha256 || !a->signature_type || !a->accepted_sha256 ||
        (with_bytes && (col_bytes(res, 0, 11, &a->signature, &a->signature_len) != 0 ||
                        col_bytes(res, 0, 12, &a->accepted_pdf, &a->accepted_len) != 0))) {
        diag_error(dl, s->name, NULL, "out of memory");
        reg_acceptance_free(a);
        rc = -1;
    }
    PQclear(res);
    return rc;
}

static int pg_add_delivery(struct reg_store *s, const struct reg_delivery *d, struct diag_list *dl)
{
    const char *v[] = { d->number, d->how, d->at, d->actor, d->detail };
    return write_later(s, SQL_ADD_DELIVERY, 5, v, "cannot store the delivery", dl);
}

static bool read_delivery_row(const PGresult *res, int row, void *e)
{
    struct reg_delivery *d = e;
    d->number = col_text(res, row, 0);
    d->how = col_text(res, row, 1);
    d->at = col_text(res, row, 2);
    d->actor = col_text(res, row, 3);
    d->detail = col_text(res, row, 4);
    return d->number && d->how && d->at && d->actor && (d->detail || PQgetisnull(res, row, 4));
}

static void release_deliveries(void *v, size_t n)
{
    reg_deliveries_free(v, n);
}

static int pg_deliveries(struct reg_store *s, const char *number, struct reg_delivery **out, size_t *n,
                         struct diag_list *dl)
{
    *out = NULL;
    *n = 0;
    const char *v[] = { number };
    PGresult *res = run(s, SQL_DELIVERIES, 1, v, 0, 0, 0, PGRES_TUPLES_OK, "cannot read the register", dl);
    if (!res)
        return -1;
    void *rows;
    int rc = collect_rows(s, res, sizeof **out, read_delivery_row, release_deliveries, &rows, n, dl);
    *out = rows;
    return rc;
}

static int pg_add_email_consent(struct reg_store *s, const char *number, const char *address, const char *at,
                                const char *actor, struct diag_list *dl)
{
    const char *v[] = { number, address, at, actor };
    return write_later(s, SQL_ADD_EMAIL_CONSENT, 4, v, "cannot store the consent", dl);
}

static int pg_email_consent(struct reg_store *s, const char *number, const char *address, struct diag_list *dl)
{
    const char *v[] = { number, address };
    PGresult *res = run(s, SQL_EMAIL_CONSENT, 2, v, 0, 0, 0, PGRES_TUPLES_OK, "cannot read the register", dl);
    if (!res)
        return -1;
    int rc = PQntuples(res) > 0 ? 0 : 1;
    PQclear(res);
    return rc;
}

static bool read_consent_row(const PGresult *res, int row, void *e)
{
    struct reg_email_consent *c = e;
    c->number = col_text(res, row, 0);
    c->address = col_text(res, row, 1);
    c->at = col_text(res, row, 2);
    c->actor = col_text(res, row, 3);
    return c->number && c->address && c->at && c->actor;
}

static void release_consents(void *v, size_t n)
{
    reg_email_consents_free(v, n);
}

static int pg_email_consents(struct reg_store *s, const char *number, struct reg_email_consent **out, size_t *n,
                             struct diag_list *dl)
{
    *out = NULL;
    *n = 0;
    const char *v[] = { number };
    PGresult *res = run(s, SQL_EMAIL_CONSENTS, 1, v, 0, 0, 0, PGRES_TUPLES_OK, "cannot read the register", dl);
    if (!res)
        return -1;
    void *rows;
    int rc = collect_rows(s, res, sizeof **out, read_consent_row, release_consents, &rows, n, dl);
    *out = rows;
    return rc;
}

const struct reg_engine reg_engine_pg = {
    .name = "postgresql",
    .scheme = "postgresql",
    .alias = "postgres",
    .open = pg_open,
    .close = pg_close,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .is_owner = pg_is_owner,
    .schema_version = pg_schema_version,
    .migrate = pg_migrate,
    .get_pattern = pg_get_pattern,
    .set_pattern = pg_set_pattern,
    .get_id = pg_get_id,
    .set_id = pg_set_id,
    .next_seq = pg_next_seq,
    .series = pg_series,
    .raise_series = pg_raise_series,
    .has_quote = pg_has_quote,
    .put_tables = pg_put_tables,
    .insert_quote = pg_insert_quote,
    .set_key = pg_set_key,
    .find_key = pg_find_key,
    .set_status = pg_set_status,
    .add_event = pg_add_event,
    .get = pg_get,
    .get_tables = pg_get_tables,
    .list = pg_list,
    .history = pg_history,
    .pdf_refs = pg_pdf_refs,
    .series_all = pg_series_all,
    .put_bill = pg_put_bill,
    .bills = pg_bills,
    .put_bill_note = pg_put_bill_note,
    .bill_notes = pg_bill_notes,
    .billed_numbers = pg_billed_numbers,
    .put_acceptance = pg_put_acceptance,
    .get_acceptance = pg_get_acceptance,
    .add_delivery = pg_add_delivery,
    .deliveries = pg_deliveries,
    .add_email_consent = pg_add_email_consent,
    .email_consent = pg_email_consent,
    .email_consents = pg_email_consents,
    .backup = pg_backup,
    .check = pg_check,
    .user_insert = pg_user_insert,
    .user_get = pg_user_get,
    .user_list = pg_user_list,
    .user_update = pg_user_update,
    .session_insert = pg_session_insert,
    .session_get = pg_session_get,
    .session_touch = pg_session_touch,
    .session_end = pg_session_end,
    .audit_head = pg_audit_head,
    .audit_append = pg_audit_append,
    .audit_link = pg_audit_link,
    .audit_rows = pg_audit_rows,
};
