/* accounts — staff accounts and their sign-in sessions, kept in the
 * register (schema 5): who may sign in, with which role (roles.h), and the
 * sessions they hold.  Every change here is an event of the audit trail
 * (audit.h): an account added, a password changed, an account disabled, a
 * sign-in, a failed sign-in, a sign-out.
 *
 * Passwords are hashed with Argon2id (libsodium's crypto_pwhash_str, the
 * INTERACTIVE limits: 2 passes over 64 MiB; the encoded hash carries its
 * own salt and parameters) and never stored, logged or repeated.  A
 * session's id is 32 bytes from the operating system's random source, in
 * hex; the register keeps only its SHA-256.
 *
 * Times are seconds since the epoch, given by the caller (`now`), so that
 * expiry can be tested; the register's events are stamped with the clock.
 *
 * Memory: strings in the structures below are malloc'd; release them with
 * the matching *_free().  Functions return 0, or -1 with a diagnostic. */
#ifndef RQ_ACCOUNTS_H
#define RQ_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "register.h"
#include "roles.h"

#define ACCOUNT_NAME_MAX 32          /* [a-z][a-z0-9._-]{0,31} */
#define ACCOUNT_PASSWORD_MIN 10      /* characters */
#define ACCOUNT_PASSWORD_MAX 256     /* bytes */
#define SESSION_ID_HEX 64            /* 32 random bytes in hex */
/* Consecutive failed sign-ins to one account that cost nothing; from the
 * last of them on, each makes the next attempt wait 2, 4, 8 … up to 60
 * seconds (whole seconds of the clock). */
#define ACCOUNT_FREE_FAILURES 5
#define ACCOUNT_MAX_DELAY 60

/* Is name an account name: a lowercase letter, then up to 31 of a-z 0-9 . _ - ? */
bool account_name_ok(const char *name);

/* Is password acceptable for the account name: 10 to 256 bytes of
 * characters, not the name itself, no control characters?  If not, a
 * diagnostic says why (never repeating it). */
bool account_password_ok(const char *name, const char *password, struct diag_list *dl);

struct account {
    char *name;
    enum role role;
    bool disabled;
    char *created_at;            /* UTC, YYYY-MM-DDTHH:MM:SSZ */
    long long failed_logins;     /* consecutive */
};
void account_free(struct account *a);
void accounts_free(struct account *v, size_t n);

/* Add an account (recorded as "account added" by actor).  Refuses a name
 * that is not an account name or is taken (accounts are never deleted, so
 * a name is never reused), and a password account_password_ok refuses. */
int accounts_add(struct reg *r, const char *name, enum role role, const char *password, const char *actor,
                 struct diag_list *dl);

/* Set a new password; every open session of the account ends ("password
 * changed"; *ended counts them, may be NULL).  Also clears its failures. */
int accounts_set_password(struct reg *r, const char *name, const char *password, const char *actor,
                          long long *ended, struct diag_list *dl);

/* Disable an account: it can no longer sign in and its open sessions end
 * ("account disabled").  Disabling a disabled account changes nothing. */
int accounts_disable(struct reg *r, const char *name, const char *actor, long long *ended,
                     struct diag_list *dl);

/* The account named name: 0, 1 when there is none (no diagnostic), -1. */
int accounts_get(struct reg *r, const char *name, struct account *a, struct diag_list *dl);

/* Every account, by name. */
int accounts_list(struct reg *r, struct account **out, size_t *n, struct diag_list *dl);

/* ---- signing in ------------------------------------------------------------ */

enum login_result {
    LOGIN_OK,                    /* signed in: token and role set */
    LOGIN_REFUSED,               /* no such account, disabled, or a wrong password (one answer for all) */
    LOGIN_SLOWED,                /* too many failures: try again in retry_after seconds */
};

struct login_outcome {
    enum login_result result;
    int retry_after;             /* LOGIN_SLOWED: seconds */
    enum role role;              /* LOGIN_OK */
    char token[SESSION_ID_HEX + 1]; /* LOGIN_OK: the new session's id, for the cookie */
};

/* Check name's password (in about the same time whether or not the account
 * exists) and, when right, open a new session for it.  Every attempt is an
 * event: "login" or "login failed" (with from, the client's address, and
 * why, never the password; the account's name only when it exists).
 * After ACCOUNT_FREE_FAILURES consecutive failures an account is slowed: an
 * attempt before its delay has passed is refused unchecked (LOGIN_SLOWED).
 * Returns 0 with *out filled, or -1 when the register fails. */
int accounts_login(struct reg *r, const char *name, const char *password, const char *from, int64_t now,
                   struct login_outcome *out, struct diag_list *dl);

/* ---- sessions ---------------------------------------------------------------- */

struct session_policy {
    int64_t idle_s;              /* ends after this long unused */
    int64_t max_s;               /* ends this long after sign-in, used or not */
};

/* Who a live session belongs to. */
struct session_who {
    char name[ACCOUNT_NAME_MAX + 1];
    enum role role;
    int64_t created, last_seen;
};

/* Is token a live session: known, not ended, used within idle_s, younger
 * than max_s, its account enabled?  Returns 0 with *who filled (and, with
 * touch, its last use set to now, at most once in SESSION_TOUCH_S or a
 * tenth of idle_s), 1 when it is not, -1 when the register fails. */
#define SESSION_TOUCH_S 30
int session_check(struct reg *r, const char *token, const struct session_policy *p, int64_t now, bool touch,
                  struct session_who *who, struct diag_list *dl);

/* Sign out: end the session of token, when it is open, with a "logout"
 * event (from: the client's address).  An unknown or ended token changes
 * nothing.  Returns 0 or -1. */
int session_logout(struct reg *r, const char *token, const char *from, int64_t now, struct diag_list *dl);

#endif
