/* The engine: every example's total against a hand computation, and every
 * rule that refuses a plan, with the message a biller would see. */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"
#include "money.h"
#include "pricing.h"

#define ISSUED date_from_ymd(2026, 11, 23)

/* Price an example request file; asserts success. */
static void price_example(const char *file, struct price_table *pt, struct plan *plan,
                          struct quote *q)
{
    struct diag_list dl = { 0 };
    plan_init(plan);
    cr_assert_eq(price_table_load(pt, "pricing", &dl), 0);
    cr_assert_eq(plan_load_file(plan, file, &dl), 0, "%s", th_diags(&dl));
    int rc = pricing_compute(pt, plan, ISSUED, q, &dl);
    cr_assert_eq(rc, 0, "%s", th_diags(&dl));
    /* the one invariant: the total is the sum of the lines shown */
    cr_assert_eq(q->total_cents, th_sum_lines(q));
    cr_assert_eq(q->total_cents, q->subtotal_cents - q->discount_cents + q->tax_cents);
    int64_t due = q->deposit_cents;
    for (size_t i = 0; i < q->n_visits; i++)
        due += q->visits[i].due_cents;
    cr_assert_eq(due, q->total_cents, "deposit + amounts due at visits = total");
    diag_list_free(&dl);
}

static void done(struct price_table *pt, struct plan *plan, struct quote *q)
{
    quote_free(q);
    plan_free(plan);
    price_table_free(pt);
}

static const struct quote_line *find_line(const struct quote *q, const char *item)
{
    for (size_t i = 0; i < q->n_lines; i++)
        if (q->lines[i].item_id && !strcmp(q->lines[i].item_id, item))
            return &q->lines[i];
    return NULL;
}

Test(examples, bone_marrow_one_ankle)
{
    struct price_table pt;
    struct plan plan;
    struct quote q;
    price_example("examples/bone-marrow-one-ankle.json", &pt, &plan, &q);
    /* imaging review 150 + harvest 2,650 + BMAC 3,200 + injection 1,500
     * + ultrasound 200 + sedation 250 + brace 95 = 8,045.00
     * tax: 8.25 % of 95.00 = 7.8375 -> 7.84; total 8,052.84 */
    cr_assert_eq(q.subtotal_cents, 15000 + 265000 + 320000 + 150000 + 20000 + 25000 + 9500);
    cr_assert_eq(q.tax_cents, 784);
    cr_assert_eq(q.total_cents, 805284);
    /* blood work (45 + 65) may be billed to insurance: apart from the total */
    cr_assert_eq(q.billable_cents, 11000);
    /* deposit 20 % of 8,052.84 = 1,610.568 -> 1,610.57 */
    cr_assert_eq(q.deposit_cents, 161057);
    const struct quote_line *tax = NULL;
    for (size_t i = 0; i < q.n_lines; i++)
        if (q.lines[i].kind == LINE_TAX)
            tax = &q.lines[i];
    cr_assert_not_null(tax);
    cr_assert(strstr(tax->description, "8.25% of $95.00"), "%s", tax->description);
    done(&pt, &plan, &q);
}

Test(examples, adipose_two_knees)
{
    struct price_table pt;
    struct plan plan;
    struct quote q;
    price_example("examples/adipose-two-knees.json", &pt, &plan, &q);
    /* 150 + harvest 2,900 + processing 3,600 + 2 x 1,500 + 2 x 200 = 10,050.00 */
    cr_assert_eq(q.total_cents, 15000 + 290000 + 360000 + 2 * 150000 + 2 * 20000);
    /* physical therapy 8 x 135 = 1,080 and blood work 110: billable, apart */
    cr_assert_eq(q.billable_cents, 8 * 13500 + 11000);
    cr_assert_eq(find_line(&q, "msc-injection")->quantity, 2);
    cr_assert_eq(find_line(&q, "us-guidance")->quantity, 2, "guidance for every injection");
    done(&pt, &plan, &q);
}

Test(examples, cord_tissue_with_prp_booster)
{
    struct price_table pt;
    struct plan plan;
    struct quote q;
    price_example("examples/cord-tissue-prp-booster.json", &pt, &plan, &q);
    /* method left out: only allograft-thaw fits umbilical cord
     * 150 + cord 4,800 + prep 450 + injection 1,500 + fluoroscopy 250 + PRP 850 = 8,000.00 */
    cr_assert_str_eq(q.method->id, "allograft-thaw");
    cr_assert_eq(q.total_cents, 800000);
    cr_assert_eq(q.deposit_cents, 160000);
    cr_assert_str_eq(q.language, "es");
    /* scheduled 2027-01-18: PRP booster weeks 6-8 = 2027-03-01 to 2027-03-15 */
    const struct quote_line *prp = find_line(&q, "prp-booster");
    const struct quote_visit *v = &q.visits[prp->visit];
    char a[11], b[11];
    cr_assert_str_eq(date_iso(v->date_from, a), "2027-03-01");
    cr_assert_str_eq(date_iso(v->date_to, b), "2027-03-15");
    /* deposit due 14 days before: 2027-01-04 */
    cr_assert_str_eq(date_iso(q.deposit_due, a), "2027-01-04");
    done(&pt, &plan, &q);
}

Test(examples, three_sessions_with_banked_cells)
{
    struct price_table pt;
    struct plan plan;
    struct quote q;
    price_example("examples/three-sessions-banked.json", &pt, &plan, &q);
    /* session 1: 2,650 + 3,200 + 1,500 + 200 + banking 950 = 8,500
     * sessions 2 and 3: thaw 450 + repeat injection 1,200 + 200 = 1,850 each
     * + imaging review 150 = 12,350.00 */
    cr_assert_eq(q.total_cents, 850000 + 2 * 185000 + 15000);
    cr_assert_eq(find_line(&q, "bm-harvest")->quantity, 1, "one harvest, banked cells for repeats");
    int repeats = 0;
    for (size_t i = 0; i < q.n_visits; i++)
        if (q.visits[i].phase == PHASE_REPEAT) {
            repeats++;
            /* 12 and 24 weeks after 2027-02-01 */
            char d[11];
            date_iso(q.visits[i].date_from, d);
            cr_assert(!strcmp(d, "2027-04-26") || !strcmp(d, "2027-07-19"), "%s", d);
        }
    cr_assert_eq(repeats, 2);
    done(&pt, &plan, &q);
}

Test(examples, primers_booster_orthotics_and_therapy)
{
    struct price_table pt;
    struct plan plan;
    struct quote q;
    price_example("examples/primers-booster-orthotics-pt.json", &pt, &plan, &q);
    /* 150 + 2,900 + 3,600 + 1,500 + 200 = 8,350; primers 2 x 350 = 700;
     * PRP 850; orthotics 2 x 275 = 550 -> 10,450.00 */
    cr_assert_eq(q.total_cents, 835000 + 70000 + 85000 + 55000);
    /* therapy 12 x 135 + gait 4 x 120 + blood work 110 = 2,210.00 */
    cr_assert_eq(q.billable_cents, 12 * 13500 + 4 * 12000 + 11000);
    /* the outside MRI is expected but billed separately: 650.00 */
    cr_assert_eq(q.separate_cents, 65000);
    const struct quote_line *mri = find_line(&q, "follow-up-mri");
    cr_assert(mri->separate && !mri->in_total);
    /* primers at weeks -4 and -2, each its own visit */
    int primers = 0;
    for (size_t i = 0; i < q.n_lines; i++)
        if (q.lines[i].item_id && !strcmp(q.lines[i].item_id, "prolotherapy")) {
            int w = q.visits[q.lines[i].visit].week_from;
            cr_assert(w == -4 || w == -2, "week %d", w);
            primers++;
        }
    cr_assert_eq(primers, 2);
    done(&pt, &plan, &q);
}

Test(examples, package_with_discounts)
{
    struct price_table pt;
    struct plan plan;
    struct quote q;
    price_example("examples/package-with-discount.json", &pt, &plan, &q);
    /* lines: 150 + 2,650 + 3,200 + 1,500 + 200 + PRP 850 = 8,550
     * package: 7,500 for what is 8,400 separately -> saving 900
     * prepay 5 % of (8,550 - 900) = 382.50 (cap 750 not reached)
     * courtesy 100.00 -> total 8,550 - 900 - 382.50 - 100 = 7,167.50 */
    cr_assert_eq(q.subtotal_cents, 855000);
    cr_assert_eq(q.discount_cents, 90000 + 38250 + 10000);
    cr_assert_eq(q.total_cents, 716750);
    const struct quote_line *pk = find_line(&q, "bone-marrow-one-area");
    cr_assert_eq(pk->kind, LINE_PACKAGE);
    cr_assert_eq(pk->amount_cents, -90000);
    const struct quote_line *prepay = find_line(&q, "prepay");
    cr_assert(strstr(prepay->description, "5% of $7,650.00"), "%s", prepay->description);
    const struct quote_line *courtesy = find_line(&q, "courtesy");
    cr_assert(strstr(courtesy->description, "Procedure date moved by the clinic"), "%s",
              courtesy->description);
    done(&pt, &plan, &q);
}

/* ---- rules that refuse a plan ------------------------------------------- */

/* Price options; expect failure with a message containing `want`. */
static void refused(const char *const *opts, const char *want)
{
    struct price_table pt;
    struct plan plan;
    struct quote q;
    struct diag_list dl = { 0 };
    int rc = th_price(&pt, &plan, &q, &dl, opts);
    char *all = th_diags(&dl);
    cr_assert_neq(rc, 0, "expected a refusal containing '%s'", want);
    cr_assert(strstr(all, want), "expected '%s', got:\n%s", want, all);
    free(all);
    diag_list_free(&dl);
    plan_free(&plan);
    price_table_free(&pt);
}

#define OPTS(...) ((const char *const[]){ __VA_ARGS__, NULL })

Test(rules, method_must_fit_the_source)
{
    refused(OPTS("source", "adipose", "method", "bmac", "area", "left-knee"),
            "processing_method: 'bmac' does not fit cell source 'adipose'; for adipose use: adipose-concentrate");
}

Test(rules, research_only_sources_are_never_quoted)
{
    refused(OPTS("source", "embryonic", "area", "left-knee"),
            "cell_source: 'embryonic' cannot be quoted: embryonic stem cells are used only in research");
    refused(OPTS("source", "ipsc", "area", "left-knee"), "'ipsc' cannot be quoted");
}

Test(rules, unknown_ids_get_a_hint)
{
    refused(OPTS("source", "bone-marow", "area", "left-knee"),
            "cell_source: unknown cell source 'bone-marow'; did you mean 'bone-marrow'?");
    refused(OPTS("source", "bone-marrow", "area", "left-kne"),
            "areas[0]: unknown treatment area 'left-kne'; did you mean 'left-knee'?");
    refused(OPTS("source", "bone-marrow", "area", "left-knee", "add", "prp-boost"),
            "adjuncts[0]: unknown adjunct 'prp-boost'");
    refused(OPTS("source", "bone-marrow", "area", "elbow"), "expected one of: left-knee, right-knee");
}

Test(rules, source_and_area_are_required)
{
    refused(OPTS("area", "left-knee"), "cell_source: is missing; choose one of: bone-marrow, adipose, umbilical-cord, amniotic-fluid");
    refused(OPTS("source", "adipose"), "areas: is missing");
}

Test(rules, absurd_quantities_are_refused)
{
    refused(OPTS("source", "bone-marrow", "area", "left-knee", "sessions", "1000000000"),
            "sessions: 1000000000 is out of range; the clinic offers 1 to 4 MSC sessions");
    refused(OPTS("source", "bone-marrow", "area", "left-knee", "sessions", "0"),
            "--sessions: '0' is not a number of sessions");
    refused(OPTS("source", "bone-marrow", "area", "left-knee", "add", "physical-therapy:25"),
            "adjuncts[0]: 25 × 'physical-therapy' is more than the 24 the clinic schedules");
    refused(OPTS("source", "bone-marrow", "area", "left-knee", "add", "physical-therapy:0"),
            "--add: '0' is not a count");
    refused(OPTS("source", "bone-marrow", "area", "left-knee", "area", "right-knee", "area", "left-ankle",
                 "area", "right-ankle", "area", "left-achilles"),
            "areas: has 5 areas; the clinic treats at most 4 in one visit");
    refused(OPTS("source", "bone-marrow", "area", "left-knee", "area", "left-knee"),
            "areas[1]: 'left-knee' is listed twice");
    refused(OPTS("source", "bone-marrow", "area", "left-knee", "sessions", "2", "spacing", "2"),
            "session_spacing_weeks: 2 weeks is out of range; repeats are spaced 8 to 52 weeks apart");
}

Test(rules, discounts_need_reasons_and_stay_within_limits)
{
    refused(OPTS("source", "bone-marrow", "area", "left-knee", "discount", "military"),
            "discounts[0]: 'military' needs a reason");
    refused(OPTS("source", "bone-marrow", "area", "left-knee", "discount", "courtesy=600.00:long wait"),
            "discounts[0]: $600.00 is over the $500.00 limit for 'courtesy'");
    refused(OPTS("source", "bone-marrow", "area", "left-knee", "discount", "courtesy:long wait"),
            "'courtesy' needs an amount (up to $500.00)");
    refused(OPTS("source", "bone-marrow", "area", "left-knee", "discount", "prepay=10%"),
            "'prepay' is fixed at 5% by the price table");
    refused(OPTS("source", "bone-marrow", "method", "bmac", "area", "left-knee", "add", "prp-booster",
                 "package", "bone-marrow-one-area", "discount", "military:ID checked"),
            "'military' cannot be combined with package 'bone-marrow-one-area'");
    refused(OPTS("source", "umbilical-cord", "area", "left-knee", "discount", "returning-patient",
                 "without", "evaluation", "without", "imaging-review", "without", "blood-count",
                 "without", "metabolic-panel", "discount", "nope"),
            "discounts[1]: unknown discount 'nope'");
}

Test(rules, package_must_be_in_the_plan)
{
    refused(OPTS("source", "bone-marrow", "area", "left-knee", "package", "bone-marrow-one-area"),
            "package: 'bone-marrow-one-area' includes 1 × prp-booster but the plan has 0");
}

Test(rules, banking_only_for_own_cells)
{
    refused(OPTS("source", "umbilical-cord", "area", "left-knee", "sessions", "2", "repeat-cells", "banked"),
            "repeat_cells: cells from 'umbilical-cord' cannot be banked");
}

Test(rules, without_only_for_included_adjuncts)
{
    refused(OPTS("source", "bone-marrow", "area", "left-knee", "without", "prp-booster"),
            "without[0]: 'prp-booster' is not part of every plan");
}

Test(rules, scheduled_date_must_not_be_past)
{
    refused(OPTS("source", "bone-marrow", "area", "left-knee", "date", "2026-11-01"),
            "scheduled_date: 2026-11-01 is before the quote date 2026-11-23");
}

/* ---- computations ----------------------------------------------------------- */

static void priced(const char *const *opts, struct price_table *pt, struct plan *plan, struct quote *q)
{
    struct diag_list dl = { 0 };
    int rc = th_price(pt, plan, q, &dl, opts);
    cr_assert_eq(rc, 0, "%s", th_diags(&dl));
    cr_assert_eq(q->total_cents, th_sum_lines(q));
    diag_list_free(&dl);
}

Test(compute, new_harvest_repeats_bill_the_harvest_again)
{
    struct price_table pt;
    struct plan plan;
    struct quote q;
    priced(OPTS("source", "adipose", "area", "left-knee", "sessions", "2", "repeat-cells", "new-harvest"),
           &pt, &plan, &q);
    int harvests = 0;
    for (size_t i = 0; i < q.n_lines; i++)
        if (q.lines[i].item_id && !strcmp(q.lines[i].item_id, "adipose-harvest"))
            harvests += q.lines[i].quantity;
    cr_assert_eq(harvests, 2);
    cr_assert_null(find_line(&q, "cell-banking"));
    /* 150 + 2 x (2,900 + 3,600 + 200) + 1,500 + repeat injection 1,200 */
    cr_assert_eq(q.total_cents, 15000 + 2 * (290000 + 360000 + 20000) + 150000 + 120000);
    done(&pt, &plan, &q);
}

Test(compute, leaving_out_included_visits)
{
    struct price_table pt;
    struct plan plan;
    struct quote q;
    priced(OPTS("source", "umbilical-cord", "area", "right-knee", "without", "imaging-review",
                "without", "follow-up"), &pt, &plan, &q);
    cr_assert_null(find_line(&q, "imaging-review"));
    cr_assert_null(find_line(&q, "follow-up"));
    /* cord 4,800 + prep 450 + injection 1,500 + ultrasound 200 */
    cr_assert_eq(q.total_cents, 480000 + 45000 + 150000 + 20000);
    done(&pt, &plan, &q);
}

Test(compute, percent_discount_is_capped)
{
    struct price_table pt;
    struct plan plan;
    struct quote q;
    priced(OPTS("source", "bone-marrow", "area", "left-knee", "area", "right-knee", "area", "left-ankle",
                "area", "right-ankle", "sessions", "3", "discount", "military:Veteran ID checked"),
           &pt, &plan, &q);
    const struct quote_line *m = find_line(&q, "military");
    /* 10 % of far more than 15,000: capped at 1,500.00 */
    cr_assert_eq(m->amount_cents, -150000);
    cr_assert(strstr(m->description, "capped at $1,500.00"), "%s", m->description);
    cr_assert(strstr(m->description, "Veteran ID checked"), "%s", m->description);
    done(&pt, &plan, &q);
}

Test(compute, item_discount_applies_only_to_its_items)
{
    struct price_table pt;
    struct plan plan;
    struct quote q;
    priced(OPTS("source", "bone-marrow", "area", "left-knee", "discount", "returning-patient"),
           &pt, &plan, &q);
    cr_assert_eq(find_line(&q, "returning-patient")->amount_cents, -25000);
    /* 150 + 2,650 + 3,200 + 1,500 + 200 - 250 */
    cr_assert_eq(q.total_cents, 15000 + 265000 + 320000 + 150000 + 20000 - 25000);
    done(&pt, &plan, &q);
}

Test(compute, deposit_minimum_applies)
{
    char *dir = th_tmpdir();
    cr_assert_eq(th_tables_with(dir, "clinic.json", "\"percent\": \"20\"", "\"percent\": \"1\""), 0);
    struct price_table pt;
    struct plan plan;
    struct quote q;
    struct diag_list dl = { 0 };
    plan_init(&plan);
    cr_assert_eq(price_table_load(&pt, dir, &dl), 0);
    plan_apply_option(&plan, "source", "umbilical-cord", &dl);
    plan_apply_option(&plan, "area", "left-knee", &dl);
    cr_assert_eq(pricing_compute(&pt, &plan, ISSUED, &q, &dl), 0);
    /* 1 % of 7,100.00 = 71.00 is under the 500.00 minimum */
    cr_assert_eq(q.deposit_cents, 50000);
    done(&pt, &plan, &q);
    th_rmtree(dir);
    free(dir);
}

Test(compute, financing_is_amortised_in_cents)
{
    struct price_table pt;
    struct plan plan;
    struct quote q;
    priced(OPTS("source", "bone-marrow", "area", "left-knee", "sessions", "2"), &pt, &plan, &q);
    /* 150 + 2,650 + 3,200 + 1,500 + 200 + 950 banking + 450 + 1,200 + 200 = 10,500;
     * deposit 2,100; financed 8,400 */
    cr_assert_eq(q.total_cents, 1050000);
    cr_assert_eq(q.n_financing, 3);
    const struct quote_financing *f0 = &q.financing[0], *f1 = &q.financing[1];
    cr_assert_eq(f0->principal, 840000);
    cr_assert_eq(f0->monthly, 70000, "0 %% APR: 8,400 / 12");
    cr_assert_eq(f0->finance_charge, 0);
    /* 9.99 % APR, 24 months: P r / (1 - (1 + r)^-n) = 387.5786 -> 387.58 */
    cr_assert_eq(f1->monthly, 38758);
    cr_assert_eq(f1->total_paid, 23 * f1->monthly + f1->last_payment);
    cr_assert_eq(f1->finance_charge, f1->total_paid - f1->principal);
    cr_assert(llabs(f1->last_payment - f1->monthly) < 10, "last payment %lld", (long long)f1->last_payment);
    done(&pt, &plan, &q);
}

Test(compute, visits_are_in_time_order_and_deposit_is_credited_on_procedure_day)
{
    struct price_table pt;
    struct plan plan;
    struct quote q;
    priced(OPTS("source", "bone-marrow", "area", "left-knee", "add", "prolotherapy-primer"), &pt, &plan, &q);
    for (size_t i = 1; i < q.n_visits; i++)
        cr_assert_leq(q.visits[i - 1].week_from, q.visits[i].week_from);
    for (size_t i = 0; i < q.n_visits; i++) {
        const struct quote_visit *v = &q.visits[i];
        if (v->week_from < 0)
            cr_assert_eq(v->due_cents, v->charges_cents, "visits before the procedure are paid at the visit");
        if (v->week_from == 0)
            cr_assert_eq(v->due_cents, v->charges_cents - q.deposit_cents);
    }
    for (size_t i = 1; i < q.n_lines; i++)
        cr_assert_leq(q.lines[i - 1].visit, q.lines[i].visit, "lines grouped by visit");
    done(&pt, &plan, &q);
}
