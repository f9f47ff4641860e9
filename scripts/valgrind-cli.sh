#!/usr/bin/env bash
# The command line under valgrind memcheck (run by `make check-valgrind`).
#
# Criterion does not fail on valgrind errors, so this runs the binary itself
# under valgrind for a representative set of invocations — every command,
# the three price formats, the TrueType-font path, the register verbs, a
# batch with workers, and failing runs (bad data, bad usage) — and fails if
# any of them reports an error or a definite/indirect leak, or exits with
# another status than expected.
#
# Issuing commands run the test build (TEST_BINARY, the same code with the
# test hooks: it issues on the fixed SOURCE_DATE_EPOCH below, which the
# product refuses as a date away from the clock; that refusal is run too).
#
#   scripts/valgrind-cli.sh [BINARY] [TEST_BINARY]
#   (defaults ./regenquote, ./build/regenquote-test)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$(mktemp -d /tmp/rq-valgrind.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# a private copy: a rebuild of ./regenquote during the run cannot disturb it
cp "${1:-./regenquote}" "$WORK/regenquote" || exit 1
cp "${2:-./build/regenquote-test}" "$WORK/regenquote-test" || exit 1
BIN=$WORK/regenquote
LOGS=$WORK/logs
mkdir -p "$LOGS"

export SOURCE_DATE_EPOCH=1795392000 REGENQUOTE_PRICES=$ROOT/pricing REGENQUOTE_TEMPLATES=$ROOT/templates
export REGENQUOTE_REGISTER=$WORK/register.db REGENQUOTE_OUT=$WORK/out
VG=(valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --child-silent-after-fork=no --num-callers=30)

runs=0 failed=0
# vg EXPECTED_STATUS ARGS… — one invocation under valgrind (BIN: the product
# unless the test build is chosen by TEST=1).
vg() {
  local want=$1; shift
  local bin=$BIN
  [ "${TEST:-0}" = 1 ] && bin=$WORK/regenquote-test
  local log=$LOGS/$((runs + 1)).log
  runs=$((runs + 1))
  "${VG[@]}" --log-file="$log.%p" "$bin" "$@" >"$WORK/stdout" 2>"$WORK/stderr" <"${VG_STDIN:-/dev/null}"
  local got=$?
  local bad=""
  [ "$got" -eq "$want" ] || bad="exit $got, expected $want"
  if grep -qE 'ERROR SUMMARY: [1-9]' "$log".* 2>/dev/null; then
    bad="${bad:+$bad; }valgrind errors"
  fi
  if [ -n "$bad" ]; then
    failed=$((failed + 1))
    echo "FAIL: regenquote $* ($bad)"
    sed 's/^/    stderr: /' "$WORK/stderr" | head -5
    cat "$log".* | grep -vE '^==[0-9]+== *$' | head -60
  else
    printf '  ok  %-70.70s\n' "regenquote $*"
  fi
}

EX=$ROOT/examples
vg 0 --help
vg 0 catalog
vg 0 validate
vg 0 price "$EX/bone-marrow-one-ankle.json"
vg 0 price "$EX/package-with-discount.json" --format json
vg 0 price "$EX/three-sessions-banked.json" --format pdf -o "$WORK/draft.pdf"
vg 0 price "$EX/cord-tissue-prp-booster.json" --format pdf --a4 -o "$WORK/draft-es.pdf"
vg 0 price --source adipose --area left-knee --area right-knee --add prp-booster \
  --patient-name 'Nguyễn Thị Hồng' --format pdf -o "$WORK/draft-vi.pdf"
vg 0 init
vg 1 init
TEST=1 vg 0 quote "$EX/bone-marrow-one-ankle.json"
TEST=1 vg 0 quote "$EX/adipose-two-knees.json"
vg 0 list
vg 0 list --format csv
vg 0 list --format json --patient P-10442
vg 0 show Q-2026-000001
vg 0 show Q-2026-000001 --format json
vg 0 reprint Q-2026-000001 -o "$WORK/reprint.pdf"
vg 0 reprint Q-2026-000001 --format html --large-print -o "$WORK/reprint.html"
vg 0 export fhir Q-2026-000001 -o "$WORK/gfe.json"
vg 0 verify "$WORK/reprint.pdf"
vg 1 verify "$WORK/draft.pdf"
vg 0 price "$EX/three-providers.json" --format html -o "$WORK/q.html"
vg 0 price "$EX/three-providers.json" --format fhir -o "$WORK/q.fhir.json"
vg 0 price "$EX/adipose-two-knees.json" --format pdf --large-print -o "$WORK/large.pdf"
TEST=1 vg 0 revise Q-2026-000001 --add prp-booster
TEST=1 vg 0 void Q-2026-000002 --reason "Patient chose another clinic"
TEST=1 vg 0 accept Q-2026-000003
# the final bill: added for the superseded quote (it goes to Q-2026-000003), checked, explained, documents
vg 0 bill add Q-2026-000001 "$EX/bills/bone-marrow-one-ankle.json"
vg 0 bill check Q-2026-000001
vg 0 bill check Q-2026-000003 --format json
vg 0 bill explain Q-2026-000003 --line 1 --text "As estimated"
vg 0 bill packet Q-2026-000003 -o "$WORK/packet.pdf"
vg 0 bill letter Q-2026-000003 --lang es -o "$WORK/letter.pdf"
vg 0 list --dispute-window
vg 1 bill add Q-2026-000003 "$ROOT/tests/corpus/wrong-types.json"
vg 1 bill check Q-2026-000002
rm -f "$WORK/out/Q-2026-000001.pdf"
vg 0 repair --verify
vg 0 backup "$WORK/backup.db"
vg 0 list --name JOSÉ --register "$WORK/backup.db"
for f in "$EX"/*.json; do tr -d '\n' <"$f"; echo; done >"$WORK/requests.jsonl"
vg 0 batch "$WORK/requests.jsonl" --format json --out-dir "$WORK/batch" -q
TEST=1 vg 0 batch "$WORK/requests.jsonl" --issue -j 2 -q
# run again: every request already issued, none issued twice
TEST=1 vg 0 batch "$WORK/requests.jsonl" --issue -j 2
# -o onto standard output (through a link: never a /dev path itself)
ln -s /dev/stdout "$WORK/to-stdout"
vg 0 price "$EX/adipose-two-knees.json" --format json -o "$WORK/to-stdout"
vg 0 prices export --csv -o "$WORK/items.csv"
vg 0 prices import "$WORK/items.csv"
# staff accounts (the password on standard input) and the audit trail
echo 'valgrind-password-1' >"$WORK/pw"
VG_STDIN=$WORK/pw vg 0 user add ana --role front-desk
VG_STDIN=$WORK/pw vg 0 user passwd ana
vg 0 user disable ana
vg 0 user list --format json
vg 0 audit list --kind issued --format csv
vg 0 audit verify
echo 'short' >"$WORK/pw"
VG_STDIN=$WORK/pw vg 1 user add bob --role manager
vg 2 user add carol --role nobody
# the patient's side: notices, poster, signed acceptance, accepted copy, delivery
CA=$ROOT/examples/clinics/california
vg 0 notice --prices "$CA"
vg 0 notice --poster --prices "$CA" -o "$WORK/poster.pdf"
vg 0 price "$CA/request-adipose-knee.json" --prices "$CA" --format pdf -o "$WORK/ca.pdf"
TEST=1 vg 0 quote "$CA/request-adipose-knee.json" --prices "$CA"
CA_N=$("$BIN" list --format csv | sed -n 2p | cut -d, -f1)
printf '\211PNG\r\n\032\n' >"$WORK/not-a-sig.png"
/usr/bin/python3 -c "import zlib,struct
raw=b''.join(b'\x00'+bytes([0,0,0,255 if abs(y-20-x//8)<2 else 0])*1 for y in range(40) for x in [0])
w,h=1,40
c=lambda t,d: struct.pack('>I',len(d))+t+d+struct.pack('>I',zlib.crc32(t+d)&0xffffffff)
open('$WORK/sig.png','wb').write(b'\x89PNG\r\n\x1a\n'+c(b'IHDR',struct.pack('>IIBBBBB',w,h,8,6,0,0,0))+c(b'IDAT',zlib.compress(raw))+c(b'IEND',b''))"
TEST=1 vg 0 accept "$CA_N" --signature "$WORK/sig.png" --signer 'Ana Lucía Rivera' --prices "$CA"
vg 0 reprint "$CA_N" --accepted -o "$WORK/accepted.pdf"
TEST=1 vg 1 accept "$CA_N" --signature "$WORK/sig.png" --signer Ana --prices "$CA"
TEST=1 vg 1 accept Q-2026-000002 --signature "$WORK/not-a-sig.png" --signer Ana
vg 1 notice --consent "$CA_N" --prices "$CA" -o "$WORK/ca-consent.pdf"
# Utah asks a consent form and signed consent
mkdir -p "$WORK/ut"
cp "$CA"/*.json "$WORK/ut/"
sed -i 's/"state": "CA"/"state": "UT"/' "$WORK/ut/clinic.json"
TEST=1 vg 0 quote "$CA/request-adipose-knee.json" --prices "$WORK/ut"
UT_N=$("$BIN" list --format csv | sed -n 2p | cut -d, -f1)
vg 0 notice --consent "$UT_N" --prices "$WORK/ut" -o "$WORK/ut-consent.pdf"
TEST=1 vg 0 accept "$UT_N" --signature "$WORK/sig.png" --signer 'Ana Lucía Rivera' --prices "$WORK/ut"
vg 2 notice --consent "$UT_N" --poster
vg 0 deliver "$CA_N" --how paper
vg 0 consent "$CA_N" --email ana@example.org
vg 0 list --undelivered
vg 0 list --late
vg 1 send "$CA_N" --to ana@example.org
# failing runs: bad data (1) and bad usage (2)
vg 1 price "$ROOT/tests/corpus/wrong-types.json"
TEST=1 vg 1 quote "$ROOT/tests/corpus/deep-nesting.json"
vg 1 price "$ROOT/tests/corpus/trailing-garbage.json" --format json
vg 1 show Q-2026-999999
TEST=1 vg 1 void Q-2026-000002 --reason "Twice"
mkdir -p "$WORK/bad"
cp "$ROOT/pricing/"*.json "$WORK/bad/"
sed -i '0,/"price": "150.00"/s//"price": "150.005"/' "$WORK/bad/catalog.json"
vg 1 validate "$WORK/bad"
vg 2 price "$EX/bone-marrow-one-ankle.json" --format xml
vg 2 frobnicate
TEST=1 vg 2 void Q-2026-000003 --reason "$(printf 'Moved\001')"
vg 2 price "$EX/adipose-two-knees.json" --patient-name "$(printf '\377')"
mkdir -p "$WORK/fifo-prices"
cp "$ROOT/pricing/catalog.json" "$WORK/fifo-prices/"
mkfifo "$WORK/fifo-prices/clinic.json"
vg 1 price "$EX/adipose-two-knees.json" --prices "$WORK/fifo-prices"
# the product refuses to issue on a date away from the clock
SOURCE_DATE_EPOCH=0 vg 2 quote "$EX/bone-marrow-one-ankle.json"

# the PostgreSQL engine, when a test server runs (make check-valgrind starts one)
if [ -n "${REGENQUOTE_TEST_PG:-}" ]; then
  psql -X -q "$PGTEST_ADMIN" -c "CREATE DATABASE valgrind" >/dev/null
  PG="postgresql:///valgrind?$REGENQUOTE_TEST_PG"
  vg 0 init --register "$PG"
  TEST=1 vg 0 quote "$EX/adipose-two-knees.json" --register "$PG" --out-dir "$WORK/out-pg" --desk vg-desk
  TEST=1 vg 0 revise Q-2026-000001 --add prp-booster --register "$PG" --out-dir "$WORK/out-pg"
  vg 0 list --register "$PG" --format json --location westlake
  vg 0 show Q-2026-000001 --register "$PG"
  vg 0 reprint Q-2026-000002 -o "$WORK/reprint-pg.pdf" --register "$PG"
  # what the register keeps besides quotes, on PostgreSQL too: a final bill,
  # staff accounts, the audit trail, the patient's side
  TEST=1 vg 0 quote "$EX/three-providers.json" --register "$PG" --out-dir "$WORK/out-pg"
  vg 0 bill add Q-2026-000003 "$EX/bills/three-providers.json" --register "$PG"
  vg 0 bill check Q-2026-000003 --format json --register "$PG"
  vg 0 bill explain Q-2026-000003 --line 1 --text "As estimated" --register "$PG"
  vg 0 list --dispute-window --register "$PG"
  echo 'valgrind-password-1' >"$WORK/pw"
  VG_STDIN=$WORK/pw vg 0 user add ana --role front-desk --register "$PG"
  vg 0 user list --format json --register "$PG"
  vg 0 audit list --kind issued --format csv --register "$PG"
  vg 0 audit verify --register "$PG"
  TEST=1 vg 0 quote "$CA/request-adipose-knee.json" --prices "$CA" --register "$PG" --out-dir "$WORK/out-pg"
  TEST=1 vg 0 accept Q-2026-000004 --signature "$WORK/sig.png" --signer 'Ana Lucía Rivera' --prices "$CA" \
    --register "$PG"
  vg 0 reprint Q-2026-000004 --accepted -o "$WORK/accepted-pg.pdf" --register "$PG"
  TEST=1 vg 1 accept Q-2026-000004 --signature "$WORK/sig.png" --signer Ana --prices "$CA" --register "$PG"
  vg 0 deliver Q-2026-000004 --how paper --register "$PG"
  vg 0 consent Q-2026-000004 --email ana@example.org --register "$PG"
  vg 0 list --undelivered --register "$PG"
  vg 0 list --late --register "$PG"
  vg 1 send Q-2026-000001 --to ana@example.org --register "$PG"
  vg 0 repair --verify --register "$PG" --out-dir "$WORK/out-pg"
  vg 1 backup "$WORK/backup-pg.db" --register "$PG"
  vg 0 register copy --from "$REGENQUOTE_REGISTER" --to "$WORK/copied.db"
  vg 0 register copy --from "$WORK/copied.db" --to "postgresql:///postgres?$REGENQUOTE_TEST_PG" -q
  vg 1 list --register "postgresql://rq:pw@/nowhere?host=/tmp/rq-no-server&connect_timeout=1"
fi

echo "valgrind: $runs runs, $failed failed"
echo "$((runs - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
