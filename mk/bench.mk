# Benchmark (bench/run.sh; README "Performance").  Installs WeasyPrint and
# wkhtmltopdf from Debian to race against, when missing.
BENCH_PKGS := weasyprint wkhtmltopdf time python3 poppler-utils

.PHONY: bench bench-smoke bench-html

bench: regenquote
	@./scripts/setup-deps.sh $(BENCH_PKGS)
	./bench/run.sh

# A short run of the regenquote part only, for CI.
bench-smoke: regenquote
	@./scripts/setup-deps.sh time python3 poppler-utils
	BENCH_QUICK=1 ./bench/run.sh

# Regenerate the committed HTML equivalent of the benchmark quote.
bench-html: regenquote
	SOURCE_DATE_EPOCH=1795392000 ./regenquote price bench/request.json --format json \
	  | python3 bench/make-html.py templates/en/quote.txt > bench/quote.html
