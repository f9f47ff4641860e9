/* delivery — sending an issued estimate to the patient by e-mail and
 * recording it, and recording a download of it: the one path for the
 * command line and the front desk. */
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

/* What the delivery record of a front-desk download says (its detail). */
#define DELIVERY_DOWNLOAD_DETAIL "issued PDF downloaded through the front desk"

/* Record that actor downloaded quote `number`'s issued PDF (a "download"
 * delivery, with the time now, in the register and its history), once per
 * account: when a "download" delivery by actor is already recorded, nothing
 * is added (a browser may fetch one PDF several times for one click, and
 * the first delivery is the one the estimate's due date is measured
 * against).  Returns 0 when recorded, 1 when already recorded by actor,
 * -1 with a diagnostic. */
int delivery_record_download(struct reg *r, const char *number, const char *actor, struct diag_list *dl);

#endif
