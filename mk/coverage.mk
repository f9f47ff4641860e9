# Line coverage of src/ by the whole suite (unit tests and the end-to-end
# CLI tests, which run an instrumented test build of the command line,
# RQ_TEST_BUILD as build/regenquote-test; the product's own refusals are
# run on ./regenquote, uninstrumented):
#   make coverage          summary per file and in total; HTML in build/cov/html/
# gcovr is installed by the target itself (COV_PKGS, through setup-deps.sh).
COV_PKGS   := gcovr
COV_FLAGS  := -O0 -g --coverage

.PHONY: coverage

$(eval $(call variant_rules,cov,$$(filter-out -O2,$$(CFLAGS)) $$(COV_FLAGS) $$(TEST_DEFS)))

build/cov/gcov_exit.o:
	@mkdir -p $(dir $@)
	printf '%s\n' 'void __gcov_dump(void); void __real__exit(int) __attribute__((noreturn));' \
	  'void __wrap__exit(int st) __attribute__((noreturn));' \
	  'void __wrap__exit(int st) { __gcov_dump(); __real__exit(st); }' > build/cov/gcov_exit.c
	$(CC) -O0 -c -o $@ build/cov/gcov_exit.c

build/cov/regenquote: $(call cli_o,cov) build/cov/libregenquote.a build/cov/gcov_exit.o
	$(CC) $(COV_FLAGS) -Wl,--wrap=_exit -o $@ $(filter %.o,$^) build/cov/libregenquote.a $(LDLIBS)

build/cov/test-suite: $(call tests_o,cov) $(call front_o,cov) build/cov/libregenquote.a
	$(CC) $(COV_FLAGS) -o $@ $(filter %.o,$^) build/cov/libregenquote.a $(LDLIBS) -lpq -lcriterion

build/cov/cli/cli.o build/cov/core/settings.o: build/datadir
build/cov/tests/test_pdf.o: | $(PDF_FONT)

coverage: deps
	@./scripts/setup-deps.sh $(COV_PKGS)
	@$(MAKE) --no-print-directory regenquote build/cov/regenquote build/cov/test-suite
	@find build/cov -name '*.gcda' -delete
	-GCOV_ERROR_FILE=/dev/null REGENQUOTE_BIN=$(CURDIR)/build/cov/regenquote REGENQUOTE_PRODUCT_BIN=$(CURDIR)/regenquote \
	  ./build/cov/test-suite $(CRITERION_FLAGS)
	@mkdir -p build/cov/html
	gcovr --root . --object-directory build/cov --filter 'src/' --gcov-ignore-parse-errors \
	  --html-details build/cov/html/index.html --print-summary --txt build/cov/coverage.txt
	@cat build/cov/coverage.txt

-include $(wildcard build/cov/*/*.d)
