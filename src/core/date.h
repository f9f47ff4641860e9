/* date — calendar dates as days since 1970-01-01 (proleptic Gregorian).
 * Pure functions, no time zones, no allocation. */
#ifndef RQ_DATE_H
#define RQ_DATE_H

#include <stdbool.h>
#include <stdint.h>

typedef int32_t rq_date; /* days since 1970-01-01 */

/* Parse "YYYY-MM-DD" (a real calendar date, years 1900–2199). */
bool date_parse(const char *s, rq_date *out);
/* Format as "YYYY-MM-DD" into buf (at least 11 bytes). */
char *date_iso(rq_date d, char *buf);
void date_ymd(rq_date d, int *y, int *m, int *day);
rq_date date_from_ymd(int y, int m, int d);
/* 0 = Monday … 6 = Sunday. */
int date_weekday(rq_date d);
/* The date of a Unix time (UTC). */
rq_date date_from_unix(int64_t t);

/* US federal holidays as observed (a Saturday holiday is observed on the
 * Friday before, a Sunday one on the Monday after). */
bool date_is_federal_holiday(rq_date d);
/* Monday to Friday and not a federal holiday. */
bool date_is_business_day(rq_date d);
/* The n-th business day after d (n >= 0; n == 0 gives d itself). */
rq_date date_add_business_days(rq_date d, int n);
/* Business days after `from` up to and including `to` (0 if to <= from). */
int date_business_days_between(rq_date from, rq_date to);

#endif
