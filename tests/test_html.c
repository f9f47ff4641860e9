/* The HTML estimate (render_html, `price --format html`) and the large-print
 * PDF: the same facts as the PDF, in the document's language, self-contained;
 * large print at 18 pt or more.  The browser test (tests/browser/
 * html-estimate.test.js) checks every example with axe-core at WCAG 2.1 AA. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "helpers.h"
#include "render_html.h"

static char *price_html(const char *dir, const char *args)
{
    char cmd[1024], *err = NULL;
    snprintf(cmd, sizeof cmd, "SOURCE_DATE_EPOCH=1796083200 %s price %s --format html -o %s/q.html", th_bin(),
             args, dir);
    cr_assert_eq(th_run(cmd, NULL, &err), 0, "%s: %s", cmd, err);
    free(err);
    char path[512];
    snprintf(path, sizeof path, "%s/q.html", dir);
    size_t len;
    char *s = th_read(path, &len);
    cr_assert_not_null(s);
    return s;
}

#define HAS(text, s) cr_expect(strstr((text), (s)) != NULL, "missing from the page: \"%s\"", (s))
#define HASNT(text, s) cr_expect(strstr((text), (s)) == NULL, "must not be in the page: \"%s\"", (s))

Test(html, shows_the_estimate_in_english_with_real_tables)
{
    char *dir = th_tmpdir();
    char *s = price_html(dir, "examples/three-providers.json");
    HAS(s, "<html lang=\"en\">");
    HAS(s, "<h1 id=\"title\">Cost estimate / Good Faith Estimate</h1>");
    HAS(s, "María Fernanda Castañeda-Villalobos");
    HAS(s, "<th scope=\"col\">Description</th>");
    HAS(s, "<th scope=\"row\" colspan=\"4\">Total you pay</th><td class=\"num\">$8,037.00</td>");
    HAS(s, "Estimate by provider or facility");
    HAS(s, "Hill Country Surgery Center");
    HAS(s, "Dispute process if it bills you");
    HAS(s, "www.cms.gov/nosurprises");
    HAS(s, "DRAFT");
    HAS(s, "@media print");
    /* self-contained: nothing is loaded from anywhere */
    HASNT(s, " src=");
    HASNT(s, " href=");
    HASNT(s, "url(");
    HASNT(s, "<script");
    free(s);
    th_rmtree(dir);
    free(dir);
}

Test(html, spanish_page_is_in_spanish)
{
    char *dir = th_tmpdir();
    char *s = price_html(dir, "examples/three-providers.json --lang es");
    HAS(s, "<html lang=\"es\">");
    HAS(s, "Presupuesto / Estimación de Buena Fe");
    HAS(s, "Total a su cargo");
    HASNT(s, "Total you pay");
    free(s);
    th_rmtree(dir);
    free(dir);
}

Test(html, large_print_sets_the_class_and_same_input_gives_same_bytes)
{
    char *dir = th_tmpdir();
    char *a = price_html(dir, "examples/adipose-two-knees.json --large-print");
    char *b = price_html(dir, "examples/adipose-two-knees.json --large-print");
    HAS(a, "<body class=\"large-print\">");
    HAS(a, "body.large-print{font-size:1.5rem}");
    cr_expect_str_eq(a, b);
    free(a);
    free(b);
    th_rmtree(dir);
    free(dir);
}

Test(html, text_is_escaped)
{
    char *dir = th_tmpdir();
    char *s = price_html(dir, "examples/adipose-two-knees.json --patient-name '<b>Ann</b> & \"O'\\''Hara\"'");
    HAS(s, "&lt;b&gt;Ann&lt;/b&gt; &amp; &quot;O&#39;Hara&quot;");
    HASNT(s, "<b>Ann");
    free(s);
    th_rmtree(dir);
    free(dir);
}

Test(html, refuses_what_is_not_a_quote)
{
    struct diag_list dl = { 0 };
    struct html_opts o = { .templates_dir = "templates" };
    char *out = (char *)1;
    size_t len = 1;
    cr_expect_eq(render_html("{\"a\":1}", &o, &out, &len, &dl), -1);
    cr_expect_null(out);
    cr_expect_eq(len, 0);
    cr_expect_eq(render_html("[1,2", &o, &out, &len, &dl), -1);
    cr_expect_geq(dl.errors, 2);
    diag_list_free(&dl);
}

/* Large print: the patient's name (body text) and table text measure 18 pt
 * or more on paper; pdftotext -bbox gives a word's box, 0.925 of the size. */
Test(html, large_print_pdf_has_body_text_of_18_points)
{
    char *dir = th_tmpdir();
    char cmd[1024], *out = NULL;
    snprintf(cmd, sizeof cmd,
             "%s price examples/three-providers.json --format pdf --large-print -o %s/l.pdf >/dev/null && "
             "pdftotext -bbox -f 1 -l 1 %s/l.pdf - | grep -m1 '>Fernanda<'", th_bin(), dir, dir);
    cr_assert_eq(th_run(cmd, &out, NULL), 0, "%s", cmd);
    double x0, y0, x1, y1;
    const char *p = strstr(out, "xMin=");
    cr_assert_not_null(p);
    cr_assert_eq(sscanf(p, "xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\"", &x0, &y0, &x1, &y1), 4);
    cr_expect_geq((y1 - y0) / 0.925, 18.0, "body text is %.1f pt", (y1 - y0) / 0.925);
    free(out);
    th_rmtree(dir);
    free(dir);
}

struct bbox_word {
    double x0, y0, x1, y1;
    const char *text;
    int len;
};

/* Words of one page that break the layout: one past the 50-pt margins, or
 * two on one line (their boxes share more than half a line's height) whose
 * boxes overlap.  Each problem is reported with where it is; returns how
 * many there were. */
static size_t page_faults(const char *variant, int page, double width, const struct bbox_word *w, size_t n)
{
    size_t faults = 0;
    for (size_t i = 0; i < n; i++) {
        if (w[i].x0 < 50 - 0.5 || w[i].x1 > width - 50 + 0.5) {
            cr_expect_fail("%s, page %d: \"%.*s\" spans x %.1f to %.1f, outside the margins 50 to %.1f", variant,
                           page, w[i].len, w[i].text, w[i].x0, w[i].x1, width - 50);
            faults++;
        }
        for (size_t j = i + 1; j < n; j++) {
            double hi = w[i].y1 - w[i].y0 < w[j].y1 - w[j].y0 ? w[i].y1 - w[i].y0 : w[j].y1 - w[j].y0;
            double vo = (w[i].y1 < w[j].y1 ? w[i].y1 : w[j].y1) - (w[i].y0 > w[j].y0 ? w[i].y0 : w[j].y0);
            double ho = (w[i].x1 < w[j].x1 ? w[i].x1 : w[j].x1) - (w[i].x0 > w[j].x0 ? w[i].x0 : w[j].x0);
            if (vo > hi / 2 && ho > 0.5) {
                cr_expect_fail("%s, page %d: \"%.*s\" (x %.1f to %.1f) and \"%.*s\" (x %.1f to %.1f) overlap on the "
                               "line at y %.1f", variant, page, w[i].len, w[i].text, w[i].x0, w[i].x1, w[j].len,
                               w[j].text, w[j].x0, w[j].x1, w[i].y0);
                faults++;
            }
        }
    }
    return faults;
}

/* Every page of every example, in both languages, at both sizes, on Letter
 * and A4, keeps its words within the 50-pt margins and no two words on a
 * line overlap (large print lays the page out 18/8.5 times smaller: the
 * financing table's heads, the sums' labels and the running header used
 * to run past the margins or into each other in Spanish, and the Spanish
 * draft note once ran out of its red box on page 1).  The margin is 50
 * points on paper in both sizes.  One shell command renders every PDF and
 * gives each one's words and boxes. */
Test(html, every_page_of_every_example_keeps_within_the_margins_without_overlaps)
{
    char *dir = th_tmpdir();
    char cmd[2048], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd,
             "for f in examples/*.json; do for lang in en es; do for size in '' --large-print; do "
             "for paper in '' --a4; do echo \"== $f --lang $lang $size $paper\"; "
             "%s price \"$f\" --lang $lang $size $paper --format pdf -o %s/m.pdf >/dev/null || exit 1; "
             "pdftotext -bbox %s/m.pdf - | grep -E '<page |<word ' || exit 1; done; done; done; done",
             th_bin(), dir, dir);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s: %s", cmd, err);
    size_t pdfs = 0, pages = 0, words = 0, faults = 0, n = 0, cap = 0;
    struct bbox_word *w = NULL;
    char variant[300] = "";
    double width = 0;
    int page = 0;
    for (char *line = out; line && *line;) {
        char *eol = strchr(line, '\n');
        if (eol)
            *eol = '\0';
        const char *p = line + strspn(line, " \t");
        double x0, y0, x1, y1;
        if (!strncmp(p, "== ", 3) || !strncmp(p, "<page ", 6)) {
            faults += page_faults(variant, page, width, w, n);
            n = 0;
            if (*p == '=') {
                snprintf(variant, sizeof variant, "%s", p + 3);
                page = 0;
                pdfs++;
            } else {
                cr_assert(sscanf(p, "<page width=\"%lf\"", &width) == 1, "%s: %s", variant, p);
                page++;
                pages++;
            }
        } else if (sscanf(p, "<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\"", &x0, &y0, &x1, &y1) == 4) {
            if (n == cap) {
                cap = cap ? 2 * cap : 512;
                w = realloc(w, cap * sizeof *w);
                cr_assert_not_null(w);
            }
            const char *t = strchr(p, '>') + 1, *e = strstr(t, "</word>");
            w[n++] = (struct bbox_word){x0, y0, x1, y1, t, e ? (int)(e - t) : (int)strlen(t)};
            words++;
        }
        line = eol ? eol + 1 : NULL;
    }
    faults += page_faults(variant, page, width, w, n);
    cr_expect_geq(pdfs, 7 * 8, "%zu PDFs rendered, not 8 (2 languages x 2 sizes x 2 papers) for each of the 7 "
                  "examples", pdfs);
    cr_expect_gt(words, pages * 20, "%zu words on %zu pages: pdftotext read next to nothing", words, pages);
    cr_expect_eq(faults, 0, "%zu words past the margins or overlapping, on %zu pages of %zu PDFs", faults, pages,
                 pdfs);
    free(w);
    free(out);
    free(err);
    th_rmtree(dir);
    free(dir);
}

/* `export fhir` and `price --format fhir`: a document Bundle with the
 * Composition first, GFE claims for predetermination, the revision's link; the
 * schema and the guide's rules are checked by tests/fhir/validate.js. */
Test(html, fhir_packet_of_a_revised_quote_names_the_one_it_replaces)
{
    char *dir = th_tmpdir();
    char reg[512], cmd[2048], *out = NULL, *err = NULL;
    snprintf(reg, sizeof reg, "%s/r.db", dir);
    cr_assert_eq(th_init_register(reg), 0);
    snprintf(cmd, sizeof cmd,
             "%s quote examples/adipose-two-knees.json --register %s --out-dir %s >/dev/null && "
             "%s revise Q-2026-000001 --add prp-booster --register %s --out-dir %s >/dev/null && "
             "%s export fhir Q-2026-000002 --register %s",
             th_bin(), reg, dir, th_bin(), reg, dir, th_bin(), reg);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    HAS(out, "\"type\":\t\"document\"");
    HAS(out, "\"code\":\t\"111480-0\"");
    HAS(out, "\"use\":\t\"predetermination\"");
    HAS(out, "\"code\":\t\"replaces\"");
    HAS(out, "\"value\":\t\"Q-2026-000001\"");
    HAS(out, "\"code\":\t\"M17.0\"");
    HAS(out, "Zoë O'Brien-Łukasik");
    cr_expect(strstr(out, "\"resourceType\":\t\"Composition\"") < strstr(out, "\"resourceType\":\t\"Patient\""),
              "the Composition is not the first entry");
    free(out);
    free(err);
    snprintf(cmd, sizeof cmd, "%s export fhir Q-2026-000009 --register %s", th_bin(), reg);
    cr_expect_eq(th_run(cmd, NULL, &err), 1);
    free(err);
    snprintf(cmd, sizeof cmd, "%s export pdf Q-2026-000001 --register %s", th_bin(), reg);
    cr_expect_eq(th_run(cmd, NULL, &err), 2);
    free(err);
    th_rmtree(dir);
    free(dir);
}

/* An issued PDF carries its quote and FHIR packet as attachments, and a QR
 * code on page 1 (read back with zbarimg) with its number and the digest of
 * the attached quote. */
Test(html, issued_pdf_carries_its_quote_and_a_qr_code)
{
    char *dir = th_tmpdir();
    char reg[512], cmd[2048], *out = NULL, *err = NULL;
    snprintf(reg, sizeof reg, "%s/r.db", dir);
    cr_assert_eq(th_init_register(reg), 0);
    snprintf(cmd, sizeof cmd,
             "%s quote examples/cord-tissue-prp-booster.json --register %s --out-dir %s >/dev/null && "
             "cd %s && pdfdetach -saveall Q-2026-000001.pdf && sha256sum quote.json && "
             "pdftoppm -png -r 150 -f 1 -l 1 Q-2026-000001.pdf p && zbarimg -q --raw p-1.png",
             th_bin(), reg, dir, dir);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    char sum[65] = "";
    cr_assert_eq(sscanf(out, "%64s", sum), 1);
    char want[128];
    snprintf(want, sizeof want, "RQ1 Q-2026-000001 sha256:%s", sum);
    HAS(out, want);
    char path[600];
    snprintf(path, sizeof path, "%s/gfe-packet.fhir.json", dir);
    size_t len;
    char *fhir = th_read(path, &len);
    cr_assert_not_null(fhir);
    HAS(fhir, "111480-0");
    free(fhir);
    free(out);
    free(err);
    th_rmtree(dir);
    free(dir);
}

/* `regenquote verify`: every issued example is genuine; a price changed in
 * the page text, a changed attachment, a page removed, or a copy that is not
 * the register's are each caught, and the answer says what differs. */
Test(html, verify_catches_an_edited_estimate, .timeout = 60)
{
    char *dir = th_tmpdir();
    char reg[512], cmd[8192], *out = NULL, *err = NULL, bin[1024], cwd[512];
    /* the commands below run in the test's folder */
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    snprintf(bin, sizeof bin, "%s%s%s", th_bin()[0] == '/' ? "" : cwd, th_bin()[0] == '/' ? "" : "/", th_bin());
    snprintf(reg, sizeof reg, "%s/r.db", dir);
    cr_assert_eq(th_init_register(reg), 0);
    snprintf(cmd, sizeof cmd,
             "for f in examples/*.json; do for l in en es; do %s quote $f --lang $l --register %s --out-dir %s "
             ">/dev/null || exit 1; done; done; for p in %s/Q-*.pdf; do %s verify $p --register %s || exit 1; "
             "done", bin, reg, dir, dir, bin, reg);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s%s", out, err);
    HAS(out, "genuine: estimate Q-2026-000014");
    free(out);
    free(err);

    /* a price changed on the page (adipose example: 2,900.00) */
    snprintf(cmd, sizeof cmd,
             "cd %s && qpdf --qdf --object-streams=disable Q-2026-000001.pdf q.pdf && "
             "sed 's/(2,900.00) Tj/(2,400.00) Tj/' q.pdf > q2.pdf && fix-qdf q2.pdf > price.pdf && "
             "%s verify price.pdf", dir, bin);
    cr_expect_eq(th_run(cmd, &out, &err), 1, "%s: %s", cmd, err ? err : "");
    free(err);
    err = NULL;
    HAS(out, "the pages show 2,400.00, an amount the attached quote does not have");
    free(out);
    /* the attachment changed */
    snprintf(cmd, sizeof cmd,
             "cd %s && sed 's/\"total_cents\":\\t1005000/\"total_cents\":\\t1004000/' q.pdf > q3.pdf && "
             "fix-qdf q3.pdf > att.pdf && %s verify att.pdf", dir, bin);
    cr_expect_eq(th_run(cmd, &out, &err), 1, "%s: %s", cmd, err ? err : "");
    free(err);
    err = NULL;
    HAS(out, "the attached quote was changed");
    free(out);
    /* a page removed */
    snprintf(cmd, sizeof cmd, "cd %s && qpdf Q-2026-000001.pdf --pages Q-2026-000001.pdf 1-2 -- p.pdf && %s verify p.pdf",
             dir, bin);
    cr_expect_eq(th_run(cmd, &out, &err), 1, "%s: %s", cmd, err ? err : "");
    free(err);
    err = NULL;
    HAS(out, "the document has 2 pages; it was issued with 3");
    free(out);
    /* genuine on its own, but not the register's bytes */
    snprintf(cmd, sizeof cmd, "cd %s && %s verify q.pdf && %s verify q.pdf --register %s", dir, bin, bin,
             reg);
    cr_expect_eq(th_run(cmd, &out, &err), 1, "%s: %s", cmd, err ? err : "");
    free(err);
    err = NULL;
    HAS(out, "genuine: estimate Q-2026-000001");
    HAS(out, "it is not the PDF issued under Q-2026-000001");
    free(out);
    /* a draft is no issued estimate */
    snprintf(cmd, sizeof cmd, "%s price examples/adipose-two-knees.json --format pdf -o %s/d.pdf >/dev/null && %s verify %s/d.pdf",
             bin, dir, bin, dir);
    cr_expect_eq(th_run(cmd, &out, &err), 1, "%s: %s", cmd, err ? err : "");
    free(err);
    err = NULL;
    HAS(out, "no attached quote");
    free(out);
    th_rmtree(dir);
    free(dir);
}

/* Language assistance: the clinic's taglines (clinic.json, data), checked
 * when the tables load, on a page of their own in the PDF and marked with
 * their language in the HTML. */
#define TAGLINES(list) "  \"language_assistance\": [" list "],\n  \"financing\": ["
#define VI "{ \"lang\": \"vi\", \"text\": \"CHÚ Ý: Nếu bạn nói Tiếng Việt, có các dịch vụ hỗ trợ ngôn ngữ miễn phí dành cho bạn. Gọi số (512) 555-0142.\" }"
#define TL "{ \"lang\": \"tl\", \"text\": \"PAUNAWA: Kung nagsasalita ka ng Tagalog, maaari kang gumamit ng mga serbisyo ng tulong sa wika nang walang bayad. Tumawag sa (512) 555-0142.\" }"

Test(html, language_assistance_taglines_from_clinic_json)
{
    char *dir = th_tmpdir();
    char cmd[2048], *out = NULL, *err = NULL;
    cr_assert_eq(th_tables_with(dir, "clinic.json", "  \"financing\": [", TAGLINES(VI ", " TL)), 0);
    snprintf(cmd, sizeof cmd,
             "%s price examples/bone-marrow-one-ankle.json --prices %s --format pdf -o %s/l.pdf >/dev/null && "
             "pdftotext %s/l.pdf - && %s price examples/bone-marrow-one-ankle.json --prices %s --format html",
             th_bin(), dir, dir, dir, th_bin(), dir);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    HAS(out, "Free language assistance");
    HAS(out, "CHÚ Ý: Nếu bạn nói Tiếng Việt");
    HAS(out, "<p lang=\"vi\">CHÚ Ý:");
    HAS(out, "<p lang=\"tl\">PAUNAWA:");
    cr_expect_str_empty(err, "%s", err);
    free(out);
    free(err);
    th_rmtree(dir);
    free(dir);

    /* a tag that is not a language tag, a language given twice */
    dir = th_tmpdir();
    cr_assert_eq(th_tables_with(dir, "clinic.json", "  \"financing\": [",
                                TAGLINES("{ \"lang\": \"Vietnamese\", \"text\": \"x\" }, " VI ", " VI)), 0);
    snprintf(cmd, sizeof cmd, "%s validate %s 2>&1", th_bin(), dir);
    cr_expect_eq(th_run(cmd, &out, &err), 1);
    HAS(out, "language_assistance[0]: 'Vietnamese' is not a language tag");
    HAS(out, "language_assistance[2]: language 'vi' is given twice");
    free(out);
    free(err);
    th_rmtree(dir);
    free(dir);

    /* a script the PDF's font does not have is refused with the field named */
    dir = th_tmpdir();
    cr_assert_eq(th_tables_with(dir, "clinic.json", "  \"financing\": [",
                                TAGLINES("{ \"lang\": \"zh-Hant\", \"text\": \"注意：如果您使用繁體中文\" }")), 0);
    snprintf(cmd, sizeof cmd, "%s price examples/bone-marrow-one-ankle.json --prices %s --format pdf -o %s/z.pdf",
             th_bin(), dir, dir);
    cr_expect_eq(th_run(cmd, &out, &err), 1);
    HAS(err, "language_assistance[0].text");
    free(out);
    free(err);
    th_rmtree(dir);
    free(dir);
}
