/* smtp — sending an issued estimate by e-mail through the clinic's relay.
 *
 * The relay is named in DIR/mail.json beside the price tables
 * (docs/price-tables.md, "mail.json"): server, port, security, user, the
 * FILE holding the password (the password itself is never in a settings
 * file, never printed and never logged), the From address and a timeout.
 * Mail goes out with libcurl: "starttls" (smtp://, STARTTLS required,
 * CURLUSESSL_ALL) or "tls" (smtps://); "none" (no encryption) is accepted
 * only for a loopback server (127.0.0.1, ::1, localhost), for tests, and
 * only when the settings say so.
 *
 * The message carries no health information: its subject and body name the
 * clinic and the quote number only (templates/LANG/mail.txt); the PDF is
 * attached.  A library: never prints, never exits. */
#ifndef RQ_SMTP_H
#define RQ_SMTP_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "json_doc.h"

struct smtp_settings {
    struct jdoc doc;             /* owns the strings below */
    const char *server, *security, *user, *password_file, *from;
    int port, timeout_seconds;
};

/* Read DIR/mail.json.  Returns 0, 1 when there is none (with a diagnostic
 * saying how to set one up), -1 with every problem in dl. */
int smtp_settings_load(struct smtp_settings *s, const char *dir, struct diag_list *dl);
void smtp_settings_free(struct smtp_settings *s);

/* Is a, as typed by staff, a plain e-mail address (one '@', no spaces, no
 * angle brackets or line breaks, at most 254 bytes)? */
bool smtp_address_ok(const char *a);

struct smtp_message {
    const char *to;
    const char *number;          /* the quote number, in the subject, body and file name */
    const char *clinic;          /* the clinic's name */
    const char *language;        /* "en" or "es": the words of templates/LANG/mail.txt */
    const char *templates_dir;
    const unsigned char *pdf;
    size_t pdf_len;
    long long now;               /* seconds since the epoch: the Date header and Message-ID */
};

/* Send m through s.  On success *message_id (at least 160 bytes) gets the
 * Message-ID sent (without angle brackets) and 0 is returned; else -1 with
 * one diagnostic of one line that says what failed (refused connection,
 * login refused, timeout…), never the password. */
int smtp_send(const struct smtp_settings *s, const struct smtp_message *m, char *message_id,
              struct diag_list *dl);

#endif
