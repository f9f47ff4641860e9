/* srv_client — what the server tests share (test_server.c, test_access.c):
 * one server per test, in-process on a free port with a temporary
 * register holding staff accounts, a small HTTP client that carries the
 * signed-in session's cookie, and the access log captured in memory. */
#ifndef RQ_SRV_CLIENT_H
#define RQ_SRV_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "roles.h"
#include "server.h"

/* The test's folder (out/; reg.db on SQLite), its server, and the cookie sent with
 * every request (the last sign-in's; "" for none). */
extern char *dir;
extern struct server *srv;
extern char cookie[160];

/* Staff accounts every test has; each one's password is NAME-password-1. */
#define FRONT_DESK "ana"
#define MANAGER "max"
#define FINANCE "fin"

/* A fresh folder and log, and a register (SQLite, dir/reg.db: th_reg())
 * with the accounts ana (front-desk) and max (manager). */
void srv_setup(void);
/* For a test run on every engine (ENGINE_TEST): the test's register is of
 * engine e (a new one, with the same accounts, unless it is already). */
void srv_engine(size_t e);
/* Stop the server, remove the folder. */
void srv_teardown(void);

/* Add an account (password NAME-password-1) to the test's register. */
void add_user(const char *name, enum role role);

/* Start a server on 127.0.0.1 with the rate limit and body limit given (0:
 * defaults), or with the options in o completed with the test's folders,
 * "today" 2026-11-23 and the log. */
struct server *start(int rate, size_t max_body);
struct server *start_with(struct server_opts *o);

/* Sign in as name (its password), keeping the session's cookie. */
void login(const char *name);

struct resp {
    int status;
    char *head;                  /* status line and headers */
    char *body;
    size_t len;
};
void resp_free(struct resp *r);

/* One request on a new connection (extra: more header lines, each ending
 * in \r\n; the cookie is added unless extra names one). */
struct resp http(const char *method, const char *path, const char *extra, const char *body, size_t blen);
struct resp get(const char *path, const char *extra);
/* A POST with X-Regenquote: 1 and a JSON body. */
struct resp post(const char *path, const char *extra, const char *body);
/* Send raw bytes on a new connection; the status of the answer (0: none). */
int raw_status(const char *data, size_t len);

/* Issue plan (a request as JSON), signed in (asserted 201); the number (malloc'd). */
char *post_quote(const char *plan);

/* Case-insensitive strstr, for header names. */
const char *ci_find(const char *hay, const char *needle);
bool has_header(const struct resp *r, const char *line);
/* The body as JSON (asserted); the caller deletes it. */
cJSON *json(const struct resp *r);
/* The first error's member `what` ("message", "field"), or NULL. */
const char *first_error(cJSON *j, const char *what);
/* The captured access log (malloc'd). */
char *log_copy(void);

/* The value of the session cookie an answer sets into out (asserted). */
void set_cookie_value(const struct resp *r, char *out, size_t size);

#endif
