/* render_poster — a state's stem-cell notice as a wall poster (render_poster.h). */
#include "render_poster.h"

#include <stdlib.h>
#include <string.h>

#include "canvas.h"

static const struct canvas_rgb INK = {0, 0, 0};
static const struct canvas_rgb MUTED = {0.35f, 0.35f, 0.35f};

/* How many lines n->text takes at size, in width w. */
static size_t lines_at(struct canvas *cv, const char *s, float size, float w, struct canvas_lines *l)
{
    canvas_wrap(cv, CANVAS_BOLD, size, s, w, l);
    return l->n;
}

int render_poster_mem(const struct notice *n, const char *font_path, bool a4, unsigned char **buf,
                      size_t *len, struct diag_list *dl)
{
    *buf = NULL;
    *len = 0;
    if (n->is_template) {
        diag_error(dl, NULL, n->state, "the %s notice is a template; fill in the statute's words first",
                   n->state_name ? n->state_name : n->state);
        return -1;
    }
    float pw = a4 ? 595.276f : 612.0f, ph = a4 ? 841.89f : 792.0f;
    float margin = 36, w = pw - 2 * margin, foot = 30;
    struct canvas cv;
    struct canvas_lines l = { 0 };
    memset(&cv, 0, sizeof cv);
    int rc = -1;
    if (canvas_open(&cv, pw, ph, font_path, dl) != 0)
        goto out;
    if (canvas_check_text(&cv, n->text, "notices.json", n->state, dl) != 0 ||
        canvas_check_text(&cv, n->citation, "notices.json", n->state, dl) != 0)
        goto out;
    /* The largest size from 40 points up (in half points) that fits one
     * sheet; 40 points when none does (then it goes on over sheets). */
    float size = POSTER_MIN_POINTS, room = ph - 2 * margin - foot;
    for (float s = 72; s >= POSTER_MIN_POINTS; s -= 0.5f)
        if ((float)lines_at(&cv, n->text, s, w, &l) * s * 1.15f <= room) {
            size = s;
            break;
        }
    canvas_info(&cv, HPDF_INFO_TITLE, n->citation);
    canvas_info(&cv, HPDF_INFO_CREATOR, "regenquote");
    lines_at(&cv, n->text, size, w, &l);
    float lead = size * 1.15f, y = 0;
    for (size_t i = 0; i < l.n; i++) {
        if (i == 0 || y - lead < margin + foot) {
            canvas_add_page(&cv);
            canvas_text(&cv, NULL, margin, margin, CANVAS_REGULAR, 12, MUTED, n->citation,
                        strlen(n->citation));
            y = ph - margin;
        }
        canvas_text(&cv, NULL, margin, y - size, CANVAS_BOLD, size, INK, n->text + l.v[i].off,
                    l.v[i].len);
        y -= lead;
    }
    rc = canvas_finish(&cv, buf, len, dl);
out:
    canvas_lines_free(&l);
    canvas_free(&cv);
    return rc;
}
