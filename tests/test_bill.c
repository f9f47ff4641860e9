/* The final bill against the estimate, end to end through the binary:
 * reading bills (CSV, JSON), the per-provider comparison and its $400.00
 * threshold, the quote in force, explanations, the dispute window, the
 * packet (its estimate pages byte-identical to the issued PDF) and the
 * letter.
 *
 * Every test uses examples/three-providers.json issued on 2026-11-23.  Its
 * estimate, by hand (docs/pricing.md, the military discount is 10% of each
 * line it applies to):
 *
 *   clinic (Lone Star…)   99204 $0 + imaging-review $150 + 38232 $2,650
 *                         + bmac $3,200 + 20999 $1,500 + 76942 $200
 *                         + 99213 x4 $0 + 0232T $850          = $8,550.00
 *                         discount 10%                       = -$855.00
 *                         estimate                           =  $7,695.00
 *   capitol-cell-lab      86367 $380 - 10% $38                =    $342.00
 *   hill-country-surgery  asc-facility-fee $1,250, no discount = $1,250.00
 *
 * A provider is flagged when billed - estimate >= $400.00 (40000 cents). */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "bill.h"
#include "helpers.h"
#include "settings.h"

#define DAY0 "SOURCE_DATE_EPOCH=1795392000 " /* 2026-11-23 */

static int rq(const char *dir, const char *env, const char *args, char **out, char **err)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s%s %s --register '%s' --out-dir %s", env ? env : DAY0, th_bin(), args, th_reg(),
             dir);
    return th_run(cmd, out, err);
}

/* A folder with a register of engine e (the test's, th_reg()) and
 * examples/three-providers.json issued (Q-2026-000001). */
static char *setup(size_t e, const char *extra)
{
    char *dir = th_tmpdir(), args[600];
    cr_assert_not_null(dir);
    th_use_register(e, dir);
    snprintf(args, sizeof args, "quote examples/three-providers.json %s", extra ? extra : "");
    char *out, *err;
    cr_assert_eq(rq(dir, NULL, args, &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "Q-2026-000001"), "%s", out);
    free(out);
    free(err);
    return dir;
}

#define HEAD "bill_date,date_of_service,provider,code,description,quantity,amount\n"
#define HEAD_CRLF "bill_date,date_of_service,provider,code,description,quantity,amount\r\n"
/* The bill that matches the estimate line for line; tests edit copies of it. */
static const char *const EQUAL[] = {
    "2026-12-01,2026-11-30,clinic,99204,Evaluation,1,0.00\n",
    ",2026-11-30,clinic,imaging-review,Imaging review,1,150.00\n",
    ",2026-11-30,clinic,38232,Bone marrow harvest,1,2650.00\n",
    ",2026-11-30,clinic,bmac,BMAC,1,3200.00\n",
    ",2026-11-30,clinic,20999,MSC injection,1,1500.00\n",
    ",2026-11-30,clinic,76942,Ultrasound guidance,1,200.00\n",
    ",2026-11-30,clinic,99213,Follow-up visits,4,0.00\n",
    ",2026-11-30,clinic,0232T,PRP booster,1,850.00\n",
    ",2026-11-30,clinic,DISCOUNT,Military discount,1,-855.00\n",
    ",2026-11-30,capitol-cell-lab,86367,Cell count,1,380.00\n",
    ",2026-11-30,1963574029,DISCOUNT,Military discount,1,-38.00\n",
    ",2026-11-30,hill-country-surgery,asc-facility-fee,Facility fee,1,1250.00\n",
    NULL,
};
enum { L_EVAL, L_IMAGING, L_HARVEST, L_BMAC, L_MSC, L_US, L_FOLLOW, L_PRP, L_DISC, L_COUNT, L_LABDISC, L_FACILITY };

/* Write the equal bill with line `swap` replaced by `with` (NULL: removed;
 * swap -1: none), and `add` appended (may be NULL), to dir/name. */
static void write_bill(const char *dir, const char *name, int swap, const char *with, const char *add)
{
    char path[400], text[4096] = HEAD;
    for (int i = 0; EQUAL[i]; i++)
        if (i != swap)
            strcat(text, EQUAL[i]);
        else if (with)
            strcat(text, with);
    if (add)
        strcat(text, add);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    cr_assert_eq(th_write(path, text), 0);
}

static void add_bill(const char *dir, const char *number, const char *name)
{
    char args[600], *out, *err;
    snprintf(args, sizeof args, "bill add %s %s/%s ", number, dir, name);
    cr_assert_eq(rq(dir, NULL, args, &out, &err), 0, "%s", err);
    free(out);
    free(err);
}

/* `bill check NUMBER --format json`: the exit status and the JSON. */
static cJSON *check(const char *dir, const char *number, int *status)
{
    char args[200], *out, *err;
    snprintf(args, sizeof args, "bill check %s --format json", number);
    *status = rq(dir, NULL, args, &out, &err);
    cJSON *c = cJSON_Parse(out);
    cr_assert_not_null(c, "%s%s", out, err);
    free(out);
    free(err);
    return c;
}

static const cJSON *provider(const cJSON *c, int index)
{
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItem(c, "providers"))
        if (cJSON_GetObjectItem(p, "index")->valueint == index)
            return p;
    cr_assert_fail("no provider %d", index);
    return NULL;
}

static long long cents(const cJSON *o, const char *k)
{
    const cJSON *m = cJSON_GetObjectItem(o, k);
    cr_assert(cJSON_IsNumber(m), "no %s", k);
    return (long long)m->valuedouble;
}

static bool flagged(const cJSON *o)
{
    return cJSON_IsTrue(cJSON_GetObjectItem(o, "flagged"));
}

/* The row of provider p with code (or kind "discount"/"tax"). */
static const cJSON *row(const cJSON *p, const char *code)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItem(p, "rows"))
        if (!strcmp(cJSON_GetObjectItem(x, "code")->valuestring, code))
            return x;
    cr_assert_fail("no row %s", code);
    return NULL;
}

static const char *status_of(const cJSON *x)
{
    return cJSON_GetObjectItem(x, "status")->valuestring;
}

ENGINE_TEST(bill, an_equal_bill_is_within_every_estimate)
{
    char *dir = setup(eng->engine, NULL);
    write_bill(dir, "b.csv", -1, NULL, NULL);
    add_bill(dir, "Q-2026-000001", "b.csv");
    int st;
    cJSON *c = check(dir, "Q-2026-000001", &st);
    cr_assert_eq(st, 0);
    cr_assert(!flagged(c));
    /* estimates as in the comment above; billed the same */
    long long est[3] = { 769500, 34200, 125000 };
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(cents(provider(c, i), "estimate_cents"), est[i]);
        cr_assert_eq(cents(provider(c, i), "billed_cents"), est[i]);
        cr_assert_eq(cents(provider(c, i), "difference_cents"), 0);
        cr_assert_eq(cents(provider(c, i), "dispute_threshold_cents"), est[i] + 40000);
    }
    /* 2026-12-01 + 120 days = 2027-03-31; from 2026-11-23 that is 128 days */
    cr_assert_str_eq(cJSON_GetObjectItem(c, "dispute_deadline")->valuestring, "2027-03-31");
    cr_assert_eq(cents(c, "days_left"), 128);
    cr_assert_str_eq(status_of(row(provider(c, 0), "99213")), "same");
    cJSON_Delete(c);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(bill, an_extra_item_is_named_and_counted)
{
    char *dir = setup(eng->engine, NULL);
    /* 20611 x1 at $300.00, not on the estimate: the clinic +$300.00, not flagged */
    write_bill(dir, "b.csv", -1, NULL, ",2026-11-30,clinic,20611,Joint injection,1,300.00\n");
    add_bill(dir, "Q-2026-000001", "b.csv");
    int st;
    cJSON *c = check(dir, "Q-2026-000001", &st);
    cr_assert_eq(st, 0);
    const cJSON *x = row(provider(c, 0), "20611");
    cr_assert_str_eq(status_of(x), "extra");
    cr_assert_eq(cents(x, "estimate_cents"), 0);
    cr_assert_eq(cents(x, "difference_cents"), 30000);
    cr_assert_eq(cents(provider(c, 0), "difference_cents"), 30000);
    cr_assert(!flagged(provider(c, 0)));
    cJSON_Delete(c);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(bill, a_price_raised_by_exactly_400_dollars_is_flagged)
{
    char *dir = setup(eng->engine, NULL);
    /* facility fee $1,250.00 -> $1,650.00: +$400.00 = the threshold, flagged */
    write_bill(dir, "b.csv", L_FACILITY, ",2026-11-30,1842037511,asc-facility-fee,Facility fee,1,1650.00\n", NULL);
    add_bill(dir, "Q-2026-000001", "b.csv");
    int st;
    cJSON *c = check(dir, "Q-2026-000001", &st);
    cr_assert_eq(st, 3, "bill check exits 3 when a provider is flagged");
    const cJSON *p = provider(c, 2);
    cr_assert(flagged(p));
    cr_assert_eq(cents(p, "difference_cents"), 40000);
    const cJSON *x = row(p, "asc-facility-fee");
    cr_assert_str_eq(status_of(x), "price");
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(x, "makes_difference")));
    cr_assert(!flagged(provider(c, 0)));
    cJSON_Delete(c);
    /* the text table says so too */
    char *out, *err;
    cr_assert_eq(rq(dir, NULL, "bill check Q-2026-000001", &out, &err), 3);
    cr_assert(strstr(out, "FLAGGED"), "%s", out);
    cr_assert(strstr(out, "+$400.00"), "%s", out);
    free(out);
    free(err);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(bill, a_price_raised_by_399_99_is_not_flagged)
{
    char *dir = setup(eng->engine, NULL);
    /* $1,250.00 -> $1,649.99: +$399.99, one cent short */
    write_bill(dir, "b.csv", L_FACILITY, ",2026-11-30,hill-country-surgery,asc-facility-fee,Fee,1,1649.99\n", NULL);
    add_bill(dir, "Q-2026-000001", "b.csv");
    int st;
    cJSON *c = check(dir, "Q-2026-000001", &st);
    cr_assert_eq(st, 0);
    cr_assert_eq(cents(provider(c, 2), "difference_cents"), 39999);
    cr_assert(!flagged(provider(c, 2)));
    cr_assert(!flagged(c));
    cJSON_Delete(c);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(bill, the_threshold_is_per_provider_not_on_the_total)
{
    char *dir = setup(eng->engine, NULL);
    /* clinic: PRP billed $400.00 instead of $850.00 = -$450.00;
     * surgery center: $1,650.00 instead of $1,250.00 = +$400.00;
     * all together -$50.00, yet the surgery center is flagged */
    write_bill(dir, "b.csv", L_PRP, ",2026-11-30,clinic,0232T,PRP booster,1,400.00\n",
               ",2026-11-30,hill-country-surgery,asc-facility-fee,Extra room time,1,400.00\n");
    add_bill(dir, "Q-2026-000001", "b.csv");
    int st;
    cJSON *c = check(dir, "Q-2026-000001", &st);
    cr_assert_eq(st, 3);
    cr_assert_eq(cents(c, "difference_cents"), -5000);
    cr_assert_eq(cents(provider(c, 0), "difference_cents"), -45000);
    cr_assert(!flagged(provider(c, 0)));
    cr_assert_eq(cents(provider(c, 2), "difference_cents"), 40000);
    cr_assert(flagged(provider(c, 2)));
    /* two bill lines of the same code are one row: quantity 1 -> 2 */
    const cJSON *x = row(provider(c, 2), "asc-facility-fee");
    cr_assert_eq(cents(x, "billed_quantity"), 2);
    cr_assert_str_eq(status_of(x), "quantity_and_price");
    cJSON_Delete(c);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(bill, a_discount_not_honoured_is_a_difference_of_its_own)
{
    char *dir = setup(eng->engine, NULL);
    /* the clinic's bill leaves out the $855.00 discount: +$855.00, flagged */
    write_bill(dir, "b.csv", L_DISC, NULL, NULL);
    add_bill(dir, "Q-2026-000001", "b.csv");
    int st;
    cJSON *c = check(dir, "Q-2026-000001", &st);
    cr_assert_eq(st, 3);
    const cJSON *x = row(provider(c, 0), "DISCOUNT");
    cr_assert_str_eq(status_of(x), "discount_not_honoured");
    cr_assert_eq(cents(x, "estimate_cents"), -85500);
    cr_assert_eq(cents(x, "billed_cents"), 0);
    cr_assert_eq(cents(x, "difference_cents"), 85500);
    cr_assert_eq(cents(provider(c, 0), "difference_cents"), 85500);
    cr_assert(flagged(provider(c, 0)));
    /* the lab honoured its $38.00 */
    cr_assert_str_eq(status_of(row(provider(c, 1), "DISCOUNT")), "same");
    cJSON_Delete(c);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(bill, order_and_descriptions_do_not_matter_codes_do)
{
    char *dir = setup(eng->engine, NULL);
    char path[400];
    /* the equal bill backwards, every description in the billing system's words */
    snprintf(path, sizeof path, "%s/b.csv", dir);
    cr_assert_eq(th_write(path, HEAD
                          "2026-12-01,2026-11-30,hill-country-surgery,asc-facility-fee,ASC FEE,1,1250.00\n"
                          ",2026-11-30,capitol-cell-lab,DISCOUNT,ADJ,1,-38.00\n"
                          ",2026-11-30,capitol-cell-lab,86367,\"CELL CT, VIABILITY\",1,380.00\n"
                          ",2026-11-30,clinic,DISCOUNT,ADJ MIL,1,-855.00\n"
                          ",2026-11-30,clinic,0232T,PRP INJ,1,850.00\n"
                          ",2026-11-30,clinic,99213,OV EST,2,0.00\n"
                          ",2026-11-30,clinic,76942,US GUID,1,200.00\n"
                          ",2026-11-30,clinic,20999,\"UNLISTED PROC, MSK\",1,1500.00\n"
                          ",2026-11-30,clinic,bmac,CONC,1,3200.00\n"
                          ",2026-11-30,clinic,38232,BM HARVEST,1,2650.00\n"
                          ",2026-11-30,clinic,imaging-review,IMG REV,1,150.00\n"
                          ",2026-11-30,clinic,99213,OV EST,2,0.00\n"
                          ",2026-11-30,clinic,99204,OV NEW,1,0.00\n"),
                 0);
    add_bill(dir, "Q-2026-000001", "b.csv");
    int st;
    cJSON *c = check(dir, "Q-2026-000001", &st);
    cr_assert_eq(st, 0);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(cents(provider(c, i), "difference_cents"), 0);
    const cJSON *x = row(provider(c, 0), "20999");
    cr_assert_str_eq(status_of(x), "same");
    cr_assert_str_eq(cJSON_GetObjectItem(x, "billed_description")->valuestring, "UNLISTED PROC, MSK");
    /* 99213 on two lines, 2 + 2 = the estimate's 4 */
    cr_assert_eq(cents(row(provider(c, 0), "99213"), "billed_quantity"), 4);
    cJSON_Delete(c);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(bill, a_bill_for_a_superseded_estimate_goes_to_the_one_in_force)
{
    char *dir = setup(eng->engine, NULL);
    char *out, *err;
    cr_assert_eq(rq(dir, NULL, "revise Q-2026-000001", &out, &err), 0, "%s", err);
    free(out);
    free(err);
    write_bill(dir, "b.csv", -1, NULL, NULL);
    cr_assert_eq(rq(dir, NULL, "bill add Q-2026-000001 no-such-bill.csv", &out, &err), 1,
                 "a file that is not there is bad input");
    free(out);
    free(err);
    char args[600];
    snprintf(args, sizeof args, "bill add Q-2026-000001 %s/b.csv ", dir);
    cr_assert_eq(rq(dir, NULL, args, &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "added to Q-2026-000002"), "%s", out);
    cr_assert(strstr(out, "superseded"), "%s", out);
    free(out);
    free(err);
    int st;
    cJSON *c = check(dir, "Q-2026-000001", &st);
    cr_assert_eq(st, 0);
    cr_assert_str_eq(cJSON_GetObjectItem(c, "number")->valuestring, "Q-2026-000002");
    cr_assert_str_eq(cJSON_GetObjectItem(c, "asked_for")->valuestring, "Q-2026-000001");
    cJSON_Delete(c);
    /* both histories say who added it */
    cr_assert_eq(rq(dir, NULL, "show Q-2026-000002", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "bill added") && strstr(out, settings_os_account()), "%s", out);
    free(out);
    free(err);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(bill, a_corrected_bill_replaces_the_one_it_corrects_which_is_kept)
{
    char *dir = setup(eng->engine, NULL);
    write_bill(dir, "a.csv", L_FACILITY, ",2026-11-30,hill-country-surgery,asc-facility-fee,Fee,1,1650.00\n", NULL);
    add_bill(dir, "Q-2026-000001", "a.csv");
    write_bill(dir, "b.json", -1, NULL, NULL);
    /* the corrected bill as JSON: the estimate's facility fee */
    char path[400];
    snprintf(path, sizeof path, "%s/b.json", dir);
    cr_assert_eq(th_write(path,
                          "{\"bill_date\": \"2026-12-05\", \"corrects\": 1, \"lines\": [\n"
                          "  {\"date_of_service\": \"2026-11-30\", \"provider\": \"hill-country-surgery\",\n"
                          "   \"code\": \"asc-facility-fee\", \"description\": \"Fee\", \"quantity\": 1, \"amount\": 1250.00}\n"
                          "]}\n"),
                 0);
    add_bill(dir, "Q-2026-000001", "b.json");
    int st;
    cJSON *c = check(dir, "Q-2026-000001", &st);
    cr_assert_eq(st, 0, "the corrected bill is within the estimate");
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(c, "bills")), 2);
    const cJSON *b0 = cJSON_GetArrayItem(cJSON_GetObjectItem(c, "bills"), 0);
    cr_assert(!cJSON_IsTrue(cJSON_GetObjectItem(b0, "in_force")));
    /* the initial bill's date still starts the clock */
    cr_assert_str_eq(cJSON_GetObjectItem(c, "initial_bill_date")->valuestring, "2026-12-01");
    cJSON_Delete(c);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(bill, bad_csv_is_reported_by_line_and_column)
{
    char *dir = setup(eng->engine, NULL);
    char path[400], *out, *err, args[600];
    snprintf(path, sizeof path, "%s/bad.csv", dir);
    cr_assert_eq(th_write(path, HEAD "2026-12-01,2026-11-30,clinic,99204,Evaluation,1,0.00\n"
                                     ",2026-11-31,clinic,38232,Harvest,two,2650.00\n"
                                     ",2026-11-30,clinic,20999,Injection,1,15.005\n"
                                     ",2026-11-30,nobody,20999,Injection,1,1.00\n"),
                 0);
    snprintf(args, sizeof args, "bill add Q-2026-000001 %s", path);
    cr_assert_eq(rq(dir, NULL, args, &out, &err), 1);
    /* line 3: column B (the date), column F (the quantity); line 4: column G */
    cr_assert(strstr(err, "bad.csv:3:2: date_of_service: '2026-11-31' is not a date"), "%s", err);
    cr_assert(strstr(err, "bad.csv:3:6: quantity: 'two' is not a quantity"), "%s", err);
    cr_assert(strstr(err, "bad.csv:4:7: amount: '15.005' is not an amount"), "%s", err);
    free(out);
    free(err);
    /* a well-formed bill naming a provider the estimate does not have */
    cr_assert_eq(th_write(path, HEAD "2026-12-01,2026-11-30,nobody,99204,Evaluation,1,0.00\n"), 0);
    cr_assert_eq(rq(dir, NULL, args, &out, &err), 1);
    cr_assert(strstr(err, "bad.csv:2:3: provider: 'nobody' is not a provider or facility of estimate Q-2026-000001"),
              "%s", err);
    free(out);
    free(err);
    /* nothing was stored */
    cr_assert_eq(rq(dir, NULL, "bill check Q-2026-000001", &out, &err), 1);
    cr_assert(strstr(err, "has no bill yet"), "%s", err);
    free(out);
    free(err);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(bill, bad_json_is_reported_by_line_and_column)
{
    char *dir = setup(eng->engine, NULL);
    char path[400], *out, *err, args[600];
    snprintf(path, sizeof path, "%s/bad.json", dir);
    cr_assert_eq(th_write(path, "{\"bill_date\": \"2026-12-01\", \"lines\": [\n"
                                "  {\"date_of_service\": \"2026-11-30\", \"provider\": \"clinic\", \"code\": \"99204\",\n"
                                "   \"quantity\": 1, \"amount\": 12.345},\n"
                                "  {\"date_of_service\": \"2026-11-30\", \"provider\": \"clinic\", \"code\": \"99204\",\n"
                                "   \"quantity\": 0, \"amont\": 1}\n"
                                "]}\n"),
                 0);
    snprintf(args, sizeof args, "bill add Q-2026-000001 %s", path);
    cr_assert_eq(rq(dir, NULL, args, &out, &err), 1);
    cr_assert(strstr(err, "bad.json:3:29: lines[0].amount:"), "%s", err);
    cr_assert(strstr(err, "bad.json:5:16: lines[1].quantity:"), "%s", err);
    cr_assert(strstr(err, "lines[1].amont"), "%s", err);
    free(out);
    free(err);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(bill, explanations_are_kept_with_who_wrote_them)
{
    char *dir = setup(eng->engine, NULL);
    write_bill(dir, "b.csv", L_FACILITY, ",2026-11-30,hill-country-surgery,asc-facility-fee,Fee,1,1650.00\n", NULL);
    add_bill(dir, "Q-2026-000001", "b.csv");
    int st;
    cJSON *c = check(dir, "Q-2026-000001", &st);
    int line = (int)cents(row(provider(c, 2), "asc-facility-fee"), "line");
    cJSON_Delete(c);
    char args[400], *out, *err;
    snprintf(args, sizeof args, "bill explain Q-2026-000001 --line %d --text 'Three hours of room time, not two'",
             line);
    cr_assert_eq(rq(dir, NULL, args, &out, &err), 0, "%s", err);
    free(out);
    free(err);
    cr_assert_eq(rq(dir, NULL, "bill explain Q-2026-000001 --line 99 --text x", &out, &err), 1);
    cr_assert(strstr(err, "has no line 99"), "%s", err);
    free(out);
    free(err);
    c = check(dir, "Q-2026-000001", &st);
    const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(row(provider(c, 2), "asc-facility-fee"), "explanations"), 0);
    cr_assert_not_null(e);
    cr_assert_str_eq(cJSON_GetObjectItem(e, "text")->valuestring, "Three hours of room time, not two");
    cr_assert_str_eq(cJSON_GetObjectItem(e, "written_by")->valuestring, settings_os_account());
    cJSON_Delete(c);
    cr_assert_eq(rq(dir, NULL, "show Q-2026-000001", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "bill explained") && strstr(out, settings_os_account()), "%s", out);
    free(out);
    free(err);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(bill, the_dispute_window_lists_flagged_quotes_while_it_is_open)
{
    char *dir = setup(eng->engine, NULL);
    char *out, *err;
    write_bill(dir, "b.csv", L_FACILITY, ",2026-11-30,hill-country-surgery,asc-facility-fee,Fee,1,1650.00\n", NULL);
    add_bill(dir, "Q-2026-000001", "b.csv");
    cr_assert_eq(rq(dir, NULL, "list --dispute-window", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "Q-2026-000001") && strstr(out, "2027-03-31") && strstr(out, "128"), "%s", out);
    cr_assert(strstr(out, "Hill Country Surgery Center +$400.00"), "%s", out);
    free(out);
    free(err);
    /* 2027-03-31 is the last day (1 day left on 2027-03-30 ... 0 on the 31st) */
    cr_assert_eq(rq(dir, "SOURCE_DATE_EPOCH=1806451200 ", "list --dispute-window --format json", &out, &err), 0);
    cJSON *a = cJSON_Parse(out);
    cr_assert_eq(cJSON_GetArraySize(a), 1, "%s", out);
    cr_assert_eq(cents(cJSON_GetArrayItem(a, 0), "days_left"), 0);
    cJSON_Delete(a);
    free(out);
    free(err);
    /* the day after (2027-04-01) it is closed */
    cr_assert_eq(rq(dir, "SOURCE_DATE_EPOCH=1806537600 ", "list --dispute-window --format json", &out, &err), 0);
    a = cJSON_Parse(out);
    cr_assert_eq(cJSON_GetArraySize(a), 0, "%s", out);
    cJSON_Delete(a);
    free(out);
    free(err);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(bill, the_packet_starts_with_the_issued_pdf_byte_for_byte_and_is_reproducible)
{
    char *dir = setup(eng->engine, "--lang es");
    char *out, *err, pk[400], q[400], j[400];
    write_bill(dir, "b.csv", L_FACILITY, ",2026-11-30,hill-country-surgery,asc-facility-fee,Fee,1,1650.00\n", NULL);
    add_bill(dir, "Q-2026-000001", "b.csv");
    cr_assert_eq(rq(dir, NULL, "bill packet Q-2026-000001", &out, &err), 0, "%s", err);
    free(out);
    free(err);
    snprintf(pk, sizeof pk, "%s/Q-2026-000001-dispute-packet.pdf", dir);
    snprintf(j, sizeof j, "%s/Q-2026-000001-dispute-packet.json", dir);
    snprintf(q, sizeof q, "%s/Q-2026-000001.pdf", dir);
    size_t np, nq, nj;
    char *packet = th_read(pk, &np), *issued = th_read(q, &nq), *json = th_read(j, &nj);
    cr_assert(packet && issued && json);
    /* the estimate exactly as issued: its bytes are the packet's first bytes
     * (every page, content stream and resource of it unchanged), and the
     * pages added after it are an incremental update pointing back to it */
    cr_assert_gt(np, nq);
    cr_assert_eq(memcmp(packet, issued, nq), 0, "the issued PDF is not a prefix of the packet");
    bool prev = false;
    for (size_t i = nq; i + 6 <= np && !prev; i++)
        prev = !memcmp(packet + i, "/Prev ", 6);
    cr_assert(prev, "no incremental update after the estimate");
    cr_assert(strstr(json, "\"estimate_pdf\""), "%s", json);
    /* the same inputs give the same bytes */
    char p2[400];
    snprintf(p2, sizeof p2, "%s/again.pdf", dir);
    char args[600];
    snprintf(args, sizeof args, "bill packet Q-2026-000001 -o %s", p2);
    cr_assert_eq(rq(dir, NULL, args, &out, &err), 0, "%s", err);
    free(out);
    free(err);
    size_t n2;
    char *again = th_read(p2, &n2);
    cr_assert(again && n2 == np && !memcmp(again, packet, np), "the packet is not reproducible");
    free(again);
    /* poppler reads every page: the estimate's, then the added ones in Spanish and English */
    char cmd[900], *info = NULL;
    snprintf(cmd, sizeof cmd, "pdfinfo %s 2>&1 && pdfinfo %s 2>&1", q, pk);
    if (th_run(cmd, &info, NULL) == 0) {
        int a = 0, b = 0;
        char *s = strstr(info, "Pages:"), *t = s ? strstr(s + 6, "Pages:") : NULL;
        cr_assert(s && t, "%s", info);
        sscanf(s, "Pages: %d", &a);
        sscanf(t, "Pages: %d", &b);
        cr_assert_geq(b, a + 2, "%s", info);
    }
    free(info);
    free(packet);
    free(issued);
    free(json);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(bill, the_letter_is_a_pdf_in_english_or_spanish)
{
    char *dir = setup(eng->engine, NULL);
    char *out, *err;
    write_bill(dir, "b.csv", L_DISC, NULL, NULL);
    add_bill(dir, "Q-2026-000001", "b.csv");
    static const char *const langs[] = { "en", "es" };
    for (int i = 0; i < 2; i++) {
        char args[700], path[400];
        snprintf(path, sizeof path, "%s/letter-%s.pdf", dir, langs[i]);
        snprintf(args, sizeof args, "bill letter Q-2026-000001 --lang %s -o %s", langs[i], path);
        cr_assert_eq(rq(dir, NULL, args, &out, &err), 0, "%s", err);
        free(out);
        free(err);
        size_t n;
        char *pdf = th_read(path, &n);
        cr_assert(pdf && n > 1000 && !memcmp(pdf, "%PDF-", 5));
        free(pdf);
    }
    cr_assert_eq(rq(dir, NULL, "bill letter Q-2026-000001 --lang fr", &out, &err), 2);
    free(out);
    free(err);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(bill, every_sample_bill_matches_its_example_quote)
{
    static const char *const names[] = { "adipose-two-knees.csv", "bone-marrow-one-ankle.json",
                                         "cord-tissue-prp-booster.csv", "package-with-discount.json",
                                         "primers-booster-orthotics-pt.csv", "three-providers.json",
                                         "three-sessions-banked.csv" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *dir = th_tmpdir(), args[600], *out, *err;
        th_use_register(eng->engine, dir);
        snprintf(args, sizeof args, "quote examples/%.*s.json", (int)(strrchr(names[i], '.') - names[i]), names[i]);
        cr_assert_eq(rq(dir, NULL, args, &out, &err), 0, "%s", err);
        free(out);
        free(err);
        snprintf(args, sizeof args, "bill add Q-2026-000001 examples/bills/%s", names[i]);
        cr_assert_eq(rq(dir, NULL, args, &out, &err), 0, "%s: %s", names[i], err);
        free(out);
        free(err);
        int st;
        cJSON *c = check(dir, "Q-2026-000001", &st);
        cr_assert_eq(st, 0, "%s", names[i]);
        cr_assert_eq(cents(c, "difference_cents"), 0, "%s", names[i]);
        cJSON_Delete(c);
        th_rmtree(dir);
        free(dir);
    }
}

/* A bill's CSV is read as the catalog's items are (csv_read.h): a
 * byte-order mark, CRLF, quoted cells with commas, doubled quotes and a
 * line break (a CRLF inside a cell is one LF); a '"' inside an unquoted
 * cell is text, as billing systems write 5" for inches. */
Test(bill, csv_with_a_bom_crlf_quotes_and_a_line_break_in_a_cell)
{
    const char *text = "\xEF\xBB\xBF" HEAD_CRLF
                       "2026-12-01,2026-11-30,clinic,99204,\"Evaluation, \"\"new\"\" patient\r\nsecond line\",1,250.00\r\n"
                       "2026-12-01,2026-11-30,clinic,L1833,Knee brace 5\" hinge,2,$120.00\r\n";
    struct bill b;
    struct diag_list dl = { 0 };
    cr_assert_eq(bill_parse(&b, "b.csv", text, strlen(text), &dl), 0, "%s", th_diags(&dl));
    cr_assert_eq(b.n, 2);
    cr_assert_str_eq(b.lines[0].description, "Evaluation, \"new\" patient\nsecond line");
    cr_assert_eq(b.lines[0].amount_cents, 25000);
    cr_assert_eq(b.lines[0].line, 2);
    cr_assert_str_eq(b.lines[1].description, "Knee brace 5\" hinge");
    cr_assert_eq(b.lines[1].quantity, 2);
    cr_assert_eq(b.lines[1].line, 4, "the second line starts after the cell's line break");
    bill_free(&b);
    diag_list_free(&dl);
    /* a quote never closed is placed at the cell where it opens */
    const char *open = HEAD_CRLF "2026-12-01,2026-11-30,clinic,99204,\"Evaluation,1,250.00\r\n";
    cr_assert_eq(bill_parse(&b, "b.csv", open, strlen(open), &dl), -1);
    char *msgs = th_diags(&dl);
    cr_assert(strstr(msgs, "b.csv:2:5: a quoted field is never closed"), "%s", msgs);
    free(msgs);
    diag_list_free(&dl);
}
