#include "quote.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"

void quote_free(struct quote *q)
{
    for (size_t i = 0; i < q->n_lines; i++) {
        free(q->lines[i].description);
        free(q->lines[i].shares);
    }
    for (size_t i = 0; i < q->n_visits; i++)
        free(q->visits[i].label);
    free(q->lines);
    free(q->visits);
    free(q->providers);
    free(q->areas);
    free(q->payments);
    free(q->financing);
    memset(q, 0, sizeof *q);
}

int quote_visit_day(const struct quote_visit *v)
{
    return 7 * v->week_from;
}

size_t quote_day_position(const struct quote *q, int day)
{
    size_t i = 0;
    while (i < q->n_visits && quote_visit_day(&q->visits[i]) < day)
        i++;
    return i;
}

const struct quote_payment *quote_advance_payment(const struct quote *q)
{
    for (size_t i = 0; i < q->n_payments; i++)
        if (q->payments[i].kind != PAYMENT_VISIT)
            return &q->payments[i];
    return NULL;
}

static bool has_line(const struct quote *q, bool (*what)(const struct quote_line *))
{
    for (size_t i = 0; i < q->n_lines; i++)
        if (what(&q->lines[i]))
            return true;
    return false;
}

static bool is_separate(const struct quote_line *l) { return l->separate; }
static bool is_beyond(const struct quote_line *l) { return l->beyond; }
static bool is_direct(const struct quote_line *l) { return l->direct; }

bool quote_has_separate(const struct quote *q) { return has_line(q, is_separate); }

bool quote_in_estimate(const struct quote *q, size_t provider)
{
    for (size_t i = 0; i < q->n_lines; i++)
        if (q->lines[i].provider == provider && (q->lines[i].in_total || q->lines[i].direct))
            return true;
    return false;
}

size_t quote_estimate_groups(const struct quote *q)
{
    size_t n = 0;
    for (size_t i = 0; i < q->n_providers; i++)
        n += quote_in_estimate(q, i);
    return n;
}
bool quote_has_beyond(const struct quote *q) { return has_line(q, is_beyond); }
bool quote_has_direct(const struct quote *q) { return has_line(q, is_direct); }

const char *quote_phase_title(enum phase p)
{
    switch (p) {
    case PHASE_BEFORE: return "Before the procedure";
    case PHASE_PROCEDURE: return "Procedure day";
    case PHASE_AFTER: return "After the procedure";
    case PHASE_REPEAT: return "Repeat MSC sessions";
    case PHASE_FOLLOW_UP: return "Follow-up";
    default: return "";
    }
}

static const char *kind_id(enum line_kind k)
{
    switch (k) {
    case LINE_ITEM: return "item";
    case LINE_PACKAGE: return "package";
    case LINE_DISCOUNT: return "discount";
    case LINE_TAX: return "tax";
    }
    return "?";
}

/* ---- JSON ------------------------------------------------------------------ */

static void add_date(cJSON *o, const char *key, bool has, rq_date d)
{
    char b[11];
    if (has)
        cJSON_AddStringToObject(o, key, date_iso(d, b));
    else
        cJSON_AddNullToObject(o, key);
}

static void add_str_or_null(cJSON *o, const char *key, const char *s)
{
    if (s)
        cJSON_AddStringToObject(o, key, s);
    else
        cJSON_AddNullToObject(o, key);
}

static void add_index_or_null(cJSON *o, const char *key, size_t i)
{
    if (i == QUOTE_NONE)
        cJSON_AddNullToObject(o, key);
    else
        cJSON_AddNumberToObject(o, key, (double)i);
}

static void add_strings(cJSON *o, const char *key, const char *const *v, size_t n)
{
    cJSON *a = cJSON_AddArrayToObject(o, key);
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
}

static const char *biller_id(enum quote_biller k)
{
    switch (k) {
    case BILLER_CLINIC: return "clinic";
    case BILLER_CLINIC_PROVIDER: return "clinic_provider";
    case BILLER_OUTSIDE: return "outside";
    }
    return "?";
}

static const char *payment_id(enum quote_payment_kind k)
{
    switch (k) {
    case PAYMENT_DEPOSIT: return "deposit";
    case PAYMENT_VISIT: return "visit";
    case PAYMENT_IN_FULL: return "in_full";
    }
    return "?";
}

static void add_idname(cJSON *o, const char *key, const char *id, const char *name)
{
    cJSON *x = cJSON_AddObjectToObject(o, key);
    if (!x)
        return;
    cJSON_AddStringToObject(x, "id", id);
    cJSON_AddStringToObject(x, "name", name);
}

static cJSON *quote_to_json(const struct quote *q)
{
    char b[64];
    const struct price_table *pt = q->pt;
    const struct plan *p = q->plan;
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    cJSON *t = cJSON_AddObjectToObject(root, "price_table");
    cJSON_AddStringToObject(t, "version", price_table_prices_version(pt));
    cJSON_AddStringToObject(t, "effective_date",
                            date_iso(pt->change_in_force ? pt->change_in_force->effective_date
                                                         : pt->effective_date, b));
    cJSON_AddStringToObject(t, "sha256", pt->sha256);
    add_date(root, "issued", true, q->issued);
    add_date(root, "valid_until", true, q->valid_until);
    add_date(root, "scheduled_date", q->has_scheduled, q->scheduled);
    cJSON_AddStringToObject(root, "language", q->language);
    cJSON_AddStringToObject(root, "currency", pt->clinic.currency);

    cJSON *c = cJSON_AddObjectToObject(root, "clinic");
    cJSON_AddStringToObject(c, "name", pt->clinic.name);
    cJSON_AddStringToObject(c, "npi", pt->clinic.npi);
    cJSON_AddStringToObject(c, "tin", pt->clinic.tin);
    if (q->provider) {
        cJSON *pv = cJSON_AddObjectToObject(c, "provider");
        cJSON_AddStringToObject(pv, "id", q->provider->id);
        cJSON_AddStringToObject(pv, "name", q->provider->name);
        cJSON_AddStringToObject(pv, "npi", q->provider->npi);
    }
    if (q->location)
        add_idname(c, "location", q->location->id, q->location->name);

    cJSON *pat = cJSON_AddObjectToObject(root, "patient");
    add_str_or_null(pat, "name", p->patient_name);
    add_str_or_null(pat, "date_of_birth", p->patient_dob);
    add_str_or_null(pat, "id", p->patient_id);

    cJSON *pl = cJSON_AddObjectToObject(root, "plan");
    add_str_or_null(pl, "condition", p->condition);
    cJSON *icd = cJSON_AddArrayToObject(pl, "icd10");
    for (size_t i = 0; i < p->n_icd10; i++)
        cJSON_AddItemToArray(icd, cJSON_CreateString(p->icd10[i]));
    cJSON *areas = cJSON_AddArrayToObject(pl, "areas");
    for (size_t i = 0; i < q->n_areas; i++) {
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "id", q->areas[i]->id);
        cJSON_AddStringToObject(a, "name", q->areas[i]->name);
        cJSON_AddItemToArray(areas, a);
    }
    cJSON *src = cJSON_AddObjectToObject(pl, "cell_source");
    cJSON_AddStringToObject(src, "id", q->source->id);
    cJSON_AddStringToObject(src, "name", q->source->name);
    cJSON_AddStringToObject(src, "origin", q->source->allogeneic ? "allogeneic" : "autologous");
    add_idname(pl, "processing_method", q->method->id, q->method->name);
    if (q->guidance)
        add_idname(pl, "guidance", q->guidance->id, q->guidance->name);
    cJSON_AddNumberToObject(pl, "sessions", q->sessions);
    cJSON_AddNumberToObject(pl, "session_spacing_weeks", q->spacing_weeks);
    if (q->sessions > 1)
        cJSON_AddStringToObject(pl, "repeat_cells",
                                q->source->allogeneic ? "donated" : q->banked ? "banked" : "new-harvest");
    else
        cJSON_AddNullToObject(pl, "repeat_cells");
    if (q->package) {
        cJSON *pk = cJSON_AddObjectToObject(pl, "package");
        cJSON_AddStringToObject(pk, "id", q->package->id);
        cJSON_AddStringToObject(pk, "name", q->package->name);
        cJSON_AddNumberToObject(pk, "price_cents", (double)q->package->price);
        cJSON_AddNumberToObject(pk, "separate_prices_cents", (double)q->package->a_la_carte);
        cJSON_AddNumberToObject(pk, "saving_cents", (double)(q->package->a_la_carte - q->package->price));
    } else {
        cJSON_AddNullToObject(pl, "package");
    }

    cJSON *visits = cJSON_AddArrayToObject(root, "visits");
    for (size_t i = 0; i < q->n_visits; i++) {
        const struct quote_visit *v = &q->visits[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "index", (double)i);
        cJSON_AddStringToObject(o, "label", v->label);
        cJSON_AddStringToObject(o, "phase", phase_id(v->phase));
        cJSON_AddNumberToObject(o, "week_from", v->week_from);
        cJSON_AddNumberToObject(o, "week_to", v->week_to);
        add_date(o, "date_from", v->dated, v->date_from);
        add_date(o, "date_to", v->dated, v->date_to);
        cJSON_AddBoolToObject(o, "beyond_12_months", v->beyond);
        cJSON_AddNumberToObject(o, "services_cents", (double)v->services_cents);
        cJSON_AddNumberToObject(o, "savings_cents", (double)v->savings_cents);
        cJSON_AddNumberToObject(o, "tax_cents", (double)v->tax_cents);
        cJSON_AddNumberToObject(o, "charges_cents", (double)v->charges_cents);
        cJSON_AddNumberToObject(o, "deposit_cents", (double)v->deposit_cents);
        cJSON_AddNumberToObject(o, "due_cents", (double)v->due_cents);
        cJSON_AddNumberToObject(o, "direct_cents", (double)v->direct_cents);
        cJSON_AddItemToArray(visits, o);
    }

    cJSON *provs = cJSON_AddArrayToObject(root, "providers");
    for (size_t i = 0; i < q->n_providers; i++) {
        const struct quote_provider *g = &q->providers[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "index", (double)i);
        cJSON_AddStringToObject(o, "kind", biller_id(g->kind));
        add_str_or_null(o, "id", g->id);
        cJSON_AddStringToObject(o, "name", g->name);
        cJSON_AddStringToObject(o, "npi", g->npi);
        cJSON_AddStringToObject(o, "tin", g->tin);
        add_strings(o, "address", g->address, g->n_address);
        cJSON_AddBoolToObject(o, "facility", g->facility);
        cJSON_AddBoolToObject(o, "clinic_collects", g->clinic_collects);
        cJSON *ls = cJSON_AddArrayToObject(o, "lines");
        for (size_t k = 0; k < q->n_lines; k++)
            if (q->lines[k].provider == i && (q->lines[k].in_total || q->lines[k].direct))
                cJSON_AddItemToArray(ls, cJSON_CreateNumber((double)k));
        cJSON_AddNumberToObject(o, "services_cents", (double)g->services_cents);
        cJSON_AddNumberToObject(o, "savings_cents", (double)g->savings_cents);
        cJSON_AddNumberToObject(o, "tax_cents", (double)g->tax_cents);
        cJSON_AddNumberToObject(o, "total_cents", (double)g->total_cents);
        cJSON_AddNumberToObject(o, "dispute_threshold_cents", (double)(g->total_cents + 40000));
        cJSON_AddNumberToObject(o, "billable_cents", (double)g->billable_cents);
        cJSON_AddNumberToObject(o, "separate_cents", (double)g->separate_cents);
        cJSON_AddItemToArray(provs, o);
    }

    cJSON *lines = cJSON_AddArrayToObject(root, "lines");
    for (size_t i = 0; i < q->n_lines; i++) {
        const struct quote_line *l = &q->lines[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "kind", kind_id(l->kind));
        add_str_or_null(o, "item", l->item_id);
        cJSON_AddStringToObject(o, "code", l->code);
        cJSON_AddStringToObject(o, "description", l->description);
        cJSON_AddNumberToObject(o, "quantity", l->quantity);
        cJSON_AddStringToObject(o, "unit", l->unit);
        cJSON_AddNumberToObject(o, "unit_cents", (double)l->unit_cents);
        cJSON_AddNumberToObject(o, "amount_cents", (double)l->amount_cents);
        cJSON_AddStringToObject(o, "coverage", coverage_id(l->coverage));
        add_str_or_null(o, "coverage_reason", l->coverage_reason);
        cJSON_AddBoolToObject(o, "in_total", l->in_total);
        cJSON_AddBoolToObject(o, "separate", l->separate);
        cJSON_AddBoolToObject(o, "direct", l->direct);
        cJSON_AddBoolToObject(o, "beyond_12_months", l->beyond);
        if (l->visit != QUOTE_NONE)
            cJSON_AddStringToObject(o, "phase", phase_id(q->visits[l->visit].phase));
        else
            cJSON_AddNullToObject(o, "phase");
        add_index_or_null(o, "visit", l->visit);
        add_index_or_null(o, "provider", l->provider);
        if (l->kind == LINE_ITEM)
            cJSON_AddNumberToObject(o, "savings_cents", (double)l->savings_cents);
        if (l->kind == LINE_PACKAGE || l->kind == LINE_DISCOUNT) {
            cJSON *sh = cJSON_AddArrayToObject(o, "shares");
            for (size_t k = 0; k < l->n_shares; k++) {
                cJSON *x = cJSON_CreateObject();
                cJSON_AddNumberToObject(x, "line", (double)l->shares[k].line);
                cJSON_AddNumberToObject(x, "visit", (double)q->lines[l->shares[k].line].visit);
                cJSON_AddNumberToObject(x, "amount_cents", -(double)l->shares[k].cents);
                cJSON_AddItemToArray(sh, x);
            }
        }
        cJSON_AddItemToArray(lines, o);
    }
    cJSON_AddNumberToObject(root, "subtotal_cents", (double)q->subtotal_cents);
    cJSON_AddNumberToObject(root, "discount_cents", (double)q->discount_cents);
    cJSON_AddNumberToObject(root, "tax_cents", (double)q->tax_cents);
    cJSON_AddNumberToObject(root, "total_cents", (double)q->total_cents);
    cJSON_AddNumberToObject(root, "billable_cents", (double)q->billable_cents);
    cJSON_AddNumberToObject(root, "separate_cents", (double)q->separate_cents);
    cJSON_AddNumberToObject(root, "direct_cents", (double)q->direct_cents);
    cJSON_AddNumberToObject(root, "deposit_cents", (double)q->deposit_cents);
    add_date(root, "deposit_due", q->deposit_dated && q->deposit_cents > 0, q->deposit_due);
    cJSON_AddNumberToObject(root, "deposit_days_before", q->deposit_days_before);
    cJSON_AddStringToObject(root, "payment_terms", q->in_full ? "in_full" : "deposit");
    add_str_or_null(root, "in_full_discount", q->in_full ? q->in_full->id : NULL);
    cJSON *pays = cJSON_AddArrayToObject(root, "payments");
    for (size_t i = 0; i < q->n_payments; i++) {
        const struct quote_payment *pm = &q->payments[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "kind", payment_id(pm->kind));
        add_index_or_null(o, "visit", pm->visit);
        cJSON_AddNumberToObject(o, "day", pm->day);
        add_date(o, "date", pm->dated, pm->date);
        cJSON_AddNumberToObject(o, "amount_cents", (double)pm->cents);
        cJSON_AddItemToArray(pays, o);
    }
    cJSON *fin = cJSON_AddArrayToObject(root, "financing");
    for (size_t i = 0; i < q->n_financing; i++) {
        const struct quote_financing *f = &q->financing[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", f->name);
        cJSON_AddStringToObject(o, "apr", percent_format(f->apr, '.', b, sizeof b));
        cJSON_AddNumberToObject(o, "months", f->months);
        cJSON_AddNumberToObject(o, "principal_cents", (double)f->principal);
        cJSON_AddNumberToObject(o, "monthly_cents", (double)f->monthly);
        cJSON_AddNumberToObject(o, "last_payment_cents", (double)f->last_payment);
        cJSON_AddNumberToObject(o, "total_paid_cents", (double)f->total_paid);
        cJSON_AddNumberToObject(o, "finance_charge_cents", (double)f->finance_charge);
        cJSON_AddItemToArray(fin, o);
    }
    return root;
}

int quote_write_json(const struct quote *q, FILE *out)
{
    cJSON *root = quote_to_json(q);
    char *s = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!s)
        return -1;
    int rc = (fputs(s, out) < 0 || fputc('\n', out) == EOF) ? -1 : 0;
    free(s);
    return rc;
}

char *quote_json_text(const struct quote *q)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return NULL;
    int rc = quote_write_json(q, m);
    if (fclose(m) != 0 || rc != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* ---- text ------------------------------------------------------------------ */

#define DESC_W 44

/* Print s padded to width characters (UTF-8 aware). */
static void put_padded(FILE *out, const char *s, size_t len_bytes, size_t width)
{
    fwrite(s, 1, len_bytes, out);
    size_t chars = 0;
    for (size_t i = 0; i < len_bytes; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            chars++;
    for (; chars < width; chars++)
        fputc(' ', out);
}

/* Bytes of the next wrapped piece of s that fits in width characters. */
static size_t wrap_piece(const char *s, size_t width)
{
    size_t bytes = 0, chars = 0, last_space = 0;
    while (s[bytes]) {
        if (((unsigned char)s[bytes] & 0xC0) != 0x80) {
            if (chars == width)
                break;
            chars++;
        }
        if (s[bytes] == ' ')
            last_space = bytes;
        bytes++;
    }
    if (!s[bytes] || last_space == 0)
        return bytes;
    return last_space;
}

/* A wrapped description: its first piece after code, padded to width and
 * followed by tail; the rest on lines of their own under it. */
static void wrapped_row(FILE *out, const char *indent, const char *code, const char *d, size_t width,
                        const char *tail)
{
    size_t piece = wrap_piece(d, width);
    fprintf(out, "%s%-6s ", indent, code);
    put_padded(out, d, piece, width);
    fprintf(out, "%s\n", tail);
    d += piece;
    while (*d) {
        while (*d == ' ')
            d++;
        if (!*d)
            break;
        piece = wrap_piece(d, width);
        fprintf(out, "%s%-6s ", indent, "");
        fwrite(d, 1, piece, out);
        fputc('\n', out);
        d += piece;
    }
}

static void weeks_label(const struct quote_visit *v, char *b, size_t n)
{
    char d1[11], d2[11];
    if (v->dated) {
        if (v->date_from == v->date_to)
            snprintf(b, n, "%s", date_iso(v->date_from, d1));
        else
            snprintf(b, n, "%s to %s", date_iso(v->date_from, d1), date_iso(v->date_to, d2));
    } else if (v->week_from == 0 && v->week_to == 0) {
        snprintf(b, n, "Day 0");
    } else if (v->week_from == v->week_to) {
        snprintf(b, n, "Week %d", v->week_from);
    } else {
        snprintf(b, n, "Weeks %d to %d", v->week_from, v->week_to);
    }
}

int quote_write_text(const struct quote *q, FILE *out)
{
    const struct price_table *pt = q->pt;
    const struct plan *p = q->plan;
    char a[40], b[40], c[40];
    fprintf(out, "%s\n", pt->clinic.name);
    fprintf(out, "Cost estimate (draft, not issued)   date %s   valid until %s\n",
            date_iso(q->issued, a), date_iso(q->valid_until, b));
    if (p->patient_name)
        fprintf(out, "Patient: %s%s%s\n", p->patient_name, p->patient_dob ? ", born " : "",
                p->patient_dob ? p->patient_dob : "");
    fprintf(out, "Plan: %s; %s; %d MSC session%s", q->source->name, q->method->name, q->sessions,
            q->sessions > 1 ? "s" : "");
    if (q->sessions > 1)
        fprintf(out, " every %d weeks (%s)", q->spacing_weeks,
                q->source->allogeneic ? "new donated product each time"
                : q->banked ? "repeats use banked cells" : "new harvest each time");
    fprintf(out, "\nAreas: ");
    for (size_t i = 0; i < q->n_areas; i++)
        fprintf(out, "%s%s", i ? ", " : "", q->areas[i]->name);
    if (q->guidance)
        fprintf(out, "; %s guidance", q->guidance->name);
    fprintf(out, "\n");
    if (p->condition || p->n_icd10) {
        fprintf(out, "Condition: %s", p->condition ? p->condition : "");
        for (size_t i = 0; i < p->n_icd10; i++)
            fprintf(out, "%s%s", i ? ", " : (p->condition ? " (ICD-10 " : "ICD-10 "), p->icd10[i]);
        fprintf(out, "%s\n", p->n_icd10 && p->condition ? ")" : "");
    }
    if (q->has_scheduled)
        fprintf(out, "Procedure scheduled: %s\n", date_iso(q->scheduled, a));

    fprintf(out, "\n%-6s %-*s %8s %12s %12s\n", "Code", DESC_W, "Description", "Qty", "Unit",
            "Amount");
    int last_phase = -1;
    for (size_t vi = 0; vi <= q->n_visits; vi++) {
        if (vi < q->n_visits) {
            const struct quote_visit *v = &q->visits[vi];
            if ((int)v->phase != last_phase) {
                fprintf(out, "\n%s\n", quote_phase_title(v->phase));
                last_phase = (int)v->phase;
            }
            weeks_label(v, a, sizeof a);
            fprintf(out, "  %s: %s%s\n", a, v->label, v->beyond ? " (more than 12 months after the first session)" : "");
        } else {
            bool any = false;
            for (size_t li = 0; li < q->n_lines; li++)
                any |= q->lines[li].visit == QUOTE_NONE;
            if (!any)
                break;
            fprintf(out, "\nPackage savings and discounts (shared among the visits they apply to)\n");
        }
        size_t want = vi < q->n_visits ? vi : QUOTE_NONE;
        for (size_t li = 0; li < q->n_lines; li++) {
            const struct quote_line *l = &q->lines[li];
            if (l->visit != want)
                continue;
            char mark[8] = "", tail[128];
            if (!l->in_total)
                snprintf(mark, sizeof mark, "%s",
                         l->beyond ? " †" : l->separate ? " §" : l->direct ? " ‡" : " *");
            money_styled(l->unit_cents, &MONEY_USD, false, b, sizeof b);
            money_styled(l->amount_cents, &MONEY_USD, false, c, sizeof c);
            if (l->kind == LINE_ITEM)
                snprintf(tail, sizeof tail, " %8d %12s %12s%s", l->quantity, b, c, mark);
            else
                snprintf(tail, sizeof tail, " %8s %12s %12s", "", "", c);
            wrapped_row(out, "", l->code, l->description, DESC_W, tail);
            if (l->n_shares) {
                /* how it is shared, visit by visit */
                fprintf(out, "%-6s   shared:", "");
                for (size_t v2 = 0; v2 < q->n_visits; v2++) {
                    int64_t part = 0;
                    for (size_t k = 0; k < l->n_shares; k++)
                        if (q->lines[l->shares[k].line].visit == v2)
                            part += l->shares[k].cents;
                    if (!part)
                        continue;
                    weeks_label(&q->visits[v2], a, sizeof a);
                    money_styled(-part, &MONEY_USD, false, b, sizeof b);
                    fprintf(out, " %s %s;", a, b);
                }
                fputc('\n', out);
            }
        }
    }
    size_t col = 6 + 1 + DESC_W + 1 + 8 + 1 + 12;
    fprintf(out, "\n");
#define TOTAL_ROW(label, v)                                            \
    do {                                                               \
        money_styled(v, &MONEY_USD, false, a, sizeof a);               \
        fprintf(out, "%*s %12s\n", (int)col, label, a);                \
    } while (0)
    TOTAL_ROW("Subtotal", q->subtotal_cents);
    if (q->discount_cents)
        TOTAL_ROW("Package savings and discounts", -q->discount_cents);
    if (q->tax_cents)
        TOTAL_ROW("Tax", q->tax_cents);
    money_styled(q->total_cents, &MONEY_USD, false, a, sizeof a);
    fprintf(out, "%*s %12s\n", (int)col, "TOTAL YOU PAY (USD)", a);
#undef TOTAL_ROW
    if (q->billable_cents) {
        money_styled(q->billable_cents, &MONEY_USD, false, a, sizeof a);
        fprintf(out, "\n* May be billable to your insurance; not in the total: %s\n", a);
    }
    if (q->separate_cents) {
        money_styled(q->separate_cents, &MONEY_USD, false, a, sizeof a);
        fprintf(out, "§ Scheduled and billed separately; not in the total: %s\n", a);
        if (quote_has_beyond(q))
            fprintf(out, "† More than 12 months after the first session: expected separately, "
                         "with a new estimate before they are scheduled\n");
    }
    if (q->direct_cents) {
        money_styled(q->direct_cents, &MONEY_USD, false, a, sizeof a);
        fprintf(out, "‡ Billed to the patient directly by an outside provider or facility; not in the total: %s\n",
                a);
    }

    /* by provider or facility, each with its lines (when there are several)
     * and its estimate */
    fprintf(out, "\nBy provider or facility (Good Faith Estimate; dispute if billed $400 or more above one):\n");
    size_t groups = quote_estimate_groups(q);
    for (size_t gi = 0; gi < q->n_providers; gi++) {
        const struct quote_provider *g = &q->providers[gi];
        if (!quote_in_estimate(q, gi))
            continue;
        fprintf(out, "  %s (%sNPI %s, TIN %s)%s\n", g->name,
                g->kind == BILLER_OUTSIDE ? (g->facility ? "facility, " : "provider, ") : "", g->npi, g->tin,
                g->kind != BILLER_OUTSIDE ? "" : g->clinic_collects ? ", collected by the clinic"
                                                                     : ", bills the patient directly");
        for (size_t li = 0; li < q->n_lines; li++) {
            const struct quote_line *l = &q->lines[li];
            if (groups < 2 || l->provider != gi || !(l->in_total || l->direct))
                continue;
            char tail[64];
            money_styled(l->amount_cents, &MONEY_USD, false, a, sizeof a);
            snprintf(tail, sizeof tail, " %12s", a);
            wrapped_row(out, "    ", l->code, l->description, DESC_W + 9, tail);
        }
        money_styled(g->services_cents, &MONEY_USD, false, a, sizeof a);
        money_styled(-g->savings_cents, &MONEY_USD, false, b, sizeof b);
        money_styled(g->tax_cents, &MONEY_USD, false, c, sizeof c);
        fprintf(out, "    services %s, savings and discounts %s, tax %s\n", a, b, c);
        money_styled(g->total_cents, &MONEY_USD, false, a, sizeof a);
        money_styled(g->total_cents + 40000, &MONEY_USD, false, b, sizeof b);
        fprintf(out, "    estimate %s; dispute process if billed %s or more\n", a, b);
    }

    /* the payment schedule, in time order */
    if (q->in_full) {
        const struct quote_payment *pm = quote_advance_payment(q);
        money_styled(q->total_cents, &MONEY_USD, false, a, sizeof a);
        fprintf(out, "\nPayment in full: %s (required for '%s')", a, q->in_full->name);
        if (pm && pm->dated)
            fprintf(out, ", due by %s", date_iso(pm->date, b));
        else if (pm && pm->visit != QUOTE_NONE)
            weeks_label(&q->visits[pm->visit], b, sizeof b), fprintf(out, ", due at the visit of %s", b);
        else if (pm)
            fprintf(out, ", due %d days before the procedure", -pm->day);
        fprintf(out, "\nVisits (their charges are part of the payment in full):\n");
        for (size_t vi = 0; vi < q->n_visits; vi++) {
            const struct quote_visit *v = &q->visits[vi];
            if (!v->charges_cents)
                continue;
            weeks_label(v, b, sizeof b);
            money_styled(v->charges_cents, &MONEY_USD, false, a, sizeof a);
            fprintf(out, "  %-24s %-40.40s %12s\n", b, v->label, a);
        }
        fprintf(out, "Financing examples are not shown: financing would not pay in full before the procedure.\n");
    } else {
        money_styled(q->deposit_cents, &MONEY_USD, false, a, sizeof a);
        if (q->deposit_dated)
            fprintf(out, "\nDeposit: %s due by %s\n", a, date_iso(q->deposit_due, b));
        else
            fprintf(out, "\nDeposit: %s due %d days before the procedure\n", a, q->deposit_days_before);
        fprintf(out, "Payments (visits before the procedure are paid at the visit; the deposit counts toward\n"
                     "the procedure day and later visits):\n");
        for (size_t i = 0; i < q->n_payments; i++) {
            const struct quote_payment *pm = &q->payments[i];
            money_styled(pm->cents, &MONEY_USD, false, a, sizeof a);
            if (pm->kind == PAYMENT_DEPOSIT) {
                if (pm->dated)
                    date_iso(pm->date, b);
                else
                    snprintf(b, sizeof b, "%d days before", -pm->day);
                fprintf(out, "  %-24s %-40.40s %12s\n", b, "Deposit", a);
            } else {
                const struct quote_visit *v = &q->visits[pm->visit];
                weeks_label(v, b, sizeof b);
                fprintf(out, "  %-24s %-40.40s %12s\n", b, v->label, a);
            }
        }
    }
    if (q->n_financing) {
        fprintf(out, "Financing examples (not an offer of credit; what is due from the procedure day on, after the deposit):\n");
        for (size_t i = 0; i < q->n_financing; i++) {
            const struct quote_financing *f = &q->financing[i];
            money_styled(f->monthly, &MONEY_USD, false, a, sizeof a);
            money_styled(f->total_paid, &MONEY_USD, false, b, sizeof b);
            percent_format(f->apr, '.', c, sizeof c);
            if (f->months > 1 && f->last_payment != f->monthly) {
                char d[40];
                money_styled(f->last_payment, &MONEY_USD, false, d, sizeof d);
                fprintf(out, "  %-24s %3d payments of %s and a last one of %s at %s APR, %s in all\n", f->name,
                        f->months - 1, a, d, c, b);
            } else {
                fprintf(out, "  %-24s %3d payments of %s at %s APR, %s in all\n", f->name, f->months, a, c, b);
            }
        }
    }
    fprintf(out, "\nPrice table %s (effective %s), sha256 %.12s\n", price_table_prices_version(pt),
            date_iso(pt->change_in_force ? pt->change_in_force->effective_date : pt->effective_date, a),
            pt->sha256);
    return ferror(out) ? -1 : 0;
}
