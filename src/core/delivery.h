/* delivery — sending an issued estimate to the patient by e-mail and
 * recording it: the one path for the command line and the front desk. */
#ifndef RQ_DELIVERY_H
#define RQ_DELIVERY_H

#include "diag.h"
#include "register.h"
#include "smtp.h"

/* E-mail quote `number` as issued (its stored PDF) to `to` through s, but
 * only when the patient's consent to that address is recorded; then record
 * the delivery ("email", with the address and the Message-ID) by actor.
 * On success mid (160 bytes) and at (32 bytes, UTC) say what was sent
 * when.  Returns 0; -1 with a diagnostic when nothing was sent; -2 when the
 * mail went out but the record failed (the diagnostic says so). */
int delivery_send_email(struct reg *r, const struct smtp_settings *s, const char *number, const char *to,
                        const char *templates_dir, const char *actor, char *mid, char *at,
                        struct diag_list *dl);

#endif
