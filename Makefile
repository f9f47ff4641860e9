# regenquote — build, test, install.  See README.md.
PREFIX   ?= /usr/local
DATADIR  ?= $(PREFIX)/share/regenquote
LIBEXECDIR ?= $(PREFIX)/lib/regenquote
CC       ?= gcc
AR       ?= ar
# libpq-fe.h (libpq-dev) is in /usr/include/postgresql on Debian.
CPPFLAGS += -I/usr/include/postgresql -D_POSIX_C_SOURCE=200809L -DRQ_DATADIR='"$(DATADIR)"' -DRQ_LIBEXECDIR='"$(LIBEXECDIR)"'
WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
            -Wmissing-prototypes -Wundef -Wvla -Wpointer-arith
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 $(WARN) -MMD -MP
LDLIBS   += -lcjson -lhpdf -lqrencode -lz -lsqlite3 -lsodium -lmicrohttpd -lpthread -lpng -lm
# The command line does without the HTTP server: libmicrohttpd brings GnuTLS
# and p11-kit, whose loading would cost every command several milliseconds.
LDLIBS_CLI := $(filter-out -lmicrohttpd -lpthread,$(LDLIBS))

# The rooms (docs/architecture.md).  src/core is the library, libregenquote.a;
# src/cli (regenquote) and src/server (regenquote-serve) are front ends over it.
# Each room sees only its own headers and the core's: a core file that
# included a front end's header would not compile, so the layering is the
# build's, not a habit.
INC_core   := -Isrc/core
INC_cli    := -Isrc/core -Isrc/cli
INC_server := -Isrc/core -Isrc/server
INC_tests  := -Isrc/core -Isrc/cli -Isrc/server
CORESRC    := $(wildcard src/core/*.c)
CLISRC     := $(wildcard src/cli/*.c)
SERVERSRC  := $(wildcard src/server/*.c)
TESTSRC    := $(wildcard tests/*.c)

# The engine's words (templates/<lang>/engine.txt) are compiled into the
# library, so that pricing needs no templates folder: build/gen/template_files.c
# holds them (template_load_builtin() in src/core/template.c reads them).
BUILTIN_TEMPLATES := $(sort $(wildcard templates/*/engine.txt))
build/gen/template_files.c: $(BUILTIN_TEMPLATES) scripts/embed-templates.sh
	@mkdir -p $(dir $@)
	./scripts/embed-templates.sh $(BUILTIN_TEMPLATES) > $@.tmp && mv $@.tmp $@

# Objects of a build variant V (obj: the product, asan: sanitizers, cov:
# coverage): $(call core_o,V) and so on.
core_o   = $(CORESRC:src/%.c=build/$(1)/%.o) build/$(1)/core/template_files.o
cli_o    = $(CLISRC:src/%.c=build/$(1)/%.o)
server_o = $(SERVERSRC:src/%.c=build/$(1)/%.o)
tests_o  = $(TESTSRC:%.c=build/$(1)/%.o)
# What the test suite links besides the library: the front ends without main().
front_o  = $(filter-out %/main.o %/serve_main.o,$(call cli_o,$(1)) $(call server_o,$(1)))

# Compile rules for variant $(1) with flags $(2).
define variant_rules
build/$(1)/core/%.o: src/core/%.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) $$(INC_core) $(2) -c -o $$@ $$<
build/$(1)/core/%.o: build/gen/%.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) $$(INC_core) $(2) -c -o $$@ $$<
build/$(1)/cli/%.o: src/cli/%.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) $$(INC_cli) $(2) -c -o $$@ $$<
build/$(1)/server/%.o: src/server/%.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) $$(INC_server) $(2) -c -o $$@ $$<
build/$(1)/tests/%.o: tests/%.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) $$(INC_tests) $(2) -c -o $$@ $$<
build/$(1)/libregenquote.a: $$(call core_o,$(1))
	@rm -f $$@
	$$(AR) rcs $$@ $$^
endef

ASAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
$(eval $(call variant_rules,obj,$$(CFLAGS)))
$(eval $(call variant_rules,asan,$$(filter-out -O2,$$(CFLAGS)) $$(ASAN_FLAGS)))

# The test build of the command line (build/regenquote-test, and
# build/asan/regenquote-test under the sanitizers): the core compiled with
# RQ_TEST_BUILD, which adds what only tests may have: the fault points
# (REGENQUOTE_FAULT, for the kill tests) and issuing on the date
# SOURCE_DATE_EPOCH fixes, whatever the clock says (settings.h).  The
# product has neither.  The test suite runs it; the product's own refusals
# are tested on ./regenquote (REGENQUOTE_PRODUCT_BIN).
TEST_DEFS := -DRQ_TEST_BUILD
$(eval $(call variant_rules,test,$$(CFLAGS) $$(TEST_DEFS)))
$(eval $(call variant_rules,asan-test,$$(filter-out -O2,$$(CFLAGS)) $$(ASAN_FLAGS) $$(TEST_DEFS)))

LIB      := build/obj/libregenquote.a
ALIB     := build/asan/libregenquote.a
CRITERION_FLAGS ?= --jobs 2

.PHONY: all lib test check-asan check-clang check-same clean install sample deps FORCE

all: regenquote regenquote-serve
lib: $(LIB)

regenquote: $(call cli_o,obj) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIB) $(LDLIBS_CLI)

regenquote-serve: $(call server_o,obj) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIB) $(LDLIBS)

build/regenquote-test: $(call cli_o,obj) build/test/libregenquote.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) build/test/libregenquote.a $(LDLIBS_CLI)

build/test-suite: $(call tests_o,obj) $(call front_o,obj) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIB) $(LDLIBS) -lpq -lcriterion

# Sanitizer build: the same sources and tests, AddressSanitizer + UBSan.
build/asan/regenquote: $(call cli_o,asan) $(ALIB)
	$(CC) $(ASAN_FLAGS) -o $@ $(filter %.o,$^) $(ALIB) $(LDLIBS_CLI)

build/asan/regenquote-serve: $(call server_o,asan) $(ALIB)
	$(CC) $(ASAN_FLAGS) -o $@ $(filter %.o,$^) $(ALIB) $(LDLIBS)

build/asan/test-suite: $(call tests_o,asan) $(call front_o,asan) $(ALIB)
	$(CC) $(ASAN_FLAGS) -o $@ $(filter %.o,$^) $(ALIB) $(LDLIBS) -lpq -lcriterion

build/asan/regenquote-test: $(call cli_o,asan) build/asan-test/libregenquote.a
	$(CC) $(ASAN_FLAGS) -o $@ $(filter %.o,$^) build/asan-test/libregenquote.a $(LDLIBS_CLI)

# Installs missing Debian packages (no-op when all are present).
deps:
	@./scripts/setup-deps.sh

test: deps
	@$(MAKE) --no-print-directory regenquote regenquote-serve build/regenquote-test build/test-suite
	REGENQUOTE_BIN=$(CURDIR)/build/regenquote-test REGENQUOTE_PRODUCT_BIN=$(CURDIR)/regenquote \
	  ./scripts/pg-test.sh run test -- ./build/test-suite $(CRITERION_FLAGS)
	@$(MAKE) --no-print-directory test-browser
	@$(MAKE) --no-print-directory test-fhir

check-asan: deps
	@$(MAKE) --no-print-directory build/asan/regenquote build/asan/regenquote-serve build/asan/test-suite \
	  build/asan/regenquote-test
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  REGENQUOTE_BIN=$(CURDIR)/build/asan/regenquote-test REGENQUOTE_PRODUCT_BIN=$(CURDIR)/build/asan/regenquote \
	  ./scripts/pg-test.sh run asan -- ./build/asan/test-suite $(CRITERION_FLAGS)

# The same sources must compile cleanly under clang too.
check-clang:
	@for room in core cli server tests; do \
	  case $$room in core) inc="$(INC_core)";; cli) inc="$(INC_cli)";; server) inc="$(INC_server)";; \
	    tests) inc="$(INC_tests)";; esac; \
	  for f in $$( [ $$room = tests ] && echo tests/*.c || echo src/$$room/*.c ); do \
	    clang $(CPPFLAGS) $$inc -std=c11 $(WARN) -fsyntax-only $$f || exit 1; \
	  done; \
	done; echo "clang: all sources compile without warnings"

# Behaviour kept: every example's text, JSON and PDF (both languages), the
# catalog, the price list and issued quotes, byte for byte against
# tests/same/outputs.sha256 (scripts/same-output.sh --update records them anew).
# Quotes are issued on a fixed date, which only the test build does.
check-same: regenquote build/regenquote-test
	./scripts/same-output.sh

# A real sample quote in out/ from the shipped example.
sample: deps
	@$(MAKE) --no-print-directory regenquote
	./scripts/sample.sh

install: regenquote regenquote-serve
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(DATADIR)/pricing $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(LIBEXECDIR)
	install -m 0755 regenquote $(DESTDIR)$(PREFIX)/bin/regenquote
	install -m 0755 regenquote-serve $(DESTDIR)$(LIBEXECDIR)/regenquote-serve
	install -m 0644 pricing/*.json $(DESTDIR)$(DATADIR)/pricing/
	install -d $(DESTDIR)$(DATADIR)/sql
	install -m 0644 sql/grant-app.sql $(DESTDIR)$(DATADIR)/sql/grant-app.sql
	if [ -d templates ] && [ -n "$$(ls templates)" ]; then cp -R templates $(DESTDIR)$(DATADIR)/; fi
	# the engine's words are built into the program (BUILTIN_TEMPLATES): an
	# installed copy would be read by nothing, so none is installed
	rm -f $(DESTDIR)$(DATADIR)/templates/*/engine.txt
	if [ -d web ]; then cp -R web $(DESTDIR)$(DATADIR)/; fi
	install -m 0644 docs/regenquote.1 $(DESTDIR)$(PREFIX)/share/man/man1/regenquote.1

clean:
	rm -rf build regenquote regenquote-serve

# The installed data folder is compiled into the CLI: rebuild it when it changes.
build/datadir: FORCE
	@mkdir -p build; echo '$(DATADIR) $(LIBEXECDIR)' | cmp -s - $@ || echo '$(DATADIR) $(LIBEXECDIR)' > $@
build/obj/cli/cli.o build/asan/cli/cli.o build/obj/core/settings.o build/asan/core/settings.o \
  build/test/core/settings.o build/asan-test/core/settings.o: build/datadir
FORCE:

# Feature-specific rules (fonts, PDF assets, …) live in mk/*.mk.
-include $(wildcard mk/*.mk)

-include $(wildcard build/obj/*/*.d build/asan/*/*.d build/test/*/*.d build/asan-test/*/*.d)
