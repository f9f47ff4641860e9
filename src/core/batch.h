/* batch — many requests in one process: a JSON Lines file (one request per
 * line; blank lines and lines starting with '#' are skipped) or a folder of
 * *.json request files (in name order), each priced and rendered, or issued
 * into the register, with the tables loaded once.
 *
 * Memory: a batch_reader owns its file handle and the current item's
 * strings until the next call or batch_reader_close(). */
#ifndef RQ_BATCH_H
#define RQ_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "date.h"
#include "diag.h"
#include "price_table.h"
#include "outfile.h"
#include "register.h"

/* Longest request line accepted in a JSON Lines file. */
#define BATCH_MAX_LINE (1024u * 1024u)

struct batch_reader {
    FILE *f;                     /* JSON Lines */
    char **files;                /* folder entries, sorted */
    size_t n_files, next_file;
    char *path;
    long line;                   /* current line (JSONL) */
    char *buf;
    size_t cap;
    char name[4200];             /* "file:line" or the file's path */
};

struct batch_item {
    size_t index;                /* 0-based position in the batch */
    const char *file;            /* the JSONL file or the request file */
    long line;                   /* 1-based line in a JSONL file, 0 for a folder */
    const char *name;            /* for messages: "requests.jsonl:12" */
    const char *text;            /* the request JSON */
    size_t len;
};

/* Open a JSONL file or a folder of .json files.  Both are read without
 * ever waiting: the JSONL file and every request in the folder must be
 * regular files (a FIFO is refused as a failed item, infile.h).  Returns 0
 * or -1. */
int batch_reader_open(struct batch_reader *r, const char *path, struct diag_list *dl);
/* Next request: 1 and *it filled (valid until the next call), 0 at the end,
 * -1 on a read error (line too long: the item is reported, reading goes on). */
int batch_reader_next(struct batch_reader *r, struct batch_item *it, struct diag_list *dl);
void batch_reader_close(struct batch_reader *r);

enum batch_mode { BATCH_PRICE_PDF, BATCH_PRICE_JSON, BATCH_PRICE_ONLY, BATCH_ISSUE };

struct batch_opts {
    enum batch_mode mode;
    const char *out_dir;         /* PDFs / JSON go here */
    const char *templates_dir;
    bool a4;
    const char *actor;
    const char *desk;            /* the front desk, kept with each quote issued, or NULL */
    rq_date issued;
    struct render_cache *cache;  /* optional: templates read once (render_pdf.h) */
    bool uncompressed;           /* PDFs about 2.8 times larger, made 1.6 times faster */
    struct outfile_group *group; /* optional: files made durable together; they
                                  * are in place after outfile_group_flush() */
};

struct batch_result {
    bool ok;
    bool already_issued;         /* BATCH_ISSUE: issued before, as number */
    int64_t total_cents;
    char number[96];             /* issued quote number, or "" */
    char path[4200];             /* file written, or "" */
};

/* Process one request (pt is switched to the request's language).  reg is
 * used in BATCH_ISSUE mode only, where a request is issued once: its
 * "idempotency_key", or else "sha256:" and the SHA-256 of its canonical form
 * (plan_to_json), is stored with the quote, and a request whose key is
 * already in the register is not issued again (res->already_issued, with
 * that quote's number).  Returns 0 and fills *res, or -1 with the problems
 * in dl (messages name it->name). */
int batch_process(struct price_table *pt, struct reg *reg, const struct batch_opts *o,
                  const struct batch_item *it, struct batch_result *res, struct diag_list *dl);

#endif
