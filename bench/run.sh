#!/usr/bin/env bash
# regenquote benchmark (make bench): one quote against the HTML-to-PDF tools a
# clinic would otherwise use, then batch throughput and peak memory.
#   BENCH_ROUNDS   alternating rounds of the single-quote race (default 11)
#   BENCH_SIZES    batch sizes (default "1000 10000")
#   BENCH_QUICK=1  a short smoke run: 3 rounds, 200 quotes, no HTML tools
set -euo pipefail
cd "$(dirname "$0")/.."
export SOURCE_DATE_EPOCH=1795392000      # reproducible quotes
ROUNDS=${BENCH_ROUNDS:-11}
SIZES=${BENCH_SIZES:-"1000 10000"}
QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then ROUNDS=3; SIZES=200; fi
JOBS=$(nproc)
W=$(mktemp -d /tmp/rqbench.XXXXXX)
trap 'rm -rf "$W"' EXIT
RQ=./regenquote

# Times are microseconds from bash's EPOCHREALTIME: forking `date` around
# each run would add more than a regenquote run takes.
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

# The same quote three ways: regenquote's PDF, and WeasyPrint / wkhtmltopdf
# from the equivalent HTML (bench/make-html.py writes it from the same quote),
# for a name Helvetica prints (bench/request.json) and one that needs the
# embedded font (examples/adipose-two-knees.json: Zoë O'Brien-Łukasik).
# Then the issued quote: `regenquote quote` (number, register, PDF copy) makes
# a PDF that carries the quote and its FHIR packet as attachments; WeasyPrint
# is given the same two files (`-a`), taken out of an issued PDF with
# pdfdetach, and wkhtmltopdf, which cannot attach files, sits this one out.
tools=(regenquote)
if [ "$QUICK" != 1 ]; then
  command -v weasyprint >/dev/null && tools+=(weasyprint)
  command -v wkhtmltopdf >/dev/null && tools+=(wkhtmltopdf)
fi
race() {  # request file, title[, issued]
  local req=$1 issued=${3:-} wp_att=() tools_now=("${tools[@]}")
  $RQ price "$req" --format json | python3 bench/make-html.py templates/en/quote.txt > "$W/quote.html"
  if [ -n "$issued" ]; then
    # quotes are issued on the clock's date (SOURCE_DATE_EPOCH is refused)
    rm -rf "$W/iss" && mkdir -p "$W/iss/out" "$W/iss/att"
    $RQ init --register "$W/iss/register.db" >/dev/null
    env -u SOURCE_DATE_EPOCH $RQ quote "$req" --register "$W/iss/register.db" --out-dir "$W/iss/out" >/dev/null
    pdfdetach -saveall -o "$W/iss/att" "$W"/iss/out/*.pdf
    wp_att=(-a "$W/iss/att/quote.json" -a "$W/iss/att/gfe-packet.fhir.json")
    tools_now=()
    for t in "${tools[@]}"; do [ "$t" = wkhtmltopdf ] || tools_now+=("$t"); done
  fi
  if [ "$req" = bench/request.json ]; then
    cmp -s "$W/quote.html" bench/quote.html || echo "note: bench/quote.html differs from a fresh one (run 'make bench-html')"
  fi
  run_tool() {
    case $1 in
      regenquote)  if [ -n "$issued" ]; then
                     env -u SOURCE_DATE_EPOCH $RQ quote "$req" --register "$W/iss/register.db" \
                       --out-dir "$W/iss/out" >/dev/null
                   else
                     $RQ price "$req" --format pdf -o "$W/rq.pdf" >/dev/null
                   fi ;;
      weasyprint)  weasyprint -q "${wp_att[@]}" "$W/quote.html" "$W/wp.pdf" 2>/dev/null ;;
      wkhtmltopdf) QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$W" wkhtmltopdf -q --page-size Letter \
                     "$W/quote.html" "$W/wk.pdf" >/dev/null 2>&1 ;;
    esac
  }
  declare -A times
  for t in "${tools_now[@]}"; do run_tool "$t"; times[$t]=""; done # warm caches
  for ((i = 0; i < ROUNDS; i++)); do
    for t in "${tools_now[@]}"; do                                  # alternating runs
      s=${EPOCHREALTIME/[.,]/}; run_tool "$t"; e=${EPOCHREALTIME/[.,]/}
      times[$t]+="$(( 10#$e - 10#$s )) "
    done
  done
  echo "One quote ($2), one process each, median of $ROUNDS alternating runs ($(nproc) cores;"
  echo "the ratio is the median of the $ROUNDS rounds' ratios):"
  printf '  %-12s %12s %10s %8s %14s\n' tool "median ms" "PDF KB" pages "regenquote is"
  rq_us=$(echo ${times[regenquote]} | tr ' ' '\n' | median)
  for t in "${tools_now[@]}"; do
    us=$(echo ${times[$t]} | tr ' ' '\n' | median)
    case $t in regenquote) f=$W/rq.pdf ;; weasyprint) f=$W/wp.pdf ;; *) f=$W/wk.pdf ;; esac
    [ "$t" = regenquote ] && [ -n "$issued" ] && f=$(ls "$W"/iss/out/*.pdf | tail -n 1)
    kb=$(awk -v b="$(stat -c %s "$f")" 'BEGIN {printf "%.1f", b / 1024}')
    pages=$(pdfinfo "$f" 2>/dev/null | awk '/^Pages:/ {print $2}')
    # the ratio is taken round by round (each tool's run against regenquote's
    # run of the same round), then its median: pairing keeps it meaningful
    # when the machine's speed drifts during the race
    ratio=$(awk -v a="${times[$t]}" -v b="${times[regenquote]}" 'BEGIN {
      n = split(a, x, " "); split(b, y, " ")
      for (i = 1; i <= n; i++) r[i] = x[i] / y[i]
      for (i = 2; i <= n; i++) for (j = i; j > 1 && r[j - 1] > r[j]; j--) { t = r[j]; r[j] = r[j - 1]; r[j - 1] = t }
      m = n % 2 ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2
      printf "%.0fx faster", m }')
    [ "$t" = regenquote ] && ratio="-"
    printf '  %-12s %12.1f %10s %8s %14s\n' "$t" "$(awk -v u="$us" 'BEGIN {print u / 1000}')" "$kb" "$pages" "$ratio"
  done
  echo
}
race bench/request.json "a name in the standard fonts"
race examples/adipose-two-knees.json "a name that needs the embedded font"
race examples/adipose-two-knees.json "issued: the embedded font, the quote and its FHIR packet attached" issued

# Batch: the same plan for many patients (ids differ), in one run.
echo "Batch (quotes per second; peak memory of the whole run):"
printf '  %-34s %8s %10s %12s %10s\n' run quotes seconds "per second" "peak MB"
python3 - "$W" $SIZES <<'PY'
import json, sys
w, sizes = sys.argv[1], [int(s) for s in sys.argv[2:]]
req = json.load(open("bench/request.json"))
for n in sizes:
    with open(f"{w}/req-{n}.jsonl", "w") as f:
        for i in range(n):
            req["patient"]["id"] = f"P-{100000 + i}"
            f.write(json.dumps(req, ensure_ascii=False) + "\n")
PY
batch() {  # label, n, extra args…
  local label=$1 n=$2; shift 2
  rm -rf "$W/out" && mkdir "$W/out"
  case " $* " in *" --issue "*) $RQ init --register "$W/out/register.db" >/dev/null ;; esac
  # quotes are issued on the clock's date (SOURCE_DATE_EPOCH is refused)
  local env=()
  [ "$label" = "${label#issue}" ] || env=(env -u SOURCE_DATE_EPOCH)
  /usr/bin/time -f "%e %M" -o "$W/time" "${env[@]}" $RQ batch "$W/req-$n.jsonl" -q --out-dir "$W/out" "$@" 2>/dev/null
  read -r secs kb < "$W/time"
  printf '  %-34s %8d %10.2f %12.0f %10.1f\n' "$label" "$n" "$secs" "$(awk -v n="$n" -v s="$secs" 'BEGIN {print n / s}')" \
    "$(awk -v k="$kb" 'BEGIN {print k / 1024}')"
}
for n in $SIZES; do
  batch "price + PDF, 1 core" "$n" --jobs 1
  batch "price + PDF, $JOBS cores" "$n" --jobs "$JOBS"
  batch "price + uncompressed PDF, 1 core" "$n" --jobs 1 --uncompressed
  batch "issue into the register, 1 core" "$n" --issue --jobs 1 --register "$W/out/register.db"
done
