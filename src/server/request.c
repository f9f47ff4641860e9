/* request — one request's context and what its handler takes from it
 * (request.h). */
#include "request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conns.h"
#include "http.h"
#include "regpool.h"
#include "server_int.h"
#include "tables.h"

struct req *req_new(struct server *s, struct MHD_Connection *c, const char *method, const char *url)
{
    struct req *rq = calloc(1, sizeof *rq);
    if (!rq)
        return NULL;
    rq->s = s;
    rq->c = c;
    rq->ret = MHD_YES;
    clock_gettime(CLOCK_MONOTONIC, &rq->start);
    snprintf(rq->method, sizeof rq->method, "%.7s", method);
    http_log_path(url, rq->path, sizeof rq->path);
    http_client_addr(c, rq->addr, sizeof rq->addr);
    rq->conn = conns_of(c);
    plan_init(&rq->plan);
    return rq;
}

int req_add_body(struct req *rq, const char *data, size_t n)
{
    if (strcmp(rq->method, "POST") != 0) {
        rq->get_body = true;
        return 0;
    }
    if (rq->too_large || rq->len + n > rq->s->max_body) {
        rq->too_large = true;
        return 0;
    }
    if (rq->len + n + 1 > rq->cap) {
        size_t cap = rq->cap ? rq->cap : 4096;
        while (cap < rq->len + n + 1)
            cap *= 2;
        char *nb = realloc(rq->body, cap);
        if (!nb)
            return -1;
        rq->body = nb;
        rq->cap = cap;
    }
    memcpy(rq->body + rq->len, data, n);
    rq->len += n;
    rq->body[rq->len] = '\0';
    return 0;
}

struct reg *req_register(struct req *rq)
{
    if (!rq->reg && !(rq->reg = regpool_take(rq->s->regs, &rq->dl)))
        req_fail(rq, 500);
    return rq->reg;
}

struct reg_entry *req_entry(struct req *rq, bool with_pdf)
{
    if (rq->entry.number)
        return &rq->entry;
    struct reg *r = req_register(rq);
    if (!r)
        return NULL;
    struct diag_list dl = { 0 };
    int rc = register_get(r, rq->number, with_pdf, &rq->entry, &dl);
    if (rc == 1)
        http_send_error(rq, 404, NULL, NULL, NULL, "there is no quote '%s' in the register", rq->number);
    else if (rc != 0)
        http_send_diags(rq, 500, &dl);
    diag_list_free(&dl);
    return rc == 0 ? &rq->entry : NULL;
}

struct table_slot *req_tables(struct req *rq)
{
    if (!rq->slot && !(rq->slot = tables_acquire(rq->s->tables, rq->today, &rq->dl)))
        req_fail(rq, 500);
    return rq->slot;
}

struct plan *req_plan(struct req *rq)
{
    if (!http_body_is_json(rq))
        return NULL;
    if (plan_load_text(&rq->plan, "request", rq->body, rq->len, &rq->dl) != 0) {
        req_fail(rq, 422);
        return NULL;
    }
    return &rq->plan;
}

cJSON *req_object(struct req *rq, bool blank_ok)
{
    if (!rq->obj)
        rq->obj = http_body_object(rq, blank_ok);
    return rq->obj;
}

const char *req_actor(const struct req *rq)
{
    return rq->authed ? rq->who.name : "-";
}

void req_fail(struct req *rq, unsigned status)
{
    http_send_diags(rq, status, &rq->dl);
}

void req_end(struct req *rq)
{
    tables_release(rq->s->tables, rq->slot);
    rq->slot = NULL;
    regpool_give(rq->s->regs, rq->reg);
    rq->reg = NULL;
    reg_entry_free(&rq->entry);
    plan_free(&rq->plan);
    plan_init(&rq->plan);
    cJSON_Delete(rq->obj);
    rq->obj = NULL;
    diag_list_free(&rq->dl);
}

void req_free(struct req *rq)
{
    if (!rq)
        return;
    req_end(rq);
    free(rq->body);
    free(rq);
}
