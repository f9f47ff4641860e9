/* fhir — the Good Faith Estimate packet (fhir.h). */
#include "fhir.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "qjson.h"
#include "sha256.h"

#define PCT "http://hl7.org/fhir/us/davinci-pct/StructureDefinition/"
#define SYS_NPI "http://hl7.org/fhir/sid/us-npi"
#define SYS_TIN "urn:oid:2.16.840.1.113883.4.4"
#define SYS_CPT "http://www.ama-assn.org/go/cpt"
#define SYS_HCPCS "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
#define SYS_ICD10 "http://hl7.org/fhir/sid/icd-10-cm"
#define SYS_QUOTE "urn:regenquote:quote-number"
#define SYS_PATIENT "urn:regenquote:patient-id"

/* The words of the disclaimer every GFE carries (gfeDisclaimer). */
#define DISCLAIMER                                                                                            \
    "This Good Faith Estimate shows the costs of items and services that are reasonably expected for your "   \
    "health care needs for an item or service. The estimate is based on information known at the time the "  \
    "estimate was created. It does not include any unknown or unexpected costs that may arise during "        \
    "treatment. You could be charged more if complications or special circumstances occur. If this happens, " \
    "federal law allows you to dispute (appeal) the bill if you are billed for $400 or more for any provider " \
    "or facility than this Good Faith Estimate. For questions or more information about your right to a Good " \
    "Faith Estimate or the dispute process, visit www.cms.gov/nosurprises or call 1-800-985-3059."

struct fx {
    const cJSON *q;
    const char *seed;            /* quote number, or the price table digest for a draft */
    cJSON *entries;
    bool oom;
};







/* A stable uuid for local resource `name` of this quote: "urn:uuid:…"
 * from the SHA-256 of seed and name (version 4 and variant bits set). */
static void urn(const struct fx *f, const char *name, char out[46])
{
    char buf[256], hex[65];
    snprintf(buf, sizeof buf, "%s/%s", f->seed, name);
    sha256_hex(buf, strlen(buf), hex);
    hex[12] = '4';
    hex[16] = "89ab"[hex[16] % 4];
    snprintf(out, 46, "urn:uuid:%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

/* Money as an exact decimal (a raw JSON number: "1250.10", not a double). */
static cJSON *money(int64_t cents)
{
    char b[48];
    uint64_t a = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
    snprintf(b, sizeof b, "%s%" PRIu64 ".%02" PRIu64, cents < 0 ? "-" : "", a / 100, a % 100);
    cJSON *m = cJSON_CreateObject();
    cJSON_AddItemToObject(m, "value", cJSON_CreateRaw(b));
    cJSON_AddStringToObject(m, "currency", "USD");
    return m;
}

static cJSON *coding(const char *system, const char *code, const char *display)
{
    cJSON *cc = cJSON_CreateObject();
    cJSON *a = cJSON_AddArrayToObject(cc, "coding");
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "system", system);
    cJSON_AddStringToObject(c, "code", code);
    if (display)
        cJSON_AddStringToObject(c, "display", display);
    cJSON_AddItemToArray(a, c);
    return cc;
}

static cJSON *reference(const struct fx *f, const char *name)
{
    char u[46];
    urn(f, name, u);
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "reference", u);
    return r;
}

static cJSON *identifier(const char *system, const char *value)
{
    cJSON *i = cJSON_CreateObject();
    cJSON_AddStringToObject(i, "system", system);
    cJSON_AddStringToObject(i, "value", value);
    return i;
}

/* Start a resource of type, add it to the bundle under local name. */
static cJSON *resource(struct fx *f, const char *type, const char *name, const char *profile)
{
    char u[46];
    urn(f, name, u);
    cJSON *e = cJSON_CreateObject(), *r = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "fullUrl", u);
    cJSON_AddStringToObject(r, "resourceType", type);
    cJSON_AddStringToObject(r, "id", u + 9);
    if (profile) {
        cJSON *m = cJSON_AddObjectToObject(r, "meta");
        cJSON *p = cJSON_AddArrayToObject(m, "profile");
        cJSON_AddItemToArray(p, cJSON_CreateString(profile));
    }
    cJSON_AddItemToObject(e, "resource", r);
    cJSON_AddItemToArray(f->entries, e);
    return r;
}

static void add_address(cJSON *r, const cJSON *lines_of)
{
    if (!qj_size(lines_of, "address"))
        return;
    cJSON *a = cJSON_AddArrayToObject(r, "address");
    cJSON *ad = cJSON_CreateObject();
    cJSON *ln = cJSON_AddArrayToObject(ad, "line");
    for (int i = 0; i < qj_size(lines_of, "address"); i++)
        cJSON_AddItemToArray(ln, cJSON_CreateString(qj_at(lines_of, "address", i)->valuestring));
    cJSON_AddItemToArray(a, ad);
}

/* The organization or practitioner of provider group g, named "provider-N". */
static void provider_resource(struct fx *f, const cJSON *g, int gi)
{
    char name[32];
    snprintf(name, sizeof name, "provider-%d", gi);
    const char *kind = qj_str(g, "kind") ? qj_str(g, "kind") : "";
    bool org = strcmp(kind, "clinic") == 0 || qj_bool(g, "facility");
    cJSON *r = resource(f, org ? "Organization" : "Practitioner", name, NULL);
    cJSON *ids = cJSON_AddArrayToObject(r, "identifier");
    if (qj_str(g, "npi"))
        cJSON_AddItemToArray(ids, identifier(SYS_NPI, qj_str(g, "npi")));
    if (qj_str(g, "tin") && org)
        cJSON_AddItemToArray(ids, identifier(SYS_TIN, qj_str(g, "tin")));
    if (org) {
        cJSON_AddBoolToObject(r, "active", true);
        cJSON_AddStringToObject(r, "name", qj_str(g, "name") ? qj_str(g, "name") : "");
    } else {
        cJSON *n = cJSON_AddArrayToObject(r, "name");
        cJSON *hn = cJSON_CreateObject();
        cJSON_AddStringToObject(hn, "text", qj_str(g, "name") ? qj_str(g, "name") : "");
        cJSON_AddItemToArray(n, hn);
    }
    add_address(r, g);
}

static bool in_estimate(const cJSON *l, int gi)
{
    const cJSON *p = qj_get(l, "provider");
    return cJSON_IsNumber(p) && (int)p->valuedouble == gi && (qj_bool(l, "in_total") || qj_bool(l, "direct"));
}

/* CPT (5 digits, or 4 and F, T or U) or HCPCS Level II (a letter and 4 digits). */
static const char *code_system(const char *code)
{
    return code[0] >= 'A' && code[0] <= 'Z' ? SYS_HCPCS : SYS_CPT;
}

static void gfe_claim(struct fx *f, const cJSON *g, int gi)
{
    const cJSON *q = f->q;
    char name[32], prov[32];
    snprintf(name, sizeof name, "claim-%d", gi);
    snprintf(prov, sizeof prov, "provider-%d", gi);
    bool facility = qj_bool(g, "facility");
    cJSON *c = resource(f, "Claim", name,
                        facility ? PCT "davinci-pct-gfe-institutional" : PCT "davinci-pct-gfe-professional");
    cJSON *ext = cJSON_AddArrayToObject(c, "extension");
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "url", PCT "gfeDisclaimer");
    cJSON_AddStringToObject(d, "valueString", DISCLAIMER);
    cJSON_AddItemToArray(ext, d);
    cJSON *ids = cJSON_AddArrayToObject(c, "identifier");
    char idv[128];
    snprintf(idv, sizeof idv, "%s-%d", f->seed, gi);
    cJSON_AddItemToArray(ids, identifier(SYS_QUOTE, idv));
    cJSON_AddStringToObject(c, "status", "active");
    cJSON_AddItemToObject(c, "type", coding("http://terminology.hl7.org/CodeSystem/claim-type",
                                            facility ? "institutional" : "professional", NULL));
    cJSON_AddStringToObject(c, "use", "predetermination");
    cJSON_AddItemToObject(c, "patient", reference(f, "patient"));
    cJSON_AddStringToObject(c, "created", qj_str(q, "issued") ? qj_str(q, "issued") : "");
    cJSON_AddItemToObject(c, "provider", reference(f, prov));
    cJSON_AddItemToObject(c, "priority", coding("http://terminology.hl7.org/CodeSystem/processpriority",
                                                "normal", NULL));
    cJSON *ins = cJSON_AddArrayToObject(c, "insurance");
    cJSON *in = cJSON_CreateObject();
    cJSON_AddNumberToObject(in, "sequence", 1);
    cJSON_AddBoolToObject(in, "focal", true);
    cJSON_AddItemToObject(in, "coverage", reference(f, "coverage"));
    cJSON_AddItemToArray(ins, in);
    const cJSON *pl = qj_get(q, "plan");
    if (qj_size(pl, "icd10")) {
        cJSON *dx = cJSON_AddArrayToObject(c, "diagnosis");
        for (int i = 0; i < qj_size(pl, "icd10"); i++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "sequence", i + 1);
            cJSON_AddItemToObject(o, "diagnosisCodeableConcept",
                                  coding(SYS_ICD10, qj_at(pl, "icd10", i)->valuestring, NULL));
            cJSON_AddItemToArray(dx, o);
        }
    }
    cJSON *items = cJSON_AddArrayToObject(c, "item");
    int seq = 0;
    int64_t total = 0;
    for (int li = 0; li < qj_size(q, "lines"); li++) {
        const cJSON *l = qj_at(q, "lines", li);
        if (!in_estimate(l, gi))
            continue;
        cJSON *it = cJSON_CreateObject();
        cJSON_AddNumberToObject(it, "sequence", ++seq);
        const char *code = qj_str(l, "code") ? qj_str(l, "code") : "";
        cJSON *ps;
        if (*code) {
            ps = coding(code_system(code), code, NULL);
        } else {
            ps = cJSON_CreateObject();
        }
        cJSON_AddStringToObject(ps, "text", qj_str(l, "description") ? qj_str(l, "description") : "");
        cJSON_AddItemToObject(it, "productOrService", ps);
        const cJSON *v = qj_at(q, "visits", (int)qj_int(l, "visit"));
        if (qj_str(v, "date_from") && qj_str(v, "date_to") && strcmp(qj_str(v, "date_from"), qj_str(v, "date_to")) == 0)
            cJSON_AddStringToObject(it, "servicedDate", qj_str(v, "date_from"));
        else if (qj_str(v, "date_from") && qj_str(v, "date_to")) {
            cJSON *per = cJSON_AddObjectToObject(it, "servicedPeriod");
            cJSON_AddStringToObject(per, "start", qj_str(v, "date_from"));
            cJSON_AddStringToObject(per, "end", qj_str(v, "date_to"));
        }
        cJSON *qty = cJSON_AddObjectToObject(it, "quantity");
        cJSON_AddNumberToObject(qty, "value", (double)qj_int(l, "quantity"));
        cJSON_AddItemToObject(it, "unitPrice", money(qj_int(l, "unit_cents")));
        /* net: the line after its share of the package saving and discounts */
        int64_t net = qj_int(l, "amount_cents") - qj_int(l, "savings_cents");
        cJSON_AddItemToObject(it, "net", money(net));
        total += net;
        cJSON_AddItemToArray(items, it);
    }
    cJSON_AddItemToObject(c, "total", money(total));
}

static cJSON *build(struct fx *f, const struct fhir_opts *o)
{
    const cJSON *q = f->q;
    const cJSON *c = qj_get(q, "clinic"), *p = qj_get(q, "patient");
    char ts[40];
    snprintf(ts, sizeof ts, "%sT00:00:00Z", qj_str(q, "issued") ? qj_str(q, "issued") : "1970-01-01");

    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "resourceType", "Bundle");
    cJSON *m = cJSON_AddObjectToObject(b, "meta");
    cJSON_AddItemToObject(m, "profile", cJSON_CreateStringArray((const char *const[]){PCT "davinci-pct-gfe-packet"}, 1));
    cJSON_AddStringToObject(b, "language", qj_str(q, "language") ? qj_str(q, "language") : "en");
    cJSON_AddItemToObject(b, "identifier", identifier(SYS_QUOTE, f->seed));
    cJSON_AddStringToObject(b, "type", "document");
    cJSON_AddStringToObject(b, "timestamp", ts);
    f->entries = cJSON_AddArrayToObject(b, "entry");

    /* the Composition first, as a document requires */
    cJSON *comp = resource(f, "Composition", "composition", PCT "davinci-pct-gfe-composition");
    cJSON *cx = cJSON_AddArrayToObject(comp, "extension");
    cJSON *dx = cJSON_CreateObject();
    cJSON_AddStringToObject(dx, "url", PCT "gfeDisclaimer");
    cJSON_AddStringToObject(dx, "valueString", DISCLAIMER);
    cJSON_AddItemToArray(cx, dx);
    cJSON_AddItemToObject(comp, "identifier", identifier(SYS_QUOTE, f->seed));
    cJSON_AddStringToObject(comp, "status", o->quote_number ? "final" : "preliminary");
    cJSON_AddItemToObject(comp, "type", coding("http://loinc.org", "111480-0", "Good faith estimate Document"));
    cJSON_AddItemToObject(comp, "subject", reference(f, "patient"));
    cJSON_AddStringToObject(comp, "date", ts);
    cJSON *au = cJSON_AddArrayToObject(comp, "author");
    cJSON_AddItemToArray(au, reference(f, "provider-0"));
    cJSON_AddStringToObject(comp, "title", "Good Faith Estimate Packet");
    if (o->supersedes) {
        cJSON *rel = cJSON_AddArrayToObject(comp, "relatesTo");
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "code", "replaces");
        cJSON_AddItemToObject(r, "targetIdentifier", identifier(SYS_QUOTE, o->supersedes));
        cJSON_AddItemToArray(rel, r);
    }
    cJSON *sections = cJSON_AddArrayToObject(comp, "section");
    cJSON *sec = cJSON_CreateObject();
    cJSON_AddStringToObject(sec, "title", "Good Faith Estimates");
    cJSON_AddItemToObject(sec, "code", coding("http://hl7.org/fhir/us/davinci-pct/CodeSystem/PCTDocumentSection",
                                              "gfe-section", NULL));
    cJSON *secent = cJSON_AddArrayToObject(sec, "entry");
    cJSON_AddItemToArray(sections, sec);
    cJSON *sec2 = cJSON_CreateObject();
    cJSON_AddStringToObject(sec2, "title", "Coverage");
    cJSON_AddItemToObject(sec2, "code", coding("http://hl7.org/fhir/us/davinci-pct/CodeSystem/PCTDocumentSection",
                                               "coverage-section", NULL));
    cJSON *covent = cJSON_AddArrayToObject(sec2, "entry");
    cJSON_AddItemToArray(covent, reference(f, "coverage"));
    cJSON_AddItemToArray(sections, sec2);

    /* the patient */
    cJSON *pat = resource(f, "Patient", "patient", NULL);
    if (qj_str(p, "id")) {
        cJSON *ids = cJSON_AddArrayToObject(pat, "identifier");
        cJSON_AddItemToArray(ids, identifier(SYS_PATIENT, qj_str(p, "id")));
    }
    if (qj_str(p, "name")) {
        cJSON *n = cJSON_AddArrayToObject(pat, "name");
        cJSON *hn = cJSON_CreateObject();
        cJSON_AddStringToObject(hn, "text", qj_str(p, "name"));
        cJSON_AddItemToArray(n, hn);
    }
    if (qj_str(p, "date_of_birth"))
        cJSON_AddStringToObject(pat, "birthDate", qj_str(p, "date_of_birth"));
    cJSON *comm = cJSON_AddArrayToObject(pat, "communication");
    cJSON *cm = cJSON_CreateObject();
    cJSON_AddItemToObject(cm, "language", coding("urn:ietf:bcp:47", qj_str(q, "language") ? qj_str(q, "language") : "en",
                                                 NULL));
    cJSON_AddBoolToObject(cm, "preferred", true);
    cJSON_AddItemToArray(comm, cm);

    /* self-pay: the patient pays, and is the payor */
    cJSON *cov = resource(f, "Coverage", "coverage", NULL);
    cJSON_AddStringToObject(cov, "status", "active");
    cJSON_AddItemToObject(cov, "type", coding("http://terminology.hl7.org/CodeSystem/coverage-selfpay", "pay",
                                              "PAY"));
    cJSON_AddItemToObject(cov, "beneficiary", reference(f, "patient"));
    cJSON *payor = cJSON_AddArrayToObject(cov, "payor");
    cJSON_AddItemToArray(payor, reference(f, "patient"));

    /* the providers and facilities with lines in this estimate, each with its GFE */
    for (int gi = 0; gi < qj_size(q, "providers"); gi++) {
        const cJSON *g = qj_at(q, "providers", gi);
        bool any = false;
        for (int li = 0; li < qj_size(q, "lines"); li++)
            any |= in_estimate(qj_at(q, "lines", li), gi);
        if (!any && gi != 0)
            continue;
        provider_resource(f, g, gi);
        if (!any)
            continue;
        gfe_claim(f, g, gi);
        char cn[32];
        snprintf(cn, sizeof cn, "claim-%d", gi);
        cJSON_AddItemToArray(secent, reference(f, cn));
    }
    /* the treating practitioner */
    const cJSON *pv = qj_get(c, "provider");
    if (pv && qj_str(pv, "npi")) {
        cJSON *pr = resource(f, "Practitioner", "practitioner", NULL);
        cJSON *ids = cJSON_AddArrayToObject(pr, "identifier");
        cJSON_AddItemToArray(ids, identifier(SYS_NPI, qj_str(pv, "npi")));
        cJSON *n = cJSON_AddArrayToObject(pr, "name");
        cJSON *hn = cJSON_CreateObject();
        cJSON_AddStringToObject(hn, "text", qj_str(pv, "name") ? qj_str(pv, "name") : "");
        cJSON_AddItemToArray(n, hn);
        cJSON_AddItemToArray(au, reference(f, "practitioner"));
    }
    return b;
}

char *fhir_gfe_packet(const char *quote_json, const struct fhir_opts *o, struct diag_list *dl)
{
    const char *end = NULL;
    cJSON *q = cJSON_ParseWithOpts(quote_json, &end, 1);
    if (!cJSON_IsObject(q) || !qj_get(q, "lines") || !qj_get(q, "providers")) {
        diag_error(dl, NULL, NULL, "the quote is not a quote JSON document");
        cJSON_Delete(q);
        return NULL;
    }
    struct fx f = {.q = q};
    char draft[80];
    if (o->quote_number) {
        f.seed = o->quote_number;
    } else {
        char hex[65];
        sha256_hex(quote_json, strlen(quote_json), hex);
        snprintf(draft, sizeof draft, "draft-%.16s", hex);
        f.seed = draft;
    }
    cJSON *b = build(&f, o);
    char *text = b ? cJSON_Print(b) : NULL;
    cJSON_Delete(b);
    cJSON_Delete(q);
    if (!text)
        diag_error(dl, NULL, NULL, "out of memory while writing the FHIR packet");
    return text;
}
