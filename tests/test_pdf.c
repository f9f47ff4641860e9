/* The patient's PDF quote (render_pdf): content in English and Spanish,
 * pagination of a long plan, reproducibility, names in any script, and the
 * errors that must leave no file behind.  Quotes are built through the
 * real calls (price_table_load, plan_apply_option, pricing_compute) and the
 * PDFs are read back with poppler's pdftotext, as a patient's viewer would. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "money.h"
#include "pdf_update.h"
#include "plan.h"
#include "price_table.h"
#include "pricing.h"
#include "quote.h"
#include "render_pdf.h"

struct fx {
    struct price_table pt;
    struct plan plan;
    struct quote q;
    struct diag_list dl;
    char dir[64];                /* this test's own temp dir */
    char path[128];              /* dir/quote.pdf */
};

static char *diags(const struct diag_list *dl)
{
    static char out[8192];
    char b[1024];
    out[0] = '\0';
    for (size_t i = 0; i < dl->n; i++) {
        strncat(out, diag_format(&dl->v[i], b, sizeof b), sizeof out - strlen(out) - 2);
        strcat(out, "\n");
    }
    return out;
}

/* Price the plan given as option name/value pairs (NULL-terminated)
 * against the price tables in folder tables. */
static void build_with(struct fx *f, const char *tables, const char *const *opts)
{
    memset(f, 0, sizeof *f);
    strcpy(f->dir, "/tmp/rq-pdf-XXXXXX");
    cr_assert_not_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/quote.pdf", f->dir);
    cr_assert_eq(price_table_load(&f->pt, tables, &f->dl), 0, "%s", diags(&f->dl));
    plan_init(&f->plan);
    for (size_t i = 0; opts[i]; i += 2)
        cr_assert_eq(plan_apply_option(&f->plan, opts[i], opts[i + 1], &f->dl), 0, "%s", diags(&f->dl));
    cr_assert_eq(pricing_compute(&f->pt, &f->plan, date_from_ymd(2026, 11, 23), &f->q, &f->dl), 0, "%s",
                 diags(&f->dl));
}

/* The same against pricing/. */
static void build(struct fx *f, const char *const *opts)
{
    build_with(f, "pricing", opts);
}

static size_t dir_entries(const char *dir)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static void done(struct fx *f)
{
    DIR *d = opendir(f->dir);
    if (d) {
        char p[512];
        for (struct dirent *e; (e = readdir(d)) != NULL;) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof p, "%s/%s", f->dir, e->d_name);
            unlink(p);
        }
        closedir(d);
        rmdir(f->dir);
    }
    quote_free(&f->q);
    plan_free(&f->plan);
    price_table_free(&f->pt);
    diag_list_free(&f->dl);
}

/* Output of a shell command (malloc'd). */
static char *run(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p, "cannot run %s", cmd);
    size_t n = 0, cap = 65536;
    char *s = malloc(cap);
    for (size_t r; (r = fread(s + n, 1, cap - n - 1, p)) > 0;) {
        n += r;
        if (cap - n < 2)
            s = realloc(s, cap *= 2);
    }
    s[n] = '\0';
    pclose(p);
    return s;
}

/* Text of page `page` (0 = all) in reading order, or (layout) line by
 * line as laid out, so a label and its value on one line stay together. */
static char *pdf_text_mode(const char *path, int page, bool layout)
{
    char cmd[512], range[64] = "";
    if (page)
        snprintf(range, sizeof range, "-f %d -l %d", page, page);
    snprintf(cmd, sizeof cmd, "pdftotext -q -enc UTF-8 %s %s '%s' -", layout ? "-layout" : "", range, path);
    return run(cmd);
}

static char *pdf_text(const char *path, int page)
{
    return pdf_text_mode(path, page, false);
}

/* The same with every run of white space made one space. */
static char *flat(char *s)
{
    size_t o = 0;
    for (size_t i = 0; s[i]; i++) {
        bool sp = s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\f';
        if (sp && (o == 0 || s[o - 1] == ' '))
            continue;
        s[o++] = sp ? ' ' : s[i];
    }
    s[o] = '\0';
    return s;
}

static int pdf_pages(const char *path)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "pdfinfo '%s' 2>/dev/null", path);
    char *s = run(cmd), *p = strstr(s, "Pages:");
    int n = p ? atoi(p + 6) : 0;
    free(s);
    return n;
}

static const char *usd(int64_t cents, char *b, size_t n)
{
    return money_format(cents, "$", '.', ',', b, n);
}

#define HAS(text, s) cr_expect(strstr((text), (s)) != NULL, "missing from the PDF: \"%s\"", (s))
#define HASNT(text, s) cr_expect(strstr((text), (s)) == NULL, "must not be in the PDF: \"%s\"", (s))

static const char *const basic[] = {
    "source", "bone-marrow", "area", "left-ankle", "sessions", "2", "add", "prp-booster",
    "add", "follow-up-mri", "patient-name", "José Müller-Ñúñez", "dob", "1968-04-12",
    "date", "2027-01-14", "condition", "Chronic plantar fasciitis, left heel", "icd10", "M72.2",
    "patient-id", "PT-00417", NULL};

static struct render_opts opts_en(void)
{
    return (struct render_opts){.lang = "en", .templates_dir = "templates",
                                .quote_number = "Q-2027-000042", .supersedes = "Q-2027-000017"};
}

Test(pdf, english_quote_shows_every_required_element)
{
    struct fx f;
    build(&f, basic);
    struct render_opts o = opts_en();
    cr_assert_eq(render_pdf(&f.q, &o, f.path, &f.dl), 0, "%s", diags(&f.dl));
    char *t = flat(pdf_text(f.path, 0)), *l = flat(pdf_text_mode(f.path, 0, true));
    const struct pt_clinic *c = &f.pt.clinic;
    char b[64], b2[64];

    /* 1. letterhead */
    HAS(t, c->name);
    HAS(t, c->address[0]);
    HAS(t, c->phone);
    HAS(t, f.q.provider->name);
    HAS(t, f.q.provider->npi);
    HAS(t, c->tin);
    HAS(t, c->npi);
    HAS(t, f.q.location->name);
    /* 2. title, number, dates */
    HAS(t, "Cost estimate / Good Faith Estimate");
    HAS(t, "Q-2027-000042");
    HAS(t, "Replaces estimate no. Q-2027-000017");
    HAS(l, "Date issued November 23, 2026");
    HAS(l, "Valid until December 23, 2026");
    HAS(l, "Procedure scheduled January 14, 2027");
    HASNT(t, "DRAFT");
    /* 3. patient */
    HAS(t, "José Müller-Ñúñez");
    HAS(t, "April 12, 1968");
    HAS(t, "PT-00417");
    /* 4. the plan */
    HAS(t, "Chronic plantar fasciitis, left heel");
    HAS(t, "M72.2");
    HAS(t, "Left ankle");
    HAS(t, f.q.source->name);
    HAS(t, f.q.method->name);
    HAS(t, "2 sessions, 12 weeks apart");
    HAS(t, "banked");
    HAS(t, "PRP booster (1)");
    /* 5. the itemised table, totals */
    HAS(l, "Code Description Qty Unit price Amount");
    HAS(t, "Before the procedure");
    HAS(t, "Procedure day");
    HAS(t, "Repeat MSC sessions");
    HAS(t, "Visit subtotal");
    for (size_t i = 0; i < f.q.n_lines; i++)
        if (f.q.lines[i].code[0])
            HAS(t, f.q.lines[i].code);
    HAS(t, "Total you pay");
    HAS(t, usd(f.q.total_cents, b, sizeof b));
    HAS(t, usd(f.q.subtotal_cents, b, sizeof b));
    /* 8. items outside the total, listed apart with their sums */
    cr_assert_gt(f.q.billable_cents, 0);
    cr_assert_gt(f.q.separate_cents, 0);
    HAS(t, "May be billable to your insurance (not in the total)");
    snprintf(b2, sizeof b2, "Items that may be billable to insurance %s", usd(f.q.billable_cents, b, sizeof b));
    HAS(l, b2);
    HAS(t, "Services expected to be scheduled separately");
    HAS(t, usd(f.q.separate_cents, b, sizeof b));
    HAS(t, "IMPORTANT: these services are not covered by insurance");
    HAS(t, "not covered by health insurance or by Medicare");
    HAS(t, "responsible for the full amount");
    /* 6, 7. timeline, deposit, financing */
    HAS(t, "Timeline and payments");
    HAS(t, "Deposit to reserve your procedure date");
    HAS(t, usd(f.q.deposit_cents, b, sizeof b));
    HAS(t, "Due by December 31, 2026");
    for (size_t i = 0; i < f.q.n_visits; i++)
        HAS(t, usd(f.q.visits[i].due_cents, b, sizeof b));
    HAS(t, "February 25, 2027 to March 11, 2027");
    HAS(t, "Financing examples (examples only, not an offer of credit)");
    HAS(t, usd(f.q.financing[1].monthly, b, sizeof b));
    /* 9. Good Faith Estimate statements */
    HAS(t, "It is an estimate only");
    HAS(t, "Other services may be recommended");
    HAS(t, "$400 or more above this Good Faith Estimate");
    HAS(t, "within 120 days");
    HAS(t, "www.cms.gov/nosurprises");
    HAS(t, "does not affect the care");
    HAS(t, "not a contract");
    HAS(t, "Keep a copy");
    /* 10. acknowledgement, pages, trace */
    HAS(t, "Patient or legal representative signature");
    HAS(t, "Printed name");
    snprintf(b2, sizeof b2, "Page 1 of %d", pdf_pages(f.path));
    HAS(t, b2);
    snprintf(b2, sizeof b2, "Price table %s", f.pt.version);
    HAS(t, b2);
    snprintf(b2, sizeof b2, "sha256 %.12s", f.pt.sha256);
    HAS(t, b2);
    HASNT(t, "FDA-approved");
    HASNT(t, "FDA approved");
    free(t);
    free(l);
    done(&f);
}

Test(pdf, spanish_quote_is_in_spanish)
{
    struct fx f;
    build(&f, basic);
    struct render_opts o = opts_en();
    o.lang = "es";
    cr_assert_eq(render_pdf(&f.q, &o, f.path, &f.dl), 0, "%s", diags(&f.dl));
    char *t = flat(pdf_text(f.path, 0)), *l = flat(pdf_text_mode(f.path, 0, true));
    char b[64], b2[96];
    HAS(t, "Presupuesto / Estimación de Buena Fe");
    HAS(t, "Reemplaza el presupuesto n.º Q-2027-000017");
    HAS(l, "Fecha de emisión 23 de noviembre de 2026");
    HAS(l, "Válido hasta 23 de diciembre de 2026");
    HAS(t, "14 de enero de 2027");
    HAS(t, "12 de abril de 1968");
    HAS(t, "José Müller-Ñúñez");
    HAS(t, "2 sesiones, con 12 semanas entre ellas");
    HAS(l, "Código Descripción Cant. Precio unitario Importe");
    HAS(t, "Antes del procedimiento");
    HAS(t, "Subtotal de la visita");
    HAS(t, "IMPORTANTE: el seguro médico no cubre estos servicios");
    HAS(t, "Podría facturarse a su seguro (no incluido en el total)");
    HAS(t, "Servicios que se programarán por separado");
    snprintf(b2, sizeof b2, "Total a su cargo %s", usd(f.q.total_cents, b, sizeof b));
    HAS(l, b2);
    HAS(t, "Depósito para reservar la fecha del procedimiento");
    HAS(t, "del 25 de febrero de 2027 al 11 de marzo de 2027");
    HAS(t, "Ejemplos de financiación (solo ejemplos, no es una oferta de crédito)");
    HAS(t, "$400 o más por encima de esta Estimación de Buena Fe");
    HAS(t, "120 días");
    HAS(t, "www.cms.gov/nosurprises");
    HAS(t, "no afecta la atención");
    HAS(t, "no es un contrato");
    HAS(t, "Guarde una copia");
    HAS(t, "Firma del paciente o de su representante legal");
    snprintf(b2, sizeof b2, "Página 1 de %d", pdf_pages(f.path));
    HAS(t, b2);
    snprintf(b2, sizeof b2, "Tabla de precios %s", f.pt.version);
    HAS(t, b2);
    /* no English label left behind */
    HASNT(t, "Total you pay");
    HASNT(t, "Unit price");
    HASNT(t, "Page 1 of");
    HASNT(t, "November");
    HASNT(t, "FDA-approved");
    free(t);
    free(l);
    done(&f);
}

Test(pdf, draft_is_marked_on_every_page)
{
    struct fx f;
    build(&f, basic);
    struct render_opts o = {.templates_dir = "templates"};
    cr_assert_eq(render_pdf(&f.q, &o, f.path, &f.dl), 0, "%s", diags(&f.dl));
    int pages = pdf_pages(f.path);
    cr_assert_gt(pages, 1);
    for (int p = 1; p <= pages; p++) {
        char *t = flat(pdf_text(f.path, p));
        cr_expect(strstr(t, "DRAFT") != NULL, "page %d has no DRAFT mark", p);
        HASNT(t, "Estimate no.");
        free(t);
    }
    done(&f);
}

static const char *const long_plan[] = {
    "source", "adipose", "area", "left-knee", "area", "right-knee", "area", "left-ankle",
    "area", "right-achilles", "sessions", "4", "repeat-cells", "new-harvest",
    "add", "prolotherapy-primer:3", "add", "prp-booster:2", "add", "physical-therapy:24",
    "add", "gait-training:12", "add", "custom-orthotics", "add", "ankle-brace:2",
    "add", "sedation", "add", "diagnostic-ultrasound", "add", "follow-up-mri",
    "discount", "prepay", "discount", "returning-patient", "discount", "military:US Army veteran",
    "patient-name", "Zoë O'Brien-Łukasik", "dob", "1971-09-30", NULL};

Test(pdf, long_plan_paginates_with_header_rows_and_page_numbers)
{
    struct fx f;
    build(&f, long_plan);
    cr_assert_geq(f.q.n_lines, 40, "the plan has only %zu lines", f.q.n_lines);
    struct render_opts o = opts_en();
    cr_assert_eq(render_pdf(&f.q, &o, f.path, &f.dl), 0, "%s", diags(&f.dl));
    int pages = pdf_pages(f.path);
    cr_assert_geq(pages, 3);

    int table_pages = 0, total_page = 0, last_row_page = 0;
    char total[96], b[64];
    snprintf(total, sizeof total, "Total you pay %s", usd(f.q.total_cents, b, sizeof b));
    char **text = calloc((size_t)pages + 1, sizeof *text), **lay = calloc((size_t)pages + 1, sizeof *lay);
    for (int p = 1; p <= pages; p++) {
        text[p] = flat(pdf_text(f.path, p));
        lay[p] = flat(pdf_text_mode(f.path, p, true));
        char want[64];
        snprintf(want, sizeof want, "Page %d of %d", p, pages);
        cr_expect(strstr(text[p], want) != NULL, "page %d does not say '%s'", p, want);
        if (!total_page && strstr(lay[p], total))
            total_page = p;
    }

    /* every row is whole on one page: its full description is on a page */
    for (size_t i = 0; i < f.q.n_lines; i++) {
        char *d = flat(strdup(f.q.lines[i].description));
        int on = 0;
        for (int p = 1; p <= pages && !on; p++)
            if (strstr(text[p], d))
                on = p;
        cr_expect(on > 0, "row '%s' is not whole on any page", d);
        if (f.q.lines[i].in_total && on > last_row_page)
            last_row_page = on;
        free(d);
    }
    /* every page that carries rows starts with the header row */
    int first_row_page = 0;
    for (int p = 1; p <= pages && !first_row_page; p++)
        if (strstr(lay[p], "Code Description Qty Unit price Amount"))
            first_row_page = p;
    cr_expect_eq(first_row_page, 1);
    for (int p = first_row_page; p <= last_row_page; p++) {
        table_pages++;
        cr_expect(strstr(lay[p], "Code Description Qty Unit price Amount") != NULL,
                  "page %d continues the table without its header row", p);
        if (p > first_row_page)
            cr_expect(strstr(text[p], "Itemised estimate (continued)") != NULL, "page %d", p);
    }
    cr_expect_geq(table_pages, 2, "the table should run over several pages");
    /* totals come after the last row, on the table's last page */
    cr_expect(total_page >= last_row_page && total_page > 0, "total on page %d, last row on page %d",
              total_page, last_row_page);
    cr_expect(strstr(text[total_page], "Itemised estimate (continued)") != NULL || total_page == 1);
    for (int p = 1; p <= pages; p++) {
        free(text[p]);
        free(lay[p]);
    }
    free(text);
    free(lay);

    char cmd[256];
    snprintf(cmd, sizeof cmd, "qpdf --check '%s' >/dev/null 2>&1; echo $?", f.path);
    char *rc = run(cmd);
    cr_expect_eq(atoi(rc), 0, "qpdf --check fails");
    free(rc);
    done(&f);
}

Test(pdf, same_inputs_give_identical_bytes)
{
    struct fx f;
    build(&f, basic);
    struct render_opts o = opts_en();
    unsigned char *a, *b;
    size_t la, lb;
    cr_assert_eq(render_pdf_mem(&f.q, &o, &a, &la, &f.dl), 0, "%s", diags(&f.dl));
    cr_assert_eq(render_pdf_mem(&f.q, &o, &b, &lb, &f.dl), 0, "%s", diags(&f.dl));
    cr_assert_eq(la, lb);
    cr_assert(memcmp(a, b, la) == 0, "two renderings differ");
    cr_assert_eq(render_pdf(&f.q, &o, f.path, &f.dl), 0, "%s", diags(&f.dl));
    FILE *fp = fopen(f.path, "rb");
    cr_assert_not_null(fp);
    unsigned char *c = malloc(la + 1);
    size_t lc = fread(c, 1, la + 1, fp);
    fclose(fp);
    cr_assert_eq(lc, la);
    cr_assert(memcmp(a, c, la) == 0, "the file differs from the buffer");
    for (size_t i = 0; i + 12 <= la; i++)
        cr_assert(memcmp(a + i, "CreationDate", 12) != 0, "a clock-derived date is in the PDF");
    struct stat st;
    cr_assert_eq(stat(f.path, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0600, "mode %o", (unsigned)(st.st_mode & 0777));
    free(a);
    free(b);
    free(c);
    done(&f);
}

/* Render the basic plan for `name`; return the PDF's text and size. */
static char *render_name(struct fx *f, const char *name, size_t *size)
{
    const char *opts[64];
    size_t n = 0;
    for (; basic[n]; n++)
        opts[n] = strcmp(basic[n], "José Müller-Ñúñez") == 0 ? name : basic[n];
    opts[n] = NULL;
    build(f, opts);
    struct render_opts o = opts_en();
    cr_assert_eq(render_pdf(&f->q, &o, f->path, &f->dl), 0, "%s", diags(&f->dl));
    struct stat st;
    stat(f->path, &st);
    *size = (size_t)st.st_size;
    return flat(pdf_text(f->path, 0));
}

Test(pdf, names_in_any_script_survive_extraction)
{
    static const char *const names[] = {"José Müller-Ñúñez", "Zoë O'Brien-Łukasik", "Nguyễn Thị Hồng",
                                        "Αλέξανδρος Παπαδόπουλος", "Ольга Кузнецова"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        struct fx f;
        size_t size;
        char *t = render_name(&f, names[i], &size);
        HAS(t, names[i]);
        char want[128];
        snprintf(want, sizeof want, "Estimate for %s", names[i]);
        HAS(t, want);
        cr_expect_lt(size, 40 * 1024, "%s: %zu bytes", names[i], size);
        free(t);
        done(&f);
    }
}

Test(pdf, font_is_embedded_only_when_a_string_needs_it)
{
    struct fx f;
    size_t size;
    char cmd[256];
    free(render_name(&f, "José Müller-Ñúñez", &size));
    snprintf(cmd, sizeof cmd, "pdffonts '%s' 2>/dev/null | grep -c ' yes ' ; true", f.path);
    char *s = run(cmd);
    cr_expect_eq(atoi(s), 0, "a Latin-only quote embeds a font");
    free(s);
    cr_expect_lt(size, 20 * 1024, "%zu bytes", size);
    done(&f);

    free(render_name(&f, "Nguyễn Thị Hồng", &size));
    snprintf(cmd, sizeof cmd, "pdffonts '%s' 2>/dev/null | grep -c 'DejaVu'; true", f.path);
    s = run(cmd);
    cr_expect_eq(atoi(s), 1, "the Vietnamese name needs the embedded font, once");
    free(s);
    done(&f);
}

/* The embedded font carries the glyphs printed and no others: a quote with
 * a name in another script adds a few KB to the same quote with a Latin
 * name (the whole font added 14 KB), and a viewer draws it without a
 * complaint. */
Test(pdf, embedded_font_is_cut_to_the_glyphs_printed)
{
    static const char *const names[] = {"Zoë O'Brien-Łukasik", "Nguyễn Thị Hồng", "Αλέξανδρος Παπαδόπουλος",
                                        "Ольга Кузнецова"};
    struct fx latin;
    size_t latin_size;
    free(render_name(&latin, "José Müller-Ñúñez", &latin_size));
    done(&latin);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        struct fx f;
        size_t size;
        char cmd[512];
        free(render_name(&f, names[i], &size));
        /* the whole font added 14 KB; its glyphs for a name, about 4 KB */
        cr_expect_lt(size, latin_size + 6 * 1024, "%s: %zu bytes, a Latin name %zu", names[i], size, latin_size);
        /* embedded, a subset, with a ToUnicode map */
        snprintf(cmd, sizeof cmd, "pdffonts '%s' 2>&1 | grep -c 'CID TrueType *Identity-H *yes yes yes'; true",
                 f.path);
        char *s = run(cmd);
        cr_expect_eq(atoi(s), 1, "%s: pdffonts does not list one embedded subset with ToUnicode", names[i]);
        free(s);
        snprintf(cmd, sizeof cmd, "pdftoppm -r 30 -png '%s' '%s/page' 2>&1; true", f.path, f.dir);
        s = run(cmd);
        cr_expect_str_empty(s, "%s: the page renderer complains: %s", names[i], s);
        free(s);
        done(&f);
    }
}

Test(pdf, unprintable_character_is_an_error_and_leaves_no_file)
{
    struct fx f;
    const char *opts[] = {"source", "bone-marrow", "area", "left-ankle", "patient-name", "Ana \xF0\x9F\x98\x80 Ruiz", NULL};
    build(&f, opts);
    struct render_opts o = opts_en();
    cr_assert_eq(render_pdf(&f.q, &o, f.path, &f.dl), -1);
    char *d = diags(&f.dl);
    cr_expect(strstr(d, "patient.name") && strstr(d, "U+1F600") && strstr(d, "cannot be printed"), "%s", d);
    cr_expect_eq(dir_entries(f.dir), 0, "a file was left behind");
    unsigned char *buf = (unsigned char *)"x";
    size_t len = 1;
    cr_expect_eq(render_pdf_mem(&f.q, &o, &buf, &len, &f.dl), -1);
    cr_expect_null(buf);
    cr_expect_eq(len, 0);
    done(&f);
}

Test(pdf, missing_font_is_an_error_only_when_needed)
{
    struct fx f;
    const char *opts[] = {"source", "bone-marrow", "area", "left-ankle", "patient-name", "Nguyễn Thị Hồng", NULL};
    build(&f, opts);
    struct render_opts o = opts_en();
    o.font_path = "/nonexistent/regenquote-sans.ttf";
    /* an older good file stays as it was */
    FILE *old = fopen(f.path, "w");
    fputs("old", old);
    fclose(old);
    cr_assert_eq(render_pdf(&f.q, &o, f.path, &f.dl), -1);
    char *d = diags(&f.dl);
    cr_expect(strstr(d, "/nonexistent/regenquote-sans.ttf") && strstr(d, "patient.name"), "%s", d);
    cr_expect_eq(dir_entries(f.dir), 1, "a temporary file was left behind");
    FILE *fp = fopen(f.path, "r");
    char b[8] = "";
    cr_assert_not_null(fp);
    cr_expect_not_null(fgets(b, sizeof b, fp));
    fclose(fp);
    cr_expect_str_eq(b, "old");
    done(&f);

    /* a Latin name does not need the font at all */
    const char *latin[] = {"source", "bone-marrow", "area", "left-ankle", "patient-name", "Zoë Ruiz", NULL};
    build(&f, latin);
    cr_expect_eq(render_pdf(&f.q, &o, f.path, &f.dl), 0, "%s", diags(&f.dl));
    done(&f);
}

/* Copy templates/LANG/quote.txt into dir/tpl/LANG/, dropping the line that
 * starts with `drop` (may be NULL). */
static void copy_template(const char *dir, const char *lang, const char *drop)
{
    char src[256], dst[256];
    snprintf(dst, sizeof dst, "%s/tpl", dir);
    mkdir(dst, 0700);
    snprintf(dst, sizeof dst, "%s/tpl/%s", dir, lang);
    mkdir(dst, 0700);
    snprintf(src, sizeof src, "templates/%s/quote.txt", lang);
    snprintf(dst, sizeof dst, "%s/tpl/%s/quote.txt", dir, lang);
    FILE *in = fopen(src, "r"), *out = fopen(dst, "w");
    cr_assert(in && out);
    char line[4096];
    while (fgets(line, sizeof line, in))
        if (!drop || strncmp(line, drop, strlen(drop)) != 0)
            fputs(line, out);
    fclose(in);
    fclose(out);
}

static void rm_template(const char *dir, const char *lang)
{
    char p[256];
    snprintf(p, sizeof p, "%s/tpl/%s/quote.txt", dir, lang);
    unlink(p);
    snprintf(p, sizeof p, "%s/tpl/%s", dir, lang);
    rmdir(p);
    snprintf(p, sizeof p, "%s/tpl", dir);
    rmdir(p);
}

Test(pdf, missing_template_key_names_file_and_key)
{
    struct fx f;
    build(&f, basic);
    copy_template(f.dir, "es", "gfe.dispute");
    char tdir[128];
    snprintf(tdir, sizeof tdir, "%s/tpl", f.dir);
    struct render_opts o = {.lang = "es", .templates_dir = tdir};
    char out[160];
    snprintf(out, sizeof out, "%s/out.pdf", f.dir);
    cr_assert_eq(render_pdf(&f.q, &o, out, &f.dl), -1);
    char *d = diags(&f.dl);
    cr_expect(strstr(d, "tpl/es/quote.txt") && strstr(d, "missing key 'gfe.dispute'"), "%s", d);
    cr_expect_eq(access(out, F_OK), -1, "a PDF was written");
    rm_template(f.dir, "es");
    cr_expect_eq(dir_entries(f.dir), 0, "a file was left behind");
    done(&f);
}

Test(pdf, missing_template_file_and_unknown_placeholder)
{
    struct fx f;
    build(&f, basic);
    struct render_opts o = {.lang = "fr", .templates_dir = "templates"};
    cr_assert_eq(render_pdf(&f.q, &o, f.path, &f.dl), -1);
    char *d = diags(&f.dl);
    cr_expect(strstr(d, "templates/fr/quote.txt") && strstr(d, "cannot open template"), "%s", d);
    cr_expect_eq(dir_entries(f.dir), 0);
    diag_list_free(&f.dl);

    /* a typo in a placeholder is caught before anything is drawn */
    copy_template(f.dir, "en", NULL);
    char p[256], tdir[128];
    snprintf(p, sizeof p, "%s/tpl/en/quote.txt", f.dir);
    FILE *fp = fopen(p, "a");
    fputs("doc.page = Page {pgae} of {pages}\n", fp);
    fclose(fp);
    snprintf(tdir, sizeof tdir, "%s/tpl", f.dir);
    o = (struct render_opts){.lang = "en", .templates_dir = tdir};
    cr_assert_eq(render_pdf(&f.q, &o, f.path, &f.dl), -1);
    d = diags(&f.dl);
    cr_expect(strstr(d, "doc.page") && strstr(d, "already set"), "%s", d);
    rm_template(f.dir, "en");
    done(&f);
}

Test(pdf, a4_and_letter_page_sizes)
{
    struct fx f;
    build(&f, basic);
    struct render_opts o = opts_en();
    char cmd[256];
    cr_assert_eq(render_pdf(&f.q, &o, f.path, &f.dl), 0, "%s", diags(&f.dl));
    snprintf(cmd, sizeof cmd, "pdfinfo '%s' | grep 'Page size'", f.path);
    char *s = run(cmd);
    cr_expect(strstr(s, "612 x 792") != NULL, "%s", s);
    free(s);
    o.a4 = true;
    cr_assert_eq(render_pdf(&f.q, &o, f.path, &f.dl), 0, "%s", diags(&f.dl));
    s = run(cmd);
    cr_expect(strstr(s, "595.276 x 841.89") != NULL, "%s", s);
    free(s);
    char *t = flat(pdf_text(f.path, 0)), *l = flat(pdf_text_mode(f.path, 0, true));
    HAS(t, "Total you pay");
    free(t);
    free(l);
    done(&f);
}

Test(pdf, package_savings_discount_and_tax_are_their_own_lines)
{
    struct fx f;
    const char *opts[] = {"source", "bone-marrow", "area", "left-ankle", "add", "prp-booster",
                          "add", "ankle-brace", "package", "bone-marrow-one-area", "discount", "prepay",
                          "patient-name", "Ana Ruiz", NULL};
    build(&f, opts);
    cr_assert_gt(f.q.discount_cents, 0);
    struct render_opts o = opts_en();
    cr_assert_eq(render_pdf(&f.q, &o, f.path, &f.dl), 0, "%s", diags(&f.dl));
    char *t = flat(pdf_text(f.path, 0)), *l = flat(pdf_text_mode(f.path, 0, true));
    char b[64], b2[160];
    for (size_t i = 0; i < f.q.n_lines; i++) {
        const struct quote_line *ln = &f.q.lines[i];
        if (ln->kind == LINE_ITEM)
            continue;
        char *d = flat(strdup(ln->description));
        HAS(t, d);
        HAS(t, money_format(ln->amount_cents, "", '.', ',', b, sizeof b));
        free(d);
    }
    snprintf(b2, sizeof b2, "Package savings and discounts %s", usd(-f.q.discount_cents, b, sizeof b));
    HAS(l, b2);
    HAS(l, "Package Bone marrow MSC package");
    if (f.q.tax_cents)
        HAS(t, usd(f.q.tax_cents, b, sizeof b));
    snprintf(b2, sizeof b2, "Total you pay %s", usd(f.q.total_cents, b, sizeof b));
    HAS(l, b2);
    free(t);
    free(l);
    done(&f);
}

/* ---- issue #15: money visit by visit and provider by provider ---------- */

/* Two pieces of a table run together in pdftotext -layout's text: a
 * percentage or an amount ("14.99%", "1,250.00") followed at once by a
 * "$" or another digit ("14.99%$223.29").  Returns the first such place,
 * or NULL. */
static const char *run_together(const char *s)
{
    for (const char *p = s; *p; p++) {
        if (p[0] >= '0' && p[0] <= '9' && p[1] == '%' && (p[2] == '$' || (p[2] >= '0' && p[2] <= '9')))
            return p;
        if (p[0] == '.' && p > s && p[-1] >= '0' && p[-1] <= '9' && p[1] >= '0' && p[1] <= '9' &&
            p[2] >= '0' && p[2] <= '9' && (p[3] == '$' || (p[3] >= '0' && p[3] <= '9')))
            return p;
    }
    return NULL;
}

#define APART(text) cr_expect(run_together(text) == NULL, "columns run together at: %.60s", run_together(text))

/* Finding 8: in the Spanish PDF the financing table's APR and monthly
 * columns ran together ("14.99%$223.29 (último $223.37)").  Every column
 * is now as wide as its widest content, and the last payment goes on a
 * line of its own. */
Test(pdf, spanish_financing_columns_stay_apart)
{
    struct fx f;
    build(&f, basic);
    struct render_opts o = opts_en();
    o.lang = "es";
    cr_assert_eq(render_pdf(&f.q, &o, f.path, &f.dl), 0, "%s", diags(&f.dl));
    char *l = pdf_text_mode(f.path, 0, true);
    APART(l);
    char b[64], want[160];
    const struct quote_financing *fi = &f.q.financing[2];
    cr_assert_neq(fi->last_payment, fi->monthly);
    snprintf(want, sizeof want, "14.99%%   ");
    HAS(l, want);
    snprintf(want, sizeof want, "último %s", usd(fi->last_payment, b, sizeof b));
    HAS(l, want);
    HASNT(l, "%$");
    free(l);
    done(&f);
}

/* The longest content in both languages: amounts of $9,600,000,000.00,
 * the long Spanish labels ("Precio unitario", "Costo financiero") and a
 * long patient name; no two columns may touch. */
Test(pdf, every_table_fits_its_longest_content)
{
    char *dir = th_tmpdir();
    cr_assert_eq(th_tables_with(dir, "catalog.json", "\"code\": \"20999\", \"price\": \"1500.00\"",
                                "\"code\": \"20999\", \"price\": \"2400000000.00\""), 0);
    for (int es = 0; es < 2; es++) {
        struct fx f;
        const char *const opts[] = {"source", "bone-marrow", "area", "left-knee", "area", "right-knee",
                                    "area", "left-ankle", "area", "right-ankle", "add", "prp-booster",
                                    "add", "ankle-brace", "add", "surgery-center", "add", "cell-count",
                                    "discount", "military:Veteran ID checked at the front desk",
                                    "patient-name", "María Fernanda de los Ángeles Castañeda-Villalobos",
                                    "date", "2027-02-15", NULL};
        build_with(&f, dir, opts);
        cr_assert_gt(f.q.total_cents, INT64_C(900000000000));
        struct render_opts o = opts_en();
        o.lang = es ? "es" : "en";
        cr_assert_eq(render_pdf(&f.q, &o, f.path, &f.dl), 0, "%s", diags(&f.dl));
        char *l = pdf_text_mode(f.path, 0, true);
        APART(l);
        HAS(l, "9,600,000,000.00");
        HAS(l, "2,400,000,000.00");
        /* the running header's long name does not run into the clinic's */
        HAS(l, es ? "Presupuesto para María Fernanda de los Ángeles Castañeda-Villalobos"
                  : "Estimate for María Fernanda de los Ángeles Castañeda-Villalobos");
        HASNT(l, "CenterEstimate");
        HASNT(l, "CenterPresupuesto");
        HAS(l, es ? "Precio unitario" : "Unit price");
        HAS(l, es ? "Costo financiero" : "Finance charge");
        char *t = flat(l);
        HAS(t, es ? "Cant. Precio unitario Importe" : "Qty Unit price Amount");
        HAS(t, es ? "Meses APR Pago mensual Total pagado Costo financiero"
                  : "Months APR Monthly payment Total paid Finance charge");
        free(t);
        done(&f);
    }
    th_rmtree(dir);
    free(dir);
}

/* Finding 7: the GFE said services expected to be scheduled separately
 * were "listed above" even when there were none. */
Test(pdf, scheduled_separately_statement_only_when_there_are_such_services)
{
    struct fx f;
    const char *none[] = {"source", "bone-marrow", "area", "left-knee", NULL};
    build(&f, none);
    cr_assert_eq(f.q.separate_cents, 0);
    struct render_opts o = opts_en();
    cr_assert_eq(render_pdf(&f.q, &o, f.path, &f.dl), 0, "%s", diags(&f.dl));
    char *t = flat(pdf_text(f.path, 0));
    HAS(t, "Other services may be recommended and scheduled separately.");
    HASNT(t, "listed above");
    HASNT(t, "Services expected to be scheduled separately");
    HASNT(t, "new Good Faith Estimate");
    free(t);
    done(&f);
    build(&f, basic); /* has the outside MRI */
    cr_assert_eq(render_pdf(&f.q, &o, f.path, &f.dl), 0, "%s", diags(&f.dl));
    t = flat(pdf_text(f.path, 0));
    HAS(t, "Services we already expect to be scheduled separately are listed above");
    HAS(t, "Billed by Westlake Imaging Center");
    free(t);
    done(&f);
}

/* Finding 7 (12 months): session 3 at week 60 is listed as expected
 * separately, with its expected charge (thaw 450 + repeat injection 1,200
 * + guidance 200 = 1,850.00), and the PDF says a new estimate will be
 * given. */
Test(pdf, sessions_beyond_12_months_get_a_new_estimate)
{
    struct fx f;
    const char *opts[] = {"source", "bone-marrow", "area", "left-knee", "sessions", "3", "spacing", "30", NULL};
    build(&f, opts);
    struct render_opts o = opts_en();
    cr_assert_eq(render_pdf(&f.q, &o, f.path, &f.dl), 0, "%s", diags(&f.dl));
    char *t = flat(pdf_text(f.path, 0)), *l = flat(pdf_text_mode(f.path, 0, true));
    HAS(t, "Services expected to be scheduled separately");
    HAS(l, "Expected charges for separately scheduled services $1,850.00");
    HAS(t, "you will be given a new Good Faith Estimate for them before they are scheduled");
    HAS(t, "A Good Faith Estimate covers at most 12 months of recurring care");
    free(t);
    free(l);
    o.lang = "es";
    cr_assert_eq(render_pdf(&f.q, &o, f.path, &f.dl), 0, "%s", diags(&f.dl));
    t = flat(pdf_text(f.path, 0));
    HAS(t, "recibirá una nueva Estimación de Buena Fe para ellos");
    free(t);
    done(&f);
}

/* examples/three-providers.json as options: the clinic, an outside
 * laboratory it collects for, a surgery centre that bills directly. */
static const char *const three_providers[] = {
    "source", "bone-marrow", "area", "right-patellar-tendon", "add", "surgery-center", "add", "cell-count",
    "add", "prp-booster", "discount", "military:Veteran ID checked", "date", "2027-01-25", NULL};

/* Finding 6: three provider groups, each with name, NPI, TIN, address,
 * its estimate and its dispute threshold, in both languages (the amounts
 * are computed by hand in test_pricing.c: 7,695.00 + 400.00 = 8,095.00;
 * 342.00 + 400.00 = 742.00; 1,250.00 + 400.00 = 1,650.00). */
Test(pdf, lines_are_grouped_by_provider_with_a_total_each)
{
    struct fx f;
    build(&f, three_providers);
    cr_assert_eq(f.q.n_providers, 3);
    static const char *const en[] = {"Estimate by provider or facility", "Hill Country Surgery Center",
                                     "NPI 1842037511 · TIN 74-5820931", "9300 Southwest Parkway, Building 2",
                                     "Bills you directly", "Capitol Cell Processing Laboratory",
                                     "NPI 1963574029 · TIN 74-6193058",
                                     "Estimate for this provider or facility $7,695.00",
                                     "Estimate for this provider or facility $342.00",
                                     "Estimate for this provider or facility $1,250.00",
                                     "Dispute process if it bills you $8,095.00 or more",
                                     "Dispute process if it bills you $742.00 or more",
                                     "Dispute process if it bills you $1,650.00 or more",
                                     "All providers and facilities together $9,287.00"};
    static const char *const es[] = {"Estimación por proveedor o centro", "Hill Country Surgery Center",
                                     "Le factura directamente", "Estimación de este proveedor o centro $7,695.00",
                                     "Estimación de este proveedor o centro $342.00",
                                     "Proceso de disputa si le factura $1,650.00 o más",
                                     "Todos los proveedores y centros en conjunto $9,287.00"};
    for (int lang = 0; lang < 2; lang++) {
        struct render_opts o = opts_en();
        o.lang = lang ? "es" : "en";
        cr_assert_eq(render_pdf(&f.q, &o, f.path, &f.dl), 0, "%s", diags(&f.dl));
        char *l = flat(pdf_text_mode(f.path, 0, true));
        const char *const *want = lang ? es : en;
        size_t n = lang ? sizeof es / sizeof *es : sizeof en / sizeof *en;
        for (size_t i = 0; i < n; i++)
            HAS(l, want[i]);
        free(l);
    }
    done(&f);
}

/* Finding 1 and 4 in the PDF: each visit's amount due after its share,
 * the deposit among the first visits (here after the evaluation, 6 weeks
 * before, and before the blood work, 1 week before), the shares of the
 * discount shown under it.  Amounts as computed in test_pricing.c
 * (military 10 % on each line: evaluation 150.00 - 15.00 = 135.00). */
Test(pdf, timeline_shows_each_visit_after_its_share_and_the_deposit_in_its_place)
{
    struct fx f;
    build(&f, three_providers);
    struct render_opts o = opts_en();
    cr_assert_eq(render_pdf(&f.q, &o, f.path, &f.dl), 0, "%s", diags(&f.dl));
    char *t = flat(pdf_text(f.path, 0)), *l = flat(pdf_text_mode(f.path, 0, true));
    HAS(l, "Services $150.00, less their share of savings and discounts $15.00");
    HAS(t, "Shared among the visits: Evaluation and planning -$15.00; Procedure day -$793.00; PRP booster -$85.00");
    HAS(t, "Also billed to you directly by Hill Country Surgery Center: $1,250.00");
    const char *eval = strstr(l, "December 14, 2026 Evaluation and planning $135.00");
    const char *dep = strstr(l, "Due by January 11, 2027 Deposit to reserve your procedure date");
    const char *blood = strstr(l, "January 18, 2027 Pre-procedure blood work");
    cr_assert(eval && dep && blood && eval < dep && dep < blood, "the deposit between the evaluation and the blood work");
    HAS(t, "Visits before the procedure are paid at the visit");
    free(t);
    free(l);
    done(&f);
}

/* Finding 2 in the PDF: with "Paid in full before the procedure", one
 * payment and no financing examples, saying why. */
Test(pdf, payment_in_full_is_one_payment_without_financing_examples)
{
    struct fx f;
    const char *opts[] = {"source", "bone-marrow", "area", "left-achilles", "add", "prp-booster",
                          "package", "bone-marrow-one-area", "discount", "prepay", NULL};
    build(&f, opts);
    struct render_opts o = opts_en();
    cr_assert_eq(render_pdf(&f.q, &o, f.path, &f.dl), 0, "%s", diags(&f.dl));
    char *t = flat(pdf_text(f.path, 0)), *l = flat(pdf_text_mode(f.path, 0, true));
    char b[64], want[200];
    snprintf(want, sizeof want, "Payment in full (required for \"Paid in full before the procedure\") %s",
             usd(f.q.total_cents, b, sizeof b));
    HAS(l, want);
    HAS(t, "Financing examples are not shown");
    HASNT(t, "Monthly payment");
    HASNT(t, "Deposit to reserve your procedure date");
    free(t);
    free(l);
    done(&f);
}

/* Every example, in both languages, is read by pdftotext without a single
 * warning (libharu 2.3.0's own ToUnicode map for the embedded font made it
 * warn "Invalid 'begincidrange' operator"), and the patient's name, whatever
 * its script, comes back as it was typed: copy-paste works. */
Test(pdf, every_example_extracts_without_a_warning_in_both_languages)
{
    char *dir = th_tmpdir();
    DIR *d = opendir("examples");
    cr_assert_not_null(d);
    int checked = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        char ex[512];
        snprintf(ex, sizeof ex, "examples/%s", e->d_name);
        size_t len;
        char *req = th_read(ex, &len);
        cr_assert_not_null(req);
        char name[128] = "";
        const char *p = strstr(req, "\"name\": \"");
        if (p) {
            p += 9;
            size_t k = 0;
            while (p[k] && p[k] != '"' && k + 1 < sizeof name)
                k++;
            memcpy(name, p, k);
            name[k] = '\0';
        }
        free(req);
        for (int lang = 0; lang < 2; lang++) {
            char cmd[1024], *out = NULL, *err = NULL;
            snprintf(cmd, sizeof cmd, "%s price %s --lang %s --format pdf -o %s/x.pdf", th_bin(), ex,
                     lang ? "es" : "en", dir);
            cr_assert_eq(th_run(cmd, NULL, &err), 0, "%s: %s", cmd, err);
            free(err);
            snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 %s/x.pdf -", dir);
            cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", cmd);
            cr_expect_str_empty(err, "pdftotext warns on %s (%s): %s", ex, lang ? "es" : "en", err);
            if (name[0])
                cr_expect(strstr(out, name) != NULL, "%s (%s): the name '%s' is not extracted", ex,
                          lang ? "es" : "en", name);
            free(out);
            free(err);
            checked++;
        }
    }
    closedir(d);
    cr_expect_geq(checked, 14);
    th_rmtree(dir);
    free(dir);
}

/* The incremental-update writer (pdf_update.h) refuses a PDF that is not a
 * finished one of ours, with a message, and reads only the bytes it is
 * given: here startxref points two bytes before the end of the file
 * (which a guard page follows). */
Test(pdf, an_update_refuses_a_cut_pdf_within_its_bytes)
{
    char text[128];
    int n = snprintf(text, sizeof text, "%%PDF-1.4\n%%%s\nstartxref\n", "padding padding padding padding");
    int x = n + 3; /* two digits, a line feed, then "xr": the file's last two bytes */
    cr_assert(x >= 10 && x < 100);
    n += snprintf(text + n, sizeof text - (size_t)n, "%d\nxr", x);
    cr_assert_eq(x, n - 2);
    /* exactly the file, its last byte the last readable one: a guard page
     * follows, so a read past the end crashes the test */
    long pg = sysconf(_SC_PAGESIZE);
    int zero = open("/dev/zero", O_RDONLY);
    cr_assert(zero >= 0);
    unsigned char *map = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE, zero, 0);
    close(zero);
    cr_assert(map != MAP_FAILED);
    cr_assert_eq(mprotect(map + pg, (size_t)pg, PROT_NONE), 0);
    unsigned char *base = map + pg - n;
    memcpy(base, text, (size_t)n);
    cr_assert_eq(memcmp(base + n - 2, "xr", 2), 0);
    unsigned char *out = (unsigned char *)"x";
    size_t out_len = 1;
    struct diag_list dl = { 0 };
    cr_assert_eq(pdf_update_append_pages(base, (size_t)n, base, (size_t)n, &out, &out_len, &dl), -1);
    cr_assert_null(out);
    cr_assert_eq(out_len, 0);
    char *msgs = th_diags(&dl);
    cr_assert(strstr(msgs, "cannot add pages to the issued PDF: no cross-reference table"), "%s", msgs);
    free(msgs);
    diag_list_free(&dl);
    /* and the pages to add are checked as well */
    const char *page = "not a PDF at all, but long enough to be looked at";
    struct fx f;
    build(&f, basic);
    struct render_opts o = opts_en();
    cr_assert_eq(render_pdf(&f.q, &o, f.path, &f.dl), 0, "%s", diags(&f.dl));
    size_t issued_len = 0;
    unsigned char *issued = (unsigned char *)th_read(f.path, &issued_len);
    cr_assert_not_null(issued);
    cr_assert_eq(pdf_update_append_pages(issued, issued_len, (const unsigned char *)page, strlen(page), &out,
                                         &out_len, &dl), -1);
    msgs = th_diags(&dl);
    cr_assert(strstr(msgs, "cannot add pages to the pages to add: it is not a PDF"), "%s", msgs);
    free(msgs);
    diag_list_free(&dl);
    free(issued);
    munmap(map, (size_t)pg * 2);
    done(&f);
}
