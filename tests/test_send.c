/* Delivery records and e-mail: deliver, list --undelivered/--late, consent,
 * send through a local SMTP server (tests/smtp_server.py, aiosmtpd) that the
 * test starts on a free loopback port and stops. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "helpers.h"

#define DAY0 "SOURCE_DATE_EPOCH=1795392000 " /* 2026-11-23 */
#define CA "examples/clinics/california"

struct smtpd {
    pid_t pid;
    int port;
};

/* Start tests/smtp_server.py MODE storing into dir/mail; wait for its port. */
static struct smtpd smtpd_start(const char *dir, const char *mode)
{
    char cmd[1200], *out = NULL;
    snprintf(cmd, sizeof cmd,
             "mkdir -p %s/mail && /usr/bin/python3 tests/smtp_server.py %s %s/mail >%s/mail/port 2>%s/mail/log "
             "</dev/null & echo $!; for i in $(seq 1 100); do [ -s %s/mail/port ] && break; sleep 0.05; done",
             dir, mode, dir, dir, dir, dir);
    cr_assert_eq(th_run(cmd, &out, NULL), 0);
    struct smtpd s = { .pid = (pid_t)atoi(out) };
    free(out);
    snprintf(cmd, sizeof cmd, "%s/mail/port", dir);
    char *p = th_read(cmd, NULL);
    cr_assert(p && atoi(p) > 0, "the test SMTP server did not start");
    s.port = atoi(p);
    free(p);
    return s;
}

static void smtpd_stop(struct smtpd *s)
{
    if (s->pid > 0)
        kill(s->pid, SIGTERM);
    s->pid = 0;
}

/* A folder with a register of engine e (the test's, th_reg()) holding one
 * California quote, and dir/prices: the California tables and a mail.json
 * for the given port. */
static char *setup(size_t e, int port, const char *extra)
{
    char *dir = th_tmpdir(), cmd[3000], *err = NULL;
    th_use_register(e, dir);
    snprintf(cmd, sizeof cmd,
             "mkdir %s/prices && cp %s/*.json %s/prices/ && "
             DAY0 "%s quote %s/request-adipose-knee.json --prices %s --register '%s' --out-dir %s/out >/dev/null && "
             "printf '{ \"server\": \"127.0.0.1\", \"port\": %d, \"security\": \"none\", "
             "\"from\": \"billing@pacificcoast.example\", \"timeout_seconds\": 2%s }' > %s/prices/mail.json",
             dir, CA, dir, th_bin(), CA, CA, th_reg(), dir, port, extra ? extra : "", dir);
    cr_assert_eq(th_run(cmd, NULL, &err), 0, "%s", err);
    free(err);
    return dir;
}

/* Run `regenquote ARGS` on the test's register. */
static int rq(const char *dir, const char *args, char **out, char **err)
{
    (void)dir;
    char cmd[2000];
    snprintf(cmd, sizeof cmd, DAY0 "%s %s --register '%s'", th_bin(), args, th_reg());
    return th_run(cmd, out, err);
}

static int send_to(const char *dir, char **out, char **err)
{
    char a[800];
    snprintf(a, sizeof a, "send Q-2026-000001 --to ana@example.org --prices %s/prices", dir);
    return rq(dir, a, out, err);
}

ENGINE_TEST(send, an_emailed_quote_arrives_byte_identical_and_is_recorded_as_delivered)
{
    char *dir = th_tmpdir();
    struct smtpd s = smtpd_start(dir, "ok");
    char *d2 = setup(eng->engine, s.port, NULL), cmd[2000], *out, *err;
    /* refused before consent */
    cr_assert_eq(send_to(d2, &out, &err), 1);
    cr_assert(strstr(err, "has not consented to receive Q-2026-000001 by e-mail"), "%s", err);
    free(out); free(err);
    cr_assert_eq(rq(d2, "consent Q-2026-000001 --email ana@example.org", &out, &err), 0, "%s", err);
    free(out); free(err);
    cr_assert_eq(rq(d2, "list --undelivered", &out, &err), 0);
    cr_assert(strstr(out, "Q-2026-000001"), "%s", out);
    free(out); free(err);
    cr_assert_eq(send_to(d2, &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "Q-2026-000001 sent to ana@example.org"), "%s", out);
    cr_assert(strstr(out, "Message-ID <Q-2026-000001."), "%s", out);
    free(out); free(err);
    smtpd_stop(&s);
    /* the attachment is the issued PDF, byte for byte; subject: no health data */
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import email\n"
             "m=email.message_from_bytes(open('%s/mail/1.eml','rb').read())\n"
             "print(m['Subject'])\n"
             "[open('%s/att.pdf','wb').write(p.get_payload(decode=True)) for p in m.walk() if p.get_content_type()=='application/pdf']\" "
             "&& cmp %s/att.pdf %s/out/Q-2026-000001.pdf && cat %s/mail/1.rcpt",
             dir, dir, dir, d2, dir);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "Your estimate Q-2026-000001 from Pacific Coast Foot & Ankle Regenerative Clinic\n"), "%s", out);
    cr_assert(strstr(out, "ana@example.org"), "%s", out);
    cr_assert_null(strstr(out, "knee"), "%s", out);
    free(out); free(err);
    cr_assert_eq(rq(d2, "list --undelivered", &out, &err), 0);
    cr_assert_null(strstr(out, "Q-2026-000001"), "%s", out);
    free(out); free(err);
    cr_assert_eq(rq(d2, "show Q-2026-000001", &out, &err), 0);
    cr_assert(strstr(out, "delivered"), "%s", out);
    free(out); free(err);
    th_rmtree(d2); free(d2);
    th_rmtree(dir); free(dir);
}

static void failing(size_t e, const char *mode, const char *extra, const char *expect)
{
    char *dir = th_tmpdir(), *out, *err;
    struct smtpd s = { 0 };
    int port = 1; /* nothing listens on port 1 as a non-root test… */
    if (mode)
        port = (s = smtpd_start(dir, mode)).port;
    else {
        /* a free port with nothing behind it: bind, close */
        char *p = NULL;
        cr_assert_eq(th_run("/usr/bin/python3 -c \"import socket;s=socket.socket();s.bind(('127.0.0.1',0));"
                            "print(s.getsockname()[1])\"", &p, NULL), 0);
        port = atoi(p);
        free(p);
    }
    char *d2 = setup(e, port, extra);
    cr_assert_eq(rq(d2, "consent Q-2026-000001 --email ana@example.org", &out, &err), 0, "%s", err);
    free(out); free(err);
    cr_assert_eq(send_to(d2, &out, &err), 1);
    smtpd_stop(&s);
    cr_assert(strstr(err, expect), "%s", err);
    cr_assert_eq(strchr(err, '\n'), err + strlen(err) - 1, "one line: %s", err);
    cr_assert_null(strstr(err, "s3cret"), "the password is never printed");
    free(out); free(err);
    cr_assert_eq(rq(d2, "list --undelivered", &out, &err), 0);
    cr_assert(strstr(out, "Q-2026-000001"), "no delivery recorded: %s", out);
    free(out); free(err);
    th_rmtree(d2); free(d2);
    th_rmtree(dir); free(dir);
}

ENGINE_TEST(send, a_refused_connection_is_one_clear_line_and_no_delivery)
{
    failing(eng->engine, NULL, NULL, "the mail server refused the connection");
}

ENGINE_TEST(send, a_failed_login_is_one_clear_line_and_no_delivery)
{
    char extra[800];
    char *dir = th_tmpdir(), pw[600];
    snprintf(pw, sizeof pw, "%s/pw", dir);
    th_write(pw, "s3cret\n");
    char cmd[800];
    snprintf(cmd, sizeof cmd, "chmod 600 %s", pw);
    cr_assert_eq(th_run(cmd, NULL, NULL), 0);
    snprintf(extra, sizeof extra, ", \"user\": \"desk\", \"password_file\": \"%s\"", pw);
    failing(eng->engine, "auth", extra, "the mail server refused the login");
    th_rmtree(dir); free(dir);
}

ENGINE_TEST(send, a_silent_server_times_out_with_one_clear_line_and_no_delivery)
{
    failing(eng->engine, "silent", NULL, "the mail server did not answer in time");
}

ENGINE_TEST(send, deliver_records_paper_and_late_lists_the_ones_given_after_the_due_date)
{
    char *dir = th_tmpdir(), cmd[2000], *out, *err;
    th_use_register(eng->engine, dir);
    snprintf(cmd, sizeof cmd, DAY0 "%s quote examples/bone-marrow-one-ankle.json --date 2027-01-04 --register '%s' "
             "--out-dir %s/out", th_bin(), th_reg(), dir);
    cr_assert_eq(th_run(cmd, NULL, &err), 0, "%s", err);
    free(err);
    cr_assert_eq(rq(dir, "deliver Q-2026-000001 --how fax", &out, &err), 2);
    cr_assert(strstr(err, "expected paper, email or download"), "%s", err);
    free(out); free(err);
    cr_assert_eq(rq(dir, "list --late", &out, &err), 0);
    cr_assert_null(strstr(out, "Q-2026-000001"), "%s", out);
    free(out); free(err);
    /* handed on paper today (the clock), after the due date: 3 business days after 2026-11-23 */
    cr_assert_eq(rq(dir, "deliver Q-2026-000001 --how paper", &out, &err), 0, "%s", err);
    free(out); free(err);
    cr_assert_eq(rq(dir, "list --undelivered", &out, &err), 0);
    cr_assert_null(strstr(out, "Q-2026-000001"), "%s", out);
    free(out); free(err);
    cr_assert_eq(rq(dir, "list --late", &out, &err), 0);
    cr_assert(strstr(out, "Q-2026-000001"), "%s", out);
    free(out); free(err);
    th_rmtree(dir); free(dir);
}
