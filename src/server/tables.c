/* tables — the price tables in slots, reloaded when their files change
 * (tables.h). */
#include "tables.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "server_int.h"

struct tables {
    char *prices_dir;
    const struct srv_log *log;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct table_slot *slots;
    size_t n;
    char last_problem[65];       /* which refused files were last logged, to log once */
    tables_loaded_fn on_load;
    void *on_load_ctx;
    pthread_mutex_t told_mu;     /* one on_load call at a time */
    char told[65];               /* the digest on_load was last told of */
};

/* Tell on_load of a table now in use, unless it was the last one told of. */
static void announce(struct tables *t, const struct price_table *pt)
{
    if (!t->on_load)
        return;
    pthread_mutex_lock(&t->told_mu);
    bool first = !t->told[0];
    if (strcmp(t->told, pt->sha256) != 0) {
        snprintf(t->told, sizeof t->told, "%s", pt->sha256);
        t->on_load(t->on_load_ctx, pt->version, pt->sha256, first);
    }
    pthread_mutex_unlock(&t->told_mu);
}

static bool ts_eq(struct timespec a, struct timespec b)
{
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

static struct table_files files_now(const struct tables *t)
{
    struct table_files g;
    memset(&g, 0, sizeof g);
    static const char *const names[2] = { "clinic.json", "catalog.json" };
    g.ok = true;
    for (int i = 0; i < 2; i++) {
        char p[4096];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", t->prices_dir, names[i]);
        if (stat(p, &st) != 0) {
            g.ok = false;
            continue;
        }
        g.mtime[i] = st.st_mtim;
        g.ctime[i] = st.st_ctim;
        g.size[i] = st.st_size;
        g.ino[i] = st.st_ino;
    }
    return g;
}

static bool files_eq(const struct table_files *a, const struct table_files *b)
{
    if (!a->ok || !b->ok)
        return false;
    for (int i = 0; i < 2; i++)
        if (!ts_eq(a->mtime[i], b->mtime[i]) || !ts_eq(a->ctime[i], b->ctime[i]) ||
            a->size[i] != b->size[i] || a->ino[i] != b->ino[i])
            return false;
    return true;
}

/* Bring a slot's table up to date with the files and set it to `today`.
 * Returns 0, or -1 with diagnostics when no usable table exists. */
static int slot_refresh(struct tables *t, struct table_slot *sl, rq_date today, struct diag_list *dl)
{
    struct table_files now = files_now(t);
    if (!sl->loaded || !files_eq(&now, &sl->files)) {
        /* loaded where it stays: a table's language slots point into it,
         * so it is never copied */
        struct price_table *fresh = malloc(sizeof *fresh);
        struct diag_list ldl = { 0 };
        if (!fresh) {
            diag_error(dl, NULL, NULL, "out of memory");
            return -1;
        }
        if (price_table_load(fresh, t->prices_dir, &ldl) == 0) {
            if (sl->loaded) {
                price_table_free(sl->pt);
                free(sl->pt);
                srv_logf(t->log, "price tables reloaded: version %s", fresh->version);
            }
            sl->pt = fresh;
            sl->loaded = true;
            sl->files = now;
            sl->on = INT32_MIN;
            announce(t, sl->pt);
        } else {
            price_table_free(fresh);
            free(fresh);
            if (!sl->loaded) {
                for (size_t i = 0; i < ldl.n; i++)
                    diag_add(dl, ldl.v[i].severity, ldl.v[i].file, ldl.v[i].line, ldl.v[i].col,
                             ldl.v[i].path, "%s", ldl.v[i].msg);
                diag_error(dl, t->prices_dir, NULL,
                           "the price tables have problems; run 'regenquote validate %s'", t->prices_dir);
                diag_list_free(&ldl);
                return -1;
            }
            /* Keep the last good table; say so once per broken version. */
            char key[65];
            snprintf(key, sizeof key, "%lld.%ld.%lld", (long long)now.mtime[1].tv_sec,
                     now.mtime[1].tv_nsec, (long long)now.size[1]);
            pthread_mutex_lock(&t->mu);
            bool fresh_problem = strcmp(key, t->last_problem) != 0;
            if (fresh_problem)
                snprintf(t->last_problem, sizeof t->last_problem, "%s", key);
            pthread_mutex_unlock(&t->mu);
            if (fresh_problem)
                srv_logf(t->log,
                         "the changed price tables in '%s' have problems; still using version %s (run 'regenquote validate')",
                         t->prices_dir, sl->pt->version);
        }
        diag_list_free(&ldl);
    }
    if (sl->on != today) {
        struct diag_list udl = { 0 };
        if (price_table_use_date(sl->pt, today, &udl) != 0) {
            for (size_t i = 0; i < udl.n; i++)
                if (udl.v[i].severity == DIAG_ERROR)
                    diag_error(dl, udl.v[i].file, udl.v[i].path, "%s", udl.v[i].msg);
            diag_list_free(&udl);
            sl->on = INT32_MIN;
            return -1;
        }
        diag_list_free(&udl);
        sl->on = today;
    }
    return 0;
}

struct tables *tables_new(const char *prices_dir, size_t n, rq_date today, const struct srv_log *lg,
                          tables_loaded_fn on_load, void *ctx, struct diag_list *dl)
{
    struct tables *t = calloc(1, sizeof *t);
    if (!t) {
        diag_error(dl, NULL, NULL, "out of memory");
        return NULL;
    }
    t->on_load = on_load;
    t->on_load_ctx = ctx;
    pthread_mutex_init(&t->told_mu, NULL);
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    t->log = lg;
    t->n = n;
    t->prices_dir = strdup(prices_dir);
    t->slots = calloc(n, sizeof *t->slots);
    bool ok = t->prices_dir && t->slots;
    for (size_t i = 0; ok && i < n; i++)
        ok = (t->slots[i].cache = render_cache_new()) != NULL;
    if (!ok) {
        diag_error(dl, NULL, NULL, "out of memory");
        tables_free(t);
        return NULL;
    }
    /* The first table now, so a broken table is reported at start. */
    if (slot_refresh(t, &t->slots[0], today, dl) != 0) {
        tables_free(t);
        return NULL;
    }
    srv_logf(lg, "price tables: version %s from '%s'", t->slots[0].pt->version, t->prices_dir);
    return t;
}

struct table_slot *tables_acquire(struct tables *t, rq_date today, struct diag_list *dl)
{
    pthread_mutex_lock(&t->mu);
    struct table_slot *sl = NULL;
    for (;;) {
        for (size_t i = 0; i < t->n && !sl; i++)
            if (!t->slots[i].busy)
                sl = &t->slots[i];
        if (sl)
            break;
        pthread_cond_wait(&t->cv, &t->mu);
    }
    sl->busy = true;
    pthread_mutex_unlock(&t->mu);
    if (slot_refresh(t, sl, today, dl) != 0) {
        tables_release(t, sl);
        return NULL;
    }
    return sl;
}

void tables_release(struct tables *t, struct table_slot *sl)
{
    if (!sl)
        return;
    pthread_mutex_lock(&t->mu);
    sl->busy = false;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

void tables_free(struct tables *t)
{
    if (!t)
        return;
    for (size_t i = 0; t->slots && i < t->n; i++) {
        if (t->slots[i].loaded) {
            price_table_free(t->slots[i].pt);
            free(t->slots[i].pt);
        }
        render_cache_free(t->slots[i].cache);
    }
    free(t->slots);
    free(t->prices_dir);
    pthread_mutex_destroy(&t->mu);
    pthread_mutex_destroy(&t->told_mu);
    pthread_cond_destroy(&t->cv);
    free(t);
}
