/* register_int — the register handle, private to the register's own files
 * (register.c, register_copy.c): nothing else sees an engine. */
#ifndef RQ_REGISTER_INT_H
#define RQ_REGISTER_INT_H

#include "register_engine.h"

struct reg {
    const struct reg_engine *eng;
    struct reg_store *s;
    char *locator;               /* as messages show it: no password (register_locator_display) */
};

#endif
