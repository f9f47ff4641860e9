#include "human_text.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "textenc.h"

static bool is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

static bool is_direction(uint32_t cp)
{
    return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/* A space, or a character that shows nothing. */
static bool is_blank(uint32_t cp)
{
    return cp == 0x20 || cp == 0xA0 || cp == 0xAD || cp == 0x034F || cp == 0x115F || cp == 0x1160 ||
           cp == 0x1680 || cp == 0x180E || (cp >= 0x2000 && cp <= 0x200D) || cp == 0x202F ||
           (cp >= 0x205F && cp <= 0x2064) || cp == 0x3000 || cp == 0x3164 || (cp >= 0xFE00 && cp <= 0xFE0F) ||
           cp == 0xFEFF || cp == 0xFFA0;
}

const char *human_text_problem(const char *s, size_t max, char why[HUMAN_TEXT_WHY])
{
    size_t len = strlen(s), chars = 0;
    bool blank = true;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = textenc_utf8_next(s + i, len - i, &cp);
        if (n == 0)
            return "is not valid UTF-8; retype it as plain text";
        if (is_control(cp))
            return "contains a control character; use plain text on one line";
        if (is_direction(cp))
            return "contains an invisible text-direction mark; retype it as plain text";
        blank = blank && is_blank(cp);
        chars++;
        i += n;
    }
    if (chars > max) {
        snprintf(why, HUMAN_TEXT_WHY, "is too long; at most %zu characters", max);
        return why;
    }
    if (chars == 0)
        return "is empty";
    if (blank)
        return "is blank (only spaces or invisible characters); type the text";
    return NULL;
}

int human_text_check(const char *s, size_t max, const char *file, const char *field, struct diag_list *dl)
{
    char why[HUMAN_TEXT_WHY];
    const char *w = human_text_problem(s, max, why);
    if (!w)
        return 0;
    diag_add(dl, DIAG_ERROR, file, 0, 0, field, "%s", w);
    return -1;
}
