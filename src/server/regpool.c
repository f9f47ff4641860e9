/* regpool — open register handles kept between requests (regpool.h). */
#include "regpool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct regpool {
    pthread_mutex_t mu;
    char *locator;
    struct reg **idle;
    size_t n, max;
};

struct regpool *regpool_new(const char *locator, size_t max)
{
    struct regpool *p = calloc(1, sizeof *p);
    if (!p || !(p->locator = strdup(locator)) || !(p->idle = calloc(max ? max : 1, sizeof *p->idle))) {
        if (p)
            free(p->locator);
        free(p);
        return NULL;
    }
    p->max = max;
    pthread_mutex_init(&p->mu, NULL);
    return p;
}

struct reg *regpool_take(struct regpool *p, struct diag_list *dl)
{
    struct reg *r = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->n > 0)
        r = p->idle[--p->n];
    pthread_mutex_unlock(&p->mu);
    if (r)
        return r;
    if (register_open(&r, p->locator, dl) != 0) {
        register_close(r);
        return NULL;
    }
    return r;
}

void regpool_give(struct regpool *p, struct reg *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&p->mu);
    bool kept = p->n < p->max;
    if (kept)
        p->idle[p->n++] = r;
    pthread_mutex_unlock(&p->mu);
    if (!kept)
        register_close(r);
}

void regpool_free(struct regpool *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        register_close(p->idle[i]);
    pthread_mutex_destroy(&p->mu);
    free(p->idle);
    free(p->locator);
    free(p);
}
