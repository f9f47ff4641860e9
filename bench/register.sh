#!/usr/bin/env bash
# The register benchmark (make bench-register; README "Performance"):
# quotes issued per second and the latency of one issue (p50, p99) with 1,
# 4 and 8 concurrent issuers, on SQLite and on PostgreSQL, in one run; then
# the register's size per 1,000 quotes on each.
#
# Each issuer is a process with its own connection (build/register-bench),
# issuing bench/request.json again and again, two ways:
#   whole issue    issue_quote(): price, the PDF rendered with its number,
#                  one transaction, the PDF copy written and fsynced
#   register only  register_issue() with the request priced and its PDF
#                  rendered beforehand: the register's own work
# Durable on both engines: SQLite WAL with synchronous=FULL; PostgreSQL
# synchronous_commit=on and fsync, the private server of scripts/pg-test.sh
# (make bench-register starts it) on a Unix socket, on this machine's disk.
# Engines alternate, BENCH_REGISTER_ROUNDS times; the median round is shown
# (this machine may be shared: the load average is printed too).
#
#   BENCH_REGISTER_SECONDS   seconds per measurement (default 5)
#   BENCH_REGISTER_ROUNDS    rounds (default 3)
#   BENCH_REGISTER_ISSUERS   counts of issuers (default "1 4 8")
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${BENCH_REGISTER_SECONDS:-5}
ROUNDS=${BENCH_REGISTER_ROUNDS:-3}
ISSUERS=${BENCH_REGISTER_ISSUERS:-"1 4 8"}
BENCH=./build/register-bench
W=$(mktemp -d /tmp/rq-regbench.XXXXXX)
trap 'rm -rf "$W"' EXIT
[ -n "${PGTEST_ADMIN:-}" ] || { echo "bench-register: no PostgreSQL server (run it with make bench-register)" >&2; exit 1; }
export SOURCE_DATE_EPOCH=1795392000

db=0
# fresh ENGINE: a new empty register; its locator in $loc
fresh() {
  db=$((db + 1))
  if [ "$1" = sqlite ]; then
    loc=$W/r$db.db
  else
    psql -X -q "$PGTEST_ADMIN" -c "CREATE DATABASE bench_$db" >/dev/null
    loc="postgresql:///bench_$db?$REGENQUOTE_TEST_PG"
  fi
}

# median of "rate p50 p99 quotes" lines, by rate
median() { sort -n | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }'; }

echo "Register: concurrent issuers, $SECS s each, median of $ROUNDS rounds (engines alternating);" \
     "$(nproc) cores, load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
printf '  %-14s %-11s %8s %10s %9s %9s\n' path engine issuers "quotes/s" "p50 ms" "p99 ms"
declare -A best
for mode in whole register; do
  flag=""; [ $mode = register ] && flag=--register-only
  for k in $ISSUERS; do
    : >"$W/sqlite" ; : >"$W/postgresql"
    for ((r = 0; r < ROUNDS; r++)); do
      for engine in sqlite postgresql; do
        fresh $engine
        mkdir -p "$W/out"
        read -r n _ rate p50 p99 < <($BENCH $flag "$loc" "$k" "$SECS" bench/request.json "$W/out")
        echo "$rate $p50 $p99 $n" >>"$W/$engine"
        rm -rf "$W/out"
        [ $engine = sqlite ] && rm -f "$loc" "$loc-wal" "$loc-shm"
      done
    done
    for engine in sqlite postgresql; do
      read -r rate p50 p99 _ < <(median <"$W/$engine")
      best[$mode-$engine-$k]=$rate
      label="whole issue"; [ $mode = register ] && label="register only"
      printf '  %-14s %-11s %8s %10s %9s %9s\n' "$label" "$engine" "$k" "$rate" "$p50" "$p99"
    done
  done
done

# Size per 1,000 quotes: a register of whole issues.
fresh sqlite; sq=$loc; fresh postgresql; pg=$loc; mkdir -p "$W/out"
$BENCH "$sq" 4 "$SECS" bench/request.json "$W/out" >/dev/null
$BENCH "$pg" 4 "$SECS" bench/request.json "$W/out" >/dev/null
sqlite3 "$sq" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
sq_n=$(sqlite3 "$sq" 'SELECT count(*) FROM quotes')
sq_bytes=$(sqlite3 "$sq" 'SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()')
read -r pg_n pg_bytes < <(psql -X -A -t -F ' ' "$pg" -c "VACUUM ANALYZE" -c "SELECT (SELECT count(*) FROM quotes),
  (SELECT sum(pg_total_relation_size(c)) FROM unnest(ARRAY['quotes','events','price_tables','series','meta','schema_version']::regclass[]) c)" | tail -1)
pdf_kb=$(sqlite3 "$sq" 'SELECT avg(length(pdf)) / 1024.0 FROM quotes' | awk '{printf "%.1f", $1}')
per_k() { awk -v b="$1" -v n="$2" 'BEGIN { printf "%.1f MB", b / n * 1000 / 1048576 }'; }
echo "Size per 1,000 quotes (PDF ${pdf_kb} KB each): SQLite $(per_k "$sq_bytes" "$sq_n") (of $sq_n quotes)," \
     "PostgreSQL $(per_k "$pg_bytes" "$pg_n") (of $pg_n quotes: tables, TOAST and indexes)"
k=${ISSUERS##* }
for mode in whole register; do
  s=${best[$mode-sqlite-$k]} p=${best[$mode-postgresql-$k]}
  label="whole issues"; [ $mode = register ] && label="register only"
  verdict=$(awk -v p="$p" -v s="$s" 'BEGIN { print (p >= s) ? "at least as many quotes per second as" : "fewer quotes per second than" }')
  echo "With $k issuers ($label) PostgreSQL issues $verdict SQLite: $p against $s."
done
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
