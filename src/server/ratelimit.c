/* ratelimit — a token bucket per client address (ratelimit.h). */
#include "ratelimit.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RATE_ENTRIES 256

struct rate_entry {
    char addr[INET6_ADDRSTRLEN];
    double tokens;
    struct timespec seen;
};

struct ratelimit {
    int per_minute;
    pthread_mutex_t mu;
    struct rate_entry v[RATE_ENTRIES];
};

struct ratelimit *ratelimit_new(int per_minute)
{
    struct ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl)
        return NULL;
    rl->per_minute = per_minute;
    pthread_mutex_init(&rl->mu, NULL);
    return rl;
}

/* The seconds addr must wait for a token (0: one is there), taking it
 * when take and there is one. */
static int bucket(struct ratelimit *rl, const char *addr, bool take)
{
    if (rl->per_minute <= 0)
        return 0;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double per_sec = rl->per_minute / 60.0, cap = rl->per_minute;
    pthread_mutex_lock(&rl->mu);
    struct rate_entry *e = NULL, *empty = NULL, *lru = NULL;
    for (size_t i = 0; i < RATE_ENTRIES && !e; i++) {
        struct rate_entry *r = &rl->v[i];
        if (!r->addr[0]) {
            if (!empty)
                empty = r;
        } else if (!strcmp(r->addr, addr)) {
            e = r;
        } else if (!lru || r->seen.tv_sec < lru->seen.tv_sec ||
                   (r->seen.tv_sec == lru->seen.tv_sec && r->seen.tv_nsec < lru->seen.tv_nsec)) {
            lru = r;
        }
    }
    if (!e) {
        e = empty ? empty : lru;
        snprintf(e->addr, sizeof e->addr, "%s", addr);
        e->tokens = cap;
        e->seen = now;
    }
    double dt = (double)(now.tv_sec - e->seen.tv_sec) + (double)(now.tv_nsec - e->seen.tv_nsec) / 1e9;
    e->tokens += dt * per_sec;
    if (e->tokens > cap)
        e->tokens = cap;
    e->seen = now;
    int wait = 0;
    if (e->tokens >= 1.0) {
        if (take)
            e->tokens -= 1.0;
    } else {
        wait = (int)((1.0 - e->tokens) / per_sec) + 1;
    }
    pthread_mutex_unlock(&rl->mu);
    return wait;
}

int ratelimit_take(struct ratelimit *rl, const char *addr)
{
    return bucket(rl, addr, true);
}

int ratelimit_wait(struct ratelimit *rl, const char *addr)
{
    return bucket(rl, addr, false);
}

void ratelimit_free(struct ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->mu);
    free(rl);
}
