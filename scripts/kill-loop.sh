#!/usr/bin/env bash
# Crash safety of issuing, proved by force (run by `make kill-loop`): single
# quotes first, then batches (below, "batch --issue, killed and run again").
#
# Starts `regenquote quote` again and again and kills it with SIGKILL at a
# random point of its run — after a random delay spread over the time an
# issue takes, or (one time in four) at one of the issuing fault points
# REGENQUOTE_FAULT=after-number|after-render|after-commit (src/core/register.h;
# only the test build has those points, and only it issues on the fixed
# SOURCE_DATE_EPOCH below)
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
#   scripts/kill-loop.sh [KILLS] [TEST_BINARY]
#   (defaults: 200, ./build/regenquote-test)
set -uo pipefail
cd "$(dirname "$0")/.."
KILLS=${1:-200}
ROOT=$PWD
WORK=$(mktemp -d /tmp/rq-kill-loop.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# a private copy: a rebuild during the loop cannot disturb it
cp "${2:-./build/regenquote-test}" "$WORK/regenquote" || exit 1
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
QUOTE=("$BIN" quote "$ROOT/examples/bone-marrow-one-ankle.json" --register "$REG" --out-dir "$OUT")

fail() { echo "kill-loop: FAIL: $*"; exit 1; }
if [ -n "$PG" ]; then
  sql() { psql -X -A -t -q "$REG" -c "$1"; }
else
  sql() { sqlite3 -batch -noheader "$REG" "$@"; }
fi

"$BIN" init --register "$REG" >/dev/null || fail "init failed"
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
    REGENQUOTE_FAULT=$fp "${QUOTE[@]}" >>"$WORK/printed" 2>>"$WORK/stderr"
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
  # 60 requests for 60 patients (one request's lines would be one quote: its idempotency key)
  for i in $(seq 1 60); do
    printf '{ "patient": { "id": "PG-%05d" }, "areas": ["left-knee"], "cell_source": "adipose" }\n' "$i"
  done >"$WORK/batch.jsonl"
  # a killed run's COMMIT may still be finishing on the server: wait for it
  for _ in $(seq 1 50); do
    [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")" -eq 0 ] && break
    sleep 0.1
  done
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
"$BIN" audit verify --register "$REG" >/dev/null || fail "the audit trail's hash chain is broken"
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

# ---- batch --issue, killed and run again --------------------------------
# One JSON Lines file of BN distinct requests, issued by `batch --issue -j 2`
# and killed with SIGKILL after a random delay — the parent alone, or the
# parent and its workers at once — then run again, until BKILLS runs died
# that way; a last run finishes it.  Checked after each kill: the workers
# stop within 2 s (dead, or zombies nobody reaps); when only the parent was
# killed, every quote in the register was printed (a worker prints its
# number the moment it commits, and stops between requests).  At the end:
# each request issued exactly once, numbers 1..BN without a gap, no number
# printed as issued twice, and every registered number printed, as issued
# or as already issued.
BKILLS=$(( KILLS / 5 > 5 ? KILLS / 5 : 5 ))
BN=$(( BKILLS * 60 + 40 ))   # room: a run on a faster moment than the calibration issues more
BREG=$WORK/batch.db BOUT=$WORK/batch-out
requests() {  # N FIRST: N distinct requests
  for ((i = $2; i < $2 + $1; i++)); do
    printf '{ "patient": { "id": "P-%05d" }, "areas": ["left-knee"], "cell_source": "adipose" }\n' "$i"
  done
}
requests "$BN" 0 >"$WORK/requests.jsonl"
BATCH=("$BIN" batch "$WORK/requests.jsonl" --issue -j 2 --register "$BREG" --out-dir "$BOUT")
bsql() { sqlite3 -batch -noheader "$BREG" "$@"; }
# How long a batch of 40 takes here: a killed run lives at most half that
# (so it issues at most about 20 and BN leaves work for every run).
requests 40 100000 >"$WORK/calibrate.jsonl"
"$BIN" init --register "$BREG" >/dev/null || fail "init failed"
"$BIN" init --register "$WORK/calibrate.db" >/dev/null || fail "init failed"
t0=$(date +%s%N)
"$BIN" batch "$WORK/calibrate.jsonl" --issue -j 2 -q --register "$WORK/calibrate.db" --out-dir "$WORK/calibrate" \
  2>/dev/null || fail "a plain batch failed"
bwindow=$(( ($(date +%s%N) - t0) / 2000000 + 1 ))
echo "kill-loop: batch --issue of $BN requests, killed at random within ${bwindow} ms, $BKILLS times"
# workers of pid $1 still running (not dead, not a zombie)
alive_workers() {
  local k st out=""
  for k in $1; do
    st=$(awk '{print $3}' "/proc/$k/stat" 2>/dev/null)
    [ -n "$st" ] && [ "$st" != Z ] && out="$out $k"
  done
  echo "$out"
}
bkills=0 bparent=0 biter=0
exec 3>&2 2>/dev/null
while [ "$bkills" -lt "$BKILLS" ]; do
  biter=$((biter + 1))
  [ "$biter" -le $((BKILLS * 4)) ] || fail "only $bkills batch kills in $biter runs"
  "${BATCH[@]}" >>"$WORK/bprinted" 2>>"$WORK/bstderr" &
  pid=$!
  delay=$(( (RANDOM * 32768 + RANDOM) % (bwindow * 1000) ))
  sleep "$(printf '%d.%06d' $((delay / 1000000)) $((delay % 1000000)))"
  kids=$(pgrep -P "$pid" | tr '\n' ' ')
  mode=parent
  if [ $((RANDOM % 2)) -eq 0 ]; then
    mode=all
    kill -KILL "$pid" $kids 2>/dev/null
  else
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid"
  st=$?
  for _ in $(seq 200); do [ -z "$(alive_workers "$kids")" ] && break; sleep 0.01; done
  left=$(alive_workers "$kids")
  [ -z "$left" ] || fail "batch run $biter: worker(s)$left outlived the killed batch"
  case $st in
    137) bkills=$((bkills + 1)) ;;
    0) continue ;;
    *) fail "batch run $biter ended with status $st: $(tail -1 "$WORK/bstderr")" ;;
  esac
  if [ "$mode" = parent ] && [ -s "$BREG" ]; then
    bparent=$((bparent + 1))
    awk '{print $2}' "$WORK/bprinted" | sort -u >"$WORK/bnumbers"
    bsql 'SELECT number FROM quotes ORDER BY number' >"$WORK/bregistered" 2>/dev/null
    unprinted=$(comm -13 "$WORK/bnumbers" "$WORK/bregistered")
    [ -z "$unprinted" ] || fail "batch run $biter (parent killed): committed but never printed: $(echo $unprinted | head -c 80)"
  fi
done
exec 2>&3 3>&-
"${BATCH[@]}" >>"$WORK/bprinted" 2>>"$WORK/bstderr" || fail "the last batch run failed: $(tail -1 "$WORK/bstderr")"
[ "$(bsql 'PRAGMA integrity_check')" = ok ] || fail "batch register integrity_check: $(bsql 'PRAGMA integrity_check')"
bn=$(bsql 'SELECT count(*) FROM quotes')
[ "$bn" -eq "$BN" ] || fail "$BN requests but $bn quotes: a request issued twice or never"
[ "$(bsql 'SELECT count(DISTINCT idempotency_key) FROM quotes')" -eq "$BN" ] || fail "an idempotency key twice"
[ "$(bsql 'SELECT count(DISTINCT patient_id) FROM quotes')" -eq "$BN" ] || fail "a patient with two quotes"
[ "$(bsql 'SELECT max(seq) FROM quotes')" -eq "$BN" ] || fail "a gap in the batch's numbers"
grep -v 'already issued' "$WORK/bprinted" | awk '{print $2}' | sort >"$WORK/bissued"
[ -z "$(uniq -d "$WORK/bissued")" ] || fail "a number printed as issued twice: $(uniq -d "$WORK/bissued" | head -3)"
awk '{print $2}' "$WORK/bprinted" | sort -u >"$WORK/bnumbers"
bsql 'SELECT number FROM quotes ORDER BY number' >"$WORK/bregistered"
[ -z "$(comm -13 "$WORK/bnumbers" "$WORK/bregistered")" ] || fail "registered but never printed: $(comm -13 "$WORK/bnumbers" "$WORK/bregistered" | head -3)"
echo "kill-loop: batch: $biter runs, $bkills killed ($bparent parent alone, $((bkills - bparent)) with workers);" \
     "$bn requests issued once each, $(wc -l <"$WORK/bissued") printed as issued," \
     "$(grep -c 'already issued' "$WORK/bprinted") as already issued; no worker outlived its batch"
echo "$((kills + bkills)) passed, 0 failed"
