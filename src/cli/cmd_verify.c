/* `regenquote verify FILE.pdf`: is this estimate genuine, as issued?  The
 * reading and the checks are the core's (src/core/pdf_verify.h); with
 * --register, the PDF must also be byte for byte the one issued under its
 * number. */
#include "cli.h"
#include "commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdf_verify.h"
#include "register.h"
#include "settings.h"

static const char VERIFY_HELP[] =
    "Usage: regenquote verify FILE.pdf [--register FILE]\n"
    "\n"
    "Say whether FILE.pdf is a genuine estimate as issued: its attached quote\n"
    "matches the digest it was issued with and the QR code on page 1, it has\n"
    "all its pages, and every amount printed on them is the attached quote's.\n"
    "With --register, it must also be byte for byte the PDF issued under its\n"
    "number. Each difference found is one line.\n"
    "\n"
    "Exit status: 0 genuine, 1 not genuine (or it cannot be read), 2 wrong options.\n";

enum { OPT_REGISTER = 256 };

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *b = malloc(cap);
    for (size_t r; b && (r = fread(b + n, 1, cap - n, f)) > 0;) {
        n += r;
        if (n == cap) {
            unsigned char *nb = cap < (256u << 20) ? realloc(b, cap * 2) : NULL;
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
    }
    fclose(f);
    *len = n;
    return b;
}

int cmd_verify(int argc, char **argv)
{
    static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
                                          { "register", required_argument, NULL, OPT_REGISTER },
                                          { NULL, 0, NULL, 0 } };
    const char *reg_path = NULL;
    bool with_register = false;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(VERIFY_HELP, stdout); return 0;
        case OPT_REGISTER: reg_path = optarg; with_register = true; break;
        case ':': return cli_usage_error("verify", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("verify", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("verify", "give the PDF to verify");
    if (optind + 1 < argc)
        return cli_usage_error("verify", "unexpected argument '%s'", argv[optind + 1]);
    const char *path = argv[optind];
    size_t len = 0;
    unsigned char *pdf = slurp(path, &len);
    if (!pdf) {
        fprintf(stderr, "regenquote: cannot read '%s'\n", path);
        return EXIT_DATA;
    }
    struct pdf_verdict v;
    int n = pdf_verify(pdf, len, &v);
    if (n < 0) {
        free(pdf);
        fprintf(stderr, "regenquote: out of memory\n");
        return EXIT_DATA;
    }
    char issued_line[200] = "";
    if (with_register && v.number[0]) {
        struct diag_list dl = { 0 };
        struct reg *r = NULL;
        struct reg_entry e;
        if (register_open(&r, settings_register_path(reg_path), &dl) != 0) {
            cli_print_diags(&dl, 5);
            n = -1;
        } else if (register_get(r, v.number, true, &e, &dl) != 0) {
            snprintf(issued_line, sizeof issued_line, "the register has no quote %s", v.number);
        } else {
            if (e.pdf_len != len || memcmp(e.pdf, pdf, len) != 0)
                snprintf(issued_line, sizeof issued_line,
                         "it is not the PDF issued under %s (%zu bytes; the register's copy has %zu)", v.number,
                         len, e.pdf_len);
            reg_entry_free(&e);
        }
        diag_list_free(&dl);
        register_close(r);
        if (n < 0) {
            free(pdf);
            return EXIT_DATA;
        }
    }
    free(pdf);
    if (n == 0 && !issued_line[0]) {
        printf("genuine: estimate %s, %d page%s, as issued%s\n", v.number, v.pages, v.pages == 1 ? "" : "s",
               with_register ? " (byte for byte the register's copy)" : "");
        return 0;
    }
    printf("NOT genuine%s%s:\n", v.number[0] ? ": estimate " : "", v.number);
    for (size_t i = 0; i < v.n_problems; i++)
        printf("  %s\n", v.problems[i]);
    if (issued_line[0])
        printf("  %s\n", issued_line);
    return EXIT_DATA;
}
