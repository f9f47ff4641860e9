# PDF quote: the fallback font (docs/pdf.md) and a benchmark.
#
# templates/fonts/regenquote-sans.ttf is DejaVu Sans cut to Latin, Greek,
# Cyrillic and Vietnamese by scripts/make-font.sh (fontTools).  It is built
# here, never committed, and installed with the templates.

PDF_FONT_SRC ?= /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
PDF_FONT     := templates/fonts/regenquote-sans.ttf

.PHONY: fonts bench-pdf clean-pdf

fonts: $(PDF_FONT)

# Built before the program and the PDF tests (order-only: a rebuilt font
# does not relink anything).
all regenquote install build/obj/tests/test_pdf.o build/asan/tests/test_pdf.o build/cov/tests/test_pdf.o: | $(PDF_FONT)

$(PDF_FONT): scripts/make-font.sh scripts/make-font.py
	@mkdir -p $(dir $@)
	./scripts/make-font.sh $(PDF_FONT_SRC) $@

# Size and time per document: build/pdf-bench renders the same quotes many
# times in one process (docs/pdf.md has the numbers).
build/pdf-bench: scripts/pdf_bench.c $(LIB)
	$(CC) $(CPPFLAGS) $(INC_core) $(filter-out -MMD -MP,$(CFLAGS)) $(LDFLAGS) -o $@ $^ $(LDLIBS)

bench-pdf: build/pdf-bench $(PDF_FONT)
	./build/pdf-bench -n 200
	./build/pdf-bench -n 200 --name 'Nguyễn Thị Hồng'
	./build/pdf-bench -n 200 --lang es --name 'José Müller-Ñúñez'

clean: clean-pdf
clean-pdf:
	rm -f $(PDF_FONT)
	-rmdir templates/fonts 2>/dev/null
