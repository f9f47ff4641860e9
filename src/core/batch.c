#include "batch.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "infile.h"
#include "issue.h"
#include "outfile.h"
#include "plan.h"
#include "pricing.h"
#include "quote.h"
#include "render_pdf.h"
#include "sha256.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int batch_reader_open(struct batch_reader *r, const char *path, struct diag_list *dl)
{
    memset(r, 0, sizeof *r);
    r->path = strdup(path);
    if (!r->path) {
        diag_error(dl, path, NULL, "out of memory");
        return -1;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        diag_error(dl, path, NULL, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (!d) {
            diag_error(dl, path, NULL, "cannot open the folder: %s", strerror(errno));
            return -1;
        }
        struct dirent *de;
        size_t cap = 0;
        while ((de = readdir(d)) != NULL) {
            size_t n = strlen(de->d_name);
            if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0 || de->d_name[0] == '.')
                continue;
            if (r->n_files == cap) {
                cap = cap ? cap * 2 : 64;
                char **nf = realloc(r->files, cap * sizeof *nf);
                if (!nf)
                    break;
                r->files = nf;
            }
            if (!(r->files[r->n_files] = strdup(de->d_name)))
                break;
            r->n_files++;
        }
        closedir(d);
        qsort(r->files, r->n_files, sizeof *r->files, cmp_str);
        return 0;
    }
    /* read more than once (every worker reads it): a regular file only */
    r->f = infile_open(path, NULL, "a JSON Lines file or a folder (a batch reads its input more than once: save the requests to a file)", dl);
    return r->f ? 0 : -1;
}

/* Read one line into r->buf (without the newline); 1, 0 at EOF, -1 too long. */
static int read_line(struct batch_reader *r, size_t *len)
{
    size_t n = 0;
    int c;
    bool too_long = false;
    while ((c = getc(r->f)) != EOF && c != '\n') {
        if (n + 2 > r->cap) {
            if (r->cap >= BATCH_MAX_LINE) {
                too_long = true;
                continue;
            }
            size_t ncap = r->cap ? r->cap * 2 : 4096;
            char *nb = realloc(r->buf, ncap);
            if (!nb) {
                too_long = true;
                continue;
            }
            r->buf = nb;
            r->cap = ncap;
        }
        r->buf[n++] = (char)c;
    }
    if (c == EOF && n == 0 && !too_long)
        return 0;
    r->line++;
    if (too_long)
        return -1;
    if (n > 0 && r->buf[n - 1] == '\r')
        n--;
    r->buf[n] = '\0';
    *len = n;
    return 1;
}

int batch_reader_next(struct batch_reader *r, struct batch_item *it, struct diag_list *dl)
{
    if (r->files || !r->f) {
        while (r->next_file < r->n_files) {
            const char *name = r->files[r->next_file++];
            snprintf(r->name, sizeof r->name, "%s/%s", r->path, name);
            /* whatever the folder holds: a FIFO named *.json is refused, not waited on */
            FILE *f = infile_open(r->name, NULL, "a request file; take it out of the folder", dl);
            if (!f)
                return -1;
            size_t n = 0;
            size_t got;
            if (!r->buf) {
                r->cap = 65536;
                r->buf = malloc(r->cap);
            }
            while (r->buf && (got = fread(r->buf + n, 1, r->cap - n - 1, f)) > 0) {
                n += got;
                if (n + 1 == r->cap) {
                    if (r->cap >= 4 * BATCH_MAX_LINE)
                        break;
                    char *nb = realloc(r->buf, r->cap * 2);
                    if (!nb)
                        break;
                    r->buf = nb;
                    r->cap *= 2;
                }
            }
            fclose(f);
            if (!r->buf) {
                diag_error(dl, r->name, NULL, "out of memory");
                return -1;
            }
            r->buf[n] = '\0';
            it->line = 0;
            it->file = r->name;
            it->name = r->name;
            it->text = r->buf;
            it->len = n;
            return 1;
        }
        return 0;
    }
    for (;;) {
        size_t len = 0;
        int rc = read_line(r, &len);
        if (rc == 0)
            return 0;
        snprintf(r->name, sizeof r->name, "%s:%ld", r->path, r->line);
        it->line = r->line;
        it->file = r->path;
        it->name = r->name;
        if (rc < 0) {
            diag_error(dl, r->name, NULL, "the line is longer than the %u KiB limit for one request",
                       BATCH_MAX_LINE / 1024u);
            return -1;
        }
        size_t k = 0;
        while (k < len && (r->buf[k] == ' ' || r->buf[k] == '\t'))
            k++;
        if (k == len || r->buf[k] == '#')
            continue;
        it->text = r->buf;
        it->len = len;
        return 1;
    }
}

void batch_reader_close(struct batch_reader *r)
{
    if (r->f)
        fclose(r->f);
    for (size_t i = 0; i < r->n_files; i++)
        free(r->files[i]);
    free(r->files);
    free(r->buf);
    free(r->path);
    memset(r, 0, sizeof *r);
}

int batch_process(struct price_table *pt, struct reg *reg, const struct batch_opts *o,
                  const struct batch_item *it, struct batch_result *res, struct diag_list *dl)
{
    memset(res, 0, sizeof *res);
    size_t first_diag = dl->n;
    struct plan plan;
    plan_init(&plan);
    int rc = -1;
    if (plan_load_text(&plan, it->name, it->text, it->len, dl) != 0)
        goto out;
    price_table_use_language(pt, plan.language);
    if (o->mode == BATCH_ISSUE) {
        char derived[80];
        const char *key = plan.idempotency_key;
        if (!key) {
            char *canon = plan_to_json(&plan), hex[65];
            if (!canon) {
                diag_error(dl, it->name, NULL, "out of memory");
                goto out;
            }
            sha256_hex(canon, strlen(canon), hex);
            free(canon);
            snprintf(derived, sizeof derived, "sha256:%s", hex);
            key = derived;
        }
        /* issued by an earlier run (killed, or run twice): say so, issue nothing */
        char *had = NULL;
        int k = register_find_key(reg, key, &had, dl);
        if (k < 0)
            goto out;
        if (k == 0) {
            snprintf(res->number, sizeof res->number, "%s", had);
            free(had);
            res->already_issued = true;
            rc = 0;
            goto out;
        }
        struct issue_opts io = { .out_dir = o->out_dir, .templates_dir = o->templates_dir, .a4 = o->a4,
                                 .actor = o->actor, .desk = o->desk, .cache = o->cache,
                                 .idempotency_key = key };
        struct issue_result ir;
        int irc = issue_quote(reg, pt, &plan, o->issued, &io, &ir, dl);
        if (irc >= 0 && ir.number) {
            snprintf(res->number, sizeof res->number, "%s", ir.number);
            res->already_issued = irc == 1;
        }
        if (irc == 0) {
            snprintf(res->path, sizeof res->path, "%s", ir.pdf_path);
            res->total_cents = ir.total_cents;
        }
        rc = irc >= 0 ? 0 : -1;
        issue_result_free(&ir);
        goto out;
    }
    struct quote q;
    if (pricing_compute(pt, &plan, o->issued, &q, dl) != 0)
        goto out;
    res->total_cents = q.total_cents;
    /* file names carry the position in the batch, never patient data */
    if (o->mode == BATCH_PRICE_PDF || o->mode == BATCH_PRICE_JSON) {
        bool pdf = o->mode == BATCH_PRICE_PDF;
        snprintf(res->path, sizeof res->path, "%s/estimate-%06zu.%s", o->out_dir, it->index + 1,
                 pdf ? "pdf" : "json");
        unsigned char *doc = NULL;
        size_t len = 0;
        struct render_opts ro = { .templates_dir = o->templates_dir, .a4 = o->a4, .cache = o->cache,
                                  .uncompressed = o->uncompressed };
        struct outfile of;
        rc = pdf ? render_pdf_mem(&q, &ro, &doc, &len, dl) : 0;
        if (rc == 0)
            rc = outfile_open(&of, res->path, dl);
        if (rc == 0) {
            bool wrote = pdf ? fwrite(doc, 1, len, of.f) == len : quote_write_json(&q, of.f) == 0;
            if (!wrote) {
                outfile_abort(&of);
                diag_error(dl, res->path, NULL, "cannot write");
                rc = -1;
            } else {
                rc = o->group ? outfile_commit_later(&of, o->group, dl) : outfile_commit(&of, dl);
            }
        }
        free(doc);
    } else {
        rc = 0;
    }
    if (rc != 0)
        res->path[0] = '\0';
    quote_free(&q);
out:
    res->ok = rc == 0;
    plan_free(&plan);
    /* A JSON Lines request is line 1 of its own document: report the line
     * of the file instead, keeping the column. */
    if (rc != 0 && it->line > 0)
        for (size_t i = first_diag; i < dl->n; i++) {
            struct diag *d = &dl->v[i];
            if (d->file && !strcmp(d->file, it->name)) {
                char *f = strdup(it->file);
                if (f) {
                    free(d->file);
                    d->file = f;
                    d->line = (int)it->line;
                    if (d->col == 0)
                        d->col = 1;
                }
            } else if (!d->file) {
                d->file = strdup(it->file);
                d->line = (int)it->line;
                d->col = 1;
            }
        }
    return rc;
}
