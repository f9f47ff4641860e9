# Fuzzing with libFuzzer (docs/fuzzing.md).
#
#   make fuzz FUZZ_SECONDS=60            every harness, one after another, 60 s each
#   make fuzz FUZZ_TARGETS=quote         only some harnesses
#   make fuzz-build                      build the harnesses only
#
# Harnesses live in fuzz/ (fuzz_<name>.c, entry fuzz_<name>_one); they link
# the library modules they reach, built by clang with
# -fsanitize=fuzzer-no-link,address,undefined.  Each run starts from
# build/fuzz/corpus/<name>, seeded from examples/, pricing/, fuzz/seeds/, the
# built font and the kept reproducers in tests/corpus/fuzz/<name>/; a crash, leak or timeout stops
# the run with libFuzzer's report and leaves the input in
# build/fuzz/artifacts/<name>/ (copy it to tests/corpus/fuzz/<name>/ once
# fixed: tests/test_fuzz_regress.c replays that folder in `make test`).
#
# clang and libclang-rt-14-dev (the fuzzer runtime) are installed by the
# target itself (FUZZ_PKGS, through scripts/setup-deps.sh), not by the main
# setup.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= request price_table catalog_csv quote fontcov bill
FUZZ_PKGS    := clang libclang-rt-14-dev
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS  := -MMD -MP -O1 -g -fno-omit-frame-pointer -std=c11 $(WARN) $(FUZZ_SAN) \
                -DRQ_FUZZ_ROOT='"$(CURDIR)"'
# libFuzzer options: 10 s per input is a hang, 2 GB is a memory blow-up;
# inputs up to 64 KiB (the documented 4 MiB limit is tested in test_hostile).
FUZZ_RUNFLAGS ?= -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1

# The whole core, instrumented (the harnesses reach most of it, and a module
# split in two must not break the fuzz build).
FUZZ_LIBOBJ  := $(CORESRC:src/core/%.c=build/fuzz/obj/%.o) build/fuzz/obj/template_files.o

.PHONY: fuzz fuzz-build fuzz-deps

fuzz-deps:
	@./scripts/setup-deps.sh $(FUZZ_PKGS)

build/fuzz/obj/%.o: src/core/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(INC_core) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
build/fuzz/obj/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(INC_core) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_common.h $(FUZZ_LIBOBJ)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(INC_core) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
	  $(filter %.o,$^) $(LDLIBS)

# The CSV importer is new: when it does not build yet, its harness is
# skipped with a message instead of failing the others.
fuzz-build: fuzz-deps
	@mkdir -p build/fuzz; ok=""; for t in $(FUZZ_TARGETS); do \
	  if $(MAKE) --no-print-directory build/fuzz/fuzz_$$t; then ok="$$ok $$t"; \
	  elif [ $$t = catalog_csv ]; then echo "fuzz: catalog_csv harness does not build yet; skipped" >&2; \
	  else exit 1; fi; \
	done; echo "$$ok" > build/fuzz/built

# Seeds: request-shaped harnesses get the examples, the price-table harness
# the shipped tables (first byte 0 = catalog, 1 = clinic), the CSV harness
# fuzz/seeds/catalog_csv (an export of the shipped catalog and variants),
# the font harness the built font (whole: up to 256 KiB); every one gets its
# kept reproducers.
fuzz: fuzz-build
	@set -e; for t in $$(cat build/fuzz/built); do \
	  c=build/fuzz/corpus/$$t; a=build/fuzz/artifacts/$$t; mkdir -p $$c $$a; \
	  case $$t in \
	    request|quote) cp examples/*.json $$c/ ;; \
	    price_table) { printf '\000'; cat pricing/catalog.json; } > $$c/seed-catalog; \
	                 { printf '\001'; cat pricing/clinic.json; } > $$c/seed-clinic ;; \
	    catalog_csv) cp fuzz/seeds/catalog_csv/* $$c/ ;; \
	    bill) cp examples/bills/* $$c/ ;; \
	    fontcov) $(MAKE) --no-print-directory fonts >/dev/null && cp $(PDF_FONT) $$c/seed.ttf ;; \
	  esac; \
	  if [ -d tests/corpus/fuzz/$$t ]; then cp tests/corpus/fuzz/$$t/* $$c/ 2>/dev/null || true; fi; \
	  dict=""; case $$t in request|quote|price_table) dict="-dict=fuzz/json.dict";; \
	    fontcov) dict="-max_len=262144";; esac; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  ./build/fuzz/fuzz_$$t $(FUZZ_RUNFLAGS) $$dict \
	    -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$$a/ $$c \
	    > build/fuzz/$$t.log 2>&1 || { tail -60 build/fuzz/$$t.log; echo "fuzz: $$t FAILED (log: build/fuzz/$$t.log)"; exit 1; }; \
	  grep -E '^stat::number_of_executed_units|^Done [0-9]+ runs' build/fuzz/$$t.log | tail -2; \
	done; echo "fuzz: no crash, leak or hang in $$(cat build/fuzz/built)"

clean: clean-fuzz
clean-fuzz:
	rm -rf build/fuzz

-include $(wildcard build/fuzz/obj/*.d build/fuzz/*.d)
