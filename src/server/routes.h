/* routes — the API's addresses in one table (routes.c), walked by one
 * dispatcher, as the CLI's commands are (cli.c): what checks a request
 * gets and which handler answers it cannot disagree.  Anything outside
 * /api/ is one of the page's files (static.c). */
#ifndef RQ_ROUTES_H
#define RQ_ROUTES_H

#include <stdbool.h>

#include <microhttpd.h>

#include "request.h"

/* Checks made when a request's headers are in, before its body is read:
 * its framing (one Host, one plain Content-Length, …: 400), the Host name
 * (403), the method (GET, HEAD; POST only under /api/: 405), and under
 * /api/ the rate limit (429), the cross-site check of every POST (403), a
 * signed-in account (401) whose role allows the route's action (403
 * naming the roles that may), unless the address is an open route's, and
 * a Content-Length over the limit (413).  True after answering. */
bool routes_refuse_early(struct req *rq, const char *url);

/* Answer a request whose body is in: 400 for a body on GET, 413 for one
 * over the limit; under /api/ the route's handler (after the body checks
 * its flags ask for), 405 with Allow when the address has routes for other
 * methods, else 404; outside it, a page file.  Releases what the handler
 * took (req_end).  Returns what libmicrohttpd answered. */
enum MHD_Result routes_dispatch(struct req *rq, const char *url);

#endif
