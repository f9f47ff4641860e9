/* The patient's signed acceptance: the accepted copy (issued PDF as a byte
 * prefix, one page more, valid), its reprint, refusals, the paper path. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acceptance.h"
#include "helpers.h"
#include "settings.h"

#define DAY0 "SOURCE_DATE_EPOCH=1795392000 " /* 2026-11-23 */
#define CA "examples/clinics/california"

/* A small RGBA PNG of a drawn stroke (zlib through python3, as a scanner's file). */
static void make_png(const char *path)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd,
             "python3 -c \"import zlib,struct,math\n"
             "w,h=240,80\n"
             "raw=b''.join(b'\\\\x00'+b''.join((b'\\\\x10\\\\x10\\\\x60\\\\xff' if abs(y-40-int(25*math.sin(x/15)))<3 else b'\\\\x00\\\\x00\\\\x00\\\\x00') for x in range(w)) for y in range(h))\n"
             "c=lambda t,d: struct.pack('>I',len(d))+t+d+struct.pack('>I',zlib.crc32(t+d)&0xffffffff)\n"
             "open('%s','wb').write(b'\\\\x89PNG\\\\r\\\\n\\\\x1a\\\\n'+c(b'IHDR',struct.pack('>IIBBBBB',w,h,8,6,0,0,0))+c(b'IDAT',zlib.compress(raw))+c(b'IEND',b''))\"",
             path);
    cr_assert_eq(th_run(cmd, NULL, NULL), 0, "python3 png");
}

/* A register of engine e for dir (the test's, th_reg()) with one
 * California quote issued (Q-2026-000001). */
static char *setup(size_t e)
{
    char *dir = th_tmpdir(), p[600], cmd[2000];
    th_use_register(e, dir);
    snprintf(cmd, sizeof cmd, DAY0 "%s quote %s/request-adipose-knee.json --prices %s --register '%s' --out-dir %s/out",
             th_bin(), CA, CA, th_reg(), dir);
    char *out = NULL, *err = NULL;
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "Q-2026-000001"), "%s", out);
    free(out); free(err);
    snprintf(p, sizeof p, "%s/sig.png", dir);
    make_png(p);
    return dir;
}

static int accept_paper(const char *dir, const char *number, char **out, char **err)
{
    char cmd[2000];
    snprintf(cmd, sizeof cmd,
             DAY0 "%s accept %s --signature %s/sig.png --signer 'Ana Lucía Rivera' "
             "--prices %s --register '%s'",
             th_bin(), number, dir, CA, th_reg());
    return th_run(cmd, out, err);
}

ENGINE_TEST(accept, accepted_copy_keeps_the_issued_pdf_as_a_byte_prefix_and_is_valid)
{
    char *dir = setup(eng->engine), cmd[2000], *out, *err;
    cr_assert_eq(accept_paper(dir, "Q-2026-000001", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "Q-2026-000001 is now accepted"), "%s", out);
    free(out); free(err);
    snprintf(cmd, sizeof cmd, "%s reprint Q-2026-000001 --accepted -o %s/acc.pdf --register '%s'", th_bin(), dir,
             th_reg());
    cr_assert_eq(th_run(cmd, NULL, &err), 0, "%s", err);
    free(err);
    size_t ni, na;
    char pi[600], pa[600];
    snprintf(pi, sizeof pi, "%s/out/Q-2026-000001.pdf", dir);
    snprintf(pa, sizeof pa, "%s/acc.pdf", dir);
    char *issued = th_read(pi, &ni), *acc = th_read(pa, &na);
    cr_assert(issued && acc && na > ni);
    cr_assert_eq(memcmp(issued, acc, ni), 0, "the issued PDF is a byte prefix of the accepted copy");
    free(issued); free(acc);
    snprintf(cmd, sizeof cmd, "qpdf --check %s >/dev/null && qpdf --show-npages %s && qpdf --show-npages %s", pa, pi, pa);
    cr_assert_eq(th_run(cmd, &out, NULL), 0, "qpdf --check");
    cr_assert_str_eq(out, "3\n4\n");
    free(out);
    /* the acceptance page: name, witness, notice verbatim, the two hashes */
    snprintf(cmd, sizeof cmd, "pdftotext -q -f 4 -l 4 %s - | tr -s ' \\n' '  '", pa);
    cr_assert_eq(th_run(cmd, &out, NULL), 0);
    cr_assert(strstr(out, "Acceptance of estimate no. Q-2026-000001"), "%s", out);
    cr_assert(strstr(out, "Ana Lucía Rivera"), "%s", out);
    cr_assert(strstr(out, settings_os_account()), "the witness, the account running accept: %s", out);
    cr_assert(strstr(out, "THIS NOTICE MUST BE PROVIDED TO YOU UNDER CALIFORNIA LAW."), "%s", out);
    cr_assert_null(strstr(out, "signed consent"), "California asks no signed consent: %s", out);
    cr_assert_null(strstr(out, "ESTE AVISO"), "no Spanish companion on an English quote: %s", out);
    free(out);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(accept, reprinting_the_accepted_copy_is_byte_identical)
{
    char *dir = setup(eng->engine), cmd[2000], *out, *err;
    cr_assert_eq(accept_paper(dir, "Q-2026-000001", &out, &err), 0, "%s", err);
    free(out); free(err);
    snprintf(cmd, sizeof cmd,
             "%s reprint Q-2026-000001 --accepted -o %s/a.pdf --register '%s' && "
             "%s reprint Q-2026-000001 --accepted -o %s/b.pdf --register '%s' && cmp %s/a.pdf %s/b.pdf && "
             "pdftotext %s/a.pdf - | grep -c \"$(sha256sum %s/out/Q-2026-000001.pdf | cut -c1-64)\"",
             th_bin(), dir, th_reg(), th_bin(), dir, th_reg(), dir, dir, dir, dir);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    cr_assert_str_eq(out, "1\n", "the issued PDF's SHA-256 is printed on the acceptance page");
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(accept, void_accepted_and_superseded_quotes_are_refused_with_the_reason)
{
    char *dir = setup(eng->engine), cmd[2000], *out, *err;
    cr_assert_eq(accept_paper(dir, "Q-2026-000001", &out, &err), 0, "%s", err);
    free(out); free(err);
    cr_assert_eq(accept_paper(dir, "Q-2026-000001", &out, &err), 1);
    cr_assert(strstr(err, "quote Q-2026-000001 is accepted; it is signed already"), "%s", err);
    free(out); free(err);
    snprintf(cmd, sizeof cmd, DAY0 "%s quote %s/request-adipose-knee.json --prices %s --register '%s' --out-dir %s/out"
             " && " DAY0 "%s void Q-2026-000002 --reason 'wrong knee' --register '%s'",
             th_bin(), CA, CA, th_reg(), dir, th_bin(), th_reg());
    cr_assert_eq(th_run(cmd, NULL, &err), 0, "%s", err);
    free(err);
    cr_assert_eq(accept_paper(dir, "Q-2026-000002", &out, &err), 1);
    cr_assert(strstr(err, "quote Q-2026-000002 is void; a void quote cannot be accepted"), "%s", err);
    free(out); free(err);
    snprintf(cmd, sizeof cmd, DAY0 "%s quote %s/request-adipose-knee.json --prices %s --register '%s' --out-dir %s/out"
             " && " DAY0 "%s revise Q-2026-000003 %s/request-adipose-knee.json --prices %s --register '%s' "
             "--out-dir %s/out",
             th_bin(), CA, CA, th_reg(), dir, th_bin(), CA, CA, th_reg(), dir);
    cr_assert_eq(th_run(cmd, NULL, &err), 0, "%s", err);
    free(err);
    cr_assert_eq(accept_paper(dir, "Q-2026-000003", &out, &err), 1);
    cr_assert(strstr(err, "quote Q-2026-000003 is superseded by Q-2026-000004"), "%s", err);
    free(out); free(err);
    /* expired: 30 days of validity, accepted on 2027-01-10 */
    snprintf(cmd, sizeof cmd,
             "SOURCE_DATE_EPOCH=1799539200 %s accept Q-2026-000004 --signature %s/sig.png --signer Ana --prices %s "
             "--register '%s'", th_bin(), dir, CA, th_reg());
    cr_assert_eq(th_run(cmd, &out, &err), 1);
    cr_assert(strstr(err, "is expired; it has expired"), "%s", err);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(accept, a_file_that_is_not_an_image_and_a_missing_name_are_refused)
{
    char *dir = setup(eng->engine), cmd[2000], img[600], *out, *err;
    snprintf(img, sizeof img, "%s/not-an-image.txt", dir);
    th_write(img, "SQLite format 3");
    snprintf(cmd, sizeof cmd, "%s accept Q-2026-000001 --signature %s --signer Ana --prices %s --register '%s'",
             th_bin(), img, CA, th_reg());
    cr_assert_eq(th_run(cmd, &out, &err), 1);
    cr_assert(strstr(err, "the signature is not a PNG or JPEG image"), "%s", err);
    free(out); free(err);
    snprintf(cmd, sizeof cmd, "%s accept Q-2026-000001 --signature %s/sig.png --prices %s --register '%s'",
             th_bin(), dir, CA, th_reg());
    cr_assert_eq(th_run(cmd, &out, &err), 2);
    cr_assert(strstr(err, "give both --signature FILE and --signer NAME"), "%s", err);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

Test(accept, data_urls_decode_and_bad_ones_are_refused)
{
    struct diag_list dl = { 0 };
    unsigned char *img;
    size_t len;
    cr_assert_eq(acceptance_data_url("data:image/png;base64,iVBORw0KGgo=", &img, &len, &dl), 0);
    cr_assert_eq(len, 8);
    cr_assert_eq(memcmp(img, "\x89PNG\r\n\x1a\n", 8), 0);
    free(img);
    cr_assert_eq(acceptance_data_url("data:text/html;base64,AAAA", &img, &len, &dl), -1);
    cr_assert_eq(acceptance_data_url("data:image/png;base64,@@@", &img, &len, &dl), -1);
    diag_list_free(&dl);
}

/* The California tables moved to state in dir/prices, a register with the
 * sample request issued in language (Q-2026-000001), accepted on paper;
 * the words of the acceptance page (the last) and the quote's `show`. */
static void issue_in(const char *dir, const char *state, const char *language)
{
    char cmd[3000], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd,
             "mkdir %s/prices && cp %s/*.json %s/prices/ && sed -i 's/\"state\": \"CA\"/\"state\": \"%s\"/' "
             "%s/prices/clinic.json && sed 's/\"language\": \"en\"/\"language\": \"%s\"/' "
             "%s/request-adipose-knee.json > %s/req.json && %s init --register %s/reg.db >/dev/null",
             dir, CA, dir, state, dir, language, CA, dir, th_bin(), dir);
    cr_assert_eq(th_run(cmd, NULL, NULL), 0);
    snprintf(cmd, sizeof cmd, DAY0 "%s quote %s/req.json --prices %s/prices --register %s/reg.db --out-dir %s/out",
             th_bin(), dir, dir, dir, dir);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    free(out); free(err);
}

static void accept_in(const char *dir, const char *state, const char *language, char **page, char **show)
{
    char cmd[3000], *out = NULL, *err = NULL;
    issue_in(dir, state, language);
    snprintf(cmd, sizeof cmd, "%s/sig.png", dir);
    make_png(cmd);
    snprintf(cmd, sizeof cmd,
             DAY0 "%s accept Q-2026-000001 --signature %s/sig.png --signer 'Ana Lucía Rivera' "
             "--prices %s/prices --register %s/reg.db && "
             "%s reprint Q-2026-000001 --accepted -o %s/acc.pdf --register %s/reg.db",
             th_bin(), dir, dir, dir, th_bin(), dir, dir);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    free(out); free(err);
    snprintf(cmd, sizeof cmd, "pdftotext -q -f $(qpdf --show-npages %s/acc.pdf) %s/acc.pdf - | tr -s ' \\n' '  '", dir,
             dir);
    cr_assert_eq(th_run(cmd, page, NULL), 0);
    snprintf(cmd, sizeof cmd, DAY0 "%s show Q-2026-000001 --register %s/reg.db", th_bin(), dir);
    cr_assert_eq(th_run(cmd, show, NULL), 0);
}

/* Utah requires signed consent: the signature is recorded as that consent,
 * on the acceptance page and in the history. */
Test(accept, where_the_notice_requires_signed_consent_the_signature_is_recorded_as_consent)
{
    char *dir = th_tmpdir(), *page, *show;
    accept_in(dir, "UT", "en", &page, &show);
    cr_assert(strstr(page, "THIS NOTICE MUST BE PROVIDED TO YOU UNDER UTAH LAW."), "%s", page);
    cr_assert(strstr(page, "This signature is also the patient's signed consent to the stem cell therapy in the "
                           "estimate, after reading the notice above, as Utah Code § 58-1-512 requires."),
              "%s", page);
    cr_assert(strstr(show, "state notice UT; signed consent the notice requires"), "%s", show);
    free(page);
    free(show);
    th_rmtree(dir);
    free(dir);
}

/* Where the notice requires signed consent (Utah), accepting without the
 * signature is refused with what to do, and the quote stays issued; in
 * California (a notice, no signed consent) it is accepted. */
Test(accept, without_a_signature_is_refused_where_the_notice_requires_signed_consent)
{
    const char *states[] = { "UT", "CA" };
    for (size_t i = 0; i < 2; i++) {
        char *dir = th_tmpdir(), cmd[2000], *out = NULL, *err = NULL;
        issue_in(dir, states[i], "en");
        snprintf(cmd, sizeof cmd, DAY0 "%s accept Q-2026-000001 --prices %s/prices --register %s/reg.db", th_bin(),
                 dir, dir);
        int rc = th_run(cmd, &out, &err);
        if (i == 0) {
            cr_assert_eq(rc, 1, "Utah: %s%s", out, err);
            cr_assert(strstr(err, "Q-2026-000001 carries Utah's stem-cell notice, which requires the patient's signed "
                                  "consent: record the signature ('accept Q-2026-000001 --signature FILE --signer NAME'"),
                      "%s", err);
        } else {
            cr_assert_eq(rc, 0, "California: %s", err);
        }
        free(out);
        free(err);
        snprintf(cmd, sizeof cmd, DAY0 "%s list --format csv --register %s/reg.db", th_bin(), dir);
        cr_assert_eq(th_run(cmd, &out, NULL), 0);
        cr_assert(strstr(out, i == 0 ? ",issued," : ",accepted,"), "%s: %s", states[i], out);
        free(out);
        th_rmtree(dir);
        free(dir);
    }
}

/* On a Spanish quote the acceptance page has the notice's Spanish companion,
 * marked as a translation, after the English text (as the estimate does). */
Test(accept, the_acceptance_page_of_a_spanish_quote_has_the_marked_spanish_companion)
{
    char *dir = th_tmpdir(), *page, *show;
    accept_in(dir, "CA", "es", &page, &show);
    char *en = strstr(page, "THIS NOTICE MUST BE PROVIDED TO YOU UNDER CALIFORNIA LAW."),
         *note = strstr(page, "Traducción al español, solo como ayuda"),
         *es = strstr(page, "ESTE AVISO DEBE ENTREGÁRSELE CONFORME A LA LEY DE CALIFORNIA.");
    cr_assert(en && note && es && en < note && note < es, "English, then the marked companion: %s", page);
    cr_assert_null(strstr(page, "consentimiento firmado"), "California asks no signed consent: %s", page);
    cr_assert_null(strstr(show, "signed consent"), "%s", show);
    free(page);
    free(show);
    th_rmtree(dir);
    free(dir);
}
