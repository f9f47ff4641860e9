/* delivery — an estimate e-mailed and recorded (delivery.h). */
#include "delivery.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int delivery_send_email(struct reg *r, const struct smtp_settings *s, const char *number, const char *to,
                        const char *templates_dir, const char *actor, char *mid, char *at,
                        struct diag_list *dl)
{
    mid[0] = at[0] = '\0';
    if (!smtp_address_ok(to)) {
        diag_error(dl, NULL, "to", "'%.80s' is not a plain e-mail address", to ? to : "");
        return -1;
    }
    if (register_email_consent(r, number, to, dl) != 0)
        return -1;
    struct reg_entry e;
    if (register_get(r, number, true, &e, dl) != 0)
        return -1;
    char *clinic_json = NULL, *catalog_json = NULL;
    if (register_get_tables(r, e.tables_sha256, &clinic_json, &catalog_json, dl) != 0) {
        reg_entry_free(&e);
        return -1;
    }
    /* the clinic's name as it was on the estimate */
    cJSON *cj = cJSON_Parse(clinic_json);
    const cJSON *cl = cj ? cJSON_GetObjectItemCaseSensitive(cj, "clinic") : NULL;
    const cJSON *nm = cl ? cJSON_GetObjectItemCaseSensitive(cl, "name") : NULL;
    char clinic[300];
    snprintf(clinic, sizeof clinic, "%s", cJSON_IsString(nm) ? nm->valuestring : "");
    cJSON_Delete(cj);
    free(clinic_json);
    free(catalog_json);
    time_t now = time(NULL);
    struct smtp_message m = {
        .to = to, .number = e.number, .clinic = clinic, .language = e.language,
        .templates_dir = templates_dir, .pdf = e.pdf, .pdf_len = e.pdf_len, .now = (long long)now,
    };
    int rc = smtp_send(s, &m, mid, dl);
    reg_entry_free(&e);
    if (rc != 0)
        return -1;
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(at, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char detail[400];
    snprintf(detail, sizeof detail, "to %s; Message-ID <%s>", to, mid);
    struct reg_delivery d = { .how = "email", .at = at, .actor = (char *)actor, .detail = detail };
    if (register_deliver(r, number, &d, dl) != 0) {
        diag_error(dl, NULL, NULL, "the e-mail was sent (Message-ID <%s>) but its delivery could not be recorded; "
                   "record it with 'regenquote deliver %s --how email'", mid, number);
        return -2;
    }
    return 0;
}

int delivery_record_download(struct reg *r, const char *number, const char *actor, struct diag_list *dl)
{
    char at[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    struct reg_delivery d = {
        .how = "download", .at = at, .actor = (char *)actor, .detail = (char *)DELIVERY_DOWNLOAD_DETAIL,
    };
    /* the check and the record in one transaction: two downloads at once record one */
    return register_deliver_once(r, number, &d, dl);
}
