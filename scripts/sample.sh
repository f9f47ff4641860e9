#!/usr/bin/env bash
# Produce sample quotes in out/ from the shipped examples (run by `make sample`).
set -euo pipefail
cd "$(dirname "$0")/.."
umask 077
mkdir -p out
./regenquote price examples/bone-marrow-one-ankle.json -o out/sample-quote.txt
./regenquote price examples/bone-marrow-one-ankle.json --format json -o out/sample-quote.json
if ./regenquote price --help | grep -q -- '--format text|json|pdf'; then
  ./regenquote price examples/bone-marrow-one-ankle.json --format pdf -o out/sample-quote.pdf
  ./regenquote price examples/cord-tissue-prp-booster.json --format pdf -o out/sample-quote-es.pdf
fi
echo "Sample quotes written:"
ls -l out/sample-quote* | sed 's/^/  /'
echo
sed -n '1,12p' out/sample-quote.txt
echo "  …"
grep 'TOTAL YOU PAY' out/sample-quote.txt
