/* qjson — reading the quote JSON (qjson.h). */
#include "qjson.h"

const cJSON *qj_get(const cJSON *o, const char *key)
{
    return o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

const char *qj_str(const cJSON *o, const char *key)
{
    const cJSON *v = qj_get(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int64_t qj_int(const cJSON *o, const char *key)
{
    const cJSON *v = qj_get(o, key);
    return cJSON_IsNumber(v) && v->valuedouble > -9e15 && v->valuedouble < 9e15 ? (int64_t)v->valuedouble : 0;
}

bool qj_bool(const cJSON *o, const char *key)
{
    return cJSON_IsTrue(qj_get(o, key));
}

bool qj_null(const cJSON *o, const char *key)
{
    const cJSON *v = qj_get(o, key);
    return !v || cJSON_IsNull(v);
}

int qj_size(const cJSON *o, const char *key)
{
    const cJSON *v = qj_get(o, key);
    return cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 0;
}

const cJSON *qj_at(const cJSON *o, const char *key, int i)
{
    return cJSON_GetArrayItem(qj_get(o, key), i);
}
