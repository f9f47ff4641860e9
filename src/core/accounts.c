/* accounts — staff accounts and sessions in the register (accounts.h). */
#include "accounts.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "register_engine.h"
#include "sha256.h"

#define PW_OPS crypto_pwhash_OPSLIMIT_INTERACTIVE
#define PW_MEM crypto_pwhash_MEMLIMIT_INTERACTIVE

/* Checked when an account does not exist, so that a wrong name costs the
 * same time as a wrong password (the hash of a password nobody has). */
static const char NOBODY_HASH[] =
    "$argon2id$v=19$m=65536,t=2,p=1$a3yCtnEq7boMqQSQJukVWQ$YkPbLkNif7Zeb4MlA+yoMoU5EgfFlTpWCi+8PTUIp6M";

/* ---- names and passwords ----------------------------------------------------------- */

bool account_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > ACCOUNT_NAME_MAX || !(name[0] >= 'a' && name[0] <= 'z'))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '.' ||
              name[i] == '_' || name[i] == '-'))
            return false;
    return true;
}

bool account_password_ok(const char *name, const char *password, struct diag_list *dl)
{
    size_t bytes = strlen(password), chars = 0;
    for (const unsigned char *p = (const unsigned char *)password; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            diag_error(dl, NULL, "password", "the password contains a control character; use letters, digits, "
                                             "spaces and punctuation");
            return false;
        }
        chars += (*p & 0xC0) != 0x80;
    }
    if (chars < ACCOUNT_PASSWORD_MIN) {
        diag_error(dl, NULL, "password", "the password is too short; use at least %d characters (a few words "
                                         "make a good one)", ACCOUNT_PASSWORD_MIN);
        return false;
    }
    if (bytes > ACCOUNT_PASSWORD_MAX) {
        diag_error(dl, NULL, "password", "the password is longer than %d bytes", ACCOUNT_PASSWORD_MAX);
        return false;
    }
    if (name && !strcmp(name, password)) {
        diag_error(dl, NULL, "password", "the password is the account's name; choose another");
        return false;
    }
    return true;
}

/* The Argon2id hash of password into out.  0, or -1 with a diagnostic. */
static int hash_password(const char *password, char out[crypto_pwhash_STRBYTES], struct diag_list *dl)
{
    if (sodium_init() < 0 || crypto_pwhash_str(out, password, strlen(password), PW_OPS, PW_MEM) != 0) {
        diag_error(dl, NULL, NULL, "cannot hash the password (out of memory?)");
        return -1;
    }
    return 0;
}

static bool password_matches(const char *hash, const char *password)
{
    size_t n = strlen(password);
    char h[crypto_pwhash_STRBYTES] = { 0 };
    if (sodium_init() < 0 || n > ACCOUNT_PASSWORD_MAX || strlen(hash) >= sizeof h)
        return false;
    memcpy(h, hash, strlen(hash));
    return crypto_pwhash_str_verify(h, password, n) == 0;
}

/* ---- the register -------------------------------------------------------------------- */

void reg_users_free(struct reg_user *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].username);
        free(v[i].role);
        free(v[i].password_hash);
        free(v[i].created_at);
    }
    free(v);
}

static void user_release(struct reg_user *u)
{
    free(u->username);
    free(u->role);
    free(u->password_hash);
    free(u->created_at);
    memset(u, 0, sizeof *u);
}

static void now_iso(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* An event about the register itself (no quote), now (in a transaction). */
static int event(struct reg *r, const char *kind, const char *actor, const char *detail, struct diag_list *dl)
{
    char at[32];
    now_iso(at);
    struct reg_new_event ev = { .number = "-", .at = at, .actor = actor, .action = kind, .detail = detail };
    return audit_append(r, &ev, dl);
}

void account_free(struct account *a)
{
    free(a->name);
    free(a->created_at);
    memset(a, 0, sizeof *a);
}

void accounts_free(struct account *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        account_free(&v[i]);
    free(v);
}

/* *a from a stored account (taking its strings). */
static void take_account(struct account *a, struct reg_user *u)
{
    memset(a, 0, sizeof *a);
    a->name = u->username;
    a->created_at = u->created_at;
    if (!u->role || !role_parse(u->role, &a->role))
        a->role = ROLE_NONE; /* a role this regenquote does not know may do nothing */
    a->disabled = u->disabled;
    a->failed_logins = u->failed_logins;
    u->username = u->created_at = NULL;
    user_release(u);
}

int accounts_get(struct reg *r, const char *name, struct account *a, struct diag_list *dl)
{
    struct reg_store *s;
    const struct reg_engine *eng = register_engine_of(r, &s);
    struct reg_user u;
    memset(a, 0, sizeof *a);
    if (!account_name_ok(name))
        return 1;
    int rc = eng->user_get(s, name, &u, dl);
    if (rc == 0)
        take_account(a, &u);
    return rc;
}

int accounts_list(struct reg *r, struct account **out, size_t *n, struct diag_list *dl)
{
    struct reg_store *s;
    const struct reg_engine *eng = register_engine_of(r, &s);
    struct reg_user *v;
    *out = NULL;
    *n = 0;
    if (eng->user_list(s, &v, n, dl) != 0)
        return -1;
    struct account *a = calloc(*n ? *n : 1, sizeof *a);
    if (!a) {
        reg_users_free(v, *n);
        *n = 0;
        diag_error(dl, NULL, NULL, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < *n; i++)
        take_account(&a[i], &v[i]);
    free(v);
    *out = a;
    return 0;
}

/* Read an existing account for a change (in a transaction): 0, or -1 with
 * "there is no account …". */
static int must_get(const struct reg_engine *eng, struct reg_store *s, const char *name, struct reg_user *u,
                    struct diag_list *dl)
{
    int rc = account_name_ok(name) ? eng->user_get(s, name, u, dl) : 1;
    if (rc == 1)
        diag_error(dl, NULL, NULL, "there is no account '%s'; 'regenquote user list' shows them", name);
    return rc == 0 ? 0 : -1;
}

int accounts_add(struct reg *r, const char *name, enum role role, const char *password, const char *actor,
                 struct diag_list *dl)
{
    struct reg_store *s;
    const struct reg_engine *eng = register_engine_of(r, &s);
    if (!account_name_ok(name)) {
        diag_error(dl, NULL, "NAME", "'%.40s' is not an account name; use a lowercase letter, then up to 31 "
                                     "lowercase letters, digits, '.', '_' or '-'", name);
        return -1;
    }
    if (role == ROLE_NONE) {
        diag_error(dl, NULL, "--role", "give the account's role: %s", ROLE_WORDS);
        return -1;
    }
    char hash[crypto_pwhash_STRBYTES];
    if (!account_password_ok(name, password, dl) || hash_password(password, hash, dl) != 0)
        return -1;
    if (eng->begin(s, dl) != 0)
        return -1;
    char at[32], detail[96];
    now_iso(at);
    struct reg_user u;
    int got = eng->user_get(s, name, &u, dl);
    if (got == 0) {
        user_release(&u);
        diag_error(dl, NULL, NULL, "there is already an account '%s' (names are never reused)", name);
        goto fail;
    }
    struct reg_user nu = { .username = (char *)name, .role = (char *)role_name(role), .password_hash = hash,
                           .created_at = at };
    snprintf(detail, sizeof detail, "account %s, role %s", name, role_name(role));
    if (got < 0 || eng->user_insert(s, &nu, dl) != 0 || event(r, "account added", actor, detail, dl) != 0)
        goto fail;
    sodium_memzero(hash, sizeof hash);
    return eng->commit(s, dl);
fail:
    sodium_memzero(hash, sizeof hash);
    eng->rollback(s);
    return -1;
}

/* Change the account name in one transaction: a new password hash (which
 * also clears its failures), or (new_hash NULL) disabled; end its open
 * sessions and record kind by actor (*ended: how many sessions).
 * Disabling a disabled account changes nothing. */
static int change_account(struct reg *r, const char *name, const char *new_hash, const char *actor,
                          const char *kind, long long *ended, struct diag_list *dl)
{
    struct reg_store *s;
    const struct reg_engine *eng = register_engine_of(r, &s);
    long long n = 0;
    if (ended)
        *ended = 0;
    if (eng->begin(s, dl) != 0)
        return -1;
    struct reg_user u;
    if (must_get(eng, s, name, &u, dl) != 0)
        goto fail;
    bool nothing = !new_hash && u.disabled;
    char *old = u.password_hash;
    if (new_hash) {
        u.password_hash = (char *)new_hash;
        u.failed_logins = 0;
        u.last_failed_unix = 0;
    } else {
        u.disabled = true;
    }
    int rc = nothing ? 0 : eng->user_update(s, &u, dl);
    u.password_hash = old;
    user_release(&u);
    if (nothing)
        return eng->commit(s, dl);
    char detail[128];
    if (rc != 0 || eng->session_end(s, NULL, name, (int64_t)time(NULL), kind, &n, dl) != 0)
        goto fail;
    snprintf(detail, sizeof detail, "account %s; %lld session%s ended", name, n, n == 1 ? "" : "s");
    if (event(r, kind, actor, detail, dl) != 0)
        goto fail;
    if (ended)
        *ended = n;
    return eng->commit(s, dl);
fail:
    eng->rollback(s);
    return -1;
}

int accounts_set_password(struct reg *r, const char *name, const char *password, const char *actor,
                          long long *ended, struct diag_list *dl)
{
    char hash[crypto_pwhash_STRBYTES];
    if (ended)
        *ended = 0;
    if (!account_password_ok(name, password, dl) || hash_password(password, hash, dl) != 0)
        return -1;
    int rc = change_account(r, name, hash, actor, "password changed", ended, dl);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

int accounts_disable(struct reg *r, const char *name, const char *actor, long long *ended,
                     struct diag_list *dl)
{
    return change_account(r, name, NULL, actor, "account disabled", ended, dl);
}

/* ---- sessions ------------------------------------------------------------------------- */

/* n random bytes from the operating system.  0, or -1. */
static int os_random(unsigned char *b, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = getrandom(b + got, n - got, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    if (got == n)
        return 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    got = 0;
    while (got < n) {
        ssize_t k = read(fd, b + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    close(fd);
    return got == n ? 0 : -1;
}

/* Is token a session id's form: SESSION_ID_HEX lowercase hex digits? */
static bool token_ok(const char *token)
{
    size_t n = token ? strlen(token) : 0;
    if (n != SESSION_ID_HEX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((token[i] >= '0' && token[i] <= '9') || (token[i] >= 'a' && token[i] <= 'f')))
            return false;
    return true;
}

/* A new session for name (in a transaction): its id in token. */
static int session_open(const struct reg_engine *eng, struct reg_store *s, const char *name, int64_t now,
                        char token[SESSION_ID_HEX + 1], struct diag_list *dl)
{
    unsigned char b[SESSION_ID_HEX / 2];
    if (os_random(b, sizeof b) != 0) {
        diag_error(dl, NULL, NULL, "cannot read random bytes from the operating system for a session");
        return -1;
    }
    for (size_t i = 0; i < sizeof b; i++)
        snprintf(token + 2 * i, 3, "%02x", b[i]);
    sodium_memzero(b, sizeof b);
    char id[65];
    sha256_hex(token, SESSION_ID_HEX, id);
    return eng->session_insert(s, id, name, now, dl);
}

int session_check(struct reg *r, const char *token, const struct session_policy *p, int64_t now, bool touch,
                  struct session_who *who, struct diag_list *dl)
{
    struct reg_store *s;
    const struct reg_engine *eng = register_engine_of(r, &s);
    memset(who, 0, sizeof *who);
    if (!token_ok(token))
        return 1;
    char id[65];
    sha256_hex(token, SESSION_ID_HEX, id);
    struct reg_session ss;
    int rc = eng->session_get(s, id, &ss, dl);
    if (rc != 0)
        return rc;
    bool live = ss.ended_unix == 0 && now - ss.last_seen_unix <= p->idle_s && now - ss.created_unix <= p->max_s &&
                ss.username && account_name_ok(ss.username);
    struct reg_user u;
    memset(&u, 0, sizeof u);
    if (live && (rc = eng->user_get(s, ss.username, &u, dl)) != 0) {
        free(ss.username);
        return rc;
    }
    enum role role = ROLE_NONE;
    live = live && !u.disabled && u.role && role_parse(u.role, &role);
    if (live) {
        snprintf(who->name, sizeof who->name, "%s", ss.username);
        who->role = role;
        who->created = ss.created_unix;
        who->last_seen = ss.last_seen_unix;
    }
    user_release(&u);
    free(ss.username);
    if (!live)
        return 1;
    int64_t every = p->idle_s / 10 < SESSION_TOUCH_S ? p->idle_s / 10 : SESSION_TOUCH_S;
    if (touch && now - ss.last_seen_unix >= every) {
        if (eng->begin(s, dl) != 0)
            return -1;
        if (eng->session_touch(s, id, now, dl) != 0) {
            eng->rollback(s);
            return -1;
        }
        if (eng->commit(s, dl) != 0)
            return -1;
        who->last_seen = now;
    }
    return 0;
}

int session_logout(struct reg *r, const char *token, const char *from, int64_t now, struct diag_list *dl)
{
    struct reg_store *s;
    const struct reg_engine *eng = register_engine_of(r, &s);
    if (!token_ok(token))
        return 0;
    char id[65];
    sha256_hex(token, SESSION_ID_HEX, id);
    if (eng->begin(s, dl) != 0)
        return -1;
    struct reg_session ss;
    int rc = eng->session_get(s, id, &ss, dl);
    if (rc != 0) {
        eng->rollback(s);
        return rc < 0 ? -1 : 0;
    }
    long long n = 0;
    char detail[96];
    snprintf(detail, sizeof detail, "from %s", from ? from : "?");
    if (ss.ended_unix == 0 &&
        (eng->session_end(s, id, NULL, now, "logout", &n, dl) != 0 || event(r, "logout", ss.username, detail, dl) != 0)) {
        free(ss.username);
        eng->rollback(s);
        return -1;
    }
    free(ss.username);
    return eng->commit(s, dl);
}

/* ---- signing in ------------------------------------------------------------------------- */

/* How long an account with `failures` consecutive failures must wait after
 * the last one before its next attempt is checked. */
static int64_t delay_for(long long failures)
{
    if (failures < ACCOUNT_FREE_FAILURES)
        return 0;
    long long k = failures - ACCOUNT_FREE_FAILURES;
    return k >= 5 ? ACCOUNT_MAX_DELAY : (int64_t)2 << k;
}

int accounts_login(struct reg *r, const char *name, const char *password, const char *from, int64_t now,
                   struct login_outcome *out, struct diag_list *dl)
{
    struct reg_store *s;
    const struct reg_engine *eng = register_engine_of(r, &s);
    memset(out, 0, sizeof *out);
    out->result = LOGIN_REFUSED;
    struct reg_user u;
    memset(&u, 0, sizeof u);
    int got = account_name_ok(name) ? eng->user_get(s, name, &u, dl) : 1;
    if (got < 0)
        return -1;
    bool exists = got == 0;
    char detail[160];
    const char *why;
    int64_t wait = exists ? delay_for(u.failed_logins) - (now - u.last_failed_unix) : 0;
    if (exists && wait > 0) {
        /* slowed: not checked, not counted */
        out->result = LOGIN_SLOWED;
        out->retry_after = (int)wait;
        why = "slowed after repeated failures";
    } else {
        /* the same work whether or not the account exists */
        bool right = password_matches(exists ? u.password_hash : NOBODY_HASH, password ? password : "");
        enum role role = ROLE_NONE;
        if (!exists)
            why = "no such account";
        else if (u.disabled)
            why = "account disabled";
        else if (!right)
            why = "wrong password";
        else if (!u.role || !role_parse(u.role, &role))
            why = "the account's role is unknown to this regenquote";
        else {
            why = NULL;
            out->result = LOGIN_OK;
            out->role = role;
        }
    }
    user_release(&u);
    snprintf(detail, sizeof detail, "from %s%s%s", from ? from : "?", why ? ": " : "", why ? why : "");
    /* what the attempt changes, in one transaction */
    if (eng->begin(s, dl) != 0)
        return -1;
    if (exists && (got = eng->user_get(s, name, &u, dl)) != 0)
        goto fail;
    if (out->result == LOGIN_OK) {
        char stored[crypto_pwhash_STRBYTES] = { 0 };
        snprintf(stored, sizeof stored, "%s", u.password_hash ? u.password_hash : "");
        if (crypto_pwhash_str_needs_rehash(stored, PW_OPS, PW_MEM) != 0) {
            char hash[crypto_pwhash_STRBYTES];
            if (hash_password(password, hash, dl) == 0) {
                free(u.password_hash);
                u.password_hash = strdup(hash);
            }
            sodium_memzero(hash, sizeof hash);
        }
        u.failed_logins = 0;
        u.last_failed_unix = 0;
        if (!u.password_hash || eng->user_update(s, &u, dl) != 0 ||
            session_open(eng, s, name, now, out->token, dl) != 0 || event(r, "login", name, detail, dl) != 0)
            goto fail;
    } else {
        if (exists && out->result == LOGIN_REFUSED) {
            u.failed_logins++;
            u.last_failed_unix = now;
            if (eng->user_update(s, &u, dl) != 0)
                goto fail;
        }
        if (event(r, "login failed", exists ? name : "-", detail, dl) != 0)
            goto fail;
    }
    user_release(&u);
    if (eng->commit(s, dl) != 0) {
        memset(out->token, 0, sizeof out->token);
        return -1;
    }
    return 0;
fail:
    user_release(&u);
    eng->rollback(s);
    memset(out->token, 0, sizeof out->token);
    return -1;
}
