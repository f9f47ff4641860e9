/* http — the server's answers and its checks on a request's headers and
 * body.  Every answer goes through http_send(): the security headers
 * (docs/api.md "Security"), the status kept for the access log.  Errors
 * have one JSON shape: { "errors": [ { "field", "message"[, "line", "col"] } ] }. */
#ifndef RQ_HTTP_H
#define RQ_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "date.h"
#include "diag.h"
#include "request.h"

#define HTTP_JSON_TYPE "application/json; charset=utf-8"

/* What an answer is, for its Cache-Control: API and PDF no-store, page no-cache. */
/* What an answer is, for its security headers: the API's JSON, the front
 * desk's own files, a PDF, or an estimate as a page of its own (its CSS
 * inline, no script, no form, never cached). */
enum http_kind { HTTP_API, HTTP_PAGE, HTTP_PDF, HTTP_ESTIMATE };

/* ---- answers: each records the status and returns (and keeps in rq->ret)
 * what libmicrohttpd said; MHD_NO closes the connection ---------------- */

/* Queue len bytes of body (malloc'd: taken, freed even on failure) with
 * status, Content-Type type, the security headers and, when hname is not
 * NULL, the header hname: hval. */
enum MHD_Result http_send(struct req *rq, unsigned status, const char *type, enum http_kind k, void *body,
                          size_t len, const char *hname, const char *hval);

/* root (taken) as compact JSON; NULL (out of memory) answers 500. */
enum MHD_Result http_send_json(struct req *rq, unsigned status, cJSON *root, const char *hname,
                               const char *hval);

/* One error: field (may be NULL) and the formatted message. */
enum MHD_Result http_send_error(struct req *rq, unsigned status, const char *field, const char *hname,
                                const char *hval, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* The errors of dl (warnings left out, at most 50), with field, line and
 * column; when there are none, "out of memory" or "the request failed". */
enum MHD_Result http_send_diags(struct req *rq, unsigned status, const struct diag_list *dl);

/* Members for answers: a string, or null when s is NULL; a date as YYYY-MM-DD. */
void http_json_str(cJSON *o, const char *key, const char *s);
void http_json_date(cJSON *o, const char *key, rq_date d);

/* ---- the body ----------------------------------------------------------- */

/* Is the body empty or white space only? */
bool http_body_blank(const struct req *rq);

/* Is the body a well-formed JSON document?  If not (or blank), answer 400
 * with each problem's line and column and return false. */
bool http_body_is_json(struct req *rq);

/* Parse the body as a JSON object ({} when blank and blank_ok); the caller
 * deletes it.  NULL after answering 400 (NUL byte, syntax error with line
 * and column, not an object). */
cJSON *http_body_object(struct req *rq, bool blank_ok);

/* ---- the headers -------------------------------------------------------- */

/* A header's or a query parameter's value, or NULL. */
const char *http_header(const struct req *rq, const char *name);
const char *http_query(const struct req *rq, const char *name);

/* The query's dates "from" and "to" (YYYY-MM-DD; each set only when
 * given) and "limit" (min to max; *limit unchanged when not given).  False
 * after answering 400 naming the parameter. */
bool http_query_dates(struct req *rq, bool *has_from, rq_date *from, bool *has_to, rq_date *to);
bool http_query_limit(struct req *rq, long min, long max, long *limit);

/* Is there one Host header, NAME or NAME:PORT, where NAME is an IPv4
 * literal, an IPv6 literal in brackets, "localhost" or a name the operator
 * allowed (any case), and PORT is 1 to 65535?  Nothing else (userinfo, a
 * path, a second colon) is.  A page on another site cannot then reach us
 * through DNS rebinding: its requests name its own host. */
bool http_host_ok(const struct req *rq);
/* Is name fit for the list of allowed Host names (letters, digits, '.', '-')? */
bool http_host_name_ok(const char *name);

/* Why the request's framing is refused, or NULL: more than one Host,
 * Content-Length or Transfer-Encoding header, Content-Length beside
 * Transfer-Encoding, a Content-Length that is not plain digits, a
 * Transfer-Encoding other than chunked (each a way to make two servers
 * read a request differently). */
const char *http_framing_problem(const struct req *rq);

/* The Set-Cookie value for the session token (NULL: one that clears it):
 * HttpOnly, SameSite=Strict, Path=/, and Secure under TLS. */
#define HTTP_SESSION_COOKIE "rq_session"
void http_session_cookie(const struct req *rq, const char *token, char *out, size_t size);

/* Why a state-changing request is refused as cross-site (no
 * X-Regenquote: 1, Sec-Fetch-Site: cross-site, an Origin other than the
 * Host), or NULL when it is not. */
const char *http_csrf_problem(const struct req *rq);

/* Does the Content-Length header say more than the server's body limit? */
bool http_declared_too_large(const struct req *rq);

/* ---- the access log ------------------------------------------------------ */

/* The path for the log: url as it is when plain printable ASCII (cut with
 * "…" to fit size), else "(path with other characters)". */
void http_log_path(const char *url, char *out, size_t size);

/* The client's numeric address, or "?". */
void http_client_addr(struct MHD_Connection *c, char *out, size_t size);

#endif
