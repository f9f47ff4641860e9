/* roles — who may do what: the staff roles and the one table of the
 * actions each may take.  The server's routes and the command line's
 * commands name an action; this module alone says which roles may take it
 * (SECURITY.md "Who can do what").
 *
 *   front-desk  price, issue, revise, accept, find, reprint
 *   manager     all of front-desk's, and void, manage accounts, the audit trail
 *   finance     price (catalog and estimates), find (reports)
 *
 * Memory: every string returned is a constant. */
#ifndef RQ_ROLES_H
#define RQ_ROLES_H

#include <stdbool.h>
#include <stddef.h>

enum role { ROLE_NONE = 0, ROLE_FRONT_DESK, ROLE_MANAGER, ROLE_FINANCE };

/* What a request or a command does, as far as access is concerned. */
enum staff_action {
    ACTION_PRICE,     /* see the catalog, price a plan (nothing stored) */
    ACTION_ISSUE,     /* issue or revise a quote, repair PDF copies */
    ACTION_ACCEPT,    /* record a patient's acceptance */
    ACTION_FIND,      /* list and show quotes (reports) */
    ACTION_REPRINT,   /* a quote's PDF */
    ACTION_VOID,      /* void a quote */
    ACTION_ACCOUNTS,  /* add, disable, list staff accounts, set passwords */
    ACTION_AUDIT,     /* read and verify the audit trail */
    ACTION_BILLS,     /* add final bills, compare them, explain, the dispute packet */
};
#define ACTION_COUNT (ACTION_BILLS + 1)

/* "front-desk", "manager", "finance" ("none" for ROLE_NONE). */
const char *role_name(enum role r);
/* The role named s (exactly one of the names above); false if none. */
bool role_parse(const char *s, enum role *out);
/* The role names as words for a message: "front-desk, manager or finance". */
extern const char ROLE_WORDS[];

/* May a holder of role r take action a?  ROLE_NONE may do nothing. */
bool role_may(enum role r, enum staff_action a);

/* The action's name for programs: "price", "issue", "accept", "find",
 * "reprint", "void", "accounts", "audit". */
const char *action_id(enum staff_action a);
/* What the action is, for a message: "voiding a quote". */
const char *action_words(enum staff_action a);
/* The roles that may take a, as words ("the manager role", "the front-desk
 * or manager role") into buf (size bytes); returns buf. */
char *action_roles(enum staff_action a, char *buf, size_t size);

#endif
