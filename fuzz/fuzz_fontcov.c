/* Fuzz the TrueType character-map reader (src/core/fontcov.h) and the
 * tables read to embed the font (src/core/ttfont.h): any bytes as the
 * fallback font file, whose cmap decides which characters can be printed
 * and whose glyphs are cut out for the PDF. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fontcov.h"
#include "ttfont.h"

static char font_tmp[64];

static void remove_font_tmp(void)
{
    if (font_tmp[0])
        unlink(font_tmp);
}

/* One input; returns 0 (libFuzzer's convention).  Aborts on a broken
 * invariant so the fuzzer and the regression test see a crash. */
int fuzz_fontcov_one(const uint8_t *data, size_t size);

int fuzz_fontcov_one(const uint8_t *data, size_t size)
{
    if (!font_tmp[0]) {
        snprintf(font_tmp, sizeof font_tmp, "/tmp/rq-fuzz-font-%ld.ttf", (long)getpid());
        atexit(remove_font_tmp);
    }
    FILE *f = fopen(font_tmp, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        abort();
    struct fontcov fc;
    struct diag_list dl = { 0 };
    if (fontcov_load(&fc, font_tmp, &dl) == 0) {
        static const uint32_t probe[] = { 'A', 0xE9, 0x1EA1, 0xFFFF, 0x10000, 0x1F600 };
        for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++)
            (void)fontcov_has(&fc, probe[i]);
        struct ttfont tf;
        if (ttfont_open(&tf, &fc, font_tmp, &dl) == 0) {
            /* every glyph the cmap names, and the first few by number */
            uint8_t *keep = calloc((tf.n_glyphs + 7) / 8, 1);
            if (!keep)
                abort();
            for (uint32_t cp = 0; cp < 0x10000; cp++) {
                unsigned g = fontcov_glyph(&fc, cp);
                (void)ttfont_width(&tf, g);
                if (g < tf.n_glyphs)
                    keep[g >> 3] |= (uint8_t)(1u << (g & 7));
            }
            keep[0] |= 0x0F;
            if (tf.n_glyphs < 4)
                keep[0] &= (uint8_t)((1u << tf.n_glyphs) - 1);
            size_t len;
            unsigned char *prog = ttfont_subset(&tf, keep, &len);
            if (!prog || len < 12)
                abort();
            free(prog);
            free(keep);
        } else if (dl.errors == 0) {
            abort();
        }
        fontcov_free(&fc);
    } else if (dl.errors == 0) {
        abort(); /* a failure always says why */
    }
    char buf[512];
    for (size_t i = 0; i < dl.n; i++)
        diag_format(&dl.v[i], buf, sizeof buf);
    diag_list_free(&dl);
    return 0;
}

#ifndef RQ_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_fontcov_one(data, size);
}
#endif
