#!/usr/bin/env bash
# A private PostgreSQL server for the tests (make test, check-asan,
# kill-loop-pg, load-test-pg, bench-register): initdb into a fresh folder
# under /tmp, listening on a Unix socket in that folder only (no TCP), owned
# by Debian's `postgres` account when run as root (PostgreSQL refuses to run
# as root), else by the current user.
#
#   scripts/pg-test.sh start [NAME]     start server NAME (default "test");
#                                       writes build/pg/NAME.env
#   scripts/pg-test.sh stop [NAME]      stop it and remove its folder
#   scripts/pg-test.sh restart [NAME]   pg_ctl restart -m immediate (a crash)
#   scripts/pg-test.sh run NAME -- CMD… start NAME, run CMD with the server's
#                                       variables, stop NAME whatever happens;
#                                       CMD's exit status
#
# The variables (build/pg/NAME.env, exported by `run`):
#   REGENQUOTE_TEST_PG  the connection parameters, to append to
#                       postgresql:///DATABASE? (host=SOCKDIR&port=…&user=rq)
#   PGTEST_ADMIN        a superuser locator for the `postgres` database
#   PGTEST_ROOT         the server's folder (data/, sock/, log)
# A role rq_pw with the password PGTEST_PASSWORD (scram-sha-256 on the
# socket) is there for tests of a wrong password.
#
# When the server cannot be started, `run` fails if CI=true; elsewhere it
# warns and runs CMD without REGENQUOTE_TEST_PG (the PostgreSQL tests then
# say they were skipped).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CMD=${1:-}
NAME=${2:-test}
STATE=$ROOT/build/pg/$NAME.env
PGTEST_PASSWORD=right-horse-battery-staple
PORT=5432

pgbin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

# as_pg CMD…: run as the account that owns the server
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local bin dir
  bin=$(pgbin) || { echo "pg-test: PostgreSQL is not installed (scripts/setup-deps.sh installs it)" >&2; return 1; }
  [ -f "$STATE" ] && stop >/dev/null 2>&1
  mkdir -p "$(dirname "$STATE")"
  dir=$(mktemp -d /tmp/rq-pg.XXXXXX) || return 1
  chmod 755 "$dir"
  mkdir -p "$dir/sock"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "pg-test: there is no 'postgres' account (install postgresql)" >&2; return 1; }
    chown -R postgres: "$dir"
  fi
  if ! as_pg "$bin/initdb" -D "$dir/data" -U rq -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
    echo "pg-test: initdb failed:" >&2; tail -5 "$dir/initdb.log" >&2; rm -rf "$dir"; return 1
  fi
  # the password role authenticates with scram on the socket; everyone else is trusted
  as_pg tee "$dir/data/pg_hba.conf" >/dev/null <<EOF
local all rq_pw scram-sha-256
local all all trust
EOF
  # durable as in production (fsync, synchronous_commit); small, quiet
  if ! as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
       -o "-k $dir/sock -c listen_addresses='' -c port=$PORT -c max_connections=200 -c shared_buffers=64MB -c fsync=on -c synchronous_commit=on -c log_min_messages=warning" \
       start >/dev/null 2>&1; then
    echo "pg-test: the server did not start:" >&2; tail -5 "$dir/log" >&2
    as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1
    rm -rf "$dir"; return 1
  fi
  local params="host=$dir/sock&port=$PORT&user=rq"
  "$bin/psql" -X -q -v ON_ERROR_STOP=1 "postgresql:///postgres?$params" \
    -c "CREATE ROLE rq_pw LOGIN CREATEDB PASSWORD '$PGTEST_PASSWORD'" >/dev/null || return 1
  cat >"$STATE" <<EOF
PGTEST_ROOT=$dir
PGTEST_BIN=$bin
REGENQUOTE_TEST_PG='$params'
PGTEST_ADMIN='postgresql:///postgres?$params'
PGTEST_PASSWORD=$PGTEST_PASSWORD
EOF
  echo "pg-test: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') '$NAME' on $dir/sock"
}

stop() {
  [ -f "$STATE" ] || return 0
  # shellcheck disable=SC1090
  . "$STATE"
  as_pg "$PGTEST_BIN/pg_ctl" -D "$PGTEST_ROOT/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
    as_pg "$PGTEST_BIN/pg_ctl" -D "$PGTEST_ROOT/data" -m immediate -w stop >/dev/null 2>&1
  case $PGTEST_ROOT in /tmp/rq-pg.*) rm -rf "$PGTEST_ROOT" ;; esac
  rm -f "$STATE"
}

restart() {
  # shellcheck disable=SC1090
  . "$STATE" || return 1
  as_pg "$PGTEST_BIN/pg_ctl" -D "$PGTEST_ROOT/data" -l "$PGTEST_ROOT/log" -m immediate -w -t 60 restart \
    -o "-k $PGTEST_ROOT/sock -c listen_addresses='' -c port=$PORT -c max_connections=200 -c shared_buffers=64MB" >/dev/null
}

case $CMD in
  start) start ;;
  stop) stop ;;
  restart) restart ;;
  run)
    shift 2
    [ "${1:-}" = "--" ] && shift
    if start; then
      trap stop EXIT INT TERM
      set -a
      # shellcheck disable=SC1090
      . "$STATE"
      set +a
    elif [ "${CI:-}" = true ]; then
      echo "pg-test: FAIL: no PostgreSQL server for the tests (CI=true)" >&2
      exit 1
    else
      echo "pg-test: warning: no PostgreSQL server; its tests are skipped" >&2
    fi
    "$@"
    ;;
  *) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
