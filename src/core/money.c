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

/* ---- sharing an amount in proportion -------------------------------------- */

/* Parts with a weight whose remainder is at least t. */
static size_t share_count_from(const int64_t *weights, const uint64_t *rem, size_t n, uint64_t t)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += weights[i] > 0 && rem[i] >= t;
    return c;
}

bool money_share(int64_t amount, const int64_t *weights, size_t n, int64_t *shares,
                 uint64_t *scratch)
{
    if (amount < 0 || n == 0)
        return false;
    int64_t total = 0;
    for (size_t i = 0; i < n; i++)
        if (weights[i] < 0 || !money_add(total, weights[i], &total))
            return false;
    if (total == 0)
        return false;
    /* amount · w_i needs up to 126 bits: both are below 2^63 */
    uint64_t *rem = scratch;
    int64_t given = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned __int128 p = (unsigned __int128)(uint64_t)amount * (uint64_t)weights[i];
        shares[i] = (int64_t)(p / (uint64_t)total);
        rem[i] = (uint64_t)(p % (uint64_t)total);
        given += shares[i];
    }
    size_t left = (size_t)(amount - given);
    if (left == 0)
        return true;
    /* The remainders add up to left · W and each is below W, so more than
     * `left` parts have a positive one.  Find the largest t with at least
     * `left` remainders >= t (t >= 1); every part above t gets a cent, and
     * the rest go to the first parts (by index) whose remainder is t. */
    uint64_t lo = 1, hi = (uint64_t)total - 1;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo + 1) / 2;
        if (share_count_from(weights, rem, n, mid) >= left)
            lo = mid;
        else
            hi = mid - 1;
    }
    size_t above = lo < UINT64_MAX ? share_count_from(weights, rem, n, lo + 1) : 0;
    size_t at_t = left - above;
    for (size_t i = 0; i < n; i++) {
        if (weights[i] <= 0)
            continue;
        if (rem[i] > lo)
            shares[i]++;
        else if (rem[i] == lo && at_t > 0) {
            shares[i]++;
            at_t--;
        }
    }
    return true;
}

/* ---- financing: exact integers ------------------------------------------- */

/* A non-negative integer of up to BIG_LIMBS 32-bit limbs, least significant
 * first; n limbs are in use (no leading zero limb).  (D+a)^n for the largest
 * rate and term has 120 · 17 bits; the products below add at most 130 more. */
#define BIG_LIMBS 80

struct big {
    size_t n;
    uint32_t d[BIG_LIMBS];
};

static void big_set(struct big *b, uint64_t v)
{
    b->n = 0;
    for (; v; v >>= 32)
        b->d[b->n++] = (uint32_t)v;
}

/* *out = the n limbs r without leading zeros; false when they do not fit
 * (out unchanged). */
static bool big_store(struct big *out, const uint32_t *r, size_t n)
{
    while (n > 0 && r[n - 1] == 0)
        n--;
    if (n > BIG_LIMBS)
        return false;
    memcpy(out->d, r, n * sizeof *r);
    out->n = n;
    return true;
}

/* *out = a · m; false when the product does not fit (out unchanged).
 * out may be a. */
static bool big_mul(struct big *out, const struct big *a, uint64_t m)
{
    const uint32_t mv[2] = { (uint32_t)m, (uint32_t)(m >> 32) };
    uint32_t r[BIG_LIMBS + 2] = { 0 };
    for (size_t j = 0; j < 2; j++) {
        uint64_t carry = 0;
        for (size_t i = 0; i < a->n; i++) {
            /* at most (2^32 − 1)^2 + 2 (2^32 − 1) = 2^64 − 1 */
            uint64_t t = (uint64_t)a->d[i] * mv[j] + r[i + j] + carry;
            r[i + j] = (uint32_t)t;
            carry = t >> 32;
        }
        r[a->n + j] = (uint32_t)carry;
    }
    return big_store(out, r, a->n + 2);
}

/* *out = a + b; false when the sum does not fit.  out may be a or b. */
static bool big_add(struct big *out, const struct big *a, const struct big *b)
{
    size_t n = a->n > b->n ? a->n : b->n;
    uint64_t carry = 0;
    uint32_t r[BIG_LIMBS + 1];
    for (size_t i = 0; i < n; i++) {
        uint64_t t = carry + (i < a->n ? a->d[i] : 0) + (i < b->n ? b->d[i] : 0);
        r[i] = (uint32_t)t;
        carry = t >> 32;
    }
    r[n] = (uint32_t)carry;
    return big_store(out, r, n + 1);
}

/* *out = a − b for a >= b.  out may be a. */
static void big_sub(struct big *out, const struct big *a, const struct big *b)
{
    int64_t borrow = 0;
    for (size_t i = 0; i < a->n; i++) {
        int64_t t = (int64_t)a->d[i] - (i < b->n ? b->d[i] : 0) - borrow;
        borrow = t < 0;
        out->d[i] = (uint32_t)(t + (borrow ? INT64_C(0x100000000) : 0));
    }
    out->n = a->n;
    while (out->n > 0 && out->d[out->n - 1] == 0)
        out->n--;
}

static int big_cmp(const struct big *a, const struct big *b)
{
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (size_t i = a->n; i-- > 0;)
        if (a->d[i] != b->d[i])
            return a->d[i] < b->d[i] ? -1 : 1;
    return 0;
}

#define LOAN_D 120000 /* basis points a year -> a monthly fraction */

/* The amortisation payment, exactly, rounded half away from zero (see
 * money.h), for a > 0: floor(num / den) with
 *   num = 2·P·a·X + D·(X − Y),  den = 2·D·(X − Y),  X = (D+a)^n, Y = D^n.
 * The quotient lies between P/n and P·(D+a)/D + 1; it is found by
 * bisection, comparing q·den with num exactly. */
static bool loan_payment(int64_t p, int32_t a, int n, int64_t *out)
{
    struct big x, y, xy, num, den, t;
    big_set(&x, 1);
    big_set(&y, 1);
    for (int i = 0; i < n; i++)
        if (!big_mul(&x, &x, (uint64_t)(LOAN_D + a)) || !big_mul(&y, &y, LOAN_D))
            return false;
    big_sub(&xy, &x, &y);
    if (!big_mul(&num, &x, (uint64_t)p) || !big_mul(&num, &num, 2 * (uint64_t)a) ||
        !big_mul(&t, &xy, LOAN_D) || !big_add(&num, &num, &t) || !big_mul(&den, &xy, 2 * LOAN_D))
        return false;
    int64_t lo = p / n, hi, extra;
    if (!money_mul(p, a, &extra) || !money_add(p, extra / LOAN_D + 1, &hi))
        return false;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo + 1) / 2;
        if (!big_mul(&t, &den, (uint64_t)mid))
            return false;
        if (big_cmp(&t, &num) <= 0)
            lo = mid;
        else
            hi = mid - 1;
    }
    *out = lo;
    return true;
}

bool money_loan(int64_t principal, int32_t apr_bp, int months, struct money_loan *out)
{
    if (principal < 0 || apr_bp < 0 || apr_bp > PERCENT_LIMIT_BP || months < 1 ||
        months > MONEY_LOAN_MAX_MONTHS)
        return false;
    int64_t pay;
    if (apr_bp == 0)
        pay = money_div_round(principal, months);
    else if (!loan_payment(principal, apr_bp, months, &pay))
        return false;
    /* the schedule in cents: interest rounds half away from zero each month */
    int64_t bal = principal, paid = 0, interest, last, total, charge;
    for (int m = 1; m < months; m++) {
        if (!money_mul(bal, apr_bp, &interest))
            return false;
        interest = money_div_round(interest, LOAN_D);
        if (!money_add(bal, interest, &bal) || !money_sub(bal, pay, &bal) || !money_add(paid, pay, &paid))
            return false;
    }
    if (!money_mul(bal, apr_bp, &interest) || !money_add(bal, money_div_round(interest, LOAN_D), &last) ||
        !money_add(paid, last, &total) || !money_sub(total, principal, &charge))
        return false;
    out->payment = pay;
    out->last_payment = last;
    out->months = months;
    out->total_paid = total;
    out->finance_charge = charge;
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
