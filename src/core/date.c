#include "date.h"

#include <string.h>

/* Howard Hinnant's days_from_civil / civil_from_days. */
rq_date date_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void date_ymd(rq_date z, int *y, int *m, int *d)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int yy = yoe + era * 400;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp + (mp < 10 ? 3 : -9);
    *y = yy + (*m <= 2);
}

bool date_parse(const char *s, rq_date *out)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1)
        return false;
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int max = mdays[m - 1] + (m == 2 && leap);
    if (d > max)
        return false;
    *out = date_from_ymd(y, m, d);
    return true;
}

char *date_iso(rq_date d, char *buf)
{
    int y, m, day;
    date_ymd(d, &y, &m, &day);
    unsigned uy = (unsigned)y % 10000u, um = (unsigned)m % 100u, ud = (unsigned)day % 100u;
    buf[0] = (char)('0' + uy / 1000);
    buf[1] = (char)('0' + uy / 100 % 10);
    buf[2] = (char)('0' + uy / 10 % 10);
    buf[3] = (char)('0' + uy % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + um / 10);
    buf[6] = (char)('0' + um % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + ud / 10);
    buf[9] = (char)('0' + ud % 10);
    buf[10] = '\0';
    return buf;
}

int date_weekday(rq_date d)
{
    /* 1970-01-01 was a Thursday (3). */
    int w = (int)((d % 7 + 7 + 3) % 7);
    return w;
}

rq_date date_from_unix(int64_t t)
{
    int64_t days = t / 86400;
    if (t < 0 && t % 86400)
        days--;
    return (rq_date)days;
}

/* The n-th given weekday (0 = Monday) of a month; n = -1 for the last. */
static rq_date nth_weekday(int y, int m, int weekday, int n)
{
    if (n > 0) {
        rq_date first = date_from_ymd(y, m, 1);
        int delta = (weekday - date_weekday(first) + 7) % 7;
        return first + delta + 7 * (n - 1);
    }
    rq_date last = date_from_ymd(y + (m == 12), m == 12 ? 1 : m + 1, 1) - 1;
    int delta = (date_weekday(last) - weekday + 7) % 7;
    return last - delta;
}

static rq_date observed(rq_date d)
{
    int w = date_weekday(d);
    return w == 5 ? d - 1 : w == 6 ? d + 1 : d;
}

bool date_is_federal_holiday(rq_date d)
{
    int y, m, day;
    date_ymd(d, &y, &m, &day);
    /* New Year's Day of next year may be observed on Dec 31 of this one */
    for (int yy = y; yy <= y + 1; yy++) {
        rq_date fixed[] = {
            observed(date_from_ymd(yy, 1, 1)),   /* New Year's Day */
            observed(date_from_ymd(yy, 6, 19)),  /* Juneteenth */
            observed(date_from_ymd(yy, 7, 4)),   /* Independence Day */
            observed(date_from_ymd(yy, 11, 11)), /* Veterans Day */
            observed(date_from_ymd(yy, 12, 25)), /* Christmas Day */
        };
        for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
            if (fixed[i] == d)
                return true;
    }
    rq_date floating[] = {
        nth_weekday(y, 1, 0, 3),   /* Martin Luther King Jr. Day */
        nth_weekday(y, 2, 0, 3),   /* Washington's Birthday */
        nth_weekday(y, 5, 0, -1),  /* Memorial Day */
        nth_weekday(y, 9, 0, 1),   /* Labor Day */
        nth_weekday(y, 10, 0, 2),  /* Columbus Day */
        nth_weekday(y, 11, 3, 4),  /* Thanksgiving Day */
    };
    for (size_t i = 0; i < sizeof floating / sizeof floating[0]; i++)
        if (floating[i] == d)
            return true;
    return false;
}

bool date_is_business_day(rq_date d)
{
    return date_weekday(d) < 5 && !date_is_federal_holiday(d);
}

rq_date date_add_business_days(rq_date d, int n)
{
    while (n > 0) {
        d++;
        if (date_is_business_day(d))
            n--;
    }
    return d;
}

int date_business_days_between(rq_date from, rq_date to)
{
    int n = 0;
    for (rq_date d = from + 1; d <= to; d++)
        n += date_is_business_day(d);
    return n;
}
