#!/usr/bin/env bash
# Crash safety of issuing, proved by force (run by `make kill-loop`).
#
# Starts `regenquote quote` again and again and kills it with SIGKILL at a
# random point of its run — after a random delay spread over the time an
# issue takes, or (one time in four) at one of the issuing fault points
# REGENQUOTE_FAULT=after-number|after-render|after-commit (src/core/register.h;
# only the test build FAULT_BINARY has those points)
# — until KILLS processes have died that way.  Then it checks:
#   * no partial PDF: every OUT/NUMBER.pdf ends with %%EOF and has the
#     SHA-256 the register stored, before and after `repair --verify`;
#   * no reused number: every number a finished run printed is unique and
#     in the register;
#   * a clean register: PRAGMA integrity_check is ok (SQLite), the numbers
#     are 1..N without a gap (a killed run never uses up a number), the
#     series counter is N, every quote has its `issued` event;
#   * after `repair --verify`, every quote has its PDF copy, byte for byte,
#     and qpdf --check accepts each one.
#
# With KILL_LOOP_PG=NAME the register is a database on the private
# PostgreSQL server NAME of scripts/pg-test.sh (make kill-loop-pg starts
# it), and one run in eight has the server crash and restart under it
# (pg_ctl restart -m immediate) while it issues: such a run either issues
# its quote whole or fails with a one-line message, and the checks above
# hold all the same.
#
#   scripts/kill-loop.sh [KILLS] [BINARY] [FAULT_BINARY]
#   (defaults: 200, ./regenquote, ./build/regenquote-fault)
set -uo pipefail
cd "$(dirname "$0")/.."
KILLS=${1:-200}
ROOT=$PWD
WORK=$(mktemp -d /tmp/rq-kill-loop.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# a private copy: a rebuild of ./regenquote during the loop cannot disturb it
cp "${2:-./regenquote}" "$WORK/regenquote" || exit 1
cp "${3:-./build/regenquote-fault}" "$WORK/regenquote-fault" || exit 1
BIN=$WORK/regenquote
REG=$WORK/register.db OUT=$WORK/out
PG=${KILL_LOOP_PG:-}
if [ -n "$PG" ]; then
  # shellcheck disable=SC1090
  . "$ROOT/build/pg/$PG.env" || { echo "kill-loop: no PostgreSQL server '$PG' (scripts/pg-test.sh start $PG)"; exit 1; }
  psql -X -q "$PGTEST_ADMIN" -c "CREATE DATABASE kill_loop" >/dev/null || exit 1
  REG="postgresql:///kill_loop?$REGENQUOTE_TEST_PG"
fi
export SOURCE_DATE_EPOCH=1795392000 REGENQUOTE_PRICES=$ROOT/pricing REGENQUOTE_TEMPLATES=$ROOT/templates
export REGENQUOTE_USER=kill-loop
QUOTE=("$BIN" quote "$ROOT/examples/bone-marrow-one-ankle.json" --register "$REG" --out-dir "$OUT")

fail() { echo "kill-loop: FAIL: $*"; exit 1; }
if [ -n "$PG" ]; then
  sql() { psql -X -A -t -q "$REG" -c "$1"; }
else
  sql() { sqlite3 -batch -noheader "$REG" "$@"; }
fi

# How long one issue takes here (ms): the kill delays are spread over 0..1.3×.
t0=$(date +%s%N)
for _ in 1 2 3; do "${QUOTE[@]}" >>"$WORK/printed" 2>/dev/null || fail "a plain quote failed"; done
per_ms=$(( ($(date +%s%N) - t0) / 3000000 ))
[ "$per_ms" -gt 0 ] || per_ms=1
window=$(( per_ms * 13 / 10 + 1 ))
echo "kill-loop: one issue takes ~${per_ms} ms; killing at random within ${window} ms, $KILLS times"

kills=0 finished=3 faults=0 iter=0 restarts=0 refused=0
faultpts=(after-number after-render after-commit)
exec 3>&2 2>/dev/null          # the shell's own "Killed" notices
while [ "$kills" -lt "$KILLS" ]; do
  iter=$((iter + 1))
  touch "$WORK/mark"
  [ "$iter" -le $((KILLS * 4)) ] || fail "only $kills kills in $iter runs"
  if [ -n "$PG" ] && [ $((iter % 8)) -eq 0 ]; then
    # the database server crashes and restarts while this run issues
    "${QUOTE[@]}" >>"$WORK/printed" 2>"$WORK/restart.err" &
    pid=$!
    sleep "$(printf '0.%06d' $(( (RANDOM * 32768 + RANDOM) % (window * 1000) )))"
    "$ROOT/scripts/pg-test.sh" restart "$PG" || fail "the server did not restart"
    restarts=$((restarts + 1))
    wait "$pid"
    st=$?
    if [ "$st" -eq 1 ]; then
      # refused: one line naming the register, never a password
      [ "$(wc -l <"$WORK/restart.err")" -eq 1 ] || fail "run $iter: not one line: $(cat "$WORK/restart.err")"
      grep -q '^regenquote: postgresql:///kill_loop' "$WORK/restart.err" || fail "run $iter: $(cat "$WORK/restart.err")"
      refused=$((refused + 1))
      continue
    fi
    cat "$WORK/restart.err" >>"$WORK/stderr"
  elif [ $((RANDOM % 4)) -eq 0 ]; then
    fp=${faultpts[$((RANDOM % 3))]}
    REGENQUOTE_FAULT=$fp "$WORK/regenquote-fault" "${QUOTE[@]:1}" >>"$WORK/printed" 2>>"$WORK/stderr"
    st=$?
    faults=$((faults + 1))
  else
    "${QUOTE[@]}" >>"$WORK/printed" 2>>"$WORK/stderr" &
    pid=$!
    delay=$(( (RANDOM * 32768 + RANDOM) % (window * 1000) ))   # microseconds
    sleep "$(printf '0.%06d' "$delay")"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid"
    st=$?
  fi
  case $st in
    137) kills=$((kills + 1)) ;;
    0) finished=$((finished + 1)) ;;
    *) fail "run $iter ended with status $st: $(tail -1 "$WORK/stderr")" ;;
  esac
  # a PDF under its final name is always whole (checked for those this run wrote)
  while IFS= read -r f; do
    [ "$(tail -c 6 "$f" | tr -d '\r\n')" = "%%EOF" ] || fail "partial PDF $f after run $iter"
  done < <(find "$OUT" -name 'Q-*.pdf' -newer "$WORK/mark" 2>/dev/null)
done
exec 2>&3 3>&-
echo "kill-loop: $iter runs: $kills killed ($faults at fault points), $finished finished" \
     "${PG:+; $restarts database crashes under a run ($refused of those runs refused with a message)}"

# ---- a batch while the database server crashes (PostgreSQL) ------------
if [ -n "$PG" ]; then
  for _ in $(seq 1 60); do tr -d '\n' <"$ROOT/examples/bone-marrow-one-ankle.json"; echo; done >"$WORK/batch.jsonl"
  before=$(sql 'SELECT count(*) FROM quotes')
  "$BIN" batch "$WORK/batch.jsonl" --issue --register "$REG" --out-dir "$OUT" >"$WORK/batch.out" 2>"$WORK/batch.err" &
  bpid=$!
  sleep 0.4
  "$ROOT/scripts/pg-test.sh" restart "$PG" || fail "the server did not restart under the batch"
  wait "$bpid"
  bst=$?
  issued=$(grep -c ' Q-' "$WORK/batch.out")
  added=$(( $(sql 'SELECT count(*) FROM quotes') - before ))
  [ "$bst" -le 1 ] || fail "batch ended with status $bst"
  [ "$issued" -eq "$added" ] || fail "the batch reported $issued quotes issued, the register gained $added"
  echo "kill-loop: a batch of 60 under a database crash: $issued issued, $((60 - issued)) reported failed, and went on"
  awk '{print $2}' "$WORK/batch.out" | grep '^Q-' | sed 's/$/ x/' >>"$WORK/printed"
fi

# ---- the register and the copies --------------------------------------
if [ -z "$PG" ]; then
  [ "$(sql 'PRAGMA integrity_check')" = ok ] || fail "integrity_check: $(sql 'PRAGMA integrity_check')"
fi
n=$(sql 'SELECT count(*) FROM quotes')
max=$(sql 'SELECT coalesce(max(seq), 0) FROM quotes')
last=$(sql 'SELECT coalesce(max(last), 0) FROM series')
[ "$n" -eq "$max" ] || fail "$n quotes but the highest number is $max: a gap"
[ "$last" -eq "$max" ] || fail "the series stands at $last but the highest quote is $max"
[ "$(sql 'SELECT count(DISTINCT seq) FROM quotes')" -eq "$n" ] || fail "a number used twice"
missing_events=$(sql "SELECT count(*) FROM quotes q WHERE NOT EXISTS
                      (SELECT 1 FROM events e WHERE e.number = q.number AND e.action = 'issued')")
[ "$missing_events" -eq 0 ] || fail "$missing_events quotes without their issued event"
[ "$n" -ge "$finished" ] || fail "$finished runs finished but only $n quotes are registered"

# numbers printed by finished runs: unique, all registered
awk '{print $1}' "$WORK/printed" | sort >"$WORK/numbers"
[ -z "$(uniq -d "$WORK/numbers")" ] || fail "a number was printed twice: $(uniq -d "$WORK/numbers" | head -3)"
sql 'SELECT number FROM quotes ORDER BY number' >"$WORK/registered"
[ -z "$(comm -23 "$WORK/numbers" "$WORK/registered")" ] || fail "printed but not registered: $(comm -23 "$WORK/numbers" "$WORK/registered" | head -3)"

# every copy present now matches the register (no partial, no stale file)
check_copies() {
  local want_all=$1 present=0
  while IFS='|' read -r num sha; do
    f=$OUT/$num.pdf
    if [ -e "$f" ]; then
      present=$((present + 1))
      [ "$(sha256sum "$f" | cut -d' ' -f1)" = "$sha" ] || fail "$f differs from the register"
    elif [ "$want_all" = yes ]; then
      fail "$f missing after repair"
    fi
  done < <(sql "SELECT number || '|' || pdf_sha256 FROM quotes")
  echo "$present"
}
before=$(check_copies no) || exit 1
tmp_before=$(find "$OUT" -name '*.tmp*' | wc -l)
"$BIN" repair --verify --register "$REG" --out-dir "$OUT" >/dev/null 2>"$WORK/repair.err" \
  || fail "repair --verify: $(cat "$WORK/repair.err")"
after=$(check_copies yes) || exit 1
for f in "$OUT"/Q-*.pdf; do
  qpdf --check "$f" >/dev/null 2>&1 || fail "qpdf --check $f"
done
stray=$(find "$OUT" -name '*.pdf' ! -name 'Q-*' | wc -l)
[ "$stray" -eq 0 ] || fail "$stray stray PDF files"
echo "kill-loop: register ok: $n quotes, numbers 1..$max without a gap or reuse"
echo "kill-loop: copies: $before of $n whole before repair, $after of $n after (qpdf --check ok);" \
     "$tmp_before temporary files of killed runs (removed by repair once a minute old)"
echo "$kills passed, 0 failed"
