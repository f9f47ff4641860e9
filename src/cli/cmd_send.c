/* How an estimate reaches the patient: `deliver` (record paper, e-mail or
 * download), `consent` (the patient's consent to e-mail), `send` (e-mail it
 * through the clinic's relay and record the delivery). */
#include "cli.h"
#include "commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "delivery.h"
#include "human_text.h"
#include "price_table.h"
#include "register.h"
#include "settings.h"
#include "sha256.h"
#include "smtp.h"

enum { OPT_REGISTER = 256, OPT_HOW, OPT_EMAIL, OPT_TO, OPT_PRICES, OPT_TEMPLATES };

static void utc_now(char at[32])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(at, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Options shared by the three verbs; the one value each takes goes to *value. */
struct args {
    const char *reg, *value, *prices, *templates, *number;
};

static int parse(int argc, char **argv, const char *cmd, const char *help, int value_opt, const char *value_name,
                 struct args *a)
{
    const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "register", required_argument, NULL, OPT_REGISTER },
        { value_name, required_argument, NULL, value_opt },
        { "prices", required_argument, NULL, OPT_PRICES },
        { "templates", required_argument, NULL, OPT_TEMPLATES },
        { NULL, 0, NULL, 0 },
    };
    memset(a, 0, sizeof *a);
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(help, stdout);
            return -1;
        } else if (c == OPT_REGISTER)
            a->reg = optarg;
        else if (c == value_opt)
            a->value = optarg;
        else if (c == OPT_PRICES)
            a->prices = optarg;
        else if (c == OPT_TEMPLATES)
            a->templates = optarg;
        else if (c == ':')
            return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
        else
            return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
    }
    if (optind >= argc)
        return cli_usage_error(cmd, "give the quote number");
    a->number = argv[optind++];
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!a->value)
        return cli_usage_error(cmd, "give --%s", value_name);
    return 0;
}

/* The register, when the account running the command may take action act
 * (cli_access.c); NULL otherwise (a refusal is printed; dl says the rest). */
static struct reg *open_reg(const char *opt, enum staff_action act, const char *cmd, struct diag_list *dl)
{
    struct reg *r = NULL;
    const char *path = settings_register_path(opt);
    if (register_open(&r, path, dl) != 0)
        return NULL;
    struct cli_caller who;
    cli_caller(r, path, &who);
    if (cli_require(&who, act, cmd) != 0) {
        register_close(r);
        return NULL;
    }
    return r;
}

/* Print dl and return the exit status for rc. */
static int finish(struct diag_list *dl, struct reg *r, int rc)
{
    if (dl->n)
        cli_print_diags(dl, 10);
    diag_list_free(dl);
    register_close(r);
    return rc;
}

/* Record one fact about a.number now, by the account working: a delivery
 * (how = a.value) or a consent to e-mail (to a.value). */
static int record(const struct args *a, bool consent)
{
    const char *actor = settings_os_account();
    struct diag_list dl = { 0 };
    struct reg *r = open_reg(a->reg, consent ? ACTION_ACCEPT : ACTION_REPRINT, consent ? "consent" : "deliver", &dl);
    char at[32];
    utc_now(at);
    struct reg_delivery d = { .how = (char *)a->value, .at = at, .actor = (char *)actor };
    int rc = r && (consent ? register_consent_email(r, a->number, a->value, at, actor, &dl)
                           : register_deliver(r, a->number, &d, &dl)) == 0
                 ? 0 : EXIT_DATA;
    if (rc == 0 && consent)
        printf("%s: consent to e-mail recorded\n", a->number);
    else if (rc == 0)
        printf("%s delivered (%s) at %s\n", a->number, a->value, at);
    return finish(&dl, r, rc);
}

int cmd_deliver(int argc, char **argv)
{
    struct args a;
    int rc = parse(argc, argv, "deliver",
                   "Usage: regenquote deliver NUMBER --how paper|email|download [--register PATH]\n\n"
                   "Record how and when the estimate reached the patient: handed on paper,\n"
                   "e-mailed (by other means than 'regenquote send', which records itself) or\n"
                   "downloaded.  'list --undelivered' and 'list --late' read these records.\n",
                   OPT_HOW, "how", &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!register_delivery_kind_ok(a.value))
        return cli_usage_error("deliver", "'--how %s': expected paper, email or download", a.value);
    return record(&a, false);
}

int cmd_consent(int argc, char **argv)
{
    struct args a;
    int rc = parse(argc, argv, "consent",
                   "Usage: regenquote consent NUMBER --email ADDRESS [--register PATH]\n\n"
                   "Record the patient's consent to receive the estimate by e-mail at ADDRESS\n"
                   "('regenquote send' sends only to an address consented to).\n",
                   OPT_EMAIL, "email", &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!smtp_address_ok(a.value))
        return cli_usage_error("consent", "'%s' is not a plain e-mail address", a.value);
    return record(&a, true);
}

int cmd_send(int argc, char **argv)
{
    struct args a;
    int rc = parse(argc, argv, "send",
                   "Usage: regenquote send NUMBER --to ADDRESS [--prices DIR] [--register PATH]\n\n"
                   "E-mail the estimate's PDF, as issued, through the clinic's SMTP relay\n"
                   "(DIR/mail.json beside the price tables; STARTTLS required) and record the\n"
                   "delivery with the message's Message-ID and time.  Only to an address the\n"
                   "patient consented to ('regenquote consent NUMBER --email ADDRESS').  The\n"
                   "subject and text name the clinic and the quote number only.\n",
                   OPT_TO, "to", &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *actor = settings_os_account();
    struct diag_list dl = { 0 };
    struct smtp_settings ss;
    struct reg *r = NULL;
    char mid[160], at[32];
    rc = EXIT_DATA;
    if (smtp_settings_load(&ss, settings_prices_dir(a.prices), &dl) == 0 && (r = open_reg(a.reg, ACTION_REPRINT, "send", &dl)) &&
        delivery_send_email(r, &ss, a.number, a.value, settings_templates_dir(a.templates), actor, mid, at,
                            &dl) == 0) {
        printf("%s sent to %s at %s (Message-ID <%s>)\n", a.number, a.value, at, mid);
        rc = 0;
    }
    smtp_settings_free(&ss);
    return finish(&dl, r, rc);
}
