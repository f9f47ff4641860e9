/* conns — every open connection's deadline, so that slow clients cannot
 * hold the server's connection slots (docs/api.md "Limits").
 *
 * libmicrohttpd tells conns_notify() of each connection it opens and
 * closes; the request's life (server.c) says which phase a connection is
 * in: reading a request (its headers and body: from the connection's
 * start, or the end of its previous request), handling it (our code: no
 * deadline), or sending the answer.  A watchdog thread, four times a
 * second, shuts down (shutdown(2); libmicrohttpd then closes it) every
 * connection past its phase's deadline:
 *
 *   reading, before any request on it was authenticated   preauth_timeout_s
 *   reading, once one was                                   request_timeout_s
 *   sending                                                 sending_timeout_s
 *
 * and keeps connections that have not been authenticated within
 * preauth_total, and preauth_per_address per client address, by closing
 * the oldest of them that has been reading for over a second (a client
 * that sends its request at once is never the one closed), so that
 * unauthenticated connections, however many, leave the rest of the
 * server's slots to signed-in staff.
 *
 * Thread-safe: libmicrohttpd's threads, the request threads and the
 * watchdog share it under one mutex.  The watchdog shuts a socket down
 * only while libmicrohttpd still holds it (it tells conns_notify before it
 * closes a socket, under the same mutex), so a reused descriptor is never
 * touched. */
#ifndef RQ_CONNS_H
#define RQ_CONNS_H

#include <microhttpd.h>

struct srv_log;
struct conns;
struct conn;

struct conns_opts {
    unsigned request_timeout_s;
    unsigned preauth_timeout_s;
    unsigned sending_timeout_s;
    unsigned preauth_total;
    unsigned preauth_per_address;
};

/* A registry with those limits, logging to lg (borrowed); NULL when out
 * of memory.  Start its watchdog with conns_start. */
struct conns *conns_new(const struct conns_opts *o, const struct srv_log *lg);
/* Start the watchdog thread.  0, or -1 (no thread). */
int conns_start(struct conns *cs);
/* Stop the watchdog (before libmicrohttpd is stopped) and, after it is
 * stopped, free.  cs may be NULL. */
void conns_stop(struct conns *cs);
void conns_free(struct conns *cs);

/* libmicrohttpd's MHD_OPTION_NOTIFY_CONNECTION callback; cls is the conns. */
void conns_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                  enum MHD_ConnectionNotificationCode code);

/* The record of connection c, or NULL. */
struct conn *conns_of(struct MHD_Connection *c);

/* Phases (each NULL-safe).  handling: our code runs; sending: the answer
 * is queued; reading: the request is done, the next one may come (the
 * deadline restarts).  authenticated: a request on it was signed in. */
void conn_handling(struct conns *cs, struct conn *k);
void conn_sending(struct conns *cs, struct conn *k);
void conn_reading(struct conns *cs, struct conn *k);
void conn_authenticated(struct conns *cs, struct conn *k);

#endif
