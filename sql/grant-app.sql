-- grant-app.sql: what the application role of a PostgreSQL register may do,
-- exactly what regenquote and regenquote-serve do with it and nothing more
-- (docs/deploy.md, "The database, the roles and their grants").
--
-- Run it as the register's owner (the role that ran `regenquote init`), in
-- the register's database, after every upgrade that migrates the schema:
--
--   psql -v app=regenquote_app -f sql/grant-app.sql \
--        'postgresql://regenquote_owner@db.clinic.example/regenquote'
--
-- (installed as /usr/local/share/regenquote/sql/grant-app.sql by `make
-- install`).  Applying it again changes nothing.
--
-- It is written for schema 9 (the table schema_version) and refuses any
-- other; tests/test_pg_roles.c applies it to a fresh login role and runs the
-- whole workflow as that role, and checks every table and sequence of the
-- schema is named here.
--
-- The application role gets no DELETE and no TRUNCATE anywhere, and no
-- UPDATE of a quote's content: of a quote only its status, superseded_by
-- and the idempotency key given as it is issued; of an account only what
-- signing in changes (the failure count and time, and the password's hash
-- when it is rehashed with stronger settings), never its role or whether it
-- is disabled.  Adding, disabling and re-passwording staff accounts, copying
-- a register into this database (`register copy`) and migrations are the
-- owner's.  Triggers refuse, for every role including the owner, to change
-- or delete history, audit links, bills, explanations, acceptances,
-- deliveries, consents, stored price tables and a quote's content.
\set ON_ERROR_STOP on
\if :{?app}
\else
  DO $$BEGIN RAISE EXCEPTION 'grant-app.sql: name the application role: psql -v app=ROLE -f grant-app.sql'; END$$;
\endif

BEGIN;
DO $$
BEGIN
  IF (SELECT version FROM schema_version) IS DISTINCT FROM 9 THEN
    RAISE EXCEPTION 'grant-app.sql is written for schema 9; this register is at schema %',
      (SELECT version FROM schema_version);
  END IF;
END
$$;

-- reading: every table of the register
GRANT SELECT ON schema_version, meta, series, price_tables, quotes, events, users, sessions,
                audit_links, bills, bill_notes, acceptances, deliveries, email_consents TO :"app";

-- issuing and revising: the year's number (an UPSERT on its series row), the
-- price tables a quote was priced with, the quote; a revision or a void
-- changes only the status and the supersede chain
GRANT INSERT, UPDATE (last) ON series TO :"app";
GRANT INSERT ON price_tables, quotes TO :"app";
GRANT UPDATE (status, superseded_by, idempotency_key) ON quotes TO :"app";

-- the history and the audit chain (its head is the row 'audit_head' of
-- meta; the register's id is stored there once)
GRANT INSERT ON events, audit_links TO :"app";
GRANT INSERT, UPDATE (value) ON meta TO :"app";

-- sign-in: sessions, throttling, a rehashed password
GRANT INSERT, UPDATE (last_seen_unix, ended_unix, end_reason) ON sessions TO :"app";
GRANT UPDATE (password_hash, failed_logins, last_failed_unix) ON users TO :"app";

-- after the treatment: bills and explanations; the patient's side:
-- acceptances with the signature, deliveries (paper, e-mail, download),
-- consent to e-mail
GRANT INSERT ON bills, bill_notes, acceptances, deliveries, email_consents TO :"app";

-- the id sequences of the tables it appends to (nextval only: USAGE)
GRANT USAGE ON SEQUENCE events_id_seq, bills_id_seq, bill_notes_id_seq, deliveries_id_seq,
                        email_consents_id_seq TO :"app";
COMMIT;
