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
    char cmd[4200];
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

/* ---- the consent form (notice --consent) ------------------------------------------ */

#define UT_TEXT "THIS NOTICE MUST BE PROVIDED TO YOU UNDER UTAH LAW. This health care practitioner " \
    "performs one or more stem cell therapies that have not yet been approved by the United States " \
    "Food and Drug Administration. You are encouraged to consult with your primary care provider " \
    "before undergoing a stem cell therapy."

/* A folder with the California sample's tables moved to state (sed_extra run
 * on its notices.json when not NULL), a register and two quotes of the
 * sample request: Q-2026-000001 in English, Q-2026-000002 in Spanish. */
static char *consent_setup(const char *state, const char *sed_extra)
{
    char *dir = th_tmpdir(), cmd[2400], *out, *err;
    snprintf(cmd, sizeof cmd,
             "cp %s/*.json %s/ && sed -i 's/\"state\": \"CA\"/\"state\": \"%s\"/' %s/clinic.json && "
             "sed 's/\"language\": \"en\"/\"language\": \"es\"/' %s > %s/es.json",
             CA_DIR, dir, state, dir, CA_REQ, dir);
    cr_assert_eq(th_run(cmd, NULL, NULL), 0);
    if (sed_extra) {
        snprintf(cmd, sizeof cmd, "sed -i '%s' %s/notices.json", sed_extra, dir);
        cr_assert_eq(th_run(cmd, NULL, NULL), 0);
    }
    snprintf(cmd, sizeof cmd, "%s/reg.db", dir);
    cr_assert_eq(th_init_register(cmd), 0);
    char es[700];
    snprintf(es, sizeof es, "%s/es.json", dir);
    const char *reqs[] = { CA_REQ, es };
    for (int i = 0; i < 2; i++) {
        const char *req = reqs[i];
        snprintf(cmd, sizeof cmd, "quote %s --prices %s --register %s/reg.db --out-dir %s/out", req, dir, dir, dir);
        cr_assert_eq(rq(cmd, &out, &err), 0, "%s", err);
        free(out);
        free(err);
    }
    return dir;
}

/* notice --consent NUMBER in dir, to dir/NAME; the exit status, stderr in *err. */
static int consent(const char *dir, const char *number, const char *name, char **err)
{
    char cmd[1600], *out;
    snprintf(cmd, sizeof cmd, "notice --consent %s --prices %s --register %s/reg.db -o %s/%s", number, dir, dir, dir,
             name);
    int st = rq(cmd, &out, err);
    free(out);
    return st;
}

Test(notice, utah_consent_form_has_the_notice_verbatim_the_quote_the_patient_and_signature_lines)
{
    char *dir = consent_setup("UT", NULL), path[700], cmd[2400], *err, *out;
    cr_assert_eq(consent(dir, "Q-2026-000001", "consent.pdf", &err), 0, "%s", err);
    free(err);
    snprintf(path, sizeof path, "%s/consent.pdf", dir);
    char *w = pdf_words(path, 1, 1);
    cr_assert(strstr(w, "Consent to stem cell therapy"), "%s", w);
    cr_assert(strstr(w, UT_TEXT), "the notice verbatim: %s", w);
    cr_assert(strstr(w, "Utah Code § 58-1-512"), "%s", w);
    cr_assert(strstr(w, "Estimate no.") && strstr(w, "Q-2026-000001"), "%s", w);
    cr_assert(strstr(w, "Patient") && strstr(w, "Ana Lucía Rivera") && strstr(w, "P-20117"), "%s", w);
    cr_assert(strstr(w, "Pacific Coast Foot & Ankle Regenerative Clinic"), "%s", w);
    cr_assert(strstr(w, "I consent to receive it"), "%s", w);
    cr_assert(strstr(w, "Signature of the patient"), "%s", w);
    cr_assert(strstr(w, "Printed name"), "%s", w);
    cr_assert(strstr(w, "Signature of the witness (clinic staff)"), "%s", w);
    cr_assert_null(strstr(w, "Traducción"), "no translation: Utah's notice has no Spanish companion");
    free(w);
    snprintf(cmd, sizeof cmd, "qpdf --check %s >/dev/null && pdfinfo %s && stat -c %%a %s", path, path, path);
    cr_assert_eq(th_run(cmd, &out, NULL), 0);
    cr_assert(strstr(out, "Pages:           1"), "one page: %s", out);
    cr_assert(strstr(out, "612 x 792 pts (letter)"), "%s", out);
    cr_assert(strstr(out, "\n600\n"), "owner-only: %s", out);
    free(out);
    /* the same quote gives the same bytes */
    cr_assert_eq(consent(dir, "Q-2026-000001", "again.pdf", &err), 0, "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "cmp %s %s/again.pdf", path, dir);
    cr_assert_eq(th_run(cmd, NULL, NULL), 0, "the consent form is not reproducible");
    /* a Spanish quote: Spanish words, the notice in English, verbatim */
    cr_assert_eq(consent(dir, "Q-2026-000002", "es.pdf", &err), 0, "%s", err);
    free(err);
    snprintf(path, sizeof path, "%s/es.pdf", dir);
    w = pdf_words(path, 1, 1);
    cr_assert(strstr(w, "Consentimiento para terapia con células madre"), "%s", w);
    cr_assert(strstr(w, UT_TEXT), "%s", w);
    cr_assert(strstr(w, "Presupuesto n.º") && strstr(w, "Q-2026-000002"), "%s", w);
    cr_assert(strstr(w, "Firma del paciente"), "%s", w);
    free(w);
    th_rmtree(dir);
    free(dir);
}

Test(notice, a_consent_form_on_a_spanish_quote_has_the_marked_spanish_companion)
{
    /* California's notice, as if its statute also asked for a consent form */
    char *dir = consent_setup("CA", "s/\"appears_on\": \\[\"estimate\", \"poster\"\\]/\"appears_on\": [\"estimate\", \"poster\", \"consent\"]/"),
         path[700], *err;
    cr_assert_eq(consent(dir, "Q-2026-000002", "es.pdf", &err), 0, "%s", err);
    free(err);
    snprintf(path, sizeof path, "%s/es.pdf", dir);
    char *w = pdf_words(path, 1, 1);
    char *en = strstr(w, CA_TEXT), *note = strstr(w, "Traducción al español, solo como ayuda"),
         *es = strstr(w, "ESTE AVISO DEBE ENTREGÁRSELE CONFORME A LA LEY DE CALIFORNIA.");
    cr_assert(en && note && es, "English text, the note and the companion: %s", w);
    cr_assert(en < note && note < es, "the companion follows the English text, marked: %s", w);
    free(w);
    cr_assert_eq(consent(dir, "Q-2026-000001", "en.pdf", &err), 0, "%s", err);
    free(err);
    snprintf(path, sizeof path, "%s/en.pdf", dir);
    w = pdf_words(path, 1, 1);
    cr_assert(strstr(w, CA_TEXT), "%s", w);
    cr_assert_null(strstr(w, "ESTE AVISO"), "no companion on an English quote: %s", w);
    free(w);
    th_rmtree(dir);
    free(dir);
}

Test(notice, a_consent_form_is_refused_where_no_notice_calls_for_one)
{
    char *dir = consent_setup("CA", NULL), cmd[1600], *out, *err;
    /* California's notice is given in writing and posted; it asks for no consent form */
    cr_assert_eq(consent(dir, "Q-2026-000001", "ca.pdf", &err), 1);
    cr_assert(strstr(err, "the California notice (Cal. Bus. & Prof. Code § 684) calls for no consent form"), "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "%s/ca.pdf", dir);
    cr_assert_null(th_read(cmd, NULL), "a refused form left a file");
    /* a therapy the clinic does not mark: no notice at all */
    snprintf(cmd, sizeof cmd,
             "quote --prices %s --register %s/reg.db --out-dir %s/out --patient-name 'Ana Lucía Rivera' "
             "--source bone-marrow --method bmac --area left-ankle",
             dir, dir, dir);
    cr_assert_eq(rq(cmd, &out, &err), 0, "%s", err);
    free(out);
    free(err);
    cr_assert_eq(consent(dir, "Q-2026-000003", "bm.pdf", &err), 1);
    cr_assert(strstr(err, "no state stem-cell notice applies to Q-2026-000003"), "%s", err);
    free(err);
    cr_assert_eq(consent(dir, "Q-2026-000099", "x.pdf", &err), 1);
    cr_assert(strstr(err, "Q-2026-000099"), "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "notice --consent Q-2026-000001 --poster --prices %s --register %s/reg.db", dir, dir);
    cr_assert_eq(rq(cmd, &out, &err), 2);
    cr_assert(strstr(err, "'--consent'"), "%s", err);
    free(out);
    free(err);
    th_rmtree(dir);
    free(dir);
}

Test(notice, a_void_quote_gets_no_consent_form)
{
    char *dir = consent_setup("UT", NULL), cmd[1600], *out, *err;
    snprintf(cmd, sizeof cmd, "void Q-2026-000001 --reason 'Wrong plan' --register %s/reg.db", dir);
    cr_assert_eq(rq(cmd, &out, &err), 0, "%s", err);
    free(out);
    free(err);
    cr_assert_eq(consent(dir, "Q-2026-000001", "void.pdf", &err), 1);
    cr_assert(strstr(err, "quote Q-2026-000001 is void"), "%s", err);
    free(err);
    th_rmtree(dir);
    free(dir);
}
