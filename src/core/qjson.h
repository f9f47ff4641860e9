/* qjson — reading the quote JSON (docs/pricing.md, "JSON output") that the
 * HTML estimate, the FHIR packet and verify are made from.  Every reader
 * takes a node that may be NULL or of another type and answers a neutral
 * value (NULL, 0, false), so a quote stored by an older regenquote, without
 * a field, reads as "not given".  Keys are matched case-sensitively.
 * Strings returned borrow from the cJSON tree. */
#ifndef RQ_QJSON_H
#define RQ_QJSON_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* Member key of object o, or NULL. */
const cJSON *qj_get(const cJSON *o, const char *key);
/* Its string, or NULL. */
const char *qj_str(const cJSON *o, const char *key);
/* Its number as an integer (cents and counts are exact as doubles), or 0. */
int64_t qj_int(const cJSON *o, const char *key);
/* Is it true? */
bool qj_bool(const cJSON *o, const char *key);
/* Is it missing or null? */
bool qj_null(const cJSON *o, const char *key);
/* Its length when an array, else 0; its element i, or NULL. */
int qj_size(const cJSON *o, const char *key);
const cJSON *qj_at(const cJSON *o, const char *key, int i);

#endif
