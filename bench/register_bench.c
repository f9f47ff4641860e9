/* register-bench: how fast the register issues with several issuers at once
 * (make bench-register; bench/register.sh runs it for each engine and
 * count of issuers).
 *
 *   build/register-bench [--register-only] LOCATOR ISSUERS SECONDS REQUEST.json OUT-DIR
 *
 * Forks ISSUERS processes, each with its own connection to the register
 * LOCATOR (an SQLite file or a postgresql:// database), each issuing the
 * request again and again for SECONDS: through issue_quote() — price,
 * render the PDF with its number, store everything in one transaction,
 * write the PDF copy — or, with --register-only, through register_issue()
 * alone, the request priced and its PDF rendered once beforehand (the
 * register's own work: number, transaction, storage).  Prints one line:
 *   quotes SECONDS_ELAPSED RATE_PER_S P50_MS P99_MS
 * Exit status 1 when an issue failed (the first message on stderr). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "issue.h"
#include "plan.h"
#include "price_table.h"
#include "pricing.h"
#include "quote.h"
#include "register.h"
#include "render_pdf.h"

static bool register_only;

/* The PDF rendered beforehand, for --register-only. */
struct ready {
    unsigned char *pdf;
    size_t len;
};

static int ready_pdf(void *ctx, const char *number, const unsigned char **pdf, size_t *len, struct diag_list *dl)
{
    (void)number;
    (void)dl;
    const struct ready *r = ctx;
    *pdf = r->pdf;
    *len = r->len;
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One issuer: issue until the deadline, writing each latency (ms, as a
 * double) to fd.  Returns the exit status. */
static int issuer(const char *locator, const char *request, const char *out_dir, double deadline, int fd)
{
    struct price_table pt;
    struct plan plan;
    struct diag_list dl = { 0 };
    struct reg *r = NULL;
    rq_date today = date_from_ymd(2026, 11, 23);
    memset(&pt, 0, sizeof pt);
    plan_init(&plan);
    int rc = 1;
    struct render_cache *cache = render_cache_new();
    if (price_table_load(&pt, "pricing", &dl) != 0 || price_table_use_date(&pt, today, &dl) != 0 ||
        plan_load_file(&plan, request, &dl) != 0 || register_open(&r, locator, &dl) != 0)
        goto out;
    price_table_use_language(&pt, plan.language);
    struct issue_opts io = { .out_dir = out_dir, .actor = "bench", .desk = "bench", .cache = cache };
    struct quote q;
    struct ready ready = { 0 };
    char *request_json = NULL, *quote_json = NULL;
    bool priced = false;
    if (register_only) {
        struct render_opts ro = { .quote_number = "Q-2026-000000", .cache = cache };
        if (pricing_compute(&pt, &plan, today, &q, &dl) != 0)
            goto out;
        priced = true;
        request_json = plan_to_json(&plan);
        quote_json = quote_json_text(&q);
        if (!request_json || !quote_json || render_pdf_mem(&q, &ro, &ready.pdf, &ready.len, &dl) != 0)
            goto out_q;
    }
    while (now_s() < deadline) {
        double t0 = now_s();
        if (register_only) {
            struct reg_issue in = {
                .request_json = request_json, .quote_json = quote_json, .tables_sha256 = pt.sha256,
                .tables_version = pt.version, .clinic_json = pt.clinic_doc.text, .catalog_json = pt.catalog_doc.text,
                .patient_id = plan.patient_id, .patient_name = plan.patient_name, .issued = q.issued,
                .valid_until = q.valid_until, .total_cents = q.total_cents, .language = q.language,
                .actor = "bench", .location = q.location ? q.location->id : NULL, .desk = "bench",
            };
            char *number = NULL;
            if (register_issue(r, &in, ready_pdf, &ready, &number, &dl) != 0)
                goto out_q;
            free(number);
        } else {
            struct issue_result res;
            if (issue_quote(r, &pt, &plan, today, &io, &res, &dl) != 0) {
                issue_result_free(&res);
                goto out_q;
            }
            issue_result_free(&res);
        }
        double ms = (now_s() - t0) * 1000.0;
        if (write(fd, &ms, sizeof ms) != (ssize_t)sizeof ms)
            goto out_q;
    }
    rc = 0;
out_q:
    if (priced)
        quote_free(&q);
    free(ready.pdf);
    free(request_json);
    free(quote_json);
out:
    if (dl.errors)
        diag_list_write(stderr, "register-bench", &dl, 3);
    diag_list_free(&dl);
    register_close(r);
    render_cache_free(cache);
    plan_free(&plan);
    price_table_free(&pt);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--register-only")) {
        register_only = true;
        argv++;
        argc--;
    }
    if (argc != 6) {
        fprintf(stderr, "usage: register-bench [--register-only] LOCATOR ISSUERS SECONDS REQUEST.json OUT-DIR\n");
        return 2;
    }
    const char *locator = argv[1], *request = argv[4], *out_dir = argv[5];
    int n = atoi(argv[2]);
    double secs = atof(argv[3]);
    if (n < 1 || n > 64 || secs <= 0) {
        fprintf(stderr, "register-bench: 1 to 64 issuers, a positive number of seconds\n");
        return 2;
    }
    /* create and migrate the register once, before the clock starts */
    struct reg *r;
    struct diag_list dl = { 0 };
    if (register_open(&r, locator, &dl) != 0) {
        diag_list_write(stderr, "register-bench", &dl, 3);
        return 1;
    }
    register_close(r);
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    double start = now_s(), deadline = start + secs;
    pid_t pids[64];
    for (int i = 0; i < n; i++) {
        if ((pids[i] = fork()) == 0) {
            close(fds[0]);
            _exit(issuer(locator, request, out_dir, deadline, fds[1]));
        }
    }
    close(fds[1]);
    size_t cap = 4096, count = 0;
    double *lat = malloc(cap * sizeof *lat), ms;
    while (lat && read(fds[0], &ms, sizeof ms) == (ssize_t)sizeof ms) {
        if (count == cap) {
            double *nl = realloc(lat, 2 * cap * sizeof *lat);
            if (!nl)
                break;
            lat = nl;
            cap *= 2;
        }
        lat[count++] = ms;
    }
    int bad = 0;
    for (int i = 0; i < n; i++) {
        int st;
        waitpid(pids[i], &st, 0);
        bad |= !WIFEXITED(st) || WEXITSTATUS(st) != 0;
    }
    double elapsed = now_s() - start;
    if (!lat || !count) {
        fprintf(stderr, "register-bench: no quote was issued\n");
        return 1;
    }
    qsort(lat, count, sizeof *lat, cmp_double);
    printf("%zu %.2f %.1f %.2f %.2f\n", count, elapsed, (double)count / elapsed, lat[count / 2],
           lat[(size_t)((double)count * 0.99) < count ? (size_t)((double)count * 0.99) : count - 1]);
    free(lat);
    return bad;
}
