/* request — one HTTP request's context, from its first call to its end:
 * what the access log needs, the body as it arrives, and what a route's
 * handler works with.  The handler takes the register, a price-table slot,
 * the quote named in the path or the parsed body through req_*() on first
 * use (each of them, when it fails, answers and returns NULL: the handler
 * just returns); the dispatcher releases them all with req_end() after
 * the handler, so no handler closes or frees any of them.
 *
 * Memory: everything in a req is its own; the pointers req_*() return
 * borrow from it until req_end().  One thread at a time uses a req. */
#ifndef RQ_REQUEST_H
#define RQ_REQUEST_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "accounts.h"
#include "date.h"
#include "diag.h"
#include "plan.h"
#include "register.h"

struct conn;
struct server;
struct table_slot;

struct req {
    struct server *s;
    struct MHD_Connection *c;
    /* for the access log (on_done) */
    struct timespec start;
    char method[8];
    char path[160];              /* no query string; see http_log_path() */
    char addr[INET6_ADDRSTRLEN];
    struct conn *conn;           /* its connection's deadlines (conns.h), or NULL */
    /* who is signed in (session.c), set before the handler runs */
    bool authed;
    struct session_who who;
    /* the body, as it arrived (NUL-terminated; NULL when none came) */
    char *body;
    size_t len, cap;
    bool too_large, get_body;
    /* the answer (http.c) */
    bool answered;
    unsigned status;
    enum MHD_Result ret;         /* what the last answer returned to libmicrohttpd */
    /* the handler's, set by the dispatcher before it runs */
    rq_date today;
    char number[65];             /* the quote number in the path, or "" */
    /* the handler's, released by req_end() */
    struct diag_list dl;         /* the request's problems: req_fail() answers them */
    struct plan plan;            /* the body as a plan (req_plan), or what the handler loads */
    cJSON *obj;                  /* the body as a JSON object (req_object), or NULL */
    struct reg *reg;             /* the register (req_register), or NULL */
    struct reg_entry entry;      /* the quote named in the path (req_entry) */
    struct table_slot *slot;     /* a price-table slot (req_tables), or NULL */
};

/* A context for a request of method on url (the access log keeps the
 * method, the path without the query string, the client's address).
 * NULL when out of memory. */
struct req *req_new(struct server *s, struct MHD_Connection *c, const char *method, const char *url);

/* Append n bytes of uploaded body.  Only a POST keeps them, up to the
 * server's limit; beyond it too_large is set, and on another method
 * get_body.  Returns -1 only when out of memory. */
int req_add_body(struct req *rq, const char *data, size_t n);

/* The register, opened on first use.  NULL after answering 500. */
struct reg *req_register(struct req *rq);

/* The entry of rq->number (with its PDF bytes when with_pdf), read once
 * from the register.  NULL after answering 404 (no such quote) or 500. */
struct reg_entry *req_entry(struct req *rq, bool with_pdf);

/* A price-table slot set to rq->today, taken on first use (waiting for a
 * free one).  NULL after answering 500. */
struct table_slot *req_tables(struct req *rq);

/* The body read into rq->plan.  NULL after answering 400 (empty, not JSON:
 * with line and column) or 422 (not a plan: every problem by field). */
struct plan *req_plan(struct req *rq);

/* The body as a JSON object, parsed once ({} when the body is blank and
 * blank_ok).  NULL after answering 400. */
cJSON *req_object(struct req *rq, bool blank_ok);

/* Who does it, for the history: the signed-in account's name (every
 * route that changes something needs one). */
const char *req_actor(const struct req *rq);

/* Answer status with the errors gathered in rq->dl (http_send_diags). */
void req_fail(struct req *rq, unsigned status);

/* Release what the handler took: the slot, the register, the entry, the
 * plan, the object and the diagnostics.  rq stays usable; may be called
 * again. */
void req_end(struct req *rq);

/* req_end(), then free the body and rq.  rq may be NULL. */
void req_free(struct req *rq);

#endif
