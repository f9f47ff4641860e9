/* State stem-cell notices: the data file, the estimate's page 1, the poster. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "notice.h"

#define CA_DIR "examples/clinics/california"
#define CA_REQ CA_DIR "/request-adipose-knee.json"
#define CA_TEXT "THIS NOTICE MUST BE PROVIDED TO YOU UNDER CALIFORNIA LAW. This health care " \
    "practitioner performs one or more stem cell therapies that have not been approved by the " \
    "United States Food and Drug Administration. You are encouraged to consult with your primary " \
    "care physician prior to undergoing a stem cell therapy."

static int rq(const char *args, char **out, char **err)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "SOURCE_DATE_EPOCH=1795478400 %s %s", th_bin(), args);
    return th_run(cmd, out, err);
}

/* pdftotext of page(s) first..last with every run of white space made one space. */
static char *pdf_words(const char *pdf, int first, int last)
{
    char cmd[1200], *out = NULL;
    snprintf(cmd, sizeof cmd, "pdftotext -q -enc UTF-8 -f %d -l %d '%s' -", first, last, pdf);
    cr_assert_eq(th_run(cmd, &out, NULL), 0, "pdftotext %s", pdf);
    char *w = out;
    for (char *r = out; *r; r++) {
        bool sp = *r == ' ' || *r == '\n' || *r == '\t' || *r == '\f';
        if (sp && (w == out || w[-1] == ' '))
            continue;
        *w++ = sp ? ' ' : *r;
    }
    *w = '\0';
    return out;
}

Test(notice, shipped_file_has_california_verbatim_and_utah_with_signed_consent)
{
    struct notice_set *s = NULL;
    struct diag_list dl = { 0 };
    cr_assert_eq(notice_set_load(&s, "pricing/notices.json", &dl), 0, "%s", th_diags(&dl));
    const struct notice *ca = notice_find(s, "CA");
    cr_assert_not_null(ca);
    cr_assert_str_eq(ca->text, CA_TEXT);
    cr_assert_str_eq(ca->citation, "Cal. Bus. & Prof. Code § 684");
    cr_assert(ca->on_estimate && ca->on_poster && !ca->is_template);
    cr_assert_not_null(ca->translation_note_es);
    const struct notice *ut = notice_find(s, "UT");
    cr_assert(ut && ut->signed_consent && !ut->is_template);
    cr_assert(notice_find(s, "FL")->is_template);
    cr_assert(notice_find(s, "WA")->is_template);
    cr_assert_null(notice_find(s, "TX"));
    notice_set_free(s);
    diag_list_free(&dl);
}

Test(notice, california_estimate_prints_the_notice_verbatim_on_page_one)
{
    char *dir = th_tmpdir(), args[1200], *out, *err;
    snprintf(args, sizeof args, "price %s --prices %s --format pdf -o %s/ca.pdf", CA_REQ, CA_DIR, dir);
    cr_assert_eq(rq(args, &out, &err), 0, "%s", err);
    free(out); free(err);
    snprintf(args, sizeof args, "%s/ca.pdf", dir);
    char *p1 = pdf_words(args, 1, 1);
    cr_assert(strstr(p1, CA_TEXT), "%s", p1);
    cr_assert(strstr(p1, "Cal. Bus. & Prof. Code § 684"), "%s", p1);
    cr_assert_null(strstr(p1, "ESTE AVISO"), "no Spanish companion on an English quote");
    free(p1);
    th_rmtree(dir);
    free(dir);
}

Test(notice, spanish_estimate_has_english_text_and_the_marked_translation)
{
    char *dir = th_tmpdir(), args[1200], req[600], *out, *err;
    snprintf(req, sizeof req, "%s/es.json", dir);
    char *text = th_read(CA_REQ, NULL);
    char *at = strstr(text, "\"language\": \"en\"");
    cr_assert_not_null(at);
    memcpy(at + 13, "es", 2);
    th_write(req, text);
    free(text);
    snprintf(args, sizeof args, "price %s --prices %s --format pdf -o %s/es.pdf", req, CA_DIR, dir);
    cr_assert_eq(rq(args, &out, &err), 0, "%s", err);
    free(out); free(err);
    snprintf(args, sizeof args, "%s/es.pdf", dir);
    char *p1 = pdf_words(args, 1, 1);
    cr_assert(strstr(p1, CA_TEXT), "%s", p1);
    cr_assert(strstr(p1, "Traducción al español, solo como ayuda"), "%s", p1);
    cr_assert(strstr(p1, "ESTE AVISO DEBE ENTREGÁRSELE CONFORME A LA LEY DE CALIFORNIA."), "%s", p1);
    free(p1);
    th_rmtree(dir);
    free(dir);
}

Test(notice, texas_estimate_shows_no_notice)
{
    char *dir = th_tmpdir(), args[1200], *out, *err;
    snprintf(args, sizeof args, "price examples/adipose-two-knees.json --format pdf -o %s/tx.pdf", dir);
    cr_assert_eq(rq(args, &out, &err), 0, "%s", err);
    free(out); free(err);
    snprintf(args, sizeof args, "%s/tx.pdf", dir);
    char *all = pdf_words(args, 1, 99);
    cr_assert_null(strstr(all, "THIS NOTICE MUST BE PROVIDED"), "%s", all);
    free(all);
    th_rmtree(dir);
    free(dir);
}

Test(notice, a_therapy_the_clinic_does_not_mark_carries_no_notice)
{
    /* bone marrow concentrated the same day: the sample California clinic
     * counts it under the same-surgical-procedure exception */
    char *dir = th_tmpdir(), args[1200], *out, *err;
    snprintf(args, sizeof args,
             "price --prices %s --source bone-marrow --method bmac --area left-ankle --format pdf -o %s/bm.pdf",
             CA_DIR, dir);
    cr_assert_eq(rq(args, &out, &err), 0, "%s", err);
    free(out); free(err);
    snprintf(args, sizeof args, "%s/bm.pdf", dir);
    char *all = pdf_words(args, 1, 99);
    cr_assert_null(strstr(all, "THIS NOTICE MUST BE PROVIDED"), "%s", all);
    free(all);
    th_rmtree(dir);
    free(dir);
}

Test(notice, validate_refuses_a_template_for_the_clinics_own_state)
{
    char *dir = th_tmpdir(), cmd[1600], *out, *err;
    snprintf(cmd, sizeof cmd, "cp %s/*.json %s/ && sed -i 's/\"state\": \"CA\"/\"state\": \"FL\"/' %s/clinic.json",
             CA_DIR, dir, dir);
    cr_assert_eq(th_run(cmd, NULL, NULL), 0);
    snprintf(cmd, sizeof cmd, "validate %s", dir);
    cr_assert_eq(rq(cmd, &out, &err), 1, "%s", out);
    cr_assert(strstr(out, "the Florida notice is a template"), "%s", out);
    free(out); free(err);
    snprintf(cmd, sizeof cmd, "validate %s", CA_DIR);
    cr_assert_eq(rq(cmd, &out, &err), 0, "%s", err);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

Test(notice, validate_checks_the_notices_file_field_by_field)
{
    char *dir = th_tmpdir(), cmd[1600], *out, *err;
    snprintf(cmd, sizeof cmd, "cp %s/*.json %s/", CA_DIR, dir);
    cr_assert_eq(th_run(cmd, NULL, NULL), 0);
    snprintf(cmd, sizeof cmd, "%s/notices.json", dir);
    th_write(cmd, "{ \"notices\": [ { \"state\": \"Cal\", \"state_name\": \"California\", \"citation\": \"x\",\n"
                  "  \"text\": \"\", \"text_es\": \"y\", \"appears_on\": [\"wall\"], \"signed_consent\": false,\n"
                  "  \"colour\": 1 } ] }\n");
    snprintf(cmd, sizeof cmd, "validate %s", dir);
    cr_assert_eq(rq(cmd, &out, &err), 1, "%s", out);
    cr_assert(strstr(out, "'Cal' is not a state"), "%s", out);
    cr_assert(strstr(out, "notices[0].text: is empty"), "%s", out);
    cr_assert(strstr(out, "add \"translation_note_es\""), "%s", out);
    cr_assert(strstr(out, "'wall' is not a place"), "%s", out);
    cr_assert(strstr(out, "colour"), "%s", out);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

Test(notice, poster_is_letter_with_the_notice_at_40_points_or_more)
{
    char *dir = th_tmpdir(), args[1200], *out, *err;
    snprintf(args, sizeof args, "notice --poster --prices %s -o %s/poster.pdf", CA_DIR, dir);
    cr_assert_eq(rq(args, &out, &err), 0, "%s", err);
    free(out); free(err);
    snprintf(args, sizeof args, "qpdf --check %s/poster.pdf >/dev/null && pdfinfo %s/poster.pdf", dir, dir);
    cr_assert_eq(th_run(args, &out, NULL), 0);
    cr_assert(strstr(out, "612 x 792 pts (letter)"), "%s", out);
    cr_assert(strstr(out, "Pages:           1"), "%s", out);
    free(out);
    snprintf(args, sizeof args, "%s/poster.pdf", dir);
    char *w = pdf_words(args, 1, 1);
    cr_assert(strstr(w, CA_TEXT), "%s", w);
    free(w);
    /* every glyph of the notice is 40 points or larger: pdftotext's bounding boxes */
    snprintf(args, sizeof args,
             "pdftotext -bbox %s/poster.pdf - | awk -F'\"' '/<word/ { h = $8 - $4; if (h < 40*0.9 && $0 !~ /684|Cal\\.|Bus\\.|Prof\\.|Code|&amp;|§/) bad++ } END { print bad+0 }'",
             dir);
    cr_assert_eq(th_run(args, &out, NULL), 0);
    cr_assert_str_eq(out, "0\n", "words under 40 points");
    free(out);
    th_rmtree(dir);
    free(dir);
}

Test(notice, notice_refuses_a_template_and_a_state_without_an_entry)
{
    char *out, *err;
    cr_assert_eq(rq("notice --state FL", &out, &err), 1);
    cr_assert(strstr(err, "the Florida notice in 'pricing/notices.json' is a template"), "%s", err);
    free(out); free(err);
    cr_assert_eq(rq("notice --state NV --poster", &out, &err), 1);
    cr_assert(strstr(err, "has no notice for 'NV'"), "%s", err);
    free(out); free(err);
    cr_assert_eq(rq("notice --state UT", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "UNDER UTAH LAW"), "%s", out);
    free(out); free(err);
}
