/* srv_client — the server tests' shared parts (srv_client.h). */
#include "srv_client.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "accounts.h"
#include "helpers.h"

char *dir;
struct server *srv;
char cookie[160];

/* ---- access log captured in memory ------------------------------------------ */

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char log_buf[1 << 16];
static size_t log_len;

static void log_cb(void *ctx, const char *line)
{
    (void)ctx;
    pthread_mutex_lock(&log_mu);
    size_t n = strlen(line);
    if (log_len + n + 2 < sizeof log_buf) {
        memcpy(log_buf + log_len, line, n);
        log_len += n;
        log_buf[log_len++] = '\n';
        log_buf[log_len] = '\0';
    }
    pthread_mutex_unlock(&log_mu);
}

char *log_copy(void)
{
    pthread_mutex_lock(&log_mu);
    char *s = strdup(log_buf);
    pthread_mutex_unlock(&log_mu);
    return s;
}

/* ---- one server per test ----------------------------------------------------------- */

void add_user(const char *name, enum role role)
{
    char pw[64];
    snprintf(pw, sizeof pw, "%s-password-1", name);
    struct diag_list dl = { 0 };
    struct reg *r = NULL;
    int rc = register_open(&r, th_reg(), &dl);
    if (rc == 0)
        rc = accounts_add(r, name, role, pw, "test", &dl);
    char *d = th_diags(&dl);
    cr_assert_eq(rc, 0, "add_user %s: %s", name, d);
    free(d);
    diag_list_free(&dl);
    register_close(r);
}

/* The register the server opens (it never makes one), of engine e, with
 * the accounts every test has: the test's register (th_reg()). */
static void make_register(size_t e)
{
    char loc[800];
    th_engine_locator(e, dir, loc, sizeof loc);
    struct diag_list dl = { 0 };
    struct reg *r = NULL;
    int rc = register_create(&r, loc, NULL, "test", &dl);
    char *d = th_diags(&dl);
    cr_assert_eq(rc, 0, "%s: %s", loc, d);
    free(d);
    register_close(r);
    diag_list_free(&dl);
    th_set_reg(e, loc);
    add_user(FRONT_DESK, ROLE_FRONT_DESK);
    add_user(MANAGER, ROLE_MANAGER);
}

void srv_setup(void)
{
    dir = th_tmpdir();
    log_len = 0;
    log_buf[0] = '\0';
    srv = NULL;
    cookie[0] = '\0';
    make_register(th_engine_index("sqlite"));
}

void srv_engine(size_t e)
{
    if (e != th_reg_engine() || !*th_reg())
        make_register(e);
}

void srv_teardown(void)
{
    server_stop(srv);
    th_rmtree(dir);
    free(dir);
}

struct server *start_with(struct server_opts *o)
{
    static char reg[800], out[512];
    snprintf(reg, sizeof reg, "%s", th_reg());
    snprintf(out, sizeof out, "%s/out", dir);
    if (!o->bind)
        o->bind = "127.0.0.1";
    if (!o->prices_dir)
        o->prices_dir = "pricing";
    o->templates_dir = "templates";
    o->web_dir = "web";
    o->register_path = reg;
    o->out_dir = out;
    o->has_today = true;
    o->today = date_from_ymd(2026, 11, 23);
    o->log = log_cb;
    struct diag_list dl = { 0 };
    struct server *s = NULL;
    int rc = server_start(&s, o, &dl);
    char *d = th_diags(&dl);
    cr_assert_eq(rc, 0, "server_start: %s", d);
    free(d);
    diag_list_free(&dl);
    return s;
}

struct server *start(int rate, size_t max_body)
{
    struct server_opts o = { .rate_per_minute = rate, .max_body = max_body };
    return start_with(&o);
}

/* ---- a small HTTP client ------------------------------------------------------------ */

void resp_free(struct resp *r)
{
    free(r->head);
    free(r->body);
}

static int connect_local(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(fd >= 0);
    struct timeval tv = { .tv_sec = 20 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)server_port(srv)) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

struct resp http(const char *method, const char *path, const char *extra, const char *body, size_t blen)
{
    struct resp r = { 0 };
    int fd = connect_local();
    char head[4096], ck[200] = "";
    if (cookie[0] && !(extra && ci_find(extra, "Cookie:")))
        snprintf(ck, sizeof ck, "Cookie: %s\r\n", cookie);
    int n = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n%s%s%s",
                     method, path, server_port(srv), ck, extra ? extra : "", body ? "" : "\r\n");
    if (body)
        n += snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %zu\r\n\r\n", blen);
    cr_assert_eq(write(fd, head, (size_t)n), n);
    for (size_t off = 0; body && off < blen;) {
        ssize_t k = write(fd, body + off, blen - off);
        if (k <= 0)
            break; /* the server may refuse and close early (413) */
        off += (size_t)k;
    }
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 4096 > cap)
            buf = realloc(buf, cap *= 2);
        ssize_t k = read(fd, buf + len, cap - len - 1);
        if (k <= 0)
            break;
        len += (size_t)k;
    }
    close(fd);
    buf[len] = '\0';
    char *sep = strstr(buf, "\r\n\r\n");
    cr_assert_not_null(sep, "no HTTP answer to %s %s: %s", method, path, buf);
    *sep = '\0';
    r.head = strdup(buf);
    r.len = len - (size_t)(sep + 4 - buf);
    r.body = malloc(r.len + 1);
    memcpy(r.body, sep + 4, r.len);
    r.body[r.len] = '\0';
    free(buf);
    cr_assert_eq(sscanf(r.head, "HTTP/1.1 %d", &r.status), 1, "%s", r.head);
    return r;
}

int raw_status(const char *data, size_t len)
{
    int fd = connect_local();
    for (size_t off = 0; off < len;) {
        ssize_t k = write(fd, data + off, len - off);
        if (k <= 0)
            break;
        off += (size_t)k;
    }
    char buf[256] = { 0 };
    ssize_t k = read(fd, buf, sizeof buf - 1);
    close(fd);
    int status = 0;
    if (k > 12)
        sscanf(buf, "HTTP/1.1 %d", &status);
    return status;
}

struct resp get(const char *path, const char *extra)
{
    return http("GET", path, extra, NULL, 0);
}

struct resp post(const char *path, const char *extra, const char *body)
{
    char h[1024];
    snprintf(h, sizeof h, "X-Regenquote: 1\r\nContent-Type: application/json\r\n%s", extra ? extra : "");
    return http("POST", path, h, body, strlen(body));
}

const char *ci_find(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && (hay[i] | 0x20) == (needle[i] | 0x20))
            i++;
        if (i == n)
            return hay;
    }
    return NULL;
}

bool has_header(const struct resp *r, const char *line)
{
    return ci_find(r->head, line) != NULL;
}

cJSON *json(const struct resp *r)
{
    cJSON *j = cJSON_Parse(r->body);
    cr_assert_not_null(j, "not JSON: %s", r->body);
    return j;
}

const char *first_error(cJSON *j, const char *what)
{
    cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "errors"), 0);
    cr_assert_not_null(e, "no errors[] in the answer");
    cJSON *v = cJSON_GetObjectItem(e, what);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

void set_cookie_value(const struct resp *r, char *out, size_t size)
{
    const char *ck = ci_find(r->head, "Set-Cookie: ");
    cr_assert_not_null(ck, "no Set-Cookie: %s", r->head);
    size_t n = strcspn(ck + 12, ";\r\n");
    cr_assert(n > 0 && n < size, "%s", r->head);
    memcpy(out, ck + 12, n);
    out[n] = '\0';
}

void login(const char *name)
{
    char body[200];
    snprintf(body, sizeof body, "{\"username\": \"%s\", \"password\": \"%s-password-1\"}", name, name);
    cookie[0] = '\0';
    struct resp r = post("/api/login", NULL, body);
    cr_assert_eq(r.status, 200, "sign-in as %s: %d %s", name, r.status, r.body);
    set_cookie_value(&r, cookie, sizeof cookie);
    resp_free(&r);
}

char *post_quote(const char *plan)
{
    struct resp r = post("/api/quotes", NULL, plan);
    cr_assert_eq(r.status, 201, "%s", r.body);
    cJSON *j = json(&r);
    char *n = strdup(cJSON_GetObjectItem(j, "number")->valuestring);
    cJSON_Delete(j);
    resp_free(&r);
    return n;
}
