#!/usr/bin/env bash
# Behaviour kept: every example priced as text, JSON and PDF, in English and
# Spanish, A4 and Letter, plus the catalog and the price-list sheet, with a fixed
# SOURCE_DATE_EPOCH; their SHA-256 sums are compared with tests/same/outputs.sha256.
#   scripts/same-output.sh           compare (exit 1 and the differing names)
#   scripts/same-output.sh --update  record the current outputs as the reference
# A change that is meant to alter an output updates the reference in the same commit.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${REGENQUOTE_BIN:-./regenquote}
# quotes are issued on the fixed date below, which only the test build does
# (the product dates them by the clock)
tbin=${REGENQUOTE_TEST_BIN:-./build/regenquote-test}
ref=tests/same/outputs.sha256
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1796083200   # 2026-12-01
export REGENQUOTE_PRICES=pricing REGENQUOTE_TEMPLATES=templates
umask 077
for f in examples/*.json; do
  n=$(basename "$f" .json)
  for lang in en es; do
    "$bin" price "$f" --lang "$lang" -o "$work/$n.$lang.txt"
    "$bin" price "$f" --lang "$lang" --format json -o "$work/$n.$lang.json"
    "$bin" price "$f" --lang "$lang" --format pdf -o "$work/$n.$lang.pdf" >/dev/null
  done
  "$bin" price "$f" --format pdf --a4 -o "$work/$n.a4.pdf" >/dev/null
done
"$bin" catalog > "$work/catalog.txt"
"$bin" prices export --csv -o "$work/items.csv"
"$bin" prices show --on 2026-12-01 > "$work/prices-show.txt"
for lang in en es; do
  "$bin" prices sheet --lang "$lang" -o "$work/prices.$lang.pdf" >/dev/null
done
# Issued: the numbered PDFs and the register's views of them.
reg="$work/reg"; mkdir -p "$reg"
"$bin" init --register "$reg/register.db" >/dev/null
for f in examples/*.json; do
  "$tbin" quote "$f" --register "$reg/register.db" --out-dir "$reg" >/dev/null
done
"$tbin" revise Q-2026-000001 --add prp-booster --register "$reg/register.db" --out-dir "$reg" >/dev/null
"$tbin" void Q-2026-000003 --reason "Patient chose another clinic" --register "$reg/register.db" >/dev/null
for q in "$reg"/Q-*.pdf; do cp "$q" "$work/issued.$(basename "$q")"; done
"$bin" list --register "$reg/register.db" > "$work/list.txt"
"$bin" show Q-2026-000001 --register "$reg/register.db" | grep -v '^ *20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T' > "$work/show.txt" || true
rm -rf "$reg"
(cd "$work" && sha256sum -- * | LC_ALL=C sort -k2) > "$work/.sums"
if [ "${1:-}" = --update ]; then
  cp "$work/.sums" "$ref"
  echo "same-output: recorded $(wc -l < "$ref") outputs in $ref"
  exit 0
fi
if diff -u "$ref" "$work/.sums" > "$work/.diff"; then
  echo "same-output: all $(wc -l < "$ref") outputs are byte-identical to the reference"
else
  echo "same-output: these outputs differ from $ref:" >&2
  grep '^[-+][0-9a-f]' "$work/.diff" | awk '{print "  " $2}' | sort -u >&2
  exit 1
fi
