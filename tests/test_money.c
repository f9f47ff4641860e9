/* Money: exact parsing, the one rounding rule, overflow as a value. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"

static enum money_status parse(const char *s, int64_t *v)
{
    return money_parse(s, strlen(s), false, v);
}

Test(money, parses_exact_decimals)
{
    int64_t v;
    cr_assert_eq(parse("1250.10", &v), MONEY_OK);
    cr_assert_eq(v, 125010); /* through a double this is 125009 */
    cr_assert_eq(parse("1250.1", &v), MONEY_OK);
    cr_assert_eq(v, 125010);
    cr_assert_eq(parse("0.07", &v), MONEY_OK);
    cr_assert_eq(v, 7);
    cr_assert_eq(parse("19", &v), MONEY_OK);
    cr_assert_eq(v, 1900);
    cr_assert_eq(parse("1.500", &v), MONEY_OK, "trailing zeros are still exact");
    cr_assert_eq(v, 150);
    cr_assert_eq(parse("0", &v), MONEY_OK);
    cr_assert_eq(v, 0);
}

Test(money, rejects_what_is_not_a_plain_amount)
{
    int64_t v = 42;
    cr_assert_eq(parse("12.345", &v), MONEY_PRECISION);
    cr_assert_eq(parse("1e3", &v), MONEY_SYNTAX);
    cr_assert_eq(parse("1e400", &v), MONEY_SYNTAX);
    cr_assert_eq(parse("1,250.00", &v), MONEY_SYNTAX);
    cr_assert_eq(parse("$5", &v), MONEY_SYNTAX);
    cr_assert_eq(parse("", &v), MONEY_SYNTAX);
    cr_assert_eq(parse(".5", &v), MONEY_SYNTAX);
    cr_assert_eq(parse("5.", &v), MONEY_SYNTAX);
    cr_assert_eq(parse(" 5", &v), MONEY_SYNTAX);
    cr_assert_eq(parse("-5.00", &v), MONEY_RANGE, "negative prices are refused");
    cr_assert_eq(parse("9223372036854775808", &v), MONEY_RANGE);
    cr_assert_eq(parse("10000000000.01", &v), MONEY_RANGE, "over the documented limit");
    cr_assert_eq(v, 42, "a failed parse leaves the value alone");
    cr_assert_eq(parse("10000000000.00", &v), MONEY_OK);
    cr_assert_eq(v, MONEY_LIMIT_CENTS);
}

Test(money, negative_only_when_allowed)
{
    int64_t v;
    cr_assert_eq(money_parse("-12.50", 6, true, &v), MONEY_OK);
    cr_assert_eq(v, -1250);
    cr_assert_eq(money_parse("-0", 2, false, &v), MONEY_OK, "-0 is zero");
    cr_assert_eq(v, 0);
}

Test(money, percent_rounds_half_away_from_zero)
{
    int64_t v;
    /* 8.25 % of $95.00 = 783.75 cents -> 784 */
    cr_assert(money_percent(9500, 825, &v));
    cr_assert_eq(v, 784);
    /* 5 % of $0.10 = 0.5 cent -> 1 (half rounds up, away from zero) */
    cr_assert(money_percent(10, 500, &v));
    cr_assert_eq(v, 1);
    /* and -0.5 cent -> -1 (away from zero, not up) */
    cr_assert(money_percent(-10, 500, &v));
    cr_assert_eq(v, -1);
    /* 0.49 cent -> 0 */
    cr_assert(money_percent(7, 700, &v));
    cr_assert_eq(v, 0);
    /* 20 % of $8,052.84 = 161,056.8 cents -> 161,057 */
    cr_assert(money_percent(805284, 2000, &v));
    cr_assert_eq(v, 161057);
    cr_assert(money_percent(0, 825, &v));
    cr_assert_eq(v, 0);
}

Test(money, overflow_is_a_value)
{
    int64_t v = 7;
    cr_assert_not(money_add(INT64_MAX, 1, &v));
    cr_assert_not(money_sub(INT64_MIN, 1, &v));
    cr_assert_not(money_mul(INT64_MAX / 2, 3, &v));
    cr_assert_not(money_percent(INT64_MAX / 100, 10000, &v));
    cr_assert_eq(v, 7);
    cr_assert(money_mul(MONEY_LIMIT_CENTS, 1000, &v));
}

Test(money, div_round)
{
    cr_assert_eq(money_div_round(5, 2), 3);
    cr_assert_eq(money_div_round(-5, 2), -3);
    cr_assert_eq(money_div_round(4, 3), 1);
    cr_assert_eq(money_div_round(-4, 3), -1);
    cr_assert_eq(money_div_round(888000, 12), 74000);
}

Test(money, formats)
{
    char b[64];
    cr_assert_str_eq(money_format(123456789, "$", '.', ',', b, sizeof b), "$1,234,567.89");
    cr_assert_str_eq(money_format(-90000, "$", '.', ',', b, sizeof b), "-$900.00");
    cr_assert_str_eq(money_format(5, NULL, '.', ',', b, sizeof b), "0.05");
    cr_assert_str_eq(money_format(100000, "", ',', '.', b, sizeof b), "1.000,00");
    cr_assert_str_eq(money_format(INT64_MIN, "", '.', ',', b, sizeof b), "-92,233,720,368,547,758.08");
    cr_assert_str_eq(percent_format(825, '.', b, sizeof b), "8.25%");
    cr_assert_str_eq(percent_format(1000, '.', b, sizeof b), "10%");
    cr_assert_str_eq(percent_format(1490, '.', b, sizeof b), "14.9%");
}

Test(money, formats_in_a_style)
{
    char b[64];
    cr_assert_str_eq(money_usd(123456789, b, sizeof b), "$1,234,567.89");
    cr_assert_str_eq(money_usd(-500, b, sizeof b), "-$5.00");
    cr_assert_str_eq(money_styled(123456, &MONEY_USD, false, b, sizeof b), "1,234.56");
    const struct money_style eu = { "\xE2\x82\xAC", ',', '.' };
    cr_assert_str_eq(money_styled(123456, &eu, true, b, sizeof b), "\xE2\x82\xAC" "1.234,56");
    const struct money_style plain = { "$", '.', 0 };
    cr_assert_str_eq(money_styled(123456, &plain, false, b, sizeof b), "1234.56");
}

Test(money, percent_parse)
{
    int32_t bp;
    cr_assert_eq(percent_parse("8.25", 4, &bp), MONEY_OK);
    cr_assert_eq(bp, 825);
    cr_assert_eq(percent_parse("100", 3, &bp), MONEY_OK);
    cr_assert_eq(bp, 10000);
    cr_assert_neq(percent_parse("100.01", 6, &bp), MONEY_OK);
    cr_assert_neq(percent_parse("8.255", 5, &bp), MONEY_OK);
}

/* ---- financing ------------------------------------------------------------ */

/* The computation money_loan() replaced (pricing.c before it): the payment
 * in long double with powl, rounded with llroundl; the schedule in cents. */
static void old_loan(int64_t principal, int32_t apr, int n, struct money_loan *l, long double *pmt_out)
{
    int64_t pay;
    long double pmt = 0;
    if (apr == 0) {
        pay = money_div_round(principal, n);
    } else {
        long double rate = (long double)apr / 120000.0L;
        pmt = (long double)principal * rate / (1.0L - powl(1.0L + rate, -n));
        pay = (int64_t)llroundl(pmt);
    }
    int64_t bal = principal, paid = 0;
    for (int m = 1; m < n; m++) {
        int64_t interest = money_div_round(bal * apr, 120000);
        bal = bal + interest - pay;
        paid += pay;
    }
    int64_t last = bal + money_div_round(bal * apr, 120000);
    l->payment = pay;
    l->last_payment = last;
    l->months = n;
    l->total_paid = paid + last;
    l->finance_charge = l->total_paid - principal;
    *pmt_out = pmt;
}

static uint64_t rng_next(uint64_t *s) /* splitmix64 */
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

Test(money, loan_pays_off_exactly)
{
    struct money_loan l;
    /* $8,400.00 over 24 months at 9.99 %: the shipped example */
    cr_assert(money_loan(840000, 999, 24, &l));
    cr_assert_eq(l.payment, 38758, "P·r/(1−(1+r)^−n) = 38,757.861… cents");
    cr_assert_eq(l.months, 24);
    cr_assert_eq(l.total_paid, 23 * l.payment + l.last_payment);
    cr_assert_eq(l.finance_charge, l.total_paid - 840000);
    /* no interest: P / n, rounded half away from zero, the rest at the end */
    cr_assert(money_loan(100000, 0, 12, &l));
    cr_assert_eq(l.payment, 8333);
    cr_assert_eq(l.last_payment, 8337);
    cr_assert_eq(l.finance_charge, 0);
    /* one payment: principal plus one month's interest */
    cr_assert(money_loan(100000, 1200, 1, &l));
    cr_assert_eq(l.payment, 101000);
    cr_assert_eq(l.last_payment, 101000);
    /* an exact half cent rounds away from zero: 50 · 1.01 = 50.5 -> 51 */
    cr_assert(money_loan(50, 1200, 1, &l));
    cr_assert_eq(l.payment, 51);
    /* exact half cents, where the long double used to land just below:
     * 2000 at 0.30 % for one month = 2000 · 1.00025 = 2000.5, and 2328 at
     * 25 % over two months = 1200.5 */
    cr_assert(money_loan(2000, 30, 1, &l));
    cr_assert_eq(l.payment, 2001, "the long double gave 2000");
    cr_assert(money_loan(2328, 2500, 2, &l));
    cr_assert_eq(l.payment, 1201, "the long double gave 1200");
    cr_assert(money_loan(0, 999, 36, &l));
    cr_assert_eq(l.total_paid, 0);
}

Test(money, loan_refuses_what_it_cannot_compute)
{
    struct money_loan l = { .payment = 7 };
    cr_assert_not(money_loan(-1, 999, 12, &l));
    cr_assert_not(money_loan(100, -1, 12, &l));
    cr_assert_not(money_loan(100, PERCENT_LIMIT_BP + 1, 12, &l));
    cr_assert_not(money_loan(100, 999, 0, &l));
    cr_assert_not(money_loan(100, 999, MONEY_LOAN_MAX_MONTHS + 1, &l));
    cr_assert_not(money_loan(INT64_MAX / 2, PERCENT_LIMIT_BP, MONEY_LOAN_MAX_MONTHS, &l), "overflow");
    cr_assert_eq(l.payment, 7, "left unchanged");
    /* the largest amounts and rates the price tables allow */
    cr_assert(money_loan(MONEY_LIMIT_CENTS, PERCENT_LIMIT_BP, MONEY_LOAN_MAX_MONTHS, &l));
    cr_assert(money_loan(MONEY_LIMIT_CENTS, PERCENT_LIMIT_BP, 1, &l));
    cr_assert_eq(l.payment, INT64_C(1083333333333), "1e12 · 13/12, rounded");
}

/* Random loans (principal 1 cent to $100,000, APR 0 to 36 %, 1 to 120
 * months, and a share up to the limits): the exact computation gives the
 * cents of the old long-double one, except where the old one had to guess
 * an exact half cent. */
Test(money, loan_agrees_with_the_long_double_computation)
{
    uint64_t seed = 20261201;
    int cases = 0, differ = 0;
    char list[2048] = "";
    for (int i = 0; i < 100000; i++) {
        bool wide = i % 10 == 0;
        int64_t p = 1 + (int64_t)(rng_next(&seed) % (wide ? (uint64_t)MONEY_LIMIT_CENTS : 10000000u));
        int32_t apr = (int32_t)(rng_next(&seed) % (wide ? PERCENT_LIMIT_BP + 1u : 3601u));
        int n = 1 + (int)(rng_next(&seed) % MONEY_LOAN_MAX_MONTHS);
        struct money_loan now, was;
        long double pmt;
        cr_assert(money_loan(p, apr, n, &now), "%lld %d %d", (long long)p, (int)apr, n);
        old_loan(p, apr, n, &was, &pmt);
        cases++;
        if (now.payment == was.payment) {
            cr_assert_eq(now.last_payment, was.last_payment);
            cr_assert_eq(now.total_paid, was.total_paid);
            cr_assert_eq(now.finance_charge, was.finance_charge);
            continue;
        }
        /* only a payment the long double put within a hair of a half cent */
        long double frac = pmt - floorl(pmt);
        cr_assert(fabsl(frac - 0.5L) < 1e-6L, "P %lld, APR %d bp, %d months: %lld, was %lld (%.10Lf)",
                  (long long)p, (int)apr, n, (long long)now.payment, (long long)was.payment, pmt);
        cr_assert_eq(now.payment - was.payment, 1, "the exact half cent rounds up");
        differ++;
        size_t o = strlen(list);
        snprintf(list + o, sizeof list - o, " (%lld, %d, %d)", (long long)p, (int)apr, n);
    }
    cr_log_info("money_loan: %d of %d random loans differ from the long double:%s", differ, cases, list);
    cr_assert_leq(differ, 20, "%d differ:%s", differ, list);
}

/* ---- sharing an amount in proportion ------------------------------------ */

Test(money, share_is_exact_and_gives_leftover_cents_by_largest_remainder)
{
    /* 100.00 over 150, 2,650, 3,200, 1,500, 200, 850 (8,550.00), by hand:
     * 10,000 x w / 855,000 = 175.438, 3,099.415, 3,742.690, 1,754.386,
     * 233.918, 994.152: floors 9,997; the 3 cents left go to .918, .690,
     * .438 */
    const int64_t w[] = { 15000, 265000, 320000, 150000, 20000, 85000 };
    int64_t sh[6];
    uint64_t scratch[6];
    cr_assert(money_share(10000, w, 6, sh, scratch));
    const int64_t want[] = { 176, 3099, 3743, 1754, 234, 994 };
    for (int i = 0; i < 6; i++)
        cr_expect_eq(sh[i], want[i], "part %d: %lld", i, (long long)sh[i]);
}

Test(money, share_ties_go_to_the_earlier_part)
{
    /* 1 cent over three equal weights: each 1/3, the earliest gets it */
    const int64_t w[] = { 5, 5, 5 };
    int64_t sh[3];
    uint64_t scratch[3];
    cr_assert(money_share(1, w, 3, sh, scratch));
    cr_assert(sh[0] == 1 && sh[1] == 0 && sh[2] == 0);
    /* 2 cents: the first two */
    cr_assert(money_share(2, w, 3, sh, scratch));
    cr_assert(sh[0] == 1 && sh[1] == 1 && sh[2] == 0);
}

Test(money, share_skips_weightless_parts_and_never_exceeds_a_weight)
{
    const int64_t w[] = { 0, 3, 0, 7 };
    int64_t sh[4];
    uint64_t scratch[4];
    cr_assert(money_share(10, w, 4, sh, scratch));
    cr_assert(sh[0] == 0 && sh[1] == 3 && sh[2] == 0 && sh[3] == 7);
    cr_assert(money_share(9, w, 4, sh, scratch));
    /* 9 x 3 / 10 = 2.7, 9 x 7 / 10 = 6.3: the cent left goes to .7 */
    cr_assert(sh[1] == 3 && sh[3] == 6);
    /* the largest amounts do not overflow: 10^12 x 10^12 needs 80 bits */
    const int64_t big[] = { INT64_C(1000000000000), INT64_C(999999999999), 1 };
    int64_t bs[3];
    uint64_t bscratch[3];
    cr_assert(money_share(INT64_C(1000000000000), big, 3, bs, bscratch));
    cr_assert_eq(bs[0] + bs[1] + bs[2], INT64_C(1000000000000));
    cr_assert_eq(bs[0], INT64_C(500000000000));
    /* nothing to share among, negatives: refused */
    const int64_t none[] = { 0, 0 };
    cr_assert(!money_share(5, none, 2, sh, scratch));
    cr_assert(!money_share(-5, w, 4, sh, scratch));
    const int64_t neg[] = { 5, -1 };
    cr_assert(!money_share(5, neg, 2, sh, scratch));
}

Test(money, share_adds_up_on_random_parts)
{
    srand(15);
    for (int round = 0; round < 2000; round++) {
        int64_t w[17], sh[17];
        uint64_t scratch[17];
        size_t n = 1 + (size_t)(rand() % 17);
        int64_t total = 0;
        for (size_t i = 0; i < n; i++)
            total += w[i] = rand() % 4 ? rand() % 1000000 : 0;
        if (!total)
            continue;
        int64_t amount = rand() % (total + 1);
        cr_assert(money_share(amount, w, n, sh, scratch));
        int64_t sum = 0;
        for (size_t i = 0; i < n; i++) {
            sum += sh[i];
            cr_assert_leq(sh[i], w[i]);
            /* within a cent of the exact share */
            long double exact = (long double)amount * (long double)w[i] / (long double)total;
            cr_assert(fabsl((long double)sh[i] - exact) < 1.0L);
        }
        cr_assert_eq(sum, amount);
    }
}
