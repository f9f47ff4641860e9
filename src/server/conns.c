/* conns — connection deadlines and the share of unauthenticated
 * connections, enforced by a watchdog thread (conns.h). */
#include "conns.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "http.h"
#include "server_int.h"

#define TICK_NS 250000000L       /* the watchdog's period */
#define GRACE_S 1.0              /* a connection reading for less is never evicted */

enum phase { READING, HANDLING, SENDING };

struct conn {
    struct conn *prev, *next;
    MHD_socket fd;
    char addr[INET6_ADDRSTRLEN];
    enum phase phase;
    struct timespec since;       /* when the phase began */
    bool authed, shut;
};

struct conns {
    struct conns_opts o;
    const struct srv_log *log;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool running, stopping;
    struct conn *head;
};

static double seconds_since(const struct timespec *t, const struct timespec *now)
{
    return (double)(now->tv_sec - t->tv_sec) + (double)(now->tv_nsec - t->tv_nsec) / 1e9;
}

/* ---- the registry -------------------------------------------------------------------- */

struct conns *conns_new(const struct conns_opts *o, const struct srv_log *lg)
{
    struct conns *cs = calloc(1, sizeof *cs);
    if (!cs)
        return NULL;
    cs->o = *o;
    cs->log = lg;
    pthread_mutex_init(&cs->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&cs->cv, &ca);
    pthread_condattr_destroy(&ca);
    return cs;
}

void conns_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                  enum MHD_ConnectionNotificationCode code)
{
    struct conns *cs = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        struct conn *k = calloc(1, sizeof *k);
        if (!k)
            return; /* no deadline for it, but no crash */
        const union MHD_ConnectionInfo *fi = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        k->fd = fi ? fi->connect_fd : MHD_INVALID_SOCKET;
        http_client_addr(c, k->addr, sizeof k->addr);
        clock_gettime(CLOCK_MONOTONIC, &k->since);
        pthread_mutex_lock(&cs->mu);
        k->next = cs->head;
        if (cs->head)
            cs->head->prev = k;
        cs->head = k;
        pthread_mutex_unlock(&cs->mu);
        *socket_context = k;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        struct conn *k = *socket_context;
        pthread_mutex_lock(&cs->mu);
        if (k->prev)
            k->prev->next = k->next;
        else
            cs->head = k->next;
        if (k->next)
            k->next->prev = k->prev;
        pthread_mutex_unlock(&cs->mu);
        free(k);
        *socket_context = NULL;
    }
}

struct conn *conns_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void set_phase(struct conns *cs, struct conn *k, enum phase p)
{
    if (!cs || !k)
        return;
    pthread_mutex_lock(&cs->mu);
    k->phase = p;
    clock_gettime(CLOCK_MONOTONIC, &k->since);
    pthread_mutex_unlock(&cs->mu);
}

void conn_handling(struct conns *cs, struct conn *k)
{
    set_phase(cs, k, HANDLING);
}

void conn_sending(struct conns *cs, struct conn *k)
{
    set_phase(cs, k, SENDING);
}

void conn_reading(struct conns *cs, struct conn *k)
{
    set_phase(cs, k, READING);
}

void conn_authenticated(struct conns *cs, struct conn *k)
{
    if (!cs || !k)
        return;
    pthread_mutex_lock(&cs->mu);
    k->authed = true;
    pthread_mutex_unlock(&cs->mu);
}

/* ---- the watchdog ---------------------------------------------------------------------- */

/* Shut k down (under the mutex, while libmicrohttpd holds its socket). */
static void shut(struct conn *k)
{
    if (k->fd != MHD_INVALID_SOCKET)
        shutdown(k->fd, SHUT_RDWR);
    k->shut = true;
}

static bool preauth(const struct conn *k)
{
    return !k->shut && !k->authed;
}

/* The oldest unauthenticated connection reading for over GRACE_S (of addr
 * when not NULL), or NULL. */
static struct conn *oldest_reading(struct conns *cs, const char *addr, const struct timespec *now)
{
    struct conn *best = NULL;
    for (struct conn *k = cs->head; k; k = k->next)
        if (preauth(k) && k->phase == READING && seconds_since(&k->since, now) > GRACE_S &&
            (!addr || !strcmp(k->addr, addr)) && (!best || seconds_since(&k->since, now) > seconds_since(&best->since, now)))
            best = k;
    return best;
}

/* One pass: deadlines, then the shares.  Returns how many were shut. */
static unsigned sweep(struct conns *cs)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    unsigned closed = 0, total = 0;
    for (struct conn *k = cs->head; k; k = k->next) {
        if (k->shut)
            continue;
        double limit = k->phase == HANDLING ? -1.0
                       : k->phase == SENDING ? (double)cs->o.sending_timeout_s
                       : k->authed ? (double)cs->o.request_timeout_s
                                   : (double)cs->o.preauth_timeout_s;
        if (limit >= 0 && seconds_since(&k->since, &now) > limit) {
            shut(k);
            closed++;
        } else if (preauth(k)) {
            total++;
        }
    }
    /* per address: each address's excess, oldest first */
    for (struct conn *k = cs->head; k; k = k->next) {
        if (!preauth(k))
            continue;
        unsigned same = 0;
        for (struct conn *j = cs->head; j; j = j->next)
            same += preauth(j) && !strcmp(j->addr, k->addr);
        while (same > cs->o.preauth_per_address) {
            struct conn *victim = oldest_reading(cs, k->addr, &now);
            if (!victim)
                break;
            shut(victim);
            closed++;
            same--;
            total--;
        }
    }
    while (total > cs->o.preauth_total) {
        struct conn *victim = oldest_reading(cs, NULL, &now);
        if (!victim)
            break;
        shut(victim);
        closed++;
        total--;
    }
    return closed;
}

static void *watchdog(void *arg)
{
    struct conns *cs = arg;
    pthread_mutex_lock(&cs->mu);
    while (!cs->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += TICK_NS;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&cs->cv, &cs->mu, &until);
        if (cs->stopping)
            break;
        unsigned closed = sweep(cs);
        if (closed) {
            pthread_mutex_unlock(&cs->mu);
            srv_logf(cs->log, "http: closed %u connection%s that did not finish a request in time, or left "
                              "too few slots for signed-in staff", closed, closed == 1 ? "" : "s");
            pthread_mutex_lock(&cs->mu);
        }
    }
    pthread_mutex_unlock(&cs->mu);
    return NULL;
}

int conns_start(struct conns *cs)
{
    if (pthread_create(&cs->thread, NULL, watchdog, cs) != 0)
        return -1;
    cs->running = true;
    return 0;
}

void conns_stop(struct conns *cs)
{
    if (!cs || !cs->running)
        return;
    pthread_mutex_lock(&cs->mu);
    cs->stopping = true;
    pthread_cond_signal(&cs->cv);
    pthread_mutex_unlock(&cs->mu);
    pthread_join(cs->thread, NULL);
    cs->running = false;
}

void conns_free(struct conns *cs)
{
    if (!cs)
        return;
    conns_stop(cs);
    /* libmicrohttpd has closed every connection by now; free any left */
    while (cs->head) {
        struct conn *k = cs->head;
        cs->head = k->next;
        free(k);
    }
    pthread_mutex_destroy(&cs->mu);
    pthread_cond_destroy(&cs->cv);
    free(cs);
}
