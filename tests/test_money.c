/* Money: exact parsing, the one rounding rule, overflow as a value. */
#include <criterion/criterion.h>
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
