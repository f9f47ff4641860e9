#include "json_doc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "infile.h"

#include "money.h"

struct jpos {
    const cJSON *node;
    size_t off;
};

/* ---- position index ----------------------------------------------------- */

struct scan {
    const char *s;
    size_t len, i;
    size_t *offs;
    size_t n, cap;
    bool oom;
};

static void scan_ws(struct scan *sc)
{
    while (sc->i < sc->len && (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\t' ||
                               sc->s[sc->i] == '\n' || sc->s[sc->i] == '\r'))
        sc->i++;
}

static void scan_string(struct scan *sc)
{
    sc->i++; /* opening quote */
    while (sc->i < sc->len && sc->s[sc->i] != '"') {
        if (sc->s[sc->i] == '\\')
            sc->i++;
        sc->i++;
    }
    sc->i++; /* closing quote */
}

/* Records the offset of each value in pre-order, as cJSON builds its tree.
 * The text has already been accepted by cJSON, so no error handling. */
static void scan_value(struct scan *sc, int depth)
{
    scan_ws(sc);
    if (sc->i >= sc->len || depth > 2000)
        return;
    if (sc->n == sc->cap) {
        size_t ncap = sc->cap ? sc->cap * 2 : 64;
        size_t *no = realloc(sc->offs, ncap * sizeof *no);
        if (!no) {
            sc->oom = true;
            return;
        }
        sc->offs = no;
        sc->cap = ncap;
    }
    sc->offs[sc->n++] = sc->i;
    char c = sc->s[sc->i];
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        sc->i++;
        scan_ws(sc);
        if (sc->i < sc->len && sc->s[sc->i] == close) {
            sc->i++;
            return;
        }
        while (sc->i < sc->len && !sc->oom) {
            if (c == '{') {
                scan_ws(sc);
                scan_string(sc);
                scan_ws(sc);
                sc->i++; /* ':' */
            }
            scan_value(sc, depth + 1);
            scan_ws(sc);
            if (sc->i < sc->len && sc->s[sc->i] == ',') {
                sc->i++;
                continue;
            }
            sc->i++; /* close */
            return;
        }
    } else if (c == '"') {
        scan_string(sc);
    } else if (c == 't' || c == 'n') {
        sc->i += 4;
    } else if (c == 'f') {
        sc->i += 5;
    } else {
        while (sc->i < sc->len && strchr("0123456789+-eE.", sc->s[sc->i]) && sc->s[sc->i])
            sc->i++;
    }
}

static void collect_nodes(const cJSON *node, const cJSON ***v, size_t *n, size_t *cap, bool *oom)
{
    for (; node; node = node->next) {
        if (*n == *cap) {
            size_t ncap = *cap ? *cap * 2 : 64;
            const cJSON **nv = realloc(*v, ncap * sizeof *nv);
            if (!nv) {
                *oom = true;
                return;
            }
            *v = nv;
            *cap = ncap;
        }
        (*v)[(*n)++] = node;
        if (node->child)
            collect_nodes(node->child, v, n, cap, oom);
    }
}

static int cmp_pos(const void *a, const void *b)
{
    const struct jpos *x = a, *y = b;
    return (x->node > y->node) - (x->node < y->node);
}

static void build_index(struct jdoc *doc, size_t start)
{
    struct scan sc = { .s = doc->text, .len = doc->len, .i = start };
    scan_value(&sc, 0);
    const cJSON **nodes = NULL;
    size_t n = 0, cap = 0;
    bool oom = sc.oom;
    if (!oom) {
        /* cJSON's root has no siblings; walk root then children. */
        if (n == cap) {
            cap = 64;
            nodes = malloc(cap * sizeof *nodes);
            oom = !nodes;
        }
        if (!oom) {
            nodes[n++] = doc->root;
            if (doc->root->child)
                collect_nodes(doc->root->child, &nodes, &n, &cap, &oom);
        }
    }
    if (!oom && n == sc.n) {
        doc->pos = malloc(n * sizeof *doc->pos);
        if (doc->pos) {
            for (size_t k = 0; k < n; k++) {
                doc->pos[k].node = nodes[k];
                doc->pos[k].off = sc.offs[k];
            }
            doc->npos = n;
            qsort(doc->pos, n, sizeof *doc->pos, cmp_pos);
        }
    }
    free(nodes);
    free(sc.offs);
}

/* ---- loading ----------------------------------------------------------- */

static void offset_to_linecol(const char *text, size_t len, size_t off, int *line, int *col)
{
    int l = 1, c = 1;
    if (off > len)
        off = len;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

/* Returns the offset of the first invalid UTF-8 byte, or len if valid. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return i;
        }
        for (size_t k = 1; k <= n; k++) {
            if (i + k >= len || (s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n + 1;
    }
    return len;
}

/* Brackets open at byte n of s (outside strings): how deep a syntax error
 * stands, to tell too deep nesting from other mistakes. */
static int depth_at(const char *s, size_t n)
{
    int depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        if (in_str) {
            if (s[i] == '\\')
                i++;
            else if (s[i] == '"')
                in_str = false;
        } else if (s[i] == '"') {
            in_str = true;
        } else if (s[i] == '[' || s[i] == '{') {
            depth++;
        } else if ((s[i] == ']' || s[i] == '}') && depth > 0) {
            depth--;
        }
    }
    return depth;
}

/* Does the text end inside a string (a truncated file, or a lost quote)? */
static bool ends_in_string(const char *s, size_t n)
{
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        if (in_str && s[i] == '\\')
            i++;
        else if (s[i] == '"')
            in_str = !in_str;
    }
    return in_str;
}

int jdoc_parse(struct jdoc *doc, const char *name, const char *text, size_t len,
               struct diag_list *dl)
{
    memset(doc, 0, sizeof *doc);
    doc->name = strdup(name ? name : "-");
    doc->text = malloc(len + 1);
    if (!doc->name || !doc->text) {
        diag_error(dl, name, NULL, "out of memory");
        jdoc_free(doc);
        return -1;
    }
    memcpy(doc->text, text, len);
    doc->text[len] = '\0';
    doc->len = len;

    size_t start = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        start = 3;
    int line, col;
    const char *nul = memchr(doc->text, '\0', len);
    if (nul) {
        offset_to_linecol(doc->text, len, (size_t)(nul - doc->text), &line, &col);
        diag_add(dl, DIAG_ERROR, doc->name, line, col, NULL,
                 "contains a NUL byte; expected UTF-8 text");
        goto fail;
    }
    size_t bad = utf8_invalid_at((const unsigned char *)doc->text, len);
    if (bad < len) {
        offset_to_linecol(doc->text, len, bad, &line, &col);
        diag_add(dl, DIAG_ERROR, doc->name, line, col, NULL,
                 "invalid UTF-8 byte 0x%02X; save the file as UTF-8",
                 (unsigned char)doc->text[bad]);
        goto fail;
    }
    size_t k = start;
    while (k < len && strchr(" \t\r\n", doc->text[k]))
        k++;
    if (k == len) {
        diag_add(dl, DIAG_ERROR, doc->name, 0, 0, NULL, "is empty; expected a JSON object");
        goto fail;
    }
    const char *end = NULL;
    doc->root = cJSON_ParseWithLengthOpts(doc->text + start, len - start + 1, &end, 1);
    if (!doc->root) {
        size_t off = end ? (size_t)(end - doc->text) : len;
        offset_to_linecol(doc->text, len, off, &line, &col);
        cJSON *lead = NULL;
        if (off >= len || ends_in_string(doc->text + start, len - start))
            diag_add(dl, DIAG_ERROR, doc->name, line, col, NULL,
                     "JSON ends too early (a missing '}', ']' or '\"'?)");
        else if (depth_at(doc->text + start, off - start) >= CJSON_NESTING_LIMIT)
            diag_add(dl, DIAG_ERROR, doc->name, line, col, NULL,
                     "JSON is nested more than %d levels deep", CJSON_NESTING_LIMIT);
        else if ((lead = cJSON_ParseWithLengthOpts(doc->text + start, len - start + 1, NULL, 0))) {
            /* A whole value parses; what follows it is the mistake. */
            cJSON_Delete(lead);
            diag_add(dl, DIAG_ERROR, doc->name, line, col, NULL,
                     "JSON syntax error: unexpected text after the end of the JSON value");
        } else
            diag_add(dl, DIAG_ERROR, doc->name, line, col, NULL,
                     "JSON syntax error: expected a value, ',' or a closing bracket here");
        goto fail;
    }
    build_index(doc, start);
    return 0;
fail:
    jdoc_free(doc);
    return -1;
}

static int load(struct jdoc *doc, const char *path, bool named, struct diag_list *dl)
{
    memset(doc, 0, sizeof *doc);
    FILE *f = named ? infile_open_named(path, NULL, "a JSON file", dl) : infile_open(path, NULL, "a JSON file", dl);
    if (!f)
        return -1;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && st.st_size > (off_t)JDOC_MAX_BYTES) {
        fclose(f);
        diag_error(dl, path, NULL, "is larger than the %u MiB limit for JSON files",
                   JDOC_MAX_BYTES / (1024u * 1024u));
        return -1;
    }
    size_t cap = 8192, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (len == cap) {
            if (cap > JDOC_MAX_BYTES)
                break;
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    bool rerr = ferror(f);
    fclose(f);
    if (!buf) {
        diag_error(dl, path, NULL, "out of memory");
        return -1;
    }
    if (rerr) {
        free(buf);
        diag_error(dl, path, NULL, "cannot read: %s", strerror(errno));
        return -1;
    }
    if (len > JDOC_MAX_BYTES) {
        free(buf);
        diag_error(dl, path, NULL, "is larger than the %u MiB limit for JSON files",
                   JDOC_MAX_BYTES / (1024u * 1024u));
        return -1;
    }
    int rc = jdoc_parse(doc, path, buf, len, dl);
    free(buf);
    return rc;
}

int jdoc_load_file(struct jdoc *doc, const char *path, struct diag_list *dl)
{
    return load(doc, path, false, dl);
}

int jdoc_load_named(struct jdoc *doc, const char *path, struct diag_list *dl)
{
    return load(doc, path, true, dl);
}

void jdoc_free(struct jdoc *doc)
{
    if (doc->root)
        cJSON_Delete(doc->root);
    free(doc->pos);
    free(doc->text);
    free(doc->name);
    memset(doc, 0, sizeof *doc);
}

static const struct jpos *find_pos(const struct jdoc *doc, const cJSON *node)
{
    if (!doc || !node || !doc->pos)
        return NULL;
    struct jpos key = { .node = node };
    return bsearch(&key, doc->pos, doc->npos, sizeof key, cmp_pos);
}

void jdoc_where(const struct jdoc *doc, const cJSON *node, int *line, int *col)
{
    const struct jpos *p = find_pos(doc, node);
    if (!p) {
        *line = *col = 0;
        return;
    }
    offset_to_linecol(doc->text, doc->len, p->off, line, col);
}

void jdoc_diag(const struct jdoc *doc, struct diag_list *dl, enum diag_severity sev,
               const cJSON *node, const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line = 0, col = 0;
    jdoc_where(doc, node, &line, &col);
    diag_add(dl, sev, doc ? doc->name : NULL, line, col, path, "%s", msg);
}

const char *jdoc_number_text(const struct jdoc *doc, const cJSON *node, size_t *len)
{
    const struct jpos *p = find_pos(doc, node);
    if (!p) {
        *len = 0;
        return "";
    }
    const char *s = doc->text + p->off;
    size_t n = 0;
    while (s[n] && strchr("0123456789+-eE.", s[n]))
        n++;
    *len = n;
    return s;
}

/* ---- typed getters ----------------------------------------------------- */

char *jpath_key(char *buf, size_t size, const char *parent, const char *key)
{
    if (parent && *parent)
        snprintf(buf, size, "%s.%s", parent, key);
    else
        snprintf(buf, size, "%s", key);
    return buf;
}

char *jpath_idx(char *buf, size_t size, const char *parent, int i)
{
    snprintf(buf, size, "%s[%d]", parent ? parent : "", i);
    return buf;
}

cJSON *jr_member(const cJSON *obj, const char *key)
{
    if (!obj || !cJSON_IsObject(obj))
        return NULL;
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static const char *type_name(const cJSON *n)
{
    if (cJSON_IsNull(n)) return "null";
    if (cJSON_IsBool(n)) return "true/false";
    if (cJSON_IsNumber(n)) return "a number";
    if (cJSON_IsString(n)) return "a string";
    if (cJSON_IsArray(n)) return "an array";
    if (cJSON_IsObject(n)) return "an object";
    return "something else";
}

/* Common prelude: finds obj.key; returns the node, or NULL when absent
 * (reporting it if required). *ok is false on a reported error.  The path
 * "path.key" is only written into pbuf when something is reported (PATH). */
#define PATH jpath_key(pbuf, sizeof pbuf, path, key)
static const cJSON *get(struct jreader *r, const cJSON *obj, const char *path,
                        const char *key, bool required, bool *ok)
{
    char pbuf[256];
    const cJSON *n = jr_member(obj, key);
    *ok = true;
    if (!n && required) {
        jdoc_diag(r->doc, r->dl, DIAG_ERROR, obj, PATH, "is missing; it is required");
        *ok = false;
    }
    return n;
}

bool jr_string(struct jreader *r, const cJSON *obj, const char *path, const char *key,
               bool required, const char **out)
{
    char pbuf[256];
    bool ok;
    const cJSON *n = get(r, obj, path, key, required, &ok);
    if (!n)
        return ok;
    if (!cJSON_IsString(n)) {
        jdoc_diag(r->doc, r->dl, DIAG_ERROR, n, PATH, "expected a string, found %s", type_name(n));
        return false;
    }
    if (required && n->valuestring[0] == '\0') {
        jdoc_diag(r->doc, r->dl, DIAG_ERROR, n, PATH, "is empty; expected some text");
        return false;
    }
    *out = n->valuestring;
    return true;
}

/* The text of a decimal given as a string or as a JSON number (read from
 * the source, never through a double); reports anything else as not being
 * `what` ("an amount such as \"1250.00\""). */
static bool decimal_text(struct jreader *r, const cJSON *n, const char *p, const char *what,
                         const char **s, size_t *len)
{
    if (cJSON_IsString(n)) {
        *s = n->valuestring;
        *len = strlen(*s);
        return true;
    }
    if (cJSON_IsNumber(n)) {
        *s = jdoc_number_text(r->doc, n, len);
        return true;
    }
    jdoc_diag(r->doc, r->dl, DIAG_ERROR, n, p, "expected %s, found %s", what, type_name(n));
    return false;
}

bool jr_money_node(struct jreader *r, const cJSON *n, const char *p, bool allow_negative,
                   int64_t *out)
{
    const char *s;
    size_t len;
    if (!decimal_text(r, n, p, "an amount such as \"1250.00\"", &s, &len))
        return false;
    int64_t v;
    enum money_status st = money_parse(s, len, allow_negative, &v);
    if (st != MONEY_OK) {
        if (st == MONEY_RANGE && len > 0 && s[0] == '-')
            jdoc_diag(r->doc, r->dl, DIAG_ERROR, n, p, "'%.*s' is negative; expected 0 or more",
                      (int)(len > 40 ? 40 : len), s);
        else
            jdoc_diag(r->doc, r->dl, DIAG_ERROR, n, p, "'%.*s' %s", (int)(len > 40 ? 40 : len), s,
                      money_status_str(st));
        return false;
    }
    *out = v;
    return true;
}

bool jr_money(struct jreader *r, const cJSON *obj, const char *path, const char *key,
              bool required, bool allow_negative, int64_t *out)
{
    char pbuf[256];
    bool ok;
    const cJSON *n = get(r, obj, path, key, required, &ok);
    if (!n)
        return ok;
    return jr_money_node(r, n, PATH, allow_negative, out);
}

bool jr_percent(struct jreader *r, const cJSON *obj, const char *path, const char *key,
                bool required, int32_t *bp_out)
{
    char pbuf[256];
    bool ok;
    const cJSON *n = get(r, obj, path, key, required, &ok);
    if (!n)
        return ok;
    const char *p = PATH;
    const char *s;
    size_t len;
    if (!decimal_text(r, n, p, "a percentage such as \"8.25\"", &s, &len))
        return false;
    if (percent_parse(s, len, bp_out) != MONEY_OK) {
        jdoc_diag(r->doc, r->dl, DIAG_ERROR, n, p,
                  "'%.*s' is not a percentage from 0 to 100 with at most two decimals",
                  (int)(len > 40 ? 40 : len), s);
        return false;
    }
    return true;
}

bool jr_int_node(struct jreader *r, const cJSON *n, const char *p, long min, long max, int *out)
{
    if (!cJSON_IsNumber(n)) {
        jdoc_diag(r->doc, r->dl, DIAG_ERROR, n, p, "expected a whole number, found %s",
                  type_name(n));
        return false;
    }
    size_t len;
    const char *s = jdoc_number_text(r->doc, n, &len);
    bool whole = len > 0;
    size_t i = (len > 0 && s[0] == '-') ? 1 : 0;
    if (i == len)
        whole = false;
    for (; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            whole = false;
    if (!whole) {
        jdoc_diag(r->doc, r->dl, DIAG_ERROR, n, p, "'%.*s' is not a whole number",
                  (int)(len > 40 ? 40 : len), s);
        return false;
    }
    errno = 0;
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%.*s", (int)(len > 40 ? 40 : len), s);
    long v = strtol(tmp, NULL, 10);
    if (errno || len > 40 || v < min || v > max) {
        jdoc_diag(r->doc, r->dl, DIAG_ERROR, n, p, "%s is out of range; expected %ld to %ld",
                  tmp, min, max);
        return false;
    }
    *out = (int)v;
    return true;
}

bool jr_int(struct jreader *r, const cJSON *obj, const char *path, const char *key,
            bool required, long min, long max, int *out)
{
    char pbuf[256];
    bool ok;
    const cJSON *n = get(r, obj, path, key, required, &ok);
    if (!n)
        return ok;
    return jr_int_node(r, n, PATH, min, max, out);
}

bool jr_bool(struct jreader *r, const cJSON *obj, const char *path, const char *key,
             bool required, bool *out)
{
    char pbuf[256];
    bool ok;
    const cJSON *n = get(r, obj, path, key, required, &ok);
    if (!n)
        return ok;
    if (!cJSON_IsBool(n)) {
        jdoc_diag(r->doc, r->dl, DIAG_ERROR, n, PATH, "expected true or false, found %s",
                  type_name(n));
        return false;
    }
    *out = cJSON_IsTrue(n);
    return true;
}

static bool get_typed(struct jreader *r, const cJSON *obj, const char *path, const char *key,
                      bool required, const cJSON **out, bool want_object)
{
    char pbuf[256];
    bool ok;
    const cJSON *n = get(r, obj, path, key, required, &ok);
    if (!n)
        return ok;
    if (want_object ? !cJSON_IsObject(n) : !cJSON_IsArray(n)) {
        jdoc_diag(r->doc, r->dl, DIAG_ERROR, n, PATH, "expected %s, found %s",
                  want_object ? "an object { … }" : "an array [ … ]", type_name(n));
        return false;
    }
    *out = n;
    return true;
}

bool jr_object(struct jreader *r, const cJSON *obj, const char *path, const char *key,
               bool required, const cJSON **out)
{
    return get_typed(r, obj, path, key, required, out, true);
}

bool jr_array(struct jreader *r, const cJSON *obj, const char *path, const char *key,
              bool required, const cJSON **out)
{
    return get_typed(r, obj, path, key, required, out, false);
}

/* Optimal string alignment distance: insertions, deletions, substitutions
 * and swaps of two neighbours ("unti" -> "unit") each count one. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

const char *jr_suggest(const char *word, const char *const candidates[], size_t n)
{
    const char *best = NULL;
    size_t bestd = 3;
    size_t wl = strlen(word);
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(word, candidates[i]);
        size_t limit = wl <= 4 ? 1 : 2;
        if (d <= limit && d < bestd) {
            bestd = d;
            best = candidates[i];
        }
    }
    return best;
}

bool jr_check_keys(struct jreader *r, const cJSON *obj, const char *path,
                   const char *const allowed[])
{
    bool ok = true;
    size_t nallowed = 0;
    while (allowed[nallowed])
        nallowed++;
    for (const cJSON *c = obj ? obj->child : NULL; c; c = c->next) {
        char pbuf[256];
        const char *key = c->string;
        bool known = false;
        for (size_t i = 0; i < nallowed && !known; i++)
            known = strcmp(key, allowed[i]) == 0;
        if (!known) {
            const char *hint = jr_suggest(key, allowed, nallowed);
            if (hint)
                jdoc_diag(r->doc, r->dl, DIAG_ERROR, c, PATH, "unknown key; did you mean '%s'?", hint);
            else
                jdoc_diag(r->doc, r->dl, DIAG_ERROR, c, PATH, "unknown key");
            ok = false;
        }
        for (const cJSON *d = obj->child; d != c; d = d->next)
            if (strcmp(d->string, key) == 0) {
                int line, col;
                jdoc_where(r->doc, d, &line, &col);
                jdoc_diag(r->doc, r->dl, DIAG_ERROR, c, PATH, "duplicate key (first given at line %d)",
                          line);
                ok = false;
                break;
            }
    }
    return ok;
}
