#!/usr/bin/env bash
# The register benchmark (make bench-register; README "Performance"):
# quotes issued per second and the latency of one issue (p50, p99) with 1,
# 4 and 8 concurrent issuers, on SQLite and on PostgreSQL, in one run; then
# the register's size per 1,000 quotes on each.
#
# Each issuer is a process with its own connection, issuing the benchmark
# request through issue_quote() (price, PDF with its number, one
# transaction, PDF copy): the whole path, durable on both engines (SQLite
# WAL with synchronous=FULL; PostgreSQL synchronous_commit=on, fsync on).
# PostgreSQL is the private server of scripts/pg-test.sh (`make
# bench-register` starts it), on a Unix socket, on this machine's disk.
#
#   BENCH_REGISTER_SECONDS   seconds per measurement (default 10)
#   BENCH_REGISTER_ISSUERS   counts of issuers (default "1 4 8")
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${BENCH_REGISTER_SECONDS:-10}
ISSUERS=${BENCH_REGISTER_ISSUERS:-"1 4 8"}
BENCH=./build/register-bench
W=$(mktemp -d /tmp/rq-regbench.XXXXXX)
trap 'rm -rf "$W"' EXIT
[ -n "${PGTEST_ADMIN:-}" ] || { echo "bench-register: no PostgreSQL server (run it with make bench-register)" >&2; exit 1; }

echo "Register: concurrent issuers, $SECS s each, $(nproc) cores, request bench/request.json"
printf '  %-11s %8s %10s %9s %9s %9s\n' engine issuers quotes "quotes/s" "p50 ms" "p99 ms"
declare -A rate
for engine in sqlite postgresql; do
  for k in $ISSUERS; do
    if [ "$engine" = sqlite ]; then
      loc=$W/s$k.db
    else
      psql -X -q "$PGTEST_ADMIN" -c "CREATE DATABASE bench_$k" >/dev/null
      loc="postgresql:///bench_$k?$REGENQUOTE_TEST_PG"
    fi
    mkdir -p "$W/out-$engine-$k"
    read -r n secs r p50 p99 < <(SOURCE_DATE_EPOCH=1795392000 "$BENCH" "$loc" "$k" "$SECS" bench/request.json "$W/out-$engine-$k")
    rate[$engine-$k]=$r
    printf '  %-11s %8s %10s %9s %9s %9s\n' "$engine" "$k" "$n" "$r" "$p50" "$p99"
    rm -rf "$W/out-$engine-$k"
  done
done

# Size per 1,000 quotes: the register after the last run of each engine.
k=${ISSUERS##* }
sq=$W/s$k.db
sqlite3 "$sq" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
sq_n=$(sqlite3 "$sq" 'SELECT count(*) FROM quotes')
sq_bytes=$(sqlite3 "$sq" 'SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()')
pg_loc="postgresql:///bench_$k?$REGENQUOTE_TEST_PG"
read -r pg_n pg_bytes < <(psql -X -A -t -F ' ' "$pg_loc" -c "VACUUM ANALYZE" -c "SELECT (SELECT count(*) FROM quotes),
  (SELECT sum(pg_total_relation_size(c)) FROM unnest(ARRAY['quotes','events','price_tables','series','meta','schema_version']::regclass[]) c)" | tail -1)
per_k() { awk -v b="$1" -v n="$2" 'BEGIN { printf "%.1f MB", b / n * 1000 / 1048576 }'; }
pdf_kb=$(sqlite3 "$sq" 'SELECT avg(length(pdf)) / 1024.0 FROM quotes' | awk '{printf "%.1f", $1}')
echo "Size per 1,000 quotes (PDF ${pdf_kb} KB each): SQLite $(per_k "$sq_bytes" "$sq_n") ($sq_n quotes)," \
     "PostgreSQL $(per_k "$pg_bytes" "$pg_n") ($pg_n quotes, tables and indexes)"
s8=${rate[sqlite-$k]} p8=${rate[postgresql-$k]}
verdict=$(awk -v p="$p8" -v s="$s8" 'BEGIN { print (p >= s) ? "at least as many" : "fewer" }')
echo "With $k issuers PostgreSQL issues $verdict quotes per second as SQLite ($p8 against $s8)."
