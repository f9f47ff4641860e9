/* roles — the staff roles and what each may do (roles.h). */
#include "roles.h"

#include <stdio.h>
#include <string.h>

static const char *const NAMES[] = {
    [ROLE_NONE] = "none", [ROLE_FRONT_DESK] = "front-desk", [ROLE_MANAGER] = "manager", [ROLE_FINANCE] = "finance",
};

const char ROLE_WORDS[] = "front-desk, manager or finance";

#define BIT(r) (1u << (r))

/* The one table: for each action, the roles that may take it. */
static const struct {
    unsigned roles;
    const char *id, *words;
} ACTIONS[] = {
    [ACTION_PRICE] = { BIT(ROLE_FRONT_DESK) | BIT(ROLE_MANAGER) | BIT(ROLE_FINANCE), "price", "pricing a plan" },
    [ACTION_ISSUE] = { BIT(ROLE_FRONT_DESK) | BIT(ROLE_MANAGER), "issue", "issuing or revising a quote" },
    [ACTION_ACCEPT] = { BIT(ROLE_FRONT_DESK) | BIT(ROLE_MANAGER), "accept", "recording an acceptance" },
    [ACTION_FIND] = { BIT(ROLE_FRONT_DESK) | BIT(ROLE_MANAGER) | BIT(ROLE_FINANCE), "find", "finding quotes" },
    [ACTION_REPRINT] = { BIT(ROLE_FRONT_DESK) | BIT(ROLE_MANAGER), "reprint", "reprinting a quote" },
    [ACTION_VOID] = { BIT(ROLE_MANAGER), "void", "voiding a quote" },
    [ACTION_ACCOUNTS] = { BIT(ROLE_MANAGER), "accounts", "managing staff accounts" },
    [ACTION_AUDIT] = { BIT(ROLE_MANAGER), "audit", "reading the audit trail" },
    [ACTION_BILLS] = { BIT(ROLE_MANAGER) | BIT(ROLE_FINANCE), "bills", "checking final bills against estimates" },
};
_Static_assert(sizeof ACTIONS / sizeof ACTIONS[0] == ACTION_COUNT, "every action in the table");
#define N_ACTIONS (sizeof ACTIONS / sizeof ACTIONS[0])

const char *role_name(enum role r)
{
    return (size_t)r < sizeof NAMES / sizeof NAMES[0] ? NAMES[r] : "none";
}

bool role_parse(const char *s, enum role *out)
{
    for (enum role r = ROLE_FRONT_DESK; r <= ROLE_FINANCE; r++)
        if (!strcmp(s, NAMES[r])) {
            *out = r;
            return true;
        }
    return false;
}

bool role_may(enum role r, enum staff_action a)
{
    return r != ROLE_NONE && (size_t)a < N_ACTIONS && (ACTIONS[a].roles & BIT(r)) != 0;
}

const char *action_id(enum staff_action a)
{
    return (size_t)a < N_ACTIONS ? ACTIONS[a].id : "?";
}

const char *action_words(enum staff_action a)
{
    return (size_t)a < N_ACTIONS ? ACTIONS[a].words : "this";
}

char *action_roles(enum staff_action a, char *buf, size_t size)
{
    const char *names[4];
    size_t n = 0;
    for (enum role r = ROLE_FRONT_DESK; r <= ROLE_FINANCE; r++)
        if (role_may(r, a))
            names[n++] = NAMES[r];
    if (n == 1)
        snprintf(buf, size, "the %s role", names[0]);
    else if (n == 2)
        snprintf(buf, size, "the %s or %s role", names[0], names[1]);
    else
        snprintf(buf, size, "the %s, %s or %s role", names[0], names[1], names[2]);
    return buf;
}
