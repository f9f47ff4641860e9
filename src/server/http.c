/* http — answers, body and header checks, the access log's words (http.h). */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "json_doc.h"
#include "server_int.h"

#define CSRF_HEADER "X-Regenquote"

/* ---- answers ----------------------------------------------------------------- */

static void secure_headers(struct MHD_Response *r, enum http_kind k)
{
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(r, "Content-Security-Policy",
                            k == HTTP_ESTIMATE ? "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors "
                                                 "'none'; base-uri 'none'; form-action 'none'"
                                               : "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                                                 "form-action 'self'; object-src 'none'");
    MHD_add_response_header(r, "Cache-Control", k == HTTP_PAGE ? "no-cache" : "no-store");
}

enum MHD_Result http_send(struct req *rq, unsigned status, const char *type, enum http_kind k, void *body,
                          size_t len, const char *hname, const char *hval)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return rq->ret = MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    secure_headers(r, k);
    if (hname)
        MHD_add_response_header(r, hname, hval);
    rq->status = status;
    rq->answered = true;
    rq->ret = MHD_queue_response(rq->c, status, r);
    MHD_destroy_response(r);
    return rq->ret;
}

enum MHD_Result http_send_json(struct req *rq, unsigned status, cJSON *root, const char *hname,
                               const char *hval)
{
    char *text = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!text) {
        static const char oom[] = "{\"errors\":[{\"field\":null,\"message\":\"out of memory\"}]}";
        char *t = strdup(oom);
        return t ? http_send(rq, 500, HTTP_JSON_TYPE, HTTP_API, t, strlen(t), NULL, NULL) : (rq->ret = MHD_NO);
    }
    return http_send(rq, status, HTTP_JSON_TYPE, HTTP_API, text, strlen(text), hname, hval);
}

void http_json_str(cJSON *o, const char *key, const char *s)
{
    if (s)
        cJSON_AddStringToObject(o, key, s);
    else
        cJSON_AddNullToObject(o, key);
}

void http_json_date(cJSON *o, const char *key, rq_date d)
{
    char b[16];
    cJSON_AddStringToObject(o, key, date_iso(d, b));
}

static cJSON *error_item(const char *field, const char *msg, int line, int col)
{
    cJSON *e = cJSON_CreateObject();
    http_json_str(e, "field", field);
    cJSON_AddStringToObject(e, "message", msg ? msg : "");
    if (line > 0) {
        cJSON_AddNumberToObject(e, "line", line);
        cJSON_AddNumberToObject(e, "col", col);
    }
    return e;
}

/* { "errors": [ field, msg, line, col ] } answered with status. */
static enum MHD_Result send_one_error(struct req *rq, unsigned status, const char *field, const char *msg,
                                      int line, int col, const char *hname, const char *hval)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *a = cJSON_AddArrayToObject(root, "errors");
    cJSON_AddItemToArray(a, error_item(field, msg, line, col));
    return http_send_json(rq, status, root, hname, hval);
}

enum MHD_Result http_send_error(struct req *rq, unsigned status, const char *field, const char *hname,
                                const char *hval, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return send_one_error(rq, status, field, msg, 0, 0, hname, hval);
}

enum MHD_Result http_send_diags(struct req *rq, unsigned status, const struct diag_list *dl)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *a = cJSON_AddArrayToObject(root, "errors");
    size_t shown = 0;
    for (size_t i = 0; i < dl->n && shown < 50; i++) {
        const struct diag *d = &dl->v[i];
        if (d->severity != DIAG_ERROR)
            continue;
        cJSON_AddItemToArray(a, error_item(d->path, d->msg, d->line, d->col));
        shown++;
    }
    if (!shown)
        cJSON_AddItemToArray(a, error_item(NULL, dl->errors ? "out of memory" : "the request failed", 0, 0));
    return http_send_json(rq, status, root, NULL, NULL);
}

/* ---- the body ---------------------------------------------------------------- */

bool http_body_blank(const struct req *rq)
{
    for (size_t i = 0; i < rq->len; i++)
        if (!strchr(" \t\r\n", rq->body[i]))
            return false;
    return true;
}

bool http_body_is_json(struct req *rq)
{
    if (http_body_blank(rq)) {
        http_send_error(rq, 400, NULL, NULL, NULL, "the request body is empty; send the plan as a JSON object");
        return false;
    }
    struct jdoc doc;
    struct diag_list dl = { 0 };
    if (jdoc_parse(&doc, "request", rq->body ? rq->body : "", rq->len, &dl) == 0) {
        jdoc_free(&doc);
        diag_list_free(&dl);
        return true;
    }
    jdoc_free(&doc);
    cJSON *root = cJSON_CreateObject();
    cJSON *a = cJSON_AddArrayToObject(root, "errors");
    for (size_t i = 0; i < dl.n; i++) {
        char msg[700];
        if (dl.v[i].line > 0)
            snprintf(msg, sizeof msg, "line %d, column %d: %s", dl.v[i].line, dl.v[i].col, dl.v[i].msg);
        else
            snprintf(msg, sizeof msg, "%s", dl.v[i].msg);
        cJSON_AddItemToArray(a, error_item(dl.v[i].path, msg, dl.v[i].line, dl.v[i].col));
    }
    if (!dl.n)
        cJSON_AddItemToArray(a, error_item(NULL, "the body is not valid JSON", 0, 0));
    diag_list_free(&dl);
    http_send_json(rq, 400, root, NULL, NULL);
    return false;
}

/* Line and column of byte offset off in text. */
static void text_pos(const char *text, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && text[i]; i++) {
        if (text[i] == '\n') {
            ++*line;
            *col = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            ++*col;
        }
    }
}

cJSON *http_body_object(struct req *rq, bool blank_ok)
{
    if (http_body_blank(rq) && blank_ok)
        return cJSON_CreateObject();
    if (rq->body && memchr(rq->body, '\0', rq->len)) {
        http_send_error(rq, 400, NULL, NULL, NULL, "the body contains a NUL byte");
        return NULL;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(rq->body ? rq->body : "", &end, 1);
    if (!root) {
        int line, col;
        size_t off = end && rq->body ? (size_t)(end - rq->body) : 0;
        text_pos(rq->body ? rq->body : "", off, &line, &col);
        char msg[120];
        snprintf(msg, sizeof msg, "line %d, column %d: JSON syntax error", line, col);
        send_one_error(rq, 400, NULL, msg, line, col, NULL, NULL);
        return NULL;
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        http_send_error(rq, 400, NULL, NULL, NULL, "the body must be a JSON object");
        return NULL;
    }
    return root;
}

/* ---- the headers ---------------------------------------------------------------- */

const char *http_header(const struct req *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, name);
}

const char *http_query(const struct req *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->c, MHD_GET_ARGUMENT_KIND, name);
}

bool http_query_dates(struct req *rq, bool *has_from, rq_date *from, bool *has_to, rq_date *to)
{
    static const char *const names[2] = { "from", "to" };
    for (int i = 0; i < 2; i++) {
        const char *v = http_query(rq, names[i]);
        if (!v || !*v)
            continue;
        if (!date_parse(v, i ? to : from)) {
            http_send_error(rq, 400, names[i], NULL, NULL, "'%s' is not a date; use YYYY-MM-DD", names[i]);
            return false;
        }
        *(i ? has_to : has_from) = true;
    }
    return true;
}

bool http_query_limit(struct req *rq, long min, long max, long *limit)
{
    const char *v = http_query(rq, "limit");
    if (!v || !*v)
        return true;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n < min || n > max) {
        http_send_error(rq, 400, "limit", NULL, NULL, "the limit must be a number from %ld to %ld", min, max);
        return false;
    }
    *limit = n;
    return true;
}

/* How many headers named name (any case) the request has. */
struct header_count {
    const char *name;
    unsigned n;
};

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    (void)value;
    struct header_count *hc = cls;
    if (key && !strcasecmp(key, hc->name))
        hc->n++;
    return MHD_YES;
}

static unsigned header_count(const struct req *rq, const char *name)
{
    struct header_count hc = { name, 0 };
    MHD_get_connection_values(rq->c, MHD_HEADER_KIND, count_header, &hc);
    return hc.n;
}

/* Is p (n bytes) a TCP port: 1 to 5 digits, 1 to 65535? */
static bool port_ok(const char *p, size_t n)
{
    if (n == 0 || n > 5)
        return false;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    return v >= 1 && v <= 65535;
}

bool http_host_ok(const struct req *rq)
{
    const struct server *s = rq->s;
    const char *h = http_header(rq, MHD_HTTP_HEADER_HOST);
    if (!h || header_count(rq, MHD_HTTP_HEADER_HOST) != 1)
        return false;
    char name[256];
    const char *port = NULL;
    size_t n;
    if (h[0] == '[') {
        /* [IPv6]:port */
        const char *e = strchr(h, ']');
        if (!e || (size_t)(e - h - 1) >= sizeof name)
            return false;
        n = (size_t)(e - h - 1);
        memcpy(name, h + 1, n);
        name[n] = '\0';
        struct in6_addr a6;
        if (inet_pton(AF_INET6, name, &a6) != 1)
            return false;
        if (e[1] == ':')
            port = e + 2;
        else if (e[1])
            return false;
        return !port || port_ok(port, strlen(port));
    }
    const char *colon = strchr(h, ':');
    n = colon ? (size_t)(colon - h) : strlen(h);
    if (n == 0 || n >= sizeof name)
        return false;
    memcpy(name, h, n);
    name[n] = '\0';
    if (colon && !port_ok(colon + 1, strlen(colon + 1)))
        return false; /* a second ':', userinfo ("…@evil"), a path: not a port */
    struct in_addr a4;
    if (inet_pton(AF_INET, name, &a4) == 1)
        return true;
    if (!strcasecmp(name, "localhost"))
        return true;
    for (size_t i = 0; s->allow_hosts && s->allow_hosts[i]; i++)
        if (!strcasecmp(name, s->allow_hosts[i]))
            return true;
    return false;
}

bool http_host_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 253 || name[0] == '.' || name[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
              (name[i] >= '0' && name[i] <= '9') || name[i] == '.' || name[i] == '-'))
            return false;
    return true;
}

const char *http_framing_problem(const struct req *rq)
{
    unsigned cl = header_count(rq, MHD_HTTP_HEADER_CONTENT_LENGTH);
    unsigned te = header_count(rq, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    if (header_count(rq, MHD_HTTP_HEADER_HOST) > 1)
        return "the request has more than one Host header";
    if (cl > 1)
        return "the request has more than one Content-Length header";
    if (te > 1)
        return "the request has more than one Transfer-Encoding header";
    if (cl && te)
        return "the request has both Content-Length and Transfer-Encoding";
    const char *v = http_header(rq, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (v && (!*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 18))
        return "the Content-Length header is not a plain number";
    v = http_header(rq, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    if (v && strcasecmp(v, "chunked") != 0)
        return "the only Transfer-Encoding accepted is chunked";
    return NULL;
}

/* A header a page on another site cannot send without our consent (a CORS
 * preflight this server never grants), and the origin, when the browser
 * names it, must be ours. */
const char *http_csrf_problem(const struct req *rq)
{
    const char *x = http_header(rq, CSRF_HEADER);
    if (!x || strcmp(x, "1") != 0)
        return "the request lacks the header 'X-Regenquote: 1' that every POST needs (cross-site requests are refused)";
    const char *site = http_header(rq, "Sec-Fetch-Site");
    if (site && !strcmp(site, "cross-site"))
        return "cross-site requests are refused";
    const char *origin = http_header(rq, "Origin");
    if (origin) {
        const char *host = http_header(rq, MHD_HTTP_HEADER_HOST);
        const char *rest = !strncmp(origin, "http://", 7) ? origin + 7 : !strncmp(origin, "https://", 8) ? origin + 8 : NULL;
        if (!host || !rest || strcmp(rest, host) != 0)
            return "the request comes from another site (its Origin does not match the Host); refused";
    }
    return NULL;
}

void http_session_cookie(const struct req *rq, const char *token, char *out, size_t size)
{
    if (token)
        snprintf(out, size, HTTP_SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s", token,
                 rq->s->secure_cookie ? "; Secure" : "");
    else
        snprintf(out, size, HTTP_SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Strict%s; Max-Age=0",
                 rq->s->secure_cookie ? "; Secure" : "");
}

bool http_declared_too_large(const struct req *rq)
{
    const char *cl = http_header(rq, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (!cl)
        return false;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(cl, &end, 10);
    return errno || *end || n > rq->s->max_body;
}

/* ---- the access log -------------------------------------------------------------- */

void http_log_path(const char *url, char *out, size_t size)
{
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == '"') {
            snprintf(out, size, "(path with other characters)");
            return;
        }
    snprintf(out, size, "%.*s%s", (int)(size > 4 ? size - 4 : 0), url, strlen(url) + 4 >= size ? "…" : "");
}

void http_client_addr(struct MHD_Connection *c, char *out, size_t size)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, size, "?");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)size);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, (socklen_t)size);
}
