#include "money.h"

#include <stdio.h>
#include <string.h>

/* Shared parser: digits, optional '.', up to two decimals, scaled by 100. */
static enum money_status parse_fixed2(const char *s, size_t len, bool allow_negative,
                                      int64_t limit, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (len == 0)
        return MONEY_SYNTAX;
    if (s[0] == '-') {
        neg = true;
        i++;
    }
    if (i >= len || s[i] < '0' || s[i] > '9')
        return MONEY_SYNTAX;
    int64_t whole = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        if (whole > limit / 10)
            return MONEY_RANGE;
        whole = whole * 10 + (s[i] - '0');
    }
    int64_t frac = 0;
    int ndec = 0;
    if (i < len && s[i] == '.') {
        i++;
        if (i >= len)
            return MONEY_SYNTAX;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            if (ndec >= 2) {
                if (s[i] != '0')
                    return MONEY_PRECISION;
                continue; /* trailing zeros are exact: 1.500 == 1.50 */
            }
            frac = frac * 10 + (s[i] - '0');
            ndec++;
        }
        if (ndec == 0)
            return MONEY_SYNTAX;
    }
    if (i != len)
        return MONEY_SYNTAX;
    if (ndec == 1)
        frac *= 10;
    if (whole > (limit - frac) / 100)
        return MONEY_RANGE;
    int64_t v = whole * 100 + frac;
    if (neg && v != 0 && !allow_negative)
        return MONEY_RANGE;
    *out = neg ? -v : v;
    return MONEY_OK;
}

enum money_status money_parse(const char *s, size_t len, bool allow_negative, int64_t *out)
{
    return parse_fixed2(s, len, allow_negative, MONEY_LIMIT_CENTS, out);
}

enum money_status percent_parse(const char *s, size_t len, int32_t *bp_out)
{
    int64_t v;
    enum money_status st = parse_fixed2(s, len, false, PERCENT_LIMIT_BP, &v);
    if (st == MONEY_OK)
        *bp_out = (int32_t)v;
    return st;
}

bool money_add(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return false;
    *out = r;
    return true;
}

bool money_sub(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r))
        return false;
    *out = r;
    return true;
}

bool money_mul(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r))
        return false;
    *out = r;
    return true;
}

int64_t money_div_round(int64_t n, int64_t d)
{
    int64_t q = n / d, r = n % d;
    /* |r| >= d - |r|  <=>  2|r| >= d, written without overflow */
    int64_t ar = r < 0 ? -r : r;
    if (ar >= d - ar)
        q += (n < 0) ? -1 : 1;
    return q;
}

bool money_percent(int64_t amount, int32_t bp, int64_t *out)
{
    int64_t p;
    if (!money_mul(amount, bp, &p))
        return false;
    *out = money_div_round(p, 10000);
    return true;
}

char *money_format(int64_t cents, const char *symbol, char dec, char group,
                   char *buf, size_t size)
{
    char digits[32];
    uint64_t u = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
    snprintf(digits, sizeof digits, "%llu", (unsigned long long)(u / 100));
    size_t nd = strlen(digits);
    char tmp[64];
    size_t o = 0;
    if (cents < 0)
        tmp[o++] = '-';
    if (symbol)
        for (const char *p = symbol; *p && o < 16; p++)
            tmp[o++] = *p;
    for (size_t i = 0; i < nd; i++) {
        if (group && i > 0 && (nd - i) % 3 == 0)
            tmp[o++] = group;
        tmp[o++] = digits[i];
    }
    snprintf(tmp + o, sizeof tmp - o, "%c%02u", dec, (unsigned)(u % 100));
    snprintf(buf, size, "%s", tmp);
    return buf;
}

const struct money_style MONEY_USD = { "$", '.', ',' };

char *money_styled(int64_t cents, const struct money_style *st, bool symbol, char *buf,
                   size_t size)
{
    return money_format(cents, symbol ? st->symbol : NULL, st->decimal, st->group, buf, size);
}

char *money_usd(int64_t cents, char *buf, size_t size)
{
    return money_styled(cents, &MONEY_USD, true, buf, size);
}

char *percent_format(int32_t bp, char dec, char *buf, size_t size)
{
    int32_t whole = bp / 100, frac = bp % 100;
    if (frac == 0)
        snprintf(buf, size, "%d%%", (int)whole);
    else if (frac % 10 == 0)
        snprintf(buf, size, "%d%c%d%%", (int)whole, dec, (int)(frac / 10));
    else
        snprintf(buf, size, "%d%c%02d%%", (int)whole, dec, (int)frac);
    return buf;
}

const char *money_status_str(enum money_status st)
{
    switch (st) {
    case MONEY_OK: return "ok";
    case MONEY_SYNTAX: return "is not a plain decimal number such as \"1250.00\"";
    case MONEY_PRECISION: return "has more than two decimals (amounts are exact to the cent)";
    case MONEY_RANGE: return "is over the $10,000,000,000.00 limit for amounts";
    }
    return "invalid";
}
