/* Privacy: a patient's name, date of birth and record number never appear
 * in a message or a file name, whatever goes wrong; every file regenquote
 * writes is readable by its owner only (0600).
 *
 * Each request carries marker values; every error path reachable from a
 * request file, from options, from a batch and from the register verbs is
 * run, and stderr must never hold any marker. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"

#define ENV "SOURCE_DATE_EPOCH=1795392000 REGENQUOTE_PRICES=pricing REGENQUOTE_TEMPLATES=templates "

/* Distinctive pieces of the patient's data; none may leak. */
#define NAME "Zorblatt Quimby"
#define NAME_PART "Zorblatt"
#define DOB "1931-07-19"
#define DOB_BAD "1931-19-07"
#define PID "PX-778812"
#define PID_PART "778812"

static const char *const markers[] = { NAME_PART, "Quimby", "1931", "19-07", "07-19", PID_PART, NULL };

static void assert_no_marker(const char *what, const char *text)
{
    for (size_t i = 0; markers[i]; i++)
        cr_assert_null(strstr(text, markers[i]), "%s: patient data '%s' in: %s", what, markers[i], text);
}

static int run_in(const char *dir, const char *args, char **out, char **err)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, ENV "REGENQUOTE_REGISTER=%s/register.db REGENQUOTE_OUT=%s/out %s %s", dir, dir,
             th_bin(), args);
    return th_run(cmd, out, err);
}

/* A fresh folder with a register (the one run_in uses), malloc'd: so an
 * issuing command gets as far as the request. */
static char *reg_dir(void)
{
    char *dir = th_tmpdir(), p[600];
    snprintf(p, sizeof p, "%s/register.db", dir);
    cr_assert_eq(th_init_register(p), 0);
    return dir;
}

/* A request with the marker patient and `rest` (JSON members, may be ""). */
static void write_req(const char *path, const char *patient, const char *rest)
{
    char text[4096];
    snprintf(text, sizeof text, "{ \"patient\": %s,\n  %s }\n", patient, rest);
    cr_assert_eq(th_write(path, text), 0);
}

#define PATIENT "{ \"name\": \"" NAME "\", \"date_of_birth\": \"" DOB "\", \"id\": \"" PID "\" }"
#define OK_PLAN "\"areas\": [\"left-knee\"], \"cell_source\": \"bone-marrow\""

/* Requests that fail in every stage: syntax, keys, types, the patient's own
 * fields, the plan's ids, the pricing rules. */
static const struct {
    const char *patient, *rest;
} bad[] = {
    { PATIENT, OK_PLAN ", \"areas\": [\"left-knee\"]" },                  /* duplicate key */
    { PATIENT, OK_PLAN ", \"sesions\": 2" },                              /* unknown key */
    { PATIENT, OK_PLAN " } trailing" },                                   /* syntax */
    { PATIENT, "\"areas\": \"left-knee\", \"cell_source\": 7" },          /* types */
    { PATIENT, "\"areas\": [\"left-kne\"], \"cell_source\": \"bone-marow\"" },  /* unknown ids */
    { PATIENT, OK_PLAN ", \"processing_method\": \"adipose-concentrate\"" },    /* method misfit */
    { PATIENT, "\"areas\": [\"left-knee\"], \"cell_source\": \"embryonic\"" },  /* research only */
    { PATIENT, OK_PLAN ", \"sessions\": 99" },
    { PATIENT, OK_PLAN ", \"adjuncts\": [{ \"id\": \"physical-therapy\", \"count\": 500 }]" },
    { PATIENT, OK_PLAN ", \"discounts\": [{ \"id\": \"military\" }]" },   /* needs a reason */
    { PATIENT, OK_PLAN ", \"discounts\": [{ \"id\": \"courtesy\", \"amount\": \"9000.00\", \"reason\": \"x\" }]" },
    { PATIENT, OK_PLAN ", \"package\": \"cord-two-areas\"" },
    { PATIENT, OK_PLAN ", \"scheduled_date\": \"2020-01-01\"" },           /* in the past */
    { PATIENT, OK_PLAN ", \"provider\": \"dr-nobody\", \"location\": \"mars\"" },
    { PATIENT, OK_PLAN ", \"language\": \"fr\"" },
    /* the patient's own fields wrong, with the marker inside */
    { "{ \"name\": \"" NAME "\\u0007\", \"date_of_birth\": \"" DOB_BAD "\", \"id\": \"" PID "\\u202e\" }", OK_PLAN },
    { "{ \"name\": \"" NAME "\", \"date_of_birth\": 19310719, \"id\": [\"" PID "\"] }", OK_PLAN },
    { "{ \"name\": \"" NAME "\", \"nmae\": \"" NAME "\", \"id\": \"" PID "\" }", OK_PLAN },
    { "{ \"name\": \"" NAME
      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\" }",
      OK_PLAN },
    { "\"" NAME "\"", OK_PLAN },                                           /* patient as a string */
};

Test(privacy, no_patient_data_in_messages_from_request_files)
{
    char *dir = reg_dir();
    char req[600], args[1500], *out, *err;
    snprintf(req, sizeof req, "%s/req.json", dir);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_req(req, bad[i].patient, bad[i].rest);
        static const char *const cmds[][2] = { { "price", "" }, { "price", " --format json" },
                                               { "price", " --format pdf" }, { "quote", "" } };
        for (size_t c = 0; c < 4; c++) {
            snprintf(args, sizeof args, "%s %s%s", cmds[c][0], req, cmds[c][1]);
            int rc = run_in(dir, args, &out, &err);
            cr_assert_eq(rc, 1, "case %zu, %s: exit %d: %s", i, args, rc, err);
            cr_assert_neq(err[0], '\0', "case %zu: a message", i);
            assert_no_marker(args, err);
            cr_assert_str_eq(out, "", "case %zu: nothing on stdout", i);
            free(out);
            free(err);
        }
    }
    th_rmtree(dir);
    free(dir);
}

Test(privacy, no_patient_data_in_messages_from_options)
{
    char *dir = reg_dir();
    static const char *const args[] = {
        "price --source bone-marrow --area left-knee --patient-name '" NAME "' --dob " DOB_BAD,
        "price --source bone-marrow --area left-knee --patient-name '" NAME "' --dob '" NAME "'",
        "price --source bone-marrow --area left-kne --patient-name '" NAME "' --patient-id " PID " --dob " DOB,
        "price --source bone-marrow --area left-knee --patient-name \"$(printf '" NAME "\\t')\"",
        "price --source bone-marrow --area left-knee --patient-id \"$(printf '" PID "\\033')\"",
        "quote --source embryonic --area left-knee --patient-name '" NAME "' --patient-id " PID,
        /* a name left unquoted after a request file */
        "price examples/adipose-two-knees.json --patient-name " NAME,
        "quote examples/adipose-two-knees.json --patient-name " NAME,
        "price --source bone-marrow --area left-knee --patient-name '" NAME "' --sessions x",
    };
    for (size_t i = 0; i < sizeof args / sizeof args[0]; i++) {
        char *out, *err;
        int rc = run_in(dir, args[i], &out, &err);
        cr_assert(rc == 1 || rc == 2, "%s: exit %d: %s", args[i], rc, err);
        cr_assert_neq(err[0], '\0');
        assert_no_marker(args[i], err);
        cr_assert_str_eq(out, "");
        free(out);
        free(err);
    }
    th_rmtree(dir);
    free(dir);
}

Test(privacy, no_patient_data_in_batch_and_register_messages)
{
    char *dir = reg_dir();
    char p[600], args[1500], *out, *err;
    /* a batch whose lines fail in several ways */
    snprintf(p, sizeof p, "%s/reqs.jsonl", dir);
    FILE *f = fopen(p, "w");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (!strchr(bad[i].rest, '}')) /* one line each; skip the syntax case */
            fprintf(f, "{ \"patient\": %s, %s }\n", bad[i].patient, bad[i].rest);
    fprintf(f, "{ \"patient\": %s, %s\n", PATIENT, OK_PLAN); /* cut short */
    fclose(f);
    snprintf(args, sizeof args, "batch %s --out-dir %s/b -q", p, dir);
    cr_assert_eq(run_in(dir, args, &out, &err), 1, "%s", err);
    assert_no_marker("batch", err);
    free(out);
    free(err);
    snprintf(args, sizeof args, "batch %s --issue -q", p);
    cr_assert_eq(run_in(dir, args, &out, &err), 1, "%s", err);
    assert_no_marker("batch --issue", err);
    free(out);
    free(err);

    /* issue one quote for the marker patient, then misuse the register */
    snprintf(p, sizeof p, "%s/req.json", dir);
    write_req(p, PATIENT, OK_PLAN);
    snprintf(args, sizeof args, "quote %s", p);
    cr_assert_eq(run_in(dir, args, &out, &err), 0, "%s", err);
    assert_no_marker("quote stdout", out);
    free(out);
    free(err);
    write_req(p, "{ \"name\": \"Other Person\", \"id\": \"PX-000001\" }", OK_PLAN);
    static const char *const reg_bad[] = {
        "revise Q-2026-000001 REQ",          /* another patient */
        "revise Q-2026-000001 --sessions 99",
        "void Q-2026-000001",
        "accept Q-2026-999999",
        "show Q-2026-999999",
        "reprint Q-2026-000001 -o /nonexistent/dir/x.pdf",
        "list --status nonsense",
        ("list --from " DOB_BAD),
    };
    for (size_t i = 0; i < sizeof reg_bad / sizeof reg_bad[0]; i++) {
        if (strstr(reg_bad[i], "REQ"))
            snprintf(args, sizeof args, "revise Q-2026-000001 %s", p);
        else
            snprintf(args, sizeof args, "%s", reg_bad[i]);
        int rc = run_in(dir, args, &out, &err);
        cr_assert(rc == 1 || rc == 2, "%s: exit %d: %s", args, rc, err);
        assert_no_marker(args, err);
        free(out);
        free(err);
    }
    th_rmtree(dir);
    free(dir);
}

/* Every file under dir: no marker in its name, mode 0600 (folders 0700). */
static int check_tree(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "%s", dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        assert_no_marker("file name", e->d_name);
        struct stat st;
        cr_assert_eq(stat(p, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            cr_assert_eq(st.st_mode & 077, 0, "%s is open to others: %o", p, st.st_mode & 0777);
            n += check_tree(p);
        } else {
            cr_assert_eq(st.st_mode & 0777, 0600, "%s has mode %o", p, st.st_mode & 0777);
            n++;
        }
    }
    closedir(d);
    return n;
}

Test(privacy, generated_files_are_private_and_anonymously_named)
{
    char *dir = th_tmpdir();
    char req[600], args[1500], w[600], *out, *err;
    snprintf(w, sizeof w, "%s/w", dir);
    mkdir(w, 0700);
    snprintf(req, sizeof req, "%s/req.json", dir);
    write_req(req, PATIENT, OK_PLAN);
    /* a permissive umask must not matter */
    for (size_t i = 0; i < 5; i++) {
        char c[2400];
        if (i == 0)
            snprintf(c, sizeof c, "init --register %s/register.db", w);
        else if (i == 4)
            snprintf(c, sizeof c, "quote %s --out-dir %s/out --register %s/register.db", req, w, w);
        else if (i == 1)
            snprintf(c, sizeof c, "price %s --format pdf -o %s/draft.pdf", req, w);
        else if (i == 2)
            snprintf(c, sizeof c, "price %s --format json -o %s/q.json", req, w);
        else
            snprintf(c, sizeof c, "price %s -o %s/q.txt", req, w);
        char full[3000];
        snprintf(full, sizeof full, ENV "sh -c 'umask 000; %s %s'", th_bin(), c);
        cr_assert_eq(th_run(full, &out, &err), 0, "%s: %s", c, err);
        free(out);
        free(err);
    }
    snprintf(args, sizeof args, "reprint Q-2026-000001 --register %s/register.db -o %s/again.pdf", w, w);
    cr_assert_eq(run_in(dir, args, &out, &err), 0, "%s", err);
    free(out);
    free(err);
    snprintf(args, sizeof args, "sh -c 'umask 000; exec %s batch examples --out-dir %s/batch -q'", th_bin(), w);
    char full[2000];
    snprintf(full, sizeof full, ENV "%s", args);
    cr_assert_eq(th_run(full, &out, &err), 0, "%s", err);
    free(out);
    free(err);
    snprintf(args, sizeof args, "batch examples --issue --out-dir %s/issued --register %s/register.db -q", w, w);
    cr_assert_eq(run_in(dir, args, &out, &err), 0, "%s", err);
    free(out);
    free(err);
    cr_assert_geq(check_tree(w), 4 + 1 + 6 + 6, "every file was checked");
    th_rmtree(dir);
    free(dir);
}
