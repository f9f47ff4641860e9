#include "outdir.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"
#include "sha256.h"

/* Put the file written through of into place and free of: flushed and
 * closed; with sync, on disk first; then renamed over its name (replace)
 * or hard-linked to it, which never replaces a file (on a file system
 * without hard links: a look, then a rename).  Returns 0, 1 when a file is
 * there already (not replaced), or -1 with a diagnostic. */
static int place(struct outfile *of, bool sync, bool replace, struct diag_list *dl)
{
    int e = 0, rc = 0;
    if (fflush(of->f) != 0 || ferror(of->f) || (sync && fsync(fileno(of->f)) != 0))
        e = errno ? errno : EIO;
    if (fclose(of->f) != 0 && !e)
        e = errno;
    of->f = NULL;
    if (!e && replace) {
        if (rename(of->tmp, of->path) != 0)
            e = errno;
    } else if (!e && link(of->tmp, of->path) != 0) {
        if (errno == EEXIST)
            rc = 1;
        else if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS)
            e = errno;
        else if (access(of->path, F_OK) == 0)
            rc = 1;
        else if (rename(of->tmp, of->path) != 0)
            e = errno;
    }
    if (e)
        diag_error(dl, of->path, NULL, "cannot write: %s", strerror(e));
    outfile_abort(of);            /* removes the temporary name (a linked copy stays) */
    return e ? -1 : rc;
}

/* ---- the marker ------------------------------------------------------------ */

static void mark_path(const char *dir, char *out, size_t size)
{
    snprintf(out, size, "%s/" OUTDIR_MARK_NAME, dir);
}

void outdir_mark_free(struct outdir_mark *m)
{
    free(m->register_id);
    free(m->v);
    memset(m, 0, sizeof *m);
}

long long outdir_mark_seq(const struct outdir_mark *m, int year)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->v[i].year == year)
            return m->v[i].seq;
    return 0;
}

/* Set year's number in m to seq if that is higher.  Returns false when out
 * of memory. */
static bool mark_raise_one(struct outdir_mark *m, int year, long long seq)
{
    for (size_t i = 0; i < m->n; i++) {
        if (m->v[i].year == year) {
            if (seq > m->v[i].seq)
                m->v[i].seq = seq;
            return true;
        }
    }
    struct outdir_year *nv = realloc(m->v, (m->n + 1) * sizeof *nv);
    if (!nv)
        return false;
    m->v = nv;
    m->v[m->n++] = (struct outdir_year){ year, seq };
    return true;
}

/* Parse the marker's text into m.  Returns false when it is not one. */
static bool mark_parse(const char *text, struct outdir_mark *m)
{
    cJSON *root = cJSON_ParseWithOpts(text, NULL, 1);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "register");
    const cJSON *high = cJSON_GetObjectItemCaseSensitive(root, "highest");
    bool ok = cJSON_IsObject(root) && cJSON_IsString(id) && id->valuestring[0] && strlen(id->valuestring) <= 64 &&
              cJSON_IsObject(high) && (m->register_id = strdup(id->valuestring)) != NULL;
    const cJSON *y;
    cJSON_ArrayForEach(y, high) {
        char *end;
        long year = ok ? strtol(y->string, &end, 10) : 0;
        ok = ok && cJSON_IsNumber(y) && *end == '\0' && year >= 1 && year <= 9999 && y->valuedouble >= 0 &&
             y->valuedouble <= 1e15 && y->valuedouble == (double)(long long)y->valuedouble &&
             mark_raise_one(m, (int)year, (long long)y->valuedouble);
    }
    cJSON_Delete(root);
    if (!ok)
        outdir_mark_free(m);
    return ok;
}

int outdir_mark_read(const char *dir, struct outdir_mark *m, struct diag_list *dl)
{
    memset(m, 0, sizeof *m);
    char path[4200];
    mark_path(dir, path, sizeof path);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return 0;
        diag_error(dl, path, NULL, "cannot read the folder's marker: %s", strerror(errno));
        return -1;
    }
    char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, f);
    bool whole = feof(f) && !ferror(f);
    fclose(f);
    text[n] = '\0';
    if (!whole || strlen(text) != n || !mark_parse(text, m)) {
        diag_error(dl, path, NULL, "is not a marker regenquote wrote (it records which register issues into "
                                   "this folder, and how far); run 'regenquote repair' to write it again");
        return -1;
    }
    return 0;
}

/* Write m as dir's marker, whole: a temporary file renamed over it.  Not
 * synced (a second fsync per quote would cost issuing dearly): after a
 * power cut the marker may show an earlier state, lagging by the last
 * numbers (whose PDF copies still stop a register behind them), or be
 * unreadable (issuing then stops until 'regenquote repair' writes it
 * again); it never shows a number that was not given out. */
static int mark_write(const char *dir, const struct outdir_mark *m, struct diag_list *dl)
{
    char path[4200];
    mark_path(dir, path, sizeof path);
    cJSON *root = cJSON_CreateObject(), *high = cJSON_CreateObject();
    bool ok = root && high && cJSON_AddStringToObject(root, "register", m->register_id);
    for (size_t i = 0; ok && i < m->n; i++) {
        char year[16];
        snprintf(year, sizeof year, "%d", m->v[i].year);
        ok = cJSON_AddNumberToObject(high, year, (double)m->v[i].seq) != NULL;
    }
    ok = ok && cJSON_AddItemToObject(root, "highest", high);
    if (!ok)
        cJSON_Delete(high);
    char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!text) {
        diag_error(dl, path, NULL, "out of memory");
        return -1;
    }
    struct outfile of;
    int rc = -1;
    if (outfile_open(&of, path, dl) == 0) {
        fprintf(of.f, "%s\n", text);
        rc = place(&of, false, true, dl);
    }
    free(text);
    return rc;
}

int outdir_mark_raise(const char *dir, const char *register_id, const struct outdir_year *v, size_t n,
                      bool adopt, struct diag_list *dl)
{
    /* one writer at a time: concurrent issuers each merge their number */
    int lock = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (lock >= 0)
        flock(lock, LOCK_EX);     /* without a lock (a file system without flock) a marker may lag, never lie */
    struct outdir_mark m;
    struct diag_list quiet = { 0 };
    int rc = outdir_mark_read(dir, &m, adopt ? &quiet : dl);
    diag_list_free(&quiet);
    bool changed = false;
    if (rc != 0 && adopt) {
        memset(&m, 0, sizeof m);
        rc = 0;
    }
    if (rc == 0 && m.register_id && strcmp(m.register_id, register_id) != 0) {
        if (!adopt)
            rc = 1;
        free(m.register_id);
        m.register_id = NULL;
    }
    if (rc == 0 && !m.register_id) {
        changed = true;
        if (!(m.register_id = strdup(register_id))) {
            diag_error(dl, dir, NULL, "out of memory");
            rc = -1;
        }
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (v[i].seq > outdir_mark_seq(&m, v[i].year)) {
            changed = true;
            if (!mark_raise_one(&m, v[i].year, v[i].seq)) {
                diag_error(dl, dir, NULL, "out of memory");
                rc = -1;
            }
        }
    }
    if (rc == 0 && changed)
        rc = mark_write(dir, &m, dl);
    outdir_mark_free(&m);
    if (lock >= 0) {
        flock(lock, LOCK_UN);
        close(lock);
    }
    return rc;
}

/* ---- the copies ------------------------------------------------------------ */

/* Whether the file at path holds exactly b[0..len). */
static bool holds(const char *path, const unsigned char *b, size_t len)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 || (size_t)st.st_size != len)
        return false;
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    unsigned char buf[16384];
    size_t at = 0, got;
    bool same = true;
    while (same && (got = fread(buf, 1, sizeof buf, f)) > 0) {
        same = at + got <= len && !memcmp(buf, b + at, got);
        at += got;
    }
    same = same && at == len && !ferror(f);
    fclose(f);
    return same;
}

enum outdir_copy outdir_copy_state(const char *path, size_t len, const char *sha, bool verify)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? OUTDIR_MISSING : OUTDIR_DIFFERS;
    if (!S_ISREG(st.st_mode) || st.st_size < 0 || (size_t)st.st_size != len)
        return OUTDIR_DIFFERS;
    if (!verify)
        return OUTDIR_SAME;
    FILE *f = fopen(path, "rb");
    if (!f)
        return OUTDIR_DIFFERS;
    struct sha256 c;
    unsigned char buf[16384], d[32];
    size_t got;
    sha256_init(&c);
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        sha256_update(&c, buf, got);
    bool bad = ferror(f);
    fclose(f);
    sha256_final(&c, d);
    char hex[65];
    sha256_to_hex(d, hex);
    return !bad && !strcmp(hex, sha) ? OUTDIR_SAME : OUTDIR_DIFFERS;
}

int outdir_put_copy(const char *path, const unsigned char *b, size_t len, struct diag_list *dl)
{
    struct outfile of;
    if (outfile_open(&of, path, dl) != 0)
        return -1;
    fwrite(b, 1, len, of.f);      /* an error shows in ferror(), which place() checks */
    int rc = place(&of, true, false, dl);
    return rc == 1 ? (holds(path, b, len) ? 1 : 2) : rc;
}
