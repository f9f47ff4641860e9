#include "template.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infile.h"
#include "textenc.h"

/* Largest template file read. */
#define TEMPLATE_MAX_BYTES (1024u * 1024u)

static bool lang_ok(const char *lang)
{
    size_t n = strlen(lang);
    if (n < 2 || n > 8)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((lang[i] >= 'a' && lang[i] <= 'z') || (lang[i] >= 'A' && lang[i] <= 'Z') || lang[i] == '-'))
            return false;
    return true;
}

static bool key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

static char *read_file(const char *path, size_t *len, struct diag_list *dl)
{
    FILE *f = infile_open(path, "template", "a template file", dl);
    if (!f)
        return NULL;
    char *buf = malloc(TEMPLATE_MAX_BYTES + 1);
    size_t n = buf ? fread(buf, 1, TEMPLATE_MAX_BYTES + 1, f) : 0;
    bool err = !buf || ferror(f);
    fclose(f);
    if (err || n > TEMPLATE_MAX_BYTES) {
        diag_error(dl, path, NULL, "%s", !buf ? "out of memory"
                                       : n > TEMPLATE_MAX_BYTES ? "template is larger than 1 MB"
                                                                : "cannot read template");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static void trim(const char **s, const char **e)
{
    while (*s < *e && (**s == ' ' || **s == '\t'))
        (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
        (*e)--;
}

/* Append src[0..n) to *dst (malloc'd), turning the two characters `\n`
 * into a newline. */
static bool append(char **dst, const char *sep, const char *src, size_t n)
{
    size_t old = *dst ? strlen(*dst) : 0, sl = strlen(sep);
    char *d = realloc(*dst, old + sl + n + 1);
    if (!d)
        return false;
    memcpy(d + old, sep, sl);
    size_t o = old + sl;
    for (size_t i = 0; i < n; i++) {
        if (src[i] == '\\' && i + 1 < n && src[i + 1] == 'n') {
            d[o++] = '\n';
            i++;
        } else {
            d[o++] = src[i];
        }
    }
    d[o] = '\0';
    *dst = d;
    return true;
}

/* Read the template text[0..len) (NUL-terminated) into t, whose file name is
 * set.  Returns 0, or -1 with diagnostics. */
static int parse(struct template *t, const char *text, size_t len, struct diag_list *dl)
{
    size_t errors = dl->errors;
    if (!textenc_utf8_valid(text, len)) {
        diag_error(dl, t->file, NULL, "template is not valid UTF-8");
        return -1;
    }
    size_t cap = 0;
    int lineno = 0;
    struct template_entry *cur = NULL;
    const char *p = text;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (*p) {
        const char *eol = strchr(p, '\n');
        if (!eol)
            eol = p + strlen(p);
        lineno++;
        const char *s = p, *e = eol;
        bool cont = (*s == ' ' || *s == '\t');
        trim(&s, &e);
        p = *eol ? eol + 1 : eol;
        if (s == e || *s == '#') {
            if (s == e)
                cur = NULL;
            continue;
        }
        if (cont) {
            if (!cur) {
                diag_add(dl, DIAG_ERROR, t->file, lineno, 1, NULL,
                         "indented line continues no value; start it with 'key ='");
                continue;
            }
            if (!append(&cur->value, " ", s, (size_t)(e - s)))
                goto oom;
            continue;
        }
        const char *eq = memchr(s, '=', (size_t)(e - s));
        const char *ke = eq ? eq : e;
        const char *ks = s;
        trim(&ks, &ke);
        bool good = eq && ke > ks;
        for (const char *k = ks; good && k < ke; k++)
            good = key_char(*k);
        if (!good) {
            diag_add(dl, DIAG_ERROR, t->file, lineno, 1, NULL,
                     "expected 'key = value' (keys use letters, digits, '.', '_' and '-')");
            cur = NULL;
            continue;
        }
        size_t kl = (size_t)(ke - ks);
        bool dup = false;
        for (size_t i = 0; i < t->n; i++)
            if (strlen(t->v[i].key) == kl && memcmp(t->v[i].key, ks, kl) == 0) {
                diag_add(dl, DIAG_ERROR, t->file, lineno, 1, t->v[i].key,
                         "key is already set on line %d", t->v[i].line);
                dup = true;
            }
        if (dup) {
            cur = NULL;
            continue;
        }
        if (t->n == cap) {
            cap = cap ? cap * 2 : 128;
            struct template_entry *nv = realloc(t->v, cap * sizeof *nv);
            if (!nv)
                goto oom;
            t->v = nv;
        }
        cur = &t->v[t->n];
        memset(cur, 0, sizeof *cur);
        cur->line = lineno;
        cur->key = strndup(ks, kl);
        t->n++;
        const char *vs = eq + 1, *ve = e;
        trim(&vs, &ve);
        if (!cur->key || !append(&cur->value, "", vs, (size_t)(ve - vs)))
            goto oom;
    }
    return dl->errors > errors ? -1 : 0;
oom:
    diag_error(dl, t->file, NULL, "out of memory");
    return -1;
}

int template_load(struct template *t, const char *dir, const char *lang, const char *name,
                  struct diag_list *dl)
{
    memset(t, 0, sizeof *t);
    size_t errors = dl->errors;
    if (!lang_ok(lang)) {
        diag_error(dl, NULL, "lang", "'%.20s' is not a language code; expected e.g. \"en\" or \"es\"", lang);
        return -1;
    }
    size_t plen = strlen(dir) + strlen(lang) + strlen(name) + 3;
    t->file = malloc(plen);
    if (!t->file) {
        diag_error(dl, NULL, NULL, "out of memory");
        return -1;
    }
    snprintf(t->file, plen, "%s/%s/%s", dir, lang, name);
    size_t len;
    char *text = read_file(t->file, &len, dl);
    if (!text)
        return -1;
    int rc = parse(t, text, len, dl);
    free(text);
    return rc != 0 || dl->errors > errors ? -1 : 0;
}

int template_load_builtin(struct template *t, const char *lang, const char *name, struct diag_list *dl)
{
    memset(t, 0, sizeof *t);
    const struct template_file *f = NULL, *en = NULL;
    for (size_t i = 0; i < template_n_files; i++) {
        if (strcmp(template_files[i].name, name) != 0)
            continue;
        if (lang && strcmp(template_files[i].lang, lang) == 0)
            f = &template_files[i];
        if (strcmp(template_files[i].lang, "en") == 0)
            en = &template_files[i];
    }
    if (!f)
        f = en;
    if (!f) {
        diag_error(dl, NULL, NULL, "internal error: templates/en/%s is not built in", name);
        return -1;
    }
    size_t plen = strlen(f->lang) + strlen(f->name) + sizeof "templates// (built in)";
    t->file = malloc(plen);
    if (!t->file) {
        diag_error(dl, NULL, NULL, "out of memory");
        return -1;
    }
    snprintf(t->file, plen, "templates/%s/%s (built in)", f->lang, f->name);
    return parse(t, f->text, f->len, dl);
}

const char *template_get(const struct template *t, const char *key)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i].key, key) == 0)
            return t->v[i].value;
    return NULL;
}

static const struct template_entry *find(const struct template *t, const char *key)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i].key, key) == 0)
            return &t->v[i];
    return NULL;
}

/* Is the placeholder name[0..n) one of the space-separated words in list? */
static bool in_list(const char *list, const char *name, size_t n)
{
    const char *p = list;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *w = p;
        while (*p && *p != ' ')
            p++;
        if ((size_t)(p - w) == n && n > 0 && memcmp(w, name, n) == 0)
            return true;
    }
    return false;
}

int template_check(const struct template *t, const struct template_key *keys, size_t n,
                   struct diag_list *dl)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const struct template_entry *e = find(t, keys[i].key);
        if (!e) {
            diag_error(dl, t->file, keys[i].key, "missing key '%s'", keys[i].key);
            rc = -1;
            continue;
        }
        for (const char *p = e->value; *p; p++) {
            if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
                p++;
                continue;
            }
            if (*p != '{')
                continue;
            const char *c = strchr(p, '}'), *o = strchr(p + 1, '{');
            if (!c || (o && o < c)) { /* "{version (effective {effective}" */
                diag_add(dl, DIAG_ERROR, t->file, e->line, 0, e->key, "'{' without a closing '}'");
                rc = -1;
                break;
            }
            if (!in_list(keys[i].placeholders, p + 1, (size_t)(c - p - 1))) {
                diag_add(dl, DIAG_ERROR, t->file, e->line, 0, e->key,
                         "unknown placeholder '{%.*s}'%s%s", (int)(c - p - 1 > 40 ? 40 : c - p - 1),
                         p + 1, *keys[i].placeholders ? "; this key knows " : "; this key takes none",
                         keys[i].placeholders);
                rc = -1;
            }
            p = c;
        }
    }
    for (size_t j = 0; j < t->n; j++) {
        bool known = false;
        for (size_t i = 0; i < n && !known; i++)
            known = strcmp(keys[i].key, t->v[j].key) == 0;
        if (!known)
            diag_add(dl, DIAG_WARNING, t->file, t->v[j].line, 0, t->v[j].key,
                     "key is not used by the document");
    }
    return rc;
}

char *template_expand(const struct template *t, const char *key, const struct template_var *vars,
                      size_t n_vars, struct diag_list *dl)
{
    const struct template_entry *e = find(t, key);
    if (!e) {
        diag_error(dl, t->file, key, "missing key '%s'", key);
        return NULL;
    }
    size_t cap = strlen(e->value) + 64, n = 0;
    char *out = malloc(cap);
    if (!out)
        goto oom;
    for (const char *p = e->value; *p;) {
        const char *piece = p;
        size_t plen = 1;
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            p += 2;
        } else if (*p == '{' && strchr(p, '}')) {
            const char *c = strchr(p, '}');
            size_t nl = (size_t)(c - p - 1);
            const struct template_var *v = NULL;
            for (size_t i = 0; i < n_vars && !v; i++)
                if (strlen(vars[i].name) == nl && memcmp(vars[i].name, p + 1, nl) == 0)
                    v = &vars[i];
            if (!v) {
                diag_add(dl, DIAG_ERROR, t->file, e->line, 0, e->key, "unknown placeholder '{%.*s}'",
                         (int)(nl > 40 ? 40 : nl), p + 1);
                free(out);
                return NULL;
            }
            piece = v->value ? v->value : "";
            plen = strlen(piece);
            p = c + 1;
        } else {
            p++;
        }
        if (n + plen + 1 > cap) {
            cap = (n + plen + 1) * 2;
            char *nb = realloc(out, cap);
            if (!nb)
                goto oom;
            out = nb;
        }
        memcpy(out + n, piece, plen);
        n += plen;
    }
    out[n] = '\0';
    return out;
oom:
    free(out);
    diag_error(dl, t->file, key, "out of memory");
    return NULL;
}

/* template_expand() with the placeholder values given as name, value, …,
 * NULL in ap. */
static char *expand_va(const struct template *t, struct diag_list *dl, const char *key, va_list ap)
{
    struct template_var v[TEMPLATE_MAX_PAIRS];
    size_t n = 0;
    for (const char *name; (name = va_arg(ap, const char *)) != NULL; n++) {
        if (n == TEMPLATE_MAX_PAIRS) {
            diag_error(dl, t->file, key, "internal error: more than %d placeholder values", TEMPLATE_MAX_PAIRS);
            return NULL;
        }
        v[n].name = name;
        v[n].value = va_arg(ap, const char *);
    }
    return template_expand(t, key, v, n, dl);
}

char *template_expand_pairs(const struct template *t, struct diag_list *dl, const char *key, ...)
{
    va_list ap;
    va_start(ap, key);
    char *s = expand_va(t, dl, key, ap);
    va_end(ap);
    return s;
}

void template_free(struct template *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].key);
        free(t->v[i].value);
    }
    free(t->v);
    free(t->file);
    memset(t, 0, sizeof *t);
}

/* ---- a document's words ------------------------------------------------------ */

const char *template_words_keep(struct template_words *w, char *s)
{
    if (!s) {
        w->failed = true;
        return "";
    }
    if (w->n_kept == w->cap_kept) {
        size_t cap = w->cap_kept ? w->cap_kept * 2 : 64;
        char **k = realloc(w->kept, cap * sizeof *k);
        if (!k) {
            free(s);
            w->failed = true;
            diag_error(w->dl, NULL, NULL, "out of memory");
            return "";
        }
        w->kept = k;
        w->cap_kept = cap;
    }
    w->kept[w->n_kept++] = s;
    return s;
}

const char *template_words_get(const struct template_words *w, const char *key)
{
    const char *v = template_get(w->t, key);
    return v ? v : "";
}

const char *template_words_expand(struct template_words *w, const char *key, ...)
{
    va_list ap;
    va_start(ap, key);
    char *s = expand_va(w->t, w->dl, key, ap);
    va_end(ap);
    return template_words_keep(w, s);
}

int template_words_init(struct template_words *w, const struct template *t, struct diag_list *dl)
{
    memset(w, 0, sizeof *w);
    w->t = t;
    w->dl = dl;
    const char *m = template_words_get(w, "date.months");
    size_t n = 0;
    while (*m && n < 12) {
        while (*m == ' ')
            m++;
        const char *e = strchr(m, ',');
        if (!e)
            e = m + strlen(m);
        const char *b = e;
        while (b > m && b[-1] == ' ')
            b--;
        w->months[n++] = template_words_keep(w, strndup(m, (size_t)(b - m)));
        m = *e ? e + 1 : e;
    }
    if (w->failed)
        return -1;
    if (n != 12 || *m) {
        diag_error(dl, t->file, "date.months", "expected the 12 month names separated by commas");
        return -1;
    }
    const char *d = template_words_get(w, "money.decimal"), *g = template_words_get(w, "money.group");
    if (strlen(d) != 1 || strlen(g) > 1 || (*g && *g == *d)) {
        diag_error(dl, t->file, "money.decimal",
                   "money.decimal must be one character and money.group one character or empty, and differ");
        return -1;
    }
    w->money = (struct money_style){ template_words_get(w, "money.symbol"), d[0], g[0] };
    return 0;
}

const char *template_words_date(struct template_words *w, rq_date d)
{
    int y, m, day;
    char ys[16], ds[8];
    date_ymd(d, &y, &m, &day);
    snprintf(ys, sizeof ys, "%d", y);
    snprintf(ds, sizeof ds, "%d", day);
    const char *month = w->months[(m - 1) % 12] ? w->months[(m - 1) % 12] : "";
    return template_words_expand(w, "date.long", "month", month, "day", ds, "year", ys, NULL);
}

const char *template_words_money(struct template_words *w, int64_t cents, bool symbol)
{
    char b[64];
    return template_words_keep(w, strdup(money_styled(cents, &w->money, symbol, b, sizeof b)));
}

void template_words_free(struct template_words *w)
{
    for (size_t i = 0; i < w->n_kept; i++)
        free(w->kept[i]);
    free(w->kept);
    memset(w, 0, sizeof *w);
}
