/* cmd_bill — `regenquote bill VERB`: the final bill against the estimate
 * (docs/bills.md).  Front end over bill.h and bill_doc.h. */
#include "commands.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bill.h"
#include "bill_doc.h"
#include "cli.h"
#include "money.h"
#include "outfile.h"
#include "register.h"
#include "settings.h"
#include "sha256.h"

/* Exit status of `bill check` when a provider is flagged. */
#define EXIT_FLAGGED 3

static const char BILL_HELP[] =
    "Usage: regenquote bill VERB NUMBER [options]\n"
    "\n"
    "After the treatment: the final bill checked against the estimate.\n"
    "\n"
    "  bill add NUMBER FILE [--corrects ID]   store a bill (CSV or JSON) for the quote in force\n"
    "  bill check NUMBER [--format text|json] compare, per provider or facility\n"
    "  bill explain NUMBER --line N --text T  record the clinic's explanation of line N\n"
    "  bill packet NUMBER [-o FILE]           the dispute packet: PDF, and JSON beside it\n"
    "  bill letter NUMBER [-o FILE] [--lang en|es]  the letter to the patient (PDF)\n"
    "\n"
    "Options:\n"
    "  --register FILE   the register (default out/register.db or $REGENQUOTE_REGISTER)\n"
    "  --out-dir DIR     where packets and letters go without -o (default out or $REGENQUOTE_OUT)\n"
    "  --templates DIR   the documents' words (packet, letter)\n"
    "  --a4              A4 pages (packet, letter)\n"
    "\n"
    "A bill given for a superseded quote is attached to the quote that replaced it.\n"
    "Exit status of 'bill check': 0 every provider within $400.00 of its estimate,\n"
    "3 a provider billed $400.00 or more above its estimate (the patient may dispute),\n"
    "1 bad input or data, 2 usage.\n";

enum { OPT_REGISTER = 300, OPT_OUT_DIR, OPT_TEMPLATES, OPT_A4, OPT_FORMAT, OPT_LINE, OPT_TEXT,
       OPT_CORRECTS, OPT_LANG };

struct bill_args {
    const char *register_path, *out_dir, *templates, *format, *text, *output, *lang;
    long line, corrects;
    bool a4;
    const char *pos[2];
    int npos;
};

/* Parse options and positional arguments of a verb (argv[0] is the verb). */
static int parse(int argc, char **argv, const char *verb, struct bill_args *a)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "register", required_argument, NULL, OPT_REGISTER },
        { "out-dir", required_argument, NULL, OPT_OUT_DIR },
        { "templates", required_argument, NULL, OPT_TEMPLATES },
        { "a4", no_argument, NULL, OPT_A4 },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "line", required_argument, NULL, OPT_LINE },
        { "text", required_argument, NULL, OPT_TEXT },
        { "corrects", required_argument, NULL, OPT_CORRECTS },
        { "lang", required_argument, NULL, OPT_LANG },
        { "output", required_argument, NULL, 'o' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    char cmd[32];
    snprintf(cmd, sizeof cmd, "bill %s", verb);
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'h': fputs(BILL_HELP, stdout); return -1;
        case OPT_REGISTER: a->register_path = optarg; break;
        case OPT_OUT_DIR: a->out_dir = optarg; break;
        case OPT_TEMPLATES: a->templates = optarg; break;
        case OPT_A4: a->a4 = true; break;
        case OPT_FORMAT: a->format = optarg; break;
        case OPT_TEXT: a->text = optarg; break;
        case OPT_LANG: a->lang = optarg; break;
        case 'o': a->output = optarg; break;
        case OPT_LINE:
        case OPT_CORRECTS:
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || v < 1 || v > 1000000000L)
                return cli_usage_error(cmd, "'%s' is not a number from 1 up", optarg);
            *(c == OPT_LINE ? &a->line : &a->corrects) = v;
            break;
        case ':': return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    while (optind < argc) {
        if (a->npos == 2)
            return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
        a->pos[a->npos++] = argv[optind++];
    }
    if (a->npos < 1)
        return cli_usage_error(cmd, "give the quote number");
    return 0;
}

/* The register, when the account running the command may work with bills
 * (roles.h: the register's owner, or a manager or finance account); NULL
 * after printing why. */
static struct reg *open_reg(const char *opt)
{
    struct diag_list dl = { 0 };
    struct reg *r = NULL;
    const char *path = settings_register_path(opt);
    if (register_open(&r, path, &dl) != 0) {
        register_close(r);
        r = NULL;
    }
    if (dl.n)
        cli_print_diags(&dl, 20);
    diag_list_free(&dl);
    struct cli_caller who;
    if (r) {
        cli_caller(r, path, &who);
        if (cli_require(&who, ACTION_BILLS, "bill") != 0) {
            register_close(r);
            r = NULL;
        }
    }
    return r;
}

/* Today and the register, as every verb but add needs them: NULL after
 * printing why, with the exit status in *rc. */
static struct reg *begin(const char *register_path, rq_date *today, int *rc)
{
    if (cli_today(today) != 0) {
        *rc = EXIT_USAGE;
        return NULL;
    }
    struct reg *r = open_reg(register_path);
    *rc = r ? 0 : EXIT_DATA;
    return r;
}

/* A JSON document on stdout, indented, for programs. */
static void print_json(const cJSON *c)
{
    char *s = cJSON_Print(c);
    if (s)
        printf("%s\n", s);
    else
        fprintf(stderr, "regenquote: out of memory while writing JSON\n");
    free(s);
}

static char *read_all(const char *path, size_t *len, struct diag_list *dl)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_error(dl, path, NULL, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 65536, n = 0;
    char *b = malloc(cap);
    while (b) {
        if (n == cap) {
            if (cap > BILL_MAX_BYTES) {
                diag_error(dl, path, NULL, "the bill is larger than %u bytes", BILL_MAX_BYTES);
                free(b);
                b = NULL;
                break;
            }
            char *nb = realloc(b, cap *= 2);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
        }
        size_t k = fread(b + n, 1, cap - n, f);
        n += k;
        if (k == 0)
            break;
    }
    if (b && ferror(f)) {
        diag_error(dl, path, NULL, "cannot read: %s", strerror(errno));
        free(b);
        b = NULL;
    } else if (!b && !dl->errors) {
        diag_error(dl, path, NULL, "out of memory");
    }
    fclose(f);
    *len = n;
    return b;
}

static int write_file(const char *path, const void *p, size_t n, struct diag_list *dl)
{
    struct outfile of;
    if (outfile_open(&of, path, dl) != 0)
        return -1;
    if (fwrite(p, 1, n, of.f) != n) {
        outfile_abort(&of);
        diag_error(dl, path, NULL, "cannot write");
        return -1;
    }
    return outfile_commit(&of, dl);
}

static int finish(struct diag_list *dl, struct reg *r, int rc)
{
    if (dl->n)
        cli_print_diags(dl, 20);
    diag_list_free(dl);
    register_close(r);
    return rc;
}

/* ---- add ---------------------------------------------------------------------- */

static int bill_add_cmd(const struct bill_args *a)
{
    if (a->npos != 2)
        return cli_usage_error("bill add", "give the quote number and the bill file");
    struct diag_list dl = { 0 };
    size_t len;
    char *bytes = read_all(a->pos[1], &len, &dl);
    if (!bytes)
        return finish(&dl, NULL, EXIT_DATA);
    struct reg *r = open_reg(a->register_path);
    if (!r) {
        free(bytes);
        return finish(&dl, NULL, EXIT_DATA);
    }
    long long id;
    char *to = NULL;
    int rc = bill_add(r, a->pos[0], a->pos[1], (const unsigned char *)bytes, len, a->corrects,
                      settings_os_account(), &id, &to, &dl);
    free(bytes);
    if (rc != 0)
        return finish(&dl, r, EXIT_DATA);
    printf("bill %lld added to %s", id, to);
    if (strcmp(to, a->pos[0]))
        printf(" (%s was superseded by %s: the bill is checked against the estimate in force)", a->pos[0], to);
    printf("\n");
    free(to);
    return finish(&dl, r, 0);
}

/* ---- check -------------------------------------------------------------------- */

static void usd(int64_t c, char *b, size_t n, bool sign)
{
    char m[40];
    money_format(c < 0 ? -c : c, "$", '.', ',', m, sizeof m);
    snprintf(b, n, "%s%s", c < 0 ? "-" : sign && c > 0 ? "+" : "", m);
}

static const char *js(const cJSON *o, const char *k)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(m) ? m->valuestring : "";
}

static int64_t jn(const cJSON *o, const char *k)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(m) ? (int64_t)m->valuedouble : 0;
}

/* s cut or padded to width characters (UTF-8 aware), then a space. */
static void cell(const char *s, int width)
{
    int chars = 0;
    size_t i = 0;
    for (; s[i]; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (chars == width)
                break;
            chars++;
        }
    fwrite(s, 1, i, stdout);
    printf("%*s ", width - chars, "");
}

static void print_check(const cJSON *c)
{
    char a[48], b[48], d[48];
    printf("Estimate %s", js(c, "number"));
    if (*js(c, "asked_for"))
        printf(" (in force; it replaced %s)", js(c, "asked_for"));
    printf(", issued %s\n", js(c, "issued"));
    const cJSON *x, *p;
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(c, "bills"))
        printf("  bill %lld dated %s, %s, added by %s%s\n", (long long)jn(x, "id"), js(x, "bill_date"),
               js(x, "file_name"), js(x, "added_by"),
               cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "in_force")) ? "" : " (corrected; not counted)");
    printf("Initial bill %s; a dispute can be started until %s (%lld day%s left)\n\n", js(c, "initial_bill_date"),
           js(c, "dispute_deadline"), (long long)jn(c, "days_left"), jn(c, "days_left") == 1 ? "" : "s");
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c, "providers"))
    {
        printf("%s  NPI %s  TIN %s\n", js(p, "name"), js(p, "npi"), js(p, "tin"));
        printf("  %4s %-16s %-30s %5s %5s %12s %12s %12s  %s\n", "LINE", "CODE", "DESCRIPTION", "EST", "BILL",
               "ESTIMATE", "BILLED", "DIFFERENCE", "STATUS");
        cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(p, "rows"))
        {
            bool item = !strcmp(js(x, "kind"), "item");
            usd(jn(x, "estimate_cents"), a, sizeof a, false);
            usd(jn(x, "billed_cents"), b, sizeof b, false);
            usd(jn(x, "difference_cents"), d, sizeof d, true);
            printf("  %4lld ", (long long)jn(x, "line"));
            cell(item ? js(x, "code") : "", 16);
            cell(item ? js(x, "description") : !strcmp(js(x, "kind"), "tax") ? "Tax" : "Discounts and package saving",
                 30);
            if (item)
                printf("%5lld %5lld ", (long long)jn(x, "estimate_quantity"), (long long)jn(x, "billed_quantity"));
            else
                printf("%5s %5s ", "", "");
            printf("%12s %12s %12s  %s%s\n", a, b, d, js(x, "status"),
                   cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "makes_difference")) ? " *" : "");
            const cJSON *e;
            cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(x, "explanations"))
                printf("       explained by %s: %s\n", js(e, "written_by"), js(e, "text"));
        }
        usd(jn(p, "estimate_cents"), a, sizeof a, false);
        usd(jn(p, "billed_cents"), b, sizeof b, false);
        usd(jn(p, "difference_cents"), d, sizeof d, true);
        printf("  %-65s %12s %12s %12s  %s\n\n", "Total", a, b, d,
               cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "flagged"))
                   ? "FLAGGED: $400.00 or more above its estimate (* lines make the difference)"
                   : "within $400.00");
    }
    usd(jn(c, "estimate_cents"), a, sizeof a, false);
    usd(jn(c, "billed_cents"), b, sizeof b, false);
    usd(jn(c, "difference_cents"), d, sizeof d, true);
    printf("All providers: estimate %s, billed %s, difference %s; %s\n", a, b, d,
           bill_check_flagged(c) ? "a provider is flagged: the patient may dispute"
                                 : "no provider is $400.00 or more above its estimate");
}

static int bill_check_cmd(const struct bill_args *a)
{
    const char *fmt = a->format ? a->format : "text";
    if (strcmp(fmt, "text") && strcmp(fmt, "json"))
        return cli_usage_error("bill check", "unknown format '%s'; expected text or json", fmt);
    rq_date today;
    int rc;
    struct reg *r = begin(a->register_path, &today, &rc);
    if (!r)
        return rc;
    struct diag_list dl = { 0 };
    cJSON *c = NULL;
    if (bill_check(r, a->pos[0], today, &c, &dl) != 0)
        return finish(&dl, r, EXIT_DATA);
    if (!strcmp(fmt, "json"))
        print_json(c);
    else
        print_check(c);
    rc = bill_check_flagged(c) ? EXIT_FLAGGED : 0;
    cJSON_Delete(c);
    return finish(&dl, r, rc);
}

/* ---- explain ------------------------------------------------------------------- */

static int bill_explain_cmd(const struct bill_args *a)
{
    if (!a->line || !a->text)
        return cli_usage_error("bill explain", "give --line N and --text TEXT");
    rq_date today;
    int rc;
    struct reg *r = begin(a->register_path, &today, &rc);
    if (!r)
        return rc;
    struct diag_list dl = { 0 };
    if (bill_explain(r, a->pos[0], (int)a->line, a->text, settings_os_account(), today, &dl) != 0)
        return finish(&dl, r, EXIT_DATA);
    printf("explanation of line %ld recorded\n", a->line);
    return finish(&dl, r, 0);
}

/* ---- packet and letter ------------------------------------------------------------ */

static int bill_packet_cmd(const struct bill_args *a, bool letter)
{
    const char *cmd = letter ? "bill letter" : "bill packet";
    if (a->lang && strcmp(a->lang, "en") && strcmp(a->lang, "es"))
        return cli_usage_error(cmd, "unknown language '%s'; expected en or es", a->lang);
    rq_date today;
    int rc;
    struct reg *r = begin(a->register_path, &today, &rc);
    if (!r)
        return rc;
    struct diag_list dl = { 0 };
    struct reg_entry e = { 0 };
    unsigned char *pdf = NULL;
    size_t len = 0;
    char *json = NULL;
    cJSON *c = NULL;
    rc = EXIT_DATA;
    if (bill_check(r, a->pos[0], today, &c, &dl) != 0)
        goto out;
    const char *number = js(c, "number");
    struct bill_doc_opts o = { settings_templates_dir(a->templates), a->a4 };
    char path[4096], jpath[4200];
    const char *dir = settings_out_dir(a->out_dir);
    if (a->output)
        snprintf(path, sizeof path, "%s", a->output);
    else
        snprintf(path, sizeof path, "%s/%s-%s.pdf", dir, number, letter ? "letter" : "dispute-packet");
    if (!a->output && outfile_make_dir(dir, &dl) != 0)
        goto out;
    if (letter) {
        if (bill_doc_letter(c, a->lang ? a->lang : js(c, "language"), today, &o, &pdf, &len, &dl) != 0 ||
            write_file(path, pdf, len, &dl) != 0)
            goto out;
        printf("%s\n", path);
        rc = 0;
        goto out;
    }
    if (register_get(r, number, true, &e, &dl) != 0)
        goto out;
    char sha[65];
    sha256_hex(e.pdf, e.pdf_len, sha);
    if (strcmp(sha, e.pdf_sha256)) {
        diag_error(&dl, NULL, NULL, "the stored PDF of %s does not match its digest; the register is damaged",
                   number);
        goto out;
    }
    if (bill_doc_packet(c, e.pdf, e.pdf_len, &o, &pdf, &len, &dl) != 0)
        goto out;
    /* the JSON beside it: the comparison as of the packet (no day count,
     * which changes every day) and how the estimate was kept */
    cJSON_DeleteItemFromObjectCaseSensitive(c, "days_left");
    cJSON_DeleteItemFromObjectCaseSensitive(c, "window_open");
    cJSON *est = cJSON_AddObjectToObject(c, "estimate_pdf");
    char psha[65];
    sha256_hex(pdf, len, psha);
    if (!est || !cJSON_AddStringToObject(est, "sha256", sha) ||
        !cJSON_AddNumberToObject(est, "bytes", (double)e.pdf_len) ||
        !cJSON_AddStringToObject(est, "kept_as",
                                 "the packet's first bytes (a PDF incremental update follows them)") ||
        !(json = cJSON_Print(c))) {
        diag_error(&dl, NULL, NULL, "out of memory");
        goto out;
    }
    size_t pl = strlen(path);
    if (pl > 4 && !strcmp(path + pl - 4, ".pdf"))
        snprintf(jpath, sizeof jpath, "%.*s.json", (int)(pl - 4), path);
    else
        snprintf(jpath, sizeof jpath, "%s.json", path);
    size_t jl = strlen(json);
    json[jl] = '\n';
    if (write_file(path, pdf, len, &dl) != 0 || write_file(jpath, json, jl + 1, &dl) != 0)
        goto out;
    printf("%s\n%s\n", path, jpath);
    rc = 0;
out:
    free(json);
    free(pdf);
    reg_entry_free(&e);
    cJSON_Delete(c);
    return finish(&dl, r, rc);
}

/* ---- the dispute window (list --dispute-window) ------------------------------------ */

int bill_list_dispute_window(const char *register_path, const char *format)
{
    rq_date today;
    int rc;
    struct reg *r = begin(register_path, &today, &rc);
    if (!r)
        return rc;
    struct diag_list dl = { 0 };
    cJSON *a;
    if (bill_dispute_window(r, today, &a, &dl) != 0)
        return finish(&dl, r, EXIT_DATA);
    if (!strcmp(format, "json")) {
        print_json(a);
    } else if (!strcmp(format, "csv")) {
        printf("number,patient_name,initial_bill_date,dispute_deadline,days_left,flagged\n");
        const cJSON *x;
        cJSON_ArrayForEach(x, a)
        {
            char names[1024] = "";
            const cJSON *f;
            cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(x, "flagged"))
                snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", names[0] ? "; " : "",
                         js(f, "name"));
            printf("%s,\"%s\",%s,%s,%lld,\"%s\"\n", js(x, "number"), js(x, "patient_name"),
                   js(x, "initial_bill_date"), js(x, "dispute_deadline"), (long long)jn(x, "days_left"), names);
        }
    } else {
        printf("%-16s %-24s %-12s %-12s %9s  %s\n", "NUMBER", "PATIENT", "FIRST BILL", "DEADLINE", "DAYS LEFT",
               "FLAGGED (ABOVE ESTIMATE)");
        const cJSON *x;
        cJSON_ArrayForEach(x, a)
        {
            cell(js(x, "number"), 16);
            cell(js(x, "patient_name"), 24);
            cell(js(x, "initial_bill_date"), 12);
            cell(js(x, "dispute_deadline"), 12);
            printf("%9lld  ", (long long)jn(x, "days_left"));
            const cJSON *f;
            bool first = true;
            cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(x, "flagged"))
            {
                char d[48];
                usd(jn(f, "difference_cents"), d, sizeof d, true);
                printf("%s%s %s", first ? "" : "; ", js(f, "name"), d);
                first = false;
            }
            printf("\n");
        }
        int n = cJSON_GetArraySize(a);
        printf("%d quote%s with an open dispute window\n", n, n == 1 ? "" : "s");
    }
    cJSON_Delete(a);
    return finish(&dl, r, 0);
}

int cmd_bill(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("bill", "give a verb: add, check, explain, packet or letter");
    const char *verb = argv[1];
    if (!strcmp(verb, "--help") || !strcmp(verb, "-h")) {
        fputs(BILL_HELP, stdout);
        return 0;
    }
    static const char *const verbs[] = { "add", "check", "explain", "packet", "letter" };
    int v = -1;
    for (int i = 0; i < 5; i++)
        if (!strcmp(verb, verbs[i]))
            v = i;
    if (v < 0)
        return cli_usage_error("bill", "unknown verb '%s'; expected add, check, explain, packet or letter", verb);
    struct bill_args a = { 0 };
    int rc = parse(argc - 1, argv + 1, verb, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (v != 0 && a.npos > 1)
        return cli_usage_error("bill", "unexpected argument '%s'", a.pos[1]);
    switch (v) {
    case 0: return bill_add_cmd(&a);
    case 1: return bill_check_cmd(&a);
    case 2: return bill_explain_cmd(&a);
    case 3: return bill_packet_cmd(&a, false);
    default: return bill_packet_cmd(&a, true);
    }
}
