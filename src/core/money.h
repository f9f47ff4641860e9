/* money — exact amounts as int64_t cents, and percentages as basis points.
 *
 * The one rounding rule of regenquote lives here: a percentage of an amount
 * is computed exactly and rounded once, half away from zero, to the cent
 * (money_percent).  Every operation checks for overflow and reports it as a
 * value; nothing here allocates. */
#ifndef RQ_MONEY_H
#define RQ_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest amount accepted anywhere ($10,000,000,000.00). */
#define MONEY_LIMIT_CENTS INT64_C(1000000000000)
/* Percentages are basis points: 825 = 8.25 %.  At most 100 %. */
#define PERCENT_LIMIT_BP 10000

enum money_status {
    MONEY_OK = 0,
    MONEY_SYNTAX,     /* not a plain decimal number */
    MONEY_PRECISION,  /* more than two decimals */
    MONEY_RANGE,      /* negative where not allowed, or over the limit */
};

/* Parse a plain decimal such as "1250", "1250.5" or "1250.50" (len bytes of
 * s, no NUL needed) into cents.  No sign unless allow_negative, no exponent,
 * no grouping, at most two decimals; |value| <= MONEY_LIMIT_CENTS. */
enum money_status money_parse(const char *s, size_t len, bool allow_negative, int64_t *out);

/* Parse a percentage such as "8.25" or "10" (0..100, at most two decimals)
 * into basis points. */
enum money_status percent_parse(const char *s, size_t len, int32_t *bp_out);

/* Checked arithmetic: store the result and return true, or return false on
 * overflow (leaving *out unchanged). */
bool money_add(int64_t a, int64_t b, int64_t *out);
bool money_sub(int64_t a, int64_t b, int64_t *out);
bool money_mul(int64_t a, int64_t b, int64_t *out);

/* n / d rounded half away from zero; d > 0. */
int64_t money_div_round(int64_t n, int64_t d);

/* bp basis points of amount, rounded half away from zero to the cent.
 * Returns false on overflow. */
bool money_percent(int64_t amount, int32_t bp, int64_t *out);

/* Share amount (>= 0 cents) among n parts in proportion to weights (each
 * >= 0, their sum W > 0), exactly: part i gets floor(amount · w_i / W)
 * cents, and the cents this leaves over (fewer than the parts with a
 * weight) go one each to the parts with the largest remainders
 * (amount · w_i mod W), equal remainders to the lower index.  So the shares
 * add up to amount exactly, a part of weight 0 gets nothing, and no part
 * gets more than its weight when amount <= W.  scratch holds n values the
 * function may overwrite (nothing is allocated).  Writes shares[0..n) and
 * returns true; false when n or W is 0, a weight or amount is negative, or
 * W overflows (shares unchanged). */
bool money_share(int64_t amount, const int64_t *weights, size_t n, int64_t *shares,
                 uint64_t *scratch);

/* ---- financing ----------------------------------------------------------
 *
 * A loan of principal cents repaid in `months` monthly payments at apr_bp
 * basis points a year (a monthly rate r = apr_bp / 120000):
 *
 *   payment  the standard amortisation payment P·r / (1 − (1 + r)^−n),
 *            rounded half away from zero to the cent.  It is computed
 *            exactly: with D = 120000 and a = apr_bp it is the fraction
 *            P·a·(D+a)^n / (D·((D+a)^n − D^n)), evaluated with
 *            multi-precision integers (no floating point), and the rounding
 *            is the one of money_div_round().  At 0 % it is P / n, rounded
 *            the same way.
 *   schedule month by month in cents: the interest on the balance,
 *            money_div_round(balance · apr_bp, 120000), is added and the
 *            payment subtracted; the last payment is what then remains
 *            (balance plus its interest), so the loan ends at exactly zero.
 */
#define MONEY_LOAN_MAX_MONTHS 120

struct money_loan {
    int64_t payment;        /* each payment but the last */
    int64_t last_payment;
    int months;             /* number of payments, the last included */
    int64_t total_paid;     /* (months − 1) · payment + last_payment */
    int64_t finance_charge; /* total_paid − principal */
};

/* Amortise principal (>= 0 cents) over months (1..MONEY_LOAN_MAX_MONTHS)
 * at apr_bp (0..PERCENT_LIMIT_BP) as described above.  Returns true and
 * fills *out, or false when an argument is out of range or an amount
 * overflows (leaving *out unchanged).  Nothing is allocated. */
bool money_loan(int64_t principal, int32_t apr_bp, int months, struct money_loan *out);

/* Formatting.  grouped: "12,345.67"; with symbol: "$12,345.67" ("-$5.00"
 * for negatives).  dec/group give the separators ('.' and ',' in English;
 * group 0 for none).  Returns buf; output is truncated to size. */
char *money_format(int64_t cents, const char *symbol, char dec, char group,
                   char *buf, size_t size);

/* How a document writes amounts: the currency symbol and the decimal and
 * group separators (group 0 for none).  The symbol is borrowed. */
struct money_style {
    const char *symbol;
    char decimal, group;
};

/* US dollars as every regenquote message and table writes them: "$", '.',
 * ','.  (Documents take their style from their template's money.* words.) */
extern const struct money_style MONEY_USD;

/* cents in style st, with its symbol ("$1,234.56", "-$5.00") or without
 * ("1,234.56").  Returns buf; output is truncated to size. */
char *money_styled(int64_t cents, const struct money_style *st, bool symbol, char *buf,
                   size_t size);

/* "$1,234.56" ("-$5.00"): money_styled() with MONEY_USD and its symbol. */
char *money_usd(int64_t cents, char *buf, size_t size);

/* "8.25%", "10%". */
char *percent_format(int32_t bp, char dec, char *buf, size_t size);

/* Human words for a status (“has more than two decimals”, …). */
const char *money_status_str(enum money_status st);

#endif
