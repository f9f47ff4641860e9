/* pdf_bench — size and speed of the PDF quote (make bench-pdf).
 *
 *   build/pdf-bench [-n N] [--lang es] [--a4] [--name TEXT] [--number Q]
 *                   [--font TTF] [--set OPTION=VALUE]... [-o FILE]
 *
 * Prices a plan with the real calls (pricing/ tables, plan options as the
 * CLI takes them: --set area=right-knee --set add=physical-therapy:12),
 * renders it N times in this process with render_pdf_mem() and prints the
 * size, page count and mean time per document.  With -o, also writes the
 * PDF to FILE (through render_pdf, atomically). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plan.h"
#include "price_table.h"
#include "pricing.h"
#include "render_pdf.h"

static void print_diags(const struct diag_list *dl)
{
    char b[1024];
    for (size_t i = 0; i < dl->n; i++)
        fprintf(stderr, "pdf-bench: %s\n", diag_format(&dl->v[i], b, sizeof b));
}

static size_t count_pages(const unsigned char *buf, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i + 11 < len; i++)
        if (memcmp(buf + i, "/Type /Page", 11) == 0 && buf[i + 11] != 's')
            n++;
    return n;
}

int main(int argc, char **argv)
{
    struct render_opts o = {.templates_dir = "templates"};
    const char *name = "José Müller-Ñúñez", *out = NULL;
    const char *sets[64];
    size_t n_sets = 0;
    long n = 50;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--a4") == 0) {
            o.a4 = true;
            continue;
        }
        if (!v) {
            fprintf(stderr, "pdf-bench: '%s' needs a value\n", a);
            return 2;
        }
        i++;
        if (strcmp(a, "-n") == 0)
            n = strtol(v, NULL, 10);
        else if (strcmp(a, "--lang") == 0)
            o.lang = v;
        else if (strcmp(a, "--name") == 0)
            name = v;
        else if (strcmp(a, "--number") == 0)
            o.quote_number = v;
        else if (strcmp(a, "--supersedes") == 0)
            o.supersedes = v;
        else if (strcmp(a, "--font") == 0)
            o.font_path = v;
        else if (strcmp(a, "-o") == 0)
            out = v;
        else if (strcmp(a, "--set") == 0 && n_sets < 64)
            sets[n_sets++] = v;
        else {
            fprintf(stderr, "pdf-bench: unknown option '%s'\n", a);
            return 2;
        }
    }
    if (n < 1)
        n = 1;

    struct diag_list dl = {0};
    struct price_table pt;
    struct plan p;
    struct quote q;
    memset(&q, 0, sizeof q);
    plan_init(&p);
    int rc = 1;
    if (price_table_load(&pt, "pricing", &dl) != 0)
        goto done;
    static const char *const defaults[][2] = {
        {"source", "bone-marrow"}, {"dob", "1968-04-12"}, {"date", "2027-01-14"},
        {"condition", "Chronic plantar fasciitis, left heel"}, {"icd10", "M72.2"},
    };
    bool has_source = false, has_area = false;
    for (size_t i = 0; i < n_sets; i++) {
        has_source |= strncmp(sets[i], "source=", 7) == 0;
        has_area |= strncmp(sets[i], "area=", 5) == 0;
    }
    for (size_t i = has_source ? 1 : 0; i < sizeof defaults / sizeof *defaults; i++)
        plan_apply_option(&p, defaults[i][0], defaults[i][1], &dl);
    if (!has_area && n_sets == 0) {
        plan_apply_option(&p, "area", "left-ankle", &dl);
        plan_apply_option(&p, "sessions", "2", &dl);
        plan_apply_option(&p, "add", "prp-booster", &dl);
    }
    plan_apply_option(&p, "patient-name", name, &dl);
    for (size_t i = 0; i < n_sets; i++) {
        char key[64];
        const char *eq = strchr(sets[i], '=');
        if (!eq || (size_t)(eq - sets[i]) >= sizeof key) {
            fprintf(stderr, "pdf-bench: --set wants OPTION=VALUE\n");
            goto done;
        }
        snprintf(key, sizeof key, "%.*s", (int)(eq - sets[i]), sets[i]);
        plan_apply_option(&p, key, eq + 1, &dl);
    }
    if (dl.errors || pricing_compute(&pt, &p, date_from_ymd(2026, 11, 23), &q, &dl) != 0)
        goto done;

    unsigned char *buf = NULL;
    size_t len = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < n; i++) {
        free(buf);
        if (render_pdf_mem(&q, &o, &buf, &len, &dl) != 0)
            goto done;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = ((double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6) / (double)n;
    printf("%-22s %-3s %zu pages %7.1f KB %7.2f ms/doc (%ld runs)\n", name, o.lang ? o.lang : "en",
           count_pages(buf, len), (double)len / 1024.0, ms, n);
    free(buf);
    if (out && render_pdf(&q, &o, out, &dl) != 0)
        goto done;
    rc = 0;
done:
    print_diags(&dl);
    diag_list_free(&dl);
    quote_free(&q);
    plan_free(&p);
    price_table_free(&pt);
    return rc;
}
