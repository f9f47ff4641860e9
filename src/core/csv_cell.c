#include "csv_cell.h"

#include <string.h>

/* A character that makes a spreadsheet read the cell as a formula. */
static bool formula_start(char c)
{
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* Past one or more digits at s, or NULL when there is none. */
static const char *digits(const char *s)
{
    if (*s < '0' || *s > '9')
        return NULL;
    while (*s >= '0' && *s <= '9')
        s++;
    return s;
}

/* [+-]digits[.digits]: a number, not a formula. */
static bool plain_number(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    s = digits(s);
    if (s && *s == '.')
        s = digits(s + 1);
    return s && *s == '\0';
}

bool csv_cell_guarded(const char *s)
{
    if (!s)
        return false;
    const char *p = s;
    while (*p == '\'')
        p++;
    return formula_start(*p) && !plain_number(s);
}

void csv_cell_write(FILE *out, const char *s)
{
    s = s ? s : "";
    bool guard = csv_cell_guarded(s);
    size_t n = strlen(s);
    bool quote = guard || (n > 0 && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'));
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    if (guard)
        fputc('\'', out);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            fputc('"', out);
        fputc(s[i], out);
    }
    fputc('"', out);
}

const char *csv_cell_unguard(const char *s)
{
    if (s[0] != '\'')
        return s;
    const char *p = s;
    while (*p == '\'')
        p++;
    return formula_start(*p) ? s + 1 : s;
}
