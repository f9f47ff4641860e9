/* api_consent — the patient's side of a quote at the front desk: the state
 * notice to read on screen, the signature drawn on the page, the accepted
 * copy.  docs/api.md describes the routes. */
#include "handlers.h"
#include "http.h"
#include "request.h"
#include "server_int.h"
#include "tables.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acceptance.h"
#include "delivery.h"
#include "notice.h"
#include "render_pdf.h"
#include "sha256.h"

/* The notice the quote carries (from what the register keeps of it), or NULL. */
static const struct notice *quote_notice(struct req *rq, const struct reg_entry *e, const struct table_slot *sl)
{
    char *clinic = NULL, *catalog = NULL;
    if (register_get_tables(rq->reg, e->tables_sha256, &clinic, &catalog, &rq->dl) != 0)
        return NULL;
    const struct notice *n = notice_for_issued(sl->pt->notices, e->request_json, clinic, catalog);
    free(clinic);
    free(catalog);
    return n;
}

/* GET /api/quotes/NUMBER/notice: {"language": the quote's, "notice": null}
 * or the notice's words (the page shows the Spanish companion beside the
 * English text on a Spanish quote, as the PDF does). */
void api_notice(struct req *rq)
{
    struct reg_entry *e = req_entry(rq, false);
    struct table_slot *sl = e ? req_tables(rq) : NULL;
    if (!sl)
        return;
    const struct notice *n = quote_notice(rq, e, sl);
    cJSON *root = cJSON_CreateObject();
    http_json_str(root, "language", e->language);
    if (!n)
        cJSON_AddNullToObject(root, "notice");
    else {
        cJSON *o = cJSON_AddObjectToObject(root, "notice");
        http_json_str(o, "state", n->state);
        http_json_str(o, "state_name", n->state_name);
        http_json_str(o, "citation", n->citation);
        http_json_str(o, "text", n->text);
        http_json_str(o, "text_es", n->text_es);
        http_json_str(o, "translation_note_es", n->translation_note_es);
        cJSON_AddBoolToObject(o, "signed_consent", n->signed_consent);
        http_json_str(o, "sha256", n->sha256);
    }
    http_send_json(rq, 200, root, NULL, NULL);
}

/* POST /api/quotes/NUMBER/sign {"signer": NAME, "signature": "data:image/png;base64,…"}:
 * the patient's signature drawn at the desk, witnessed by the account
 * signed in; 201 with the accepted copy's digest. */
void api_sign(struct req *rq)
{
    for (cJSON *k = rq->obj->child; k; k = k->next)
        if (strcmp(k->string, "signer") != 0 && strcmp(k->string, "signature") != 0 &&
            strcmp(k->string, "email") != 0) {
            http_send_error(rq, 422, k->string, NULL, NULL,
                            "unknown field '%s'; expected 'signer', 'signature' and 'email'", k->string);
            return;
        }
    cJSON *signer = cJSON_GetObjectItemCaseSensitive(rq->obj, "signer");
    cJSON *sig = cJSON_GetObjectItemCaseSensitive(rq->obj, "signature");
    if (!cJSON_IsString(signer) || !*signer->valuestring) {
        http_send_error(rq, 422, "signer", NULL, NULL, "give the signer's printed name");
        return;
    }
    if (!cJSON_IsString(sig)) {
        http_send_error(rq, 422, "signature", NULL, NULL, "give the signature as a PNG data URL");
        return;
    }
    /* "email": the patient consents, at signing, to receive it at that address */
    cJSON *email = cJSON_GetObjectItemCaseSensitive(rq->obj, "email");
    if (email && !cJSON_IsNull(email) && (!cJSON_IsString(email) || !smtp_address_ok(email->valuestring))) {
        http_send_error(rq, 422, "email", NULL, NULL, "the e-mail address must be a plain address such as name@example.org");
        return;
    }
    struct reg_entry *e = req_entry(rq, false);
    struct table_slot *sl = e ? req_tables(rq) : NULL;
    if (!sl)
        return;
    const char *st = reg_entry_status(e, rq->today);
    if (strcmp(st, "issued") != 0) {
        http_send_error(rq, 409, NULL, NULL, NULL, "quote %s is %s%s%s; only an issued, unexpired quote can be signed",
                        rq->number, st, e->superseded_by ? " by " : "", e->superseded_by ? e->superseded_by : "");
        return;
    }
    unsigned char *img = NULL;
    size_t len = 0;
    if (acceptance_data_url(sig->valuestring, &img, &len, &rq->dl) != 0) {
        req_fail(rq, 422);
        return;
    }
    char font[4096], at[32], sha[65] = "";
    snprintf(font, sizeof font, "%s/%s", rq->s->templates_dir ? rq->s->templates_dir : "templates", RENDER_PDF_FONT);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    struct acceptance_request in = {
        .number = rq->number, .signer = signer->valuestring, .witness = req_actor(rq), .on_paper = false,
        .signature = img, .signature_len = len, .signed_at = at, .notices = sl->pt->notices,
        .templates_dir = rq->s->templates_dir, .font_path = font,
    };
    int rc = acceptance_record(rq->reg, &in, rq->today, sha, &rq->dl);
    free(img);
    if (rc != 0) {
        req_fail(rq, 422);
        return;
    }
    if (cJSON_IsString(email) &&
        register_consent_email(rq->reg, rq->number, email->valuestring, at, req_actor(rq), &rq->dl) != 0) {
        req_fail(rq, 500);
        return;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "number", rq->number);
    cJSON_AddStringToObject(root, "status", "accepted");
    cJSON_AddStringToObject(root, "accepted_sha256", sha);
    http_send_json(rq, 201, root, NULL, NULL);
}

/* GET /api/quotes/NUMBER/accepted: the accepted copy, byte for byte as made. */
void api_accepted_pdf(struct req *rq)
{
    struct reg *r = req_register(rq);
    if (!r)
        return;
    struct reg_acceptance a;
    int rc = register_get_acceptance(r, rq->number, true, &a, &rq->dl);
    if (rc != 0) {
        req_fail(rq, rc == 1 ? 404 : 500);
        return;
    }
    char hex[65];
    sha256_hex(a.accepted_pdf, a.accepted_len, hex);
    if (strcmp(hex, a.accepted_sha256) != 0) {
        reg_acceptance_free(&a);
        http_send_error(rq, 500, NULL, NULL, NULL,
                        "the stored accepted copy of %s does not match its digest; the register is damaged", rq->number);
        return;
    }
    char disp[160];
    snprintf(disp, sizeof disp, "inline; filename=\"%s-accepted.pdf\"", rq->number);
    unsigned char *pdf = a.accepted_pdf;
    size_t len = a.accepted_len;
    a.accepted_pdf = NULL; /* the answer takes it */
    reg_acceptance_free(&a);
    http_send(rq, 200, "application/pdf", HTTP_PDF, pdf, len, "Content-Disposition", disp);
}

/* The one string field `key` of the body (ROUTE_OBJECT), a plain e-mail
 * address; NULL after answering 422. */
static const char *address_field(struct req *rq, const char *key)
{
    for (cJSON *k = rq->obj->child; k; k = k->next)
        if (strcmp(k->string, key) != 0) {
            http_send_error(rq, 422, k->string, NULL, NULL, "unknown field '%s'; expected '%s'", k->string, key);
            return NULL;
        }
    cJSON *v = cJSON_GetObjectItemCaseSensitive(rq->obj, key);
    if (!cJSON_IsString(v) || !smtp_address_ok(v->valuestring)) {
        http_send_error(rq, 422, key, NULL, NULL, "give a plain e-mail address such as name@example.org");
        return NULL;
    }
    return v->valuestring;
}

/* POST /api/quotes/NUMBER/consent {"email": ADDRESS}: the patient's consent
 * to receive the estimate by e-mail at ADDRESS. */
void api_consent(struct req *rq)
{
    const char *to = address_field(rq, "email");
    if (!to || !req_entry(rq, false))
        return;
    char at[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (register_consent_email(rq->reg, rq->number, to, at, req_actor(rq), &rq->dl) != 0) {
        req_fail(rq, 500);
        return;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "number", rq->number);
    cJSON_AddStringToObject(root, "consent", "email");
    http_send_json(rq, 201, root, NULL, NULL);
}

/* POST /api/quotes/NUMBER/send {"to": ADDRESS}: e-mail the PDF through the
 * clinic's relay (mail.json) to an address consented to; 200 with the
 * Message-ID, 409 without consent, 502 when the relay fails. */
void api_send(struct req *rq)
{
    const char *to = address_field(rq, "to");
    if (!to || !req_entry(rq, false))
        return;
    struct smtp_settings ss;
    if (smtp_settings_load(&ss, tables_prices_dir(rq->s->tables), &rq->dl) != 0) {
        smtp_settings_free(&ss);
        req_fail(rq, 503);
        return;
    }
    char mid[160], at[32];
    if (register_email_consent(rq->reg, rq->number, to, &rq->dl) != 0) {
        smtp_settings_free(&ss);
        req_fail(rq, 409);
        return;
    }
    int rc = delivery_send_email(rq->reg, &ss, rq->number, to, rq->s->templates_dir, req_actor(rq), mid, at, &rq->dl);
    smtp_settings_free(&ss);
    if (rc != 0) {
        req_fail(rq, rc == -2 ? 500 : 502);
        return;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "number", rq->number);
    cJSON_AddStringToObject(root, "message_id", mid);
    cJSON_AddStringToObject(root, "sent_at", at);
    http_send_json(rq, 200, root, NULL, NULL);
}
