/* GET /api/quotes/{number}/html: an issued quote as the patient's HTML
 * estimate (render_html.h), made from the quote JSON the register keeps,
 * in the quote's language; ?large-print=1 for 18 pt text.  Behind the login
 * like every route that is not ROUTE_OPEN (docs/api.md). */
#include "handlers.h"

#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "register.h"
#include "render_html.h"
#include "server_int.h"

/* The page carries its own style sheet inline (it must stand alone when
 * saved or printed), which the server's usual policy (default-src 'self')
 * would block: this answer has a policy of its own, stricter otherwise
 * (nothing may be loaded, no script at all), with the other security
 * headers of every answer (HTTP_ESTIMATE in http.c). */
void api_html(struct req *rq)
{
    struct reg_entry *e = req_entry(rq, false);
    if (!e)
        return;
    if (!e->quote_json) {
        http_send_error(rq, 500, NULL, NULL, NULL, "quote %s has no stored quote; the register is damaged",
                        rq->number);
        return;
    }
    const char *lp = MHD_lookup_connection_value(rq->c, MHD_GET_ARGUMENT_KIND, "large-print");
    struct html_opts o = { .lang = e->language, .templates_dir = rq->s->templates_dir,
                           .quote_number = e->number, .supersedes = e->supersedes,
                           .large_print = lp && strcmp(lp, "0") != 0 };
    char *page = NULL;
    size_t len = 0;
    if (render_html(e->quote_json, &o, &page, &len, &rq->dl) != 0) {
        http_send_diags(rq, 500, &rq->dl);
        return;
    }
    http_send(rq, 200, "text/html; charset=utf-8", HTTP_ESTIMATE, page, len, NULL, NULL);
}
