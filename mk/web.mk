# The front desk (`regenquote serve`, issue #8): the page in a real browser,
# and a load test.  See docs/api.md.
#
#   make test-browser          Playwright (playwright-core from npm) driving Debian's
#                              chromium against a server on 127.0.0.1
#   make screenshots           docs/front-desk-{en,es}.png from the running front desk,
#                              after signing in (tests/browser/screenshots.js)
#   make load-test             50 clients issuing quotes for 60 s, then every quote
#                              accounted for (LOAD_SECONDS, LOAD_CLIENTS change it)
#   make load-test-short       the same for 10 s (for CI)
#   make load-test-pg          LOAD_SERVERS (3) servers, one per simulated location, with
#                              their own ports and desks, issuing into one PostgreSQL
#                              register (a private server, scripts/pg-test.sh) for
#                              LOAD_SECONDS; numbers unique and gap-free across them
#   make load-test-pg-short    the same for 10 s (for CI)

BROWSER_DIR  := tests/browser
LOAD_SECONDS ?= 60
LOAD_CLIENTS ?= 50
LOAD_SERVERS ?= 3
# The binary under test (another build, e.g. ASan, can be given).
SERVE_BIN    ?= $(CURDIR)/regenquote

.PHONY: web-deps test-browser screenshots load-test load-test-short load-test-pg load-test-pg-short


# Node and npm: Debian's packages when missing (a Node that is already
# installed, e.g. one that bundles npm, is used as it is); chromium from
# Debian, never a downloaded browser; pdftotext to read the PDFs.
web-deps:
	@command -v node >/dev/null 2>&1 || ./scripts/setup-deps.sh nodejs
	@command -v npm >/dev/null 2>&1 || ./scripts/setup-deps.sh npm
	@[ -x /usr/bin/chromium ] || ./scripts/setup-deps.sh chromium
	@command -v pdftotext >/dev/null 2>&1 || ./scripts/setup-deps.sh poppler-utils
	@$(MAKE) --no-print-directory $(BROWSER_DIR)/node_modules/.installed

# The npm packages, exactly as locked (reinstalled when the lock changes).
$(BROWSER_DIR)/node_modules/.installed: $(BROWSER_DIR)/package.json $(BROWSER_DIR)/package-lock.json
	cd $(BROWSER_DIR) && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	@touch $@

test-browser: web-deps
	@$(MAKE) --no-print-directory regenquote regenquote-serve
	REGENQUOTE_BIN=$(SERVE_BIN) node $(BROWSER_DIR)/front-desk.test.js
	REGENQUOTE_BIN=$(SERVE_BIN) node $(BROWSER_DIR)/sign.test.js
	REGENQUOTE_BIN=$(SERVE_BIN) node $(BROWSER_DIR)/html-estimate.test.js

screenshots: web-deps
	@$(MAKE) --no-print-directory regenquote regenquote-serve
	REGENQUOTE_BIN=$(SERVE_BIN) node $(BROWSER_DIR)/screenshots.js

load-test:
	@command -v node >/dev/null 2>&1 || ./scripts/setup-deps.sh nodejs
	@$(MAKE) --no-print-directory regenquote regenquote-serve
	REGENQUOTE_BIN=$(SERVE_BIN) node scripts/load-test.js --clients $(LOAD_CLIENTS) --seconds $(LOAD_SECONDS)

load-test-short:
	@$(MAKE) --no-print-directory load-test LOAD_SECONDS=10

load-test-pg: deps
	@command -v node >/dev/null 2>&1 || ./scripts/setup-deps.sh nodejs
	@$(MAKE) --no-print-directory regenquote regenquote-serve
	./scripts/pg-test.sh run load -- sh -c 'psql -X -q "$$PGTEST_ADMIN" -c "CREATE DATABASE load_test" && \
	  LOAD_REGISTER="postgresql:///load_test?$$REGENQUOTE_TEST_PG" REGENQUOTE_BIN=$(SERVE_BIN) \
	  node scripts/load-test.js --servers $(LOAD_SERVERS) --clients $(LOAD_CLIENTS) --seconds $(LOAD_SECONDS)'

load-test-pg-short:
	@$(MAKE) --no-print-directory load-test-pg LOAD_SECONDS=10
