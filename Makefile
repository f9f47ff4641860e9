# regenquote — build, test, install.  See README.md.
PREFIX   ?= /usr/local
DATADIR  ?= $(PREFIX)/share/regenquote
LIBEXECDIR ?= $(PREFIX)/lib/regenquote
CC       ?= gcc
PKGS     := libcjson
CPPFLAGS += -Isrc -D_POSIX_C_SOURCE=200809L -DRQ_DATADIR='"$(DATADIR)"' -DRQ_LIBEXECDIR='"$(LIBEXECDIR)"'
WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
            -Wmissing-prototypes -Wundef -Wvla -Wpointer-arith
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 $(WARN) -MMD -MP
LDLIBS   += -lcjson -lhpdf -lsqlite3 -lmicrohttpd -lpthread -lm
# The command line does without the HTTP server: libmicrohttpd brings GnuTLS
# and p11-kit, whose loading would cost every command several milliseconds.
LDLIBS_CLI := $(filter-out -lmicrohttpd -lpthread,$(LDLIBS))

# regenquote: the core and the command line; regenquote-serve (which
# `regenquote serve` runs): the core and the HTTP server.
SERVESRC := src/server.c src/cli_serve.c
SRC      := $(filter-out $(SERVESRC) src/serve_main.c,$(wildcard src/*.c))
LIBSRC   := $(filter-out src/main.c src/serve_main.c,$(wildcard src/*.c))
TESTSRC  := $(wildcard tests/*.c)

OBJ      := $(SRC:src/%.c=build/obj/%.o)
LIBOBJ   := $(LIBSRC:src/%.c=build/obj/%.o)
SERVEOBJ := $(filter-out build/obj/main.o,$(OBJ)) $(SERVESRC:src/%.c=build/obj/%.o) build/obj/serve_main.o
TESTOBJ  := $(TESTSRC:tests/%.c=build/obj/tests/%.o)

ASAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
AOBJ     := $(SRC:src/%.c=build/asan/%.o)
ALIBOBJ  := $(LIBSRC:src/%.c=build/asan/%.o)
ASERVEOBJ := $(filter-out build/asan/main.o,$(AOBJ)) $(SERVESRC:src/%.c=build/asan/%.o) build/asan/serve_main.o
ATESTOBJ := $(TESTSRC:tests/%.c=build/asan/tests/%.o)

CRITERION_FLAGS ?= --jobs 2

.PHONY: all test check-asan check-clang check-same clean install sample deps FORCE

all: regenquote regenquote-serve

regenquote: $(OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LDLIBS_CLI)

regenquote-serve: $(SERVEOBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LDLIBS)

build/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

build/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

build/test-suite: $(LIBOBJ) $(TESTOBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LDLIBS) -lcriterion

# Sanitizer build: the same sources and tests, AddressSanitizer + UBSan.
build/asan/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(filter-out -O2,$(CFLAGS)) $(ASAN_FLAGS) -c -o $@ $<

build/asan/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(filter-out -O2,$(CFLAGS)) $(ASAN_FLAGS) -c -o $@ $<

build/asan/regenquote: $(AOBJ)
	$(CC) $(ASAN_FLAGS) -o $@ $(filter %.o,$^) $(LDLIBS_CLI)

build/asan/regenquote-serve: $(ASERVEOBJ)
	$(CC) $(ASAN_FLAGS) -o $@ $(filter %.o,$^) $(LDLIBS)

build/asan/test-suite: $(ALIBOBJ) $(ATESTOBJ)
	$(CC) $(ASAN_FLAGS) -o $@ $(filter %.o,$^) $(LDLIBS) -lcriterion

# Installs missing Debian packages (no-op when all are present).
deps:
	@./scripts/setup-deps.sh

test: deps
	@$(MAKE) --no-print-directory regenquote regenquote-serve build/test-suite
	REGENQUOTE_BIN=$(CURDIR)/regenquote ./build/test-suite $(CRITERION_FLAGS)
	@$(MAKE) --no-print-directory test-browser

check-asan: deps
	@$(MAKE) --no-print-directory build/asan/regenquote build/asan/regenquote-serve build/asan/test-suite
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  REGENQUOTE_BIN=$(CURDIR)/build/asan/regenquote ./build/asan/test-suite $(CRITERION_FLAGS)

# The same sources must compile cleanly under clang too.
check-clang:
	@for f in src/*.c tests/*.c; do \
	  clang $(CPPFLAGS) -std=c11 $(WARN) -fsyntax-only $$f || exit 1; \
	done; echo "clang: all sources compile without warnings"

# Behaviour kept: every example's text, JSON and PDF (both languages), the
# catalog, the price list and issued quotes, byte for byte against
# tests/same/outputs.sha256 (scripts/same-output.sh --update records them anew).
check-same: regenquote
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
	if [ -d templates ] && [ -n "$$(ls templates)" ]; then cp -R templates $(DESTDIR)$(DATADIR)/; fi
	if [ -d web ]; then cp -R web $(DESTDIR)$(DATADIR)/; fi
	install -m 0644 docs/regenquote.1 $(DESTDIR)$(PREFIX)/share/man/man1/regenquote.1

clean:
	rm -rf build regenquote regenquote-serve

# The installed data folder is compiled into the CLI: rebuild it when it changes.
build/datadir: FORCE
	@mkdir -p build; echo '$(DATADIR) $(LIBEXECDIR)' | cmp -s - $@ || echo '$(DATADIR) $(LIBEXECDIR)' > $@
build/obj/cli.o build/asan/cli.o: build/datadir
FORCE:

# Feature-specific rules (fonts, PDF assets, …) live in mk/*.mk.
-include $(wildcard mk/*.mk)

-include $(SERVEOBJ:.o=.d) $(TESTOBJ:.o=.d) $(ASERVEOBJ:.o=.d) $(ATESTOBJ:.o=.d) $(OBJ:.o=.d) $(AOBJ:.o=.d)
