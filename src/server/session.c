/* session — the access token: who is signed in (Authorization: Bearer, or
 * the session cookie), GET /api/session, POST /api/login and /api/logout
 * (docs/api.md "Security"). */
#include "handlers.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "server_int.h"
#include "sha256.h"

#define COOKIE_NAME "rq_session"

static int random_hex(char *out, size_t bytes)
{
    unsigned char b[32];
    if (bytes > sizeof b)
        return -1;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t k = read(fd, b, bytes);
    close(fd);
    if (k != (ssize_t)bytes)
        return -1;
    for (size_t i = 0; i < bytes; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    return 0;
}

int session_start(struct server *s, struct diag_list *dl)
{
    if (!s->token)
        return 0;
    char salt[65];
    if (random_hex(salt, 32) != 0) {
        diag_error(dl, "/dev/urandom", NULL, "cannot read random bytes for the session cookie");
        return -1;
    }
    struct sha256 h;
    unsigned char d[32];
    sha256_init(&h);
    sha256_update(&h, salt, strlen(salt));
    sha256_update(&h, s->token, strlen(s->token));
    sha256_final(&h, d);
    sha256_to_hex(d, s->session);
    return 0;
}

/* Compare secrets in time independent of where they differ. */
static bool secret_eq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = (unsigned char)(la != lb);
    for (size_t i = 0; i < la; i++)
        d |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
    return d == 0;
}

bool session_authorised(const struct req *rq)
{
    const struct server *s = rq->s;
    if (!s->token)
        return true;
    const char *h = http_header(rq, MHD_HTTP_HEADER_AUTHORIZATION);
    if (h && !strncmp(h, "Bearer ", 7) && secret_eq(h + 7, s->token))
        return true;
    const char *ck = MHD_lookup_connection_value(rq->c, MHD_COOKIE_KIND, COOKIE_NAME);
    return ck && secret_eq(ck, s->session);
}

void api_session(struct req *rq)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddBoolToObject(root, "auth_required", rq->s->token != NULL);
    cJSON_AddBoolToObject(root, "authenticated", session_authorised(rq));
    http_json_date(root, "today", rq->today);
    http_send_json(rq, 200, root, NULL, NULL);
}

/* The body (ROUTE_OBJECT): { "token": "…" }. */
void api_login(struct req *rq)
{
    struct server *s = rq->s;
    cJSON *t = cJSON_GetObjectItemCaseSensitive(rq->obj, "token");
    if (s->token && !(cJSON_IsString(t) && secret_eq(t->valuestring, s->token))) {
        http_send_error(rq, 401, "token", NULL, NULL, "the access token is not right");
        return;
    }
    char cookie[200];
    snprintf(cookie, sizeof cookie, COOKIE_NAME "=%s; Path=/; HttpOnly; SameSite=Strict", s->token ? s->session : "");
    cJSON *root = cJSON_CreateObject();
    cJSON_AddBoolToObject(root, "authenticated", true);
    http_send_json(rq, 200, root, s->token ? MHD_HTTP_HEADER_SET_COOKIE : NULL, cookie);
}

void api_logout(struct req *rq)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddBoolToObject(root, "authenticated", false);
    http_send_json(rq, 200, root, MHD_HTTP_HEADER_SET_COOKIE,
                   COOKIE_NAME "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}
