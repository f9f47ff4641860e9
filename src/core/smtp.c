/* smtp — an estimate sent by e-mail through the clinic's relay (smtp.h). */
#include "smtp.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "strbuf.h"
#include "template.h"

int smtp_settings_load(struct smtp_settings *s, const char *dir, struct diag_list *dl)
{
    static const char *const keys[] = { "server", "port", "security", "user", "password_file", "from",
                                        "timeout_seconds", NULL };
    memset(s, 0, sizeof *s);
    s->timeout_seconds = 30;
    char path[4096];
    snprintf(path, sizeof path, "%s/mail.json", dir);
    if (access(path, F_OK) != 0) {
        diag_error(dl, path, NULL, "there is no mail relay set up; describe the clinic's SMTP relay in this file "
                   "(docs/price-tables.md, \"mail.json\")");
        return 1;
    }
    size_t errors = dl->errors;
    if (jdoc_load_file(&s->doc, path, dl) != 0)
        return -1;
    struct jreader r = { .doc = &s->doc, .dl = dl };
    const cJSON *o = s->doc.root;
    if (!cJSON_IsObject(o)) {
        jdoc_diag(&s->doc, dl, DIAG_ERROR, o, "", "expected an object");
        return -1;
    }
    jr_check_keys(&r, o, "", keys);
    jr_string(&r, o, "", "server", true, &s->server);
    jr_int(&r, o, "", "port", true, 1, 65535, &s->port);
    jr_string(&r, o, "", "security", true, &s->security);
    jr_string(&r, o, "", "user", false, &s->user);
    jr_string(&r, o, "", "password_file", false, &s->password_file);
    jr_string(&r, o, "", "from", true, &s->from);
    jr_int(&r, o, "", "timeout_seconds", false, 1, 600, &s->timeout_seconds);
    bool loopback = s->server && (!strcmp(s->server, "127.0.0.1") || !strcmp(s->server, "::1") ||
                                  !strcmp(s->server, "localhost"));
    if (s->security && strcmp(s->security, "starttls") && strcmp(s->security, "tls") && strcmp(s->security, "none"))
        jdoc_diag(&s->doc, dl, DIAG_ERROR, jr_member(o, "security"), "security",
                  "'%.20s' is not a security mode; expected \"starttls\" or \"tls\"", s->security);
    else if (s->security && !strcmp(s->security, "none") && !loopback)
        jdoc_diag(&s->doc, dl, DIAG_ERROR, jr_member(o, "security"), "security",
                  "\"none\" (no encryption) is only for a test server on this machine (127.0.0.1); "
                  "use \"starttls\" or \"tls\"");
    if (s->user && !s->password_file)
        jdoc_diag(&s->doc, dl, DIAG_ERROR, o, "password_file", "a user needs the file holding the password");
    if (s->from && !smtp_address_ok(s->from))
        jdoc_diag(&s->doc, dl, DIAG_ERROR, jr_member(o, "from"), "from", "is not a plain e-mail address");
    return dl->errors > errors ? -1 : 0;
}

void smtp_settings_free(struct smtp_settings *s)
{
    jdoc_free(&s->doc);
    memset(s, 0, sizeof *s);
}

bool smtp_address_ok(const char *a)
{
    if (!a)
        return false;
    size_t n = strlen(a), at = 0, ats = 0;
    if (n < 3 || n > 254)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)a[i];
        if (c <= ' ' || c == '<' || c == '>' || c == '"' || c == '\\' || c == ',' || c == ';' || c == 127)
            return false;
        if (c == '@') {
            ats++;
            at = i;
        }
    }
    return ats == 1 && at > 0 && at < n - 1 && strchr(a + at, '.') != NULL;
}

/* ---- the message ----------------------------------------------------------- */

/* The message being written, and how much of it libcurl has read. */
struct mbuf {
    struct strbuf b;
    size_t off;
};

static void madd(struct mbuf *m, const char *s, size_t n)
{
    strbuf_put(&m->b, s, n);
}

static void mstr(struct mbuf *m, const char *s)
{
    strbuf_str(&m->b, s);
}

/* text as one RFC 2047 encoded word (UTF-8, base64) when not plain ASCII. */
static void b64(struct mbuf *b, const unsigned char *d, size_t n, size_t line)
{
    static const char T[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t col = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (i + 1 < n ? (unsigned)d[i + 1] << 8 : 0) | (i + 2 < n ? d[i + 2] : 0);
        char q[4] = { T[v >> 18 & 63], T[v >> 12 & 63], i + 1 < n ? T[v >> 6 & 63] : '=', i + 2 < n ? T[v & 63] : '=' };
        madd(b, q, 4);
        col += 4;
        if (line && col >= line && i + 3 < n) {
            mstr(b, "\r\n");
            col = 0;
        }
    }
}

static void header_text(struct mbuf *b, const char *s)
{
    bool ascii = true;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p >= 128 || *p == '\r' || *p == '\n')
            ascii = false;
    if (ascii) {
        mstr(b, s);
        return;
    }
    mstr(b, "=?UTF-8?B?");
    b64(b, (const unsigned char *)s, strlen(s), 0);
    mstr(b, "?=");
}

static size_t read_cb(char *dst, size_t size, size_t nmemb, void *ctx)
{
    struct mbuf *b = ctx;
    size_t room = size * nmemb, left = b->b.n - b->off, k = left < room ? left : room;
    memcpy(dst, b->b.s + b->off, k);
    b->off += k;
    return k;
}

/* The password: the first line of the file (mode not readable by others). */
static char *read_password(const char *path, struct diag_list *dl)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        diag_error(dl, path, "password_file", "cannot read the SMTP password file");
        return NULL;
    }
    if (st.st_mode & 077) {
        close(fd);
        diag_error(dl, path, "password_file", "the SMTP password file is readable by other users; "
                   "make it private with 'chmod 600 %s'", path);
        return NULL;
    }
    char *pw = calloc(1, 1024);
    ssize_t n = pw ? read(fd, pw, 1023) : -1;
    close(fd);
    if (n < 0) {
        free(pw);
        diag_error(dl, path, "password_file", "cannot read the SMTP password file");
        return NULL;
    }
    pw[strcspn(pw, "\r\n")] = '\0';
    return pw;
}

/* libcurl is loaded when a message is sent, not linked: it brings some thirty
 * libraries (TLS, HTTP/2, SSH, LDAP, Kerberos…) whose loading would double
 * the start-up of every other command (a one-process quote: 18 million
 * instructions with them linked, half of them the dynamic loader's). */
struct curl_api {
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
};

/* Fill api from libcurl.so.4 (kept loaded).  Returns 0, or -1 with a
 * diagnostic saying what to install. */
static int curl_api_load(struct curl_api *api, struct diag_list *dl)
{
    void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        diag_error(dl, NULL, NULL, "cannot send e-mail: libcurl (libcurl.so.4) is not installed; install Debian's "
                   "libcurl4 package");
        return -1;
    }
    /* POSIX dlsym returns object pointers; each is the function of that name */
#define LOAD(field, name) *(void **)&api->field = dlsym(h, name)
    LOAD(easy_init, "curl_easy_init");
    LOAD(easy_setopt, "curl_easy_setopt");
    LOAD(easy_perform, "curl_easy_perform");
    LOAD(easy_cleanup, "curl_easy_cleanup");
    LOAD(easy_strerror, "curl_easy_strerror");
    LOAD(slist_append, "curl_slist_append");
    LOAD(slist_free_all, "curl_slist_free_all");
#undef LOAD
    if (!api->easy_init || !api->easy_setopt || !api->easy_perform || !api->easy_cleanup || !api->easy_strerror ||
        !api->slist_append || !api->slist_free_all) {
        diag_error(dl, NULL, NULL, "cannot send e-mail: libcurl.so.4 lacks a function regenquote needs");
        return -1;
    }
    return 0;
}

int smtp_send(const struct smtp_settings *s, const struct smtp_message *m, char *message_id,
              struct diag_list *dl)
{
    message_id[0] = '\0';
    if (!smtp_address_ok(m->to)) {
        diag_error(dl, NULL, "to", "'%.80s' is not a plain e-mail address", m->to ? m->to : "");
        return -1;
    }
    struct template t;
    memset(&t, 0, sizeof t);
    const char *lang = m->language && !strcmp(m->language, "es") ? "es" : "en";
    if (template_load(&t, m->templates_dir ? m->templates_dir : "templates", lang, "mail.txt", dl) != 0) {
        template_free(&t);
        return -1;
    }
    char *subject = template_expand_pairs(&t, dl, "mail.subject", "number", m->number, "clinic", m->clinic, NULL);
    char *body = template_expand_pairs(&t, dl, "mail.body", "number", m->number, "clinic", m->clinic, NULL);
    template_free(&t);
    char *password = NULL;
    if (!subject || !body || (s->user && !(password = read_password(s->password_file, dl)))) {
        free(subject);
        free(body);
        return -1;
    }
    /* Message-ID: the quote, the time and 64 random bits, at the From domain */
    unsigned long long rnd = 0;
    int rf = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (rf >= 0) {
        if (read(rf, &rnd, sizeof rnd) != (ssize_t)sizeof rnd)
            rnd = (unsigned long long)m->now * 2654435761u;
        close(rf);
    }
    snprintf(message_id, 160, "%s.%lld.%016llx@%s", m->number, m->now, rnd, strchr(s->from, '@') + 1);
    char date[64];
    time_t now = (time_t)m->now;
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);

    struct mbuf b = { 0 };
    const char *boundary = "=_regenquote_boundary_7f3a9c";
    mstr(&b, "Date: ");
    mstr(&b, date);
    mstr(&b, "\r\nFrom: ");
    header_text(&b, m->clinic);
    mstr(&b, " <");
    mstr(&b, s->from);
    mstr(&b, ">\r\nTo: <");
    mstr(&b, m->to);
    mstr(&b, ">\r\nMessage-ID: <");
    mstr(&b, message_id);
    mstr(&b, ">\r\nSubject: ");
    header_text(&b, subject);
    mstr(&b, "\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"");
    mstr(&b, boundary);
    mstr(&b, "\"\r\n\r\n--");
    mstr(&b, boundary);
    mstr(&b, "\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n");
    b64(&b, (const unsigned char *)body, strlen(body), 76);
    mstr(&b, "\r\n--");
    mstr(&b, boundary);
    mstr(&b, "\r\nContent-Type: application/pdf; name=\"");
    mstr(&b, m->number);
    mstr(&b, ".pdf\"\r\nContent-Disposition: attachment; filename=\"");
    mstr(&b, m->number);
    mstr(&b, ".pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n");
    b64(&b, m->pdf, m->pdf_len, 76);
    mstr(&b, "\r\n--");
    mstr(&b, boundary);
    mstr(&b, "--\r\n");
    free(subject);
    free(body);
    int rc = -1;
    CURL *c = NULL;
    struct curl_slist *rcpt = NULL;
    struct curl_api api;
    memset(&api, 0, sizeof api);
    if (b.b.oom) {
        diag_error(dl, NULL, NULL, "out of memory");
        goto out;
    }
    if (curl_api_load(&api, dl) != 0)
        goto out;
    c = api.easy_init();
    char url[600], err[CURL_ERROR_SIZE] = "", to[300];
    bool tls = !strcmp(s->security, "tls");
    snprintf(url, sizeof url, "%s://%s:%d", tls ? "smtps" : "smtp", s->server, s->port);
    snprintf(to, sizeof to, "<%s>", m->to);
    rcpt = api.slist_append(NULL, to);
    if (!c || !rcpt) {
        diag_error(dl, NULL, NULL, "cannot start the mail transfer");
        goto out;
    }
    char from[300];
    snprintf(from, sizeof from, "<%s>", s->from);
    api.easy_setopt(c, CURLOPT_URL, url);
    api.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    api.easy_setopt(c, CURLOPT_USE_SSL, (long)(strcmp(s->security, "none") ? CURLUSESSL_ALL : CURLUSESSL_NONE));
    if (s->user) {
        api.easy_setopt(c, CURLOPT_USERNAME, s->user);
        api.easy_setopt(c, CURLOPT_PASSWORD, password);
    }
    api.easy_setopt(c, CURLOPT_MAIL_FROM, from);
    api.easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    api.easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    api.easy_setopt(c, CURLOPT_READDATA, &b);
    api.easy_setopt(c, CURLOPT_UPLOAD, 1L);
    api.easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)b.b.n);
    api.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)s->timeout_seconds);
    api.easy_setopt(c, CURLOPT_TIMEOUT, (long)s->timeout_seconds);
    api.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    api.easy_setopt(c, CURLOPT_ERRORBUFFER, err);
    CURLcode cc = api.easy_perform(c);
    if (cc == CURLE_OK)
        rc = 0;
    else {
        const char *what = cc == CURLE_COULDNT_CONNECT ? "the mail server refused the connection"
                         : cc == CURLE_LOGIN_DENIED ? "the mail server refused the login (check the user and password file)"
                         : cc == CURLE_OPERATION_TIMEDOUT ? "the mail server did not answer in time"
                         : cc == CURLE_USE_SSL_FAILED ? "the mail server does not offer encryption (STARTTLS)"
                         : api.easy_strerror(cc);
        char *nl = strpbrk(err, "\r\n");
        if (nl)
            *nl = '\0';
        diag_error(dl, NULL, NULL, "cannot send the e-mail to %s:%d: %s%s%s%s", s->server, s->port, what,
                   *err ? " (" : "", err, *err ? ")" : "");
        message_id[0] = '\0';
    }
out:
    if (password) {
        memset(password, 0, strlen(password));
        free(password);
    }
    if (rcpt)
        api.slist_free_all(rcpt);
    if (c)
        api.easy_cleanup(c);
    free(b.b.s);
    return rc;
}
