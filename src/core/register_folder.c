/* register_folder — the register and the folder its PDF copies go to.
 *
 * What keeps a number from being given twice beyond the register itself:
 * before a number is given, the folder's marker (outdir.h) must name this
 * register and be below it, and no file may bear it; after the commit the
 * marker is raised.  The repair writes copies that are missing (never
 * replacing a file), reports those that differ and files for numbers the
 * register does not have, moves a series that is behind the folder past
 * it, and, verifying, checks the storage and the stored documents. */
#include "register_int.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "outdir.h"
#include "sha256.h"

/* ---- issuing ------------------------------------------------------------------ */

int reg_folder_check(struct reg *r, const char *dir, int year, long long seq, const char *number,
                     struct diag_list *dl)
{
    struct outdir_mark m;
    if (outdir_mark_read(dir, &m, dl) != 0)
        return -1;
    long long high = outdir_mark_seq(&m, year);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.pdf", dir, number);
    struct stat st;
    int rc = -1;
    if (m.register_id && strcmp(m.register_id, r->id) != 0)
        diag_error(dl, dir, NULL,
                   "holds the quotes of another register (id %.8s…), whose numbers this one (%.8s…) would give "
                   "again; give this register its own --out-dir, or, if it replaces that one, run "
                   "'regenquote repair' to carry on after its numbers",
                   m.register_id, r->id);
    else if (high >= seq)
        diag_error(dl, dir, NULL,
                   "has quotes of %d up to number %lld, but the register would issue %s: it is behind them "
                   "(restored from a backup?); run 'regenquote repair' to carry its numbers on after them",
                   year, high, number);
    else if (lstat(path, &st) == 0)
        diag_error(dl, path, NULL,
                   "already exists, but the register has no quote %s: it is behind the quotes in '%s' "
                   "(restored from a backup?); run 'regenquote repair' to carry its numbers on after them",
                   number, dir);
    else
        rc = 0;
    outdir_mark_free(&m);
    return rc;
}

void reg_folder_note(struct reg *r, const char *dir, int year, long long seq, struct diag_list *dl)
{
    struct outdir_year y = { year, seq };
    struct diag_list why = { 0 };
    if (outdir_mark_raise(dir, r->id, &y, 1, false, &why) < 0)
        diag_add(dl, DIAG_WARNING, dir, 0, 0, NULL,
                 "could not record the highest number given out (%s); 'regenquote repair' records it",
                 why.n ? why.v[0].msg : "unknown");
    diag_list_free(&why);
}

/* ---- the copies ------------------------------------------------------------------ */

static void copy_path(const char *dir, const char *number, char *out, size_t size)
{
    snprintf(out, size, "%s/%s.pdf", dir, number);
}

/* Report a copy that differs from the register: a warning while issuing,
 * an error for the operator's repair. */
static void copy_differs(const char *path, const char *number, enum diag_severity sev, struct diag_list *dl)
{
    diag_add(dl, sev, path, 0, 0, NULL,
             "differs from quote %s as issued; it is left as it is: move it aside and run 'regenquote repair' "
             "to write the register's copy", number);
}

/* Write the stored PDF of number to dir unless a file is there.  Returns 0
 * (*written counts a new copy; a file that differs gets a warning and
 * counts in *differing), or -1 with a diagnostic. */
static int write_missing(struct reg *r, const char *dir, const char *number, int *written, int *differing,
                         struct diag_list *dl)
{
    struct reg_entry e;
    if (register_get(r, number, true, &e, dl) != 0)
        return -1;
    char path[4200], sha[65];
    copy_path(dir, number, path, sizeof path);
    sha256_hex(e.pdf, e.pdf_len, sha);
    int rc = 0;
    if (strcmp(sha, e.pdf_sha256) != 0) {
        /* never hand out a document the register itself no longer has whole */
        diag_error(dl, r->locator, NULL,
                   "the stored PDF of %s does not match its digest, so no copy was written; the register is "
                   "damaged: run 'regenquote repair --verify'", number);
        rc = -1;
    } else {
        int put = outdir_put_copy(path, e.pdf, e.pdf_len, dl);
        if (put < 0)
            rc = -1;
        else if (put == 0)
            (*written)++;
        else if (put == 2) {
            copy_differs(path, number, DIAG_WARNING, dl);
            (*differing)++;
        }
    }
    reg_entry_free(&e);
    return rc;
}

/* Remove what interrupted writes left in dir: temporary files of copies
 * and of the marker, older than a minute (a younger one may be in use). */
static void remove_stale_temps(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    time_t now = time(NULL);
    while ((de = readdir(d)) != NULL) {
        if (!strstr(de->d_name, ".pdf.tmp") && strncmp(de->d_name, OUTDIR_MARK_NAME ".tmp", sizeof OUTDIR_MARK_NAME + 3))
            continue;
        char path[4200];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && now - st.st_mtime > 60)
            unlink(path);
    }
    closedir(d);
}

/* The highest seq per year among refs, as marker entries (malloc'd). */
static struct outdir_year *highest_of(const struct reg_pdf_ref *refs, size_t n, size_t *nv)
{
    struct outdir_year *v = malloc((n ? n : 1) * sizeof *v);
    *nv = 0;
    for (size_t i = 0; v && i < n; i++) {
        size_t j = 0;
        while (j < *nv && v[j].year != refs[i].year)
            j++;
        if (j == *nv)
            v[(*nv)++] = (struct outdir_year){ refs[i].year, refs[i].seq };
        else if (refs[i].seq > v[j].seq)
            v[j].seq = refs[i].seq;
    }
    return v;
}

int register_repair(struct reg *r, const char *out_dir, bool verify, int min_age, int *fixed,
                    struct diag_list *dl)
{
    return register_repair_desk(r, out_dir, NULL, verify, min_age, fixed, dl);
}

int register_repair_desk(struct reg *r, const char *out_dir, const char *desk, bool verify, int min_age,
                         int *fixed, struct diag_list *dl)
{
    *fixed = 0;
    /* another register's folder is not this one's to write in */
    struct outdir_mark m;
    struct diag_list quiet = { 0 };
    bool foreign = outdir_mark_read(out_dir, &m, &quiet) == 0 && m.register_id && strcmp(m.register_id, r->id) != 0;
    outdir_mark_free(&m);
    diag_list_free(&quiet);
    if (foreign)
        return 0;
    struct reg_pdf_ref *refs;
    size_t n;
    if (r->eng->pdf_refs(r->s, (int64_t)time(NULL) - min_age, &refs, &n, dl) != 0)
        return -1;
    int rc = 0, differing = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        /* one desk's folder holds the copies of its own quotes, not the chain's */
        if (desk && (!refs[i].desk || strcmp(refs[i].desk, desk) != 0))
            continue;
        char path[4200];
        copy_path(out_dir, refs[i].number, path, sizeof path);
        enum outdir_copy c = outdir_copy_state(path, refs[i].len, refs[i].sha256, verify);
        if (c == OUTDIR_MISSING)
            rc = write_missing(r, out_dir, refs[i].number, fixed, &differing, dl);
        else if (c == OUTDIR_DIFFERS)
            copy_differs(path, refs[i].number, DIAG_WARNING, dl);
    }
    if (rc == 0) {
        /* a run killed between its commit and its marker left it behind */
        size_t nv;
        struct outdir_year *v = highest_of(refs, n, &nv);
        if (v && nv)
            outdir_mark_raise(out_dir, r->id, v, nv, false, &quiet);
        diag_list_free(&quiet);
        free(v);
    }
    reg_pdf_refs_free(refs, n);
    remove_stale_temps(out_dir);
    return rc;
}

/* ---- verifying the register itself -------------------------------------------------- */

/* The engine's check of the storage, then every stored PDF against its
 * digest and every stored request and quote as JSON.  Returns 0 sound, 1
 * damaged (with the diagnostic saying what to do), -1 on error. */
static int check_register(struct reg *r, struct diag_list *dl)
{
    char finding[300];
    int rc = r->eng->check(r->s, finding, sizeof finding, dl);
    if (rc == 0) {
        struct reg_pdf_ref *refs;
        size_t n;
        if (r->eng->pdf_refs(r->s, INT64_MAX, &refs, &n, dl) != 0)
            return -1;
        for (size_t i = 0; i < n && rc == 0; i++) {
            struct reg_entry e;
            if (r->eng->get(r->s, refs[i].number, true, &e, dl) != 0) {
                rc = -1;
                break;
            }
            char sha[65];
            sha256_hex(e.pdf, e.pdf_len, sha);
            cJSON *req = cJSON_Parse(e.request_json ? e.request_json : ""), *q = cJSON_Parse(e.quote_json ? e.quote_json : "");
            if (strcmp(sha, e.pdf_sha256 ? e.pdf_sha256 : "") != 0 || strcmp(sha, refs[i].sha256) != 0)
                snprintf(finding, sizeof finding, "the stored PDF of %s does not match its digest", refs[i].number);
            else if (!req || !q)
                snprintf(finding, sizeof finding, "the stored plan or lines of %s are not whole", refs[i].number);
            else
                finding[0] = '\0';
            rc = finding[0] ? 1 : 0;
            cJSON_Delete(req);
            cJSON_Delete(q);
            reg_entry_free(&e);
        }
        reg_pdf_refs_free(refs, n);
    }
    if (rc == 1)
        diag_error(dl, r->locator, NULL,
                   "the register is damaged (%s); stop issuing, keep this file aside for inspection, and restore "
                   "the latest backup as docs/register.md says (\"Restoring a backup\")", finding);
    return rc;
}

/* ---- reconciling the register and its folder ------------------------------------------ */

/* A file in the folder named like one of the register's numbers. */
struct found {
    char *number;
    int year;
    long long seq;
};

static void found_free(struct found *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].number);
    free(v);
}

/* Every number pattern this register has used: the current one, those
 * recorded in its history, the default.  *out malloc'd, strings too. */
static int known_patterns(struct reg *r, char ***out, size_t *n, struct diag_list *dl)
{
    struct reg_event *ev;
    size_t nev;
    *out = NULL;
    *n = 0;
    if (r->eng->history(r->s, "-", &ev, &nev, dl) != 0)
        return -1;
    char **v = calloc(nev + 2, sizeof *v);
    size_t k = 0;
    if (v) {
        v[k++] = register_pattern(r);
        v[k++] = strdup(REGISTER_DEFAULT_PATTERN);
        for (size_t i = 0; i < nev; i++)
            if (!strcmp(ev[i].action, "number pattern") && ev[i].detail)
                v[k++] = strdup(ev[i].detail);
    }
    reg_events_free(ev, nev);
    for (size_t i = 0; v && i < k; i++) {
        if (!v[i]) {
            for (size_t j = 0; j < k; j++)
                free(v[j]);
            free(v);
            v = NULL;
        }
    }
    if (!v) {
        diag_error(dl, r->locator, NULL, "out of memory");
        return -1;
    }
    *out = v;
    *n = k;
    return 0;
}

/* The files in dir named NUMBER.pdf for a NUMBER one of the register's
 * patterns gives. */
static int scan_folder(struct reg *r, const char *dir, struct found **out, size_t *n, struct diag_list *dl)
{
    char **pats;
    size_t np, cap = 0;
    *out = NULL;
    *n = 0;
    if (known_patterns(r, &pats, &np, dl) != 0)
        return -1;
    int rc = 0;
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && rc == 0 && (de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len <= 4 || len > 100 || strcmp(de->d_name + len - 4, ".pdf") != 0)
            continue;
        char number[101], path[4200];
        struct stat st;
        snprintf(number, sizeof number, "%.*s", (int)(len - 4), de->d_name);
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        int year;
        long long seq;
        bool ours = false;
        for (size_t i = 0; i < np && !ours; i++)
            ours = reg_number_parse(pats[i], number, &year, &seq);
        if (!ours || lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct found *nv = realloc(*out, ncap * sizeof *nv);
            if (!nv) {
                rc = -1;
                break;
            }
            *out = nv;
            cap = ncap;
        }
        if (!((*out)[*n].number = strdup(number))) {
            rc = -1;
            break;
        }
        (*out)[*n].year = year;
        (*out)[*n].seq = seq;
        (*n)++;
    }
    if (d)
        closedir(d);
    for (size_t i = 0; i < np; i++)
        free(pats[i]);
    free(pats);
    if (rc != 0) {
        diag_error(dl, dir, NULL, "out of memory");
        found_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

static int cmp_ref(const void *a, const void *b)
{
    return strcmp(((const struct reg_pdf_ref *)a)->number, ((const struct reg_pdf_ref *)b)->number);
}

/* Whether number is among refs (sorted by number). */
static bool in_refs(const struct reg_pdf_ref *refs, size_t n, char *number)
{
    struct reg_pdf_ref key = { .number = number };
    return n && bsearch(&key, refs, n, sizeof *refs, cmp_ref) != NULL;
}

static int out_of_memory(const char *dir, struct diag_list *dl)
{
    diag_error(dl, dir, NULL, "out of memory");
    return -1;
}

/* Raise v's entry for year to seq (adding it); false when out of memory. */
static bool high_add(struct outdir_year **v, size_t *n, int year, long long seq)
{
    for (size_t i = 0; i < *n; i++) {
        if ((*v)[i].year == year) {
            if (seq > (*v)[i].seq)
                (*v)[i].seq = seq;
            return true;
        }
    }
    struct outdir_year *nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv)
        return false;
    *v = nv;
    nv[(*n)++] = (struct outdir_year){ year, seq };
    return true;
}

/* Move each year's series past the numbers given out from dir (high) and,
 * for a folder of another register (foreign names it), record adopting
 * it; one transaction, each change an event.  Returns 0 or -1. */
static int carry_on(struct reg *r, const char *dir, const struct outdir_year *high, size_t nh, const char *foreign,
                    const char *actor, struct reg_repair_report *rep, struct diag_list *dl)
{
    if (r->eng->begin(r->s, dl) != 0)
        return -1;
    for (size_t i = 0; i < nh; i++) {
        long long last;
        if (r->eng->series(r->s, high[i].year, &last, dl) != 0)
            goto fail;
        if (high[i].seq <= last)
            continue;
        char detail[4400];
        snprintf(detail, sizeof detail, "%d: from %lld to %lld, past the quotes given out from '%s'", high[i].year,
                 last, high[i].seq, dir);
        if (r->eng->raise_series(r->s, high[i].year, high[i].seq, dl) != 0 ||
            reg_add_event(r, "-", "series moved on", detail, actor, dl) != 0)
            goto fail;
        diag_add(dl, DIAG_WARNING, dir, 0, 0, NULL,
                 "the register was behind the quotes given out from here (restored from a backup?): its numbers "
                 "of %d now carry on after %lld, not %lld", high[i].year, high[i].seq, last);
        rep->advanced++;
    }
    if (foreign) {
        char detail[4400];
        snprintf(detail, sizeof detail, "'%s', which register %s issued into", dir, foreign);
        if (reg_add_event(r, "-", "folder adopted", detail, actor, dl) != 0)
            goto fail;
        diag_add(dl, DIAG_WARNING, dir, 0, 0, NULL,
                 "held the quotes of register %.8s…; this register (%.8s…) now issues into it, after their numbers",
                 foreign, r->id);
        rep->adopted = true;
    }
    return r->eng->commit(r->s, dl);
fail:
    r->eng->rollback(r->s);
    return -1;
}

int register_reconcile(struct reg *r, const char *out_dir, bool verify, const char *actor,
                       struct reg_repair_report *rep, struct diag_list *dl)
{
    memset(rep, 0, sizeof *rep);
    if (verify) {
        int c = check_register(r, dl);
        if (c != 0) {
            rep->damaged = c == 1;
            return c;
        }
    }
    /* the folder first, then the register: a copy written meanwhile is of
     * a quote already committed, so it is never taken for an orphan */
    struct found *files;
    size_t nf;
    if (scan_folder(r, out_dir, &files, &nf, dl) != 0)
        return -1;
    struct outdir_mark m;
    struct diag_list garbled = { 0 };
    if (outdir_mark_read(out_dir, &m, &garbled) != 0) {
        diag_add(dl, DIAG_WARNING, garbled.v[0].file, 0, 0, NULL, "was not a marker regenquote wrote; written again");
        memset(&m, 0, sizeof m);
    }
    diag_list_free(&garbled);
    struct reg_pdf_ref *refs = NULL;
    size_t n = 0;
    struct outdir_year *high = NULL, *own = NULL;
    size_t nh = 0, no = 0;
    int rc = r->eng->pdf_refs(r->s, INT64_MAX, &refs, &n, dl);
    if (rc == 0 && n)
        qsort(refs, n, sizeof *refs, cmp_ref);
    /* how far the folder has gone: its marker, and the files in it */
    for (size_t i = 0; rc == 0 && i < m.n; i++)
        if (!high_add(&high, &nh, m.v[i].year, m.v[i].seq))
            rc = out_of_memory(out_dir, dl);
    for (size_t i = 0; rc == 0 && i < nf; i++) {
        if (!high_add(&high, &nh, files[i].year, files[i].seq)) {
            rc = out_of_memory(out_dir, dl);
        } else if (!in_refs(refs, n, files[i].number)) {
            char path[4200];
            copy_path(out_dir, files[i].number, path, sizeof path);
            diag_add(dl, verify ? DIAG_ERROR : DIAG_WARNING, path, 0, 0, NULL,
                     "is quote %s, which the register does not have (issued after the backup it was restored "
                     "from?); keep it, it is an issued estimate: move it to a folder of its own",
                     files[i].number);
            rep->orphans++;
        }
    }
    bool foreign = m.register_id && strcmp(m.register_id, r->id) != 0;
    if (rc == 0)
        rc = carry_on(r, out_dir, high, nh, foreign ? m.register_id : NULL, actor, rep, dl);
    /* the marker: this register's, as far as the folder and the register go */
    if (rc == 0 && !(own = highest_of(refs, n, &no)))
        rc = out_of_memory(out_dir, dl);
    for (size_t i = 0; rc == 0 && i < nh; i++)
        if (!high_add(&own, &no, high[i].year, high[i].seq))
            rc = out_of_memory(out_dir, dl);
    if (rc == 0 && (no || foreign || !m.register_id))
        rc = outdir_mark_raise(out_dir, r->id, own, no, true, dl) < 0 ? -1 : 0;
    /* the copies: written when missing, never replaced */
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char path[4200];
        copy_path(out_dir, refs[i].number, path, sizeof path);
        enum outdir_copy c = outdir_copy_state(path, refs[i].len, refs[i].sha256, verify);
        if (c == OUTDIR_MISSING) {
            rc = write_missing(r, out_dir, refs[i].number, &rep->written, &rep->differing, dl);
        } else if (c == OUTDIR_DIFFERS) {
            copy_differs(path, refs[i].number, DIAG_ERROR, dl);
            rep->differing++;
        }
    }
    remove_stale_temps(out_dir);
    reg_pdf_refs_free(refs, n);
    found_free(files, nf);
    outdir_mark_free(&m);
    free(high);
    free(own);
    if (rc != 0)
        return -1;
    return rep->differing || (verify && rep->orphans) ? 1 : 0;
}
