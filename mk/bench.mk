# Benchmark (bench/run.sh; README "Performance").  Installs WeasyPrint and
# wkhtmltopdf from Debian to race against, when missing.
BENCH_PKGS := weasyprint wkhtmltopdf time python3 poppler-utils

.PHONY: bench bench-smoke bench-html bench-register

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

# The register: issuing rate and latency with 1, 4 and 8 concurrent issuers on
# SQLite and on PostgreSQL (a private server), and the size per 1,000 quotes
# (bench/register.sh; README "Performance").  BENCH_REGISTER_SECONDS=10.
build/register-bench: build/obj/bench/register_bench.o $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS_CLI)
build/obj/bench/register_bench.o: bench/register_bench.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(INC_core) $(CFLAGS) -c -o $@ $<

bench-register: deps
	@$(MAKE) --no-print-directory build/register-bench
	./scripts/pg-test.sh run bench -- ./bench/register.sh
