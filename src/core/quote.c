#include "quote.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"

void quote_free(struct quote *q)
{
    for (size_t i = 0; i < q->n_lines; i++)
        free(q->lines[i].description);
    for (size_t i = 0; i < q->n_visits; i++)
        free(q->visits[i].label);
    free(q->lines);
    free(q->visits);
    free(q->areas);
    free(q->financing);
    memset(q, 0, sizeof *q);
}

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
        cJSON_AddNumberToObject(o, "charges_cents", (double)v->charges_cents);
        cJSON_AddNumberToObject(o, "due_cents", (double)v->due_cents);
        cJSON_AddItemToArray(visits, o);
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
        cJSON_AddStringToObject(o, "phase", phase_id(q->visits[l->visit].phase));
        cJSON_AddNumberToObject(o, "visit", (double)l->visit);
        cJSON_AddItemToArray(lines, o);
    }
    cJSON_AddNumberToObject(root, "subtotal_cents", (double)q->subtotal_cents);
    cJSON_AddNumberToObject(root, "discount_cents", (double)q->discount_cents);
    cJSON_AddNumberToObject(root, "tax_cents", (double)q->tax_cents);
    cJSON_AddNumberToObject(root, "total_cents", (double)q->total_cents);
    cJSON_AddNumberToObject(root, "billable_cents", (double)q->billable_cents);
    cJSON_AddNumberToObject(root, "separate_cents", (double)q->separate_cents);
    cJSON_AddNumberToObject(root, "deposit_cents", (double)q->deposit_cents);
    add_date(root, "deposit_due", q->deposit_dated, q->deposit_due);
    cJSON_AddNumberToObject(root, "deposit_days_before", q->deposit_days_before);
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
    for (size_t vi = 0; vi < q->n_visits; vi++) {
        const struct quote_visit *v = &q->visits[vi];
        if ((int)v->phase != last_phase) {
            fprintf(out, "\n%s\n", quote_phase_title(v->phase));
            last_phase = (int)v->phase;
        }
        weeks_label(v, a, sizeof a);
        fprintf(out, "  %s: %s\n", a, v->label);
        for (size_t li = 0; li < q->n_lines; li++) {
            const struct quote_line *l = &q->lines[li];
            if (l->visit != vi)
                continue;
            const char *d = l->description;
            size_t piece = wrap_piece(d, DESC_W);
            char mark[4] = "";
            if (!l->in_total)
                snprintf(mark, sizeof mark, "%s", l->separate ? " §" : " *");
            fprintf(out, "%-6s ", l->code);
            put_padded(out, d, piece, DESC_W);
            money_styled(l->unit_cents, &MONEY_USD, false, b, sizeof b);
            money_styled(l->amount_cents, &MONEY_USD, false, c, sizeof c);
            if (l->kind == LINE_ITEM)
                fprintf(out, " %8d %12s %12s%s\n", l->quantity, b, c, mark);
            else
                fprintf(out, " %8s %12s %12s\n", "", "", c);
            d += piece;
            while (*d) {
                while (*d == ' ')
                    d++;
                if (!*d)
                    break;
                piece = wrap_piece(d, DESC_W);
                fprintf(out, "%-6s ", "");
                fwrite(d, 1, piece, out);
                fputc('\n', out);
                d += piece;
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
        fprintf(out, "§ Scheduled and billed separately by another provider; not in the total: %s\n", a);
    }
    money_styled(q->deposit_cents, &MONEY_USD, false, a, sizeof a);
    if (q->deposit_dated)
        fprintf(out, "\nDeposit: %s due by %s\n", a, date_iso(q->deposit_due, b));
    else
        fprintf(out, "\nDeposit: %s due %d days before the procedure\n", a, q->deposit_days_before);
    fprintf(out, "Due at each visit:\n");
    for (size_t vi = 0; vi < q->n_visits; vi++) {
        const struct quote_visit *v = &q->visits[vi];
        if (v->charges_cents == 0 && v->due_cents == 0)
            continue;
        weeks_label(v, b, sizeof b);
        money_styled(v->due_cents, &MONEY_USD, false, a, sizeof a);
        fprintf(out, "  %-24s %-40.40s %12s\n", b, v->label, a);
    }
    if (q->n_financing) {
        fprintf(out, "Financing examples (not an offer of credit; after the deposit):\n");
        for (size_t i = 0; i < q->n_financing; i++) {
            const struct quote_financing *f = &q->financing[i];
            money_styled(f->monthly, &MONEY_USD, false, a, sizeof a);
            money_styled(f->total_paid, &MONEY_USD, false, b, sizeof b);
            percent_format(f->apr, '.', c, sizeof c);
            fprintf(out, "  %-24s %3d payments of %s at %s APR, %s in all\n", f->name, f->months, a,
                    c, b);
        }
    }
    fprintf(out, "\nPrice table %s (effective %s), sha256 %.12s\n", price_table_prices_version(pt),
            date_iso(pt->change_in_force ? pt->change_in_force->effective_date : pt->effective_date, a),
            pt->sha256);
    return ferror(out) ? -1 : 0;
}
