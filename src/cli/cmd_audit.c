/* `regenquote audit VERB`: the register's audit trail (audit.h).
 *
 *   audit verify [--anchor SEQ:HASH]   recompute the hash chain; name the
 *                                      first broken event (exit 1)
 *   audit list [filters] [--format]    the events, oldest first
 *
 * Both need the manager role (the register's owner has it: cli_access.c). */
#include "commands.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "audit.h"
#include "cli.h"
#include "register_view.h"
#include "settings.h"

static const char AUDIT_HELP[] =
    "Usage: regenquote audit VERB [options]\n"
    "\n"
    "The audit trail: every change to the register (issued, superseded, voided,\n"
    "accepted, sign-ins and failed sign-ins, sign-outs, account changes, price\n"
    "tables a server loaded) is an event with its actor, time, kind and quote,\n"
    "and each event is a link in a SHA-256 hash chain.\n"
    "\n"
    "  audit verify [--anchor SEQ:HASH]\n"
    "      recompute every link: exit 0 when intact (printing the head, SEQ:HASH,\n"
    "      worth noting outside the register), 1 naming the first event that was\n"
    "      edited, deleted, inserted or reordered behind the program's back; with\n"
    "      --anchor, also check that event SEQ still has that hash\n"
    "  audit list [--actor NAME] [--kind KIND] [--quote NUMBER]\n"
    "             [--from DATE] [--to DATE] [--limit N] [--format table|csv|json]\n"
    "      the events, oldest first (dates: UTC, YYYY-MM-DD, inclusive)\n"
    "\n"
    "  --register FILE            the register (default out/register.db or $REGENQUOTE_REGISTER)\n"
    "\n"
    "Reading the audit trail needs the manager role (the register's owner has it).\n";

enum { OPT_REGISTER = 650, OPT_ANCHOR, OPT_ACTOR, OPT_KIND, OPT_QUOTE, OPT_FROM, OPT_TO, OPT_FORMAT, OPT_LIMIT };

static int verify(struct reg *r, const char *anchor_text)
{
    struct audit_anchor anchor;
    if (anchor_text && !audit_anchor_parse(anchor_text, &anchor))
        return cli_usage_error("audit", "--anchor takes SEQ:HASH, as 'audit verify' prints the head");
    struct audit_report rep;
    struct diag_list dl = { 0 };
    if (audit_verify(r, anchor_text ? &anchor : NULL, &rep, &dl) != 0) {
        cli_print_diags(&dl, 5);
        diag_list_free(&dl);
        return EXIT_DATA;
    }
    if (!rep.intact) {
        if (rep.broken_at[0])
            fprintf(stderr, "regenquote: audit trail broken at event %" PRId64 " (%s, %s, %s): %s\n", rep.broken_seq,
                    rep.broken_at, rep.broken_kind, rep.broken_quote, rep.problem);
        else
            fprintf(stderr, "regenquote: audit trail broken after event %" PRId64 ": %s\n", rep.broken_seq - 1,
                    rep.problem);
        return EXIT_DATA;
    }
    printf("audit trail intact: %" PRId64 " event%s; head %" PRId64 ":%s\n", rep.events, rep.events == 1 ? "" : "s",
           rep.head_seq, rep.head_hash);
    return 0;
}

static void print_events(const struct audit_event *v, size_t n, const char *format)
{
    if (!strcmp(format, "json")) {
        cJSON *a = cJSON_CreateArray();
        for (size_t i = 0; a && i < n; i++)
            cJSON_AddItemToArray(a, audit_event_json(&v[i]));
        char *text = a ? cJSON_Print(a) : NULL;
        cJSON_Delete(a);
        if (text)
            printf("%s\n", text);
        free(text);
        return;
    }
    if (!strcmp(format, "csv")) {
        printf("seq,at,actor,kind,quote,detail,hash\n");
        for (size_t i = 0; i < n; i++) {
            char seq[32];
            snprintf(seq, sizeof seq, "%" PRId64, v[i].seq);
            cli_csv(stdout, seq, false);
            cli_csv(stdout, v[i].at, false);
            cli_csv(stdout, v[i].actor, false);
            cli_csv(stdout, v[i].kind, false);
            cli_csv(stdout, v[i].quote, false);
            cli_csv(stdout, v[i].detail, false);
            cli_csv(stdout, v[i].hash, true);
        }
        return;
    }
    printf("SEQ     AT                   ACTOR            KIND                QUOTE            DETAIL\n");
    for (size_t i = 0; i < n; i++) {
        char seq[32];
        snprintf(seq, sizeof seq, "%" PRId64, v[i].seq);
        cli_cell(stdout, seq, 7);
        cli_cell(stdout, v[i].at, 20);
        cli_cell(stdout, v[i].actor, 16);
        cli_cell(stdout, v[i].kind, 19);
        cli_cell(stdout, v[i].quote ? v[i].quote : "-", 16);
        printf("%s\n", v[i].detail ? v[i].detail : "");
    }
    printf("%zu event%s\n", n, n == 1 ? "" : "s");
}

int cmd_audit(int argc, char **argv)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "register", required_argument, NULL, OPT_REGISTER },
        { "anchor", required_argument, NULL, OPT_ANCHOR },
        { "actor", required_argument, NULL, OPT_ACTOR },
        { "kind", required_argument, NULL, OPT_KIND },
        { "quote", required_argument, NULL, OPT_QUOTE },
        { "from", required_argument, NULL, OPT_FROM },
        { "to", required_argument, NULL, OPT_TO },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "limit", required_argument, NULL, OPT_LIMIT },
        { NULL, 0, NULL, 0 },
    };
    const char *reg_opt = NULL, *anchor = NULL, *format = "table";
    struct audit_filter f = { 0 };
    bool filters = false;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(AUDIT_HELP, stdout); return 0;
        case OPT_REGISTER: reg_opt = optarg; break;
        case OPT_ANCHOR: anchor = optarg; break;
        case OPT_ACTOR: f.actor = optarg; filters = true; break;
        case OPT_KIND: f.kind = optarg; filters = true; break;
        case OPT_QUOTE: f.quote = optarg; filters = true; break;
        case OPT_FORMAT: format = optarg; filters = true; break;
        case OPT_FROM:
        case OPT_TO:
            filters = true;
            if (!date_parse(optarg, c == OPT_FROM ? &f.from : &f.to))
                return cli_usage_error("audit", "%s '%.20s' is not a date; use YYYY-MM-DD",
                                       c == OPT_FROM ? "--from" : "--to", optarg);
            *(c == OPT_FROM ? &f.has_from : &f.has_to) = true;
            break;
        case OPT_LIMIT: {
            char *end;
            errno = 0;
            long long v = strtoll(optarg, &end, 10);
            if (errno || end == optarg || *end || v < 1 || v > 100000000)
                return cli_usage_error("audit", "--limit takes a number of events from 1");
            f.limit = (size_t)v;
            filters = true;
            break;
        }
        case ':': return cli_usage_error("audit", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("audit", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("audit", "give a verb: verify or list");
    const char *verb = argv[optind++];
    bool is_verify = !strcmp(verb, "verify");
    if (!is_verify && strcmp(verb, "list") != 0)
        return cli_usage_error("audit", "unknown verb '%.40s'; expected verify or list", verb);
    if (optind < argc)
        return cli_usage_error("audit", "unexpected argument '%.40s'", argv[optind]);
    if (is_verify && filters)
        return cli_usage_error("audit", "the filters and --format are for 'audit list'");
    if (!is_verify && anchor)
        return cli_usage_error("audit", "--anchor is for 'audit verify'");
    if (strcmp(format, "table") && strcmp(format, "csv") && strcmp(format, "json"))
        return cli_usage_error("audit", "unknown format '%.20s'; expected table, csv or json", format);

    const char *path = settings_register_path(reg_opt);
    /* register_open() says when there is no register at path */
    struct diag_list dl = { 0 };
    struct reg *r = NULL;
    if (register_open(&r, path, &dl) != 0) {
        cli_print_diags(&dl, 10);
        diag_list_free(&dl);
        return EXIT_DATA;
    }
    struct cli_caller who;
    cli_caller(r, path, &who);
    int rc = cli_require(&who, ACTION_AUDIT, is_verify ? "audit verify" : "audit list");
    if (rc == 0 && is_verify) {
        rc = verify(r, anchor);
    } else if (rc == 0) {
        struct audit_event *v;
        size_t n;
        if (audit_list(r, &f, &v, &n, &dl) != 0) {
            cli_print_diags(&dl, 5);
            rc = EXIT_DATA;
        } else {
            print_events(v, n, format);
            audit_events_free(v, n);
        }
    }
    diag_list_free(&dl);
    register_close(r);
    return rc;
}
