/* JSON documents: positions, exact numbers, strict checks. */
#include <criterion/criterion.h>
#include <string.h>

#include "json_doc.h"

static int parse(struct jdoc *d, struct diag_list *dl, const char *text)
{
    return jdoc_parse(d, "t.json", text, strlen(text), dl);
}

static const char *first(const struct diag_list *dl, char *buf, size_t n)
{
    cr_assert_gt(dl->n, 0, "expected a diagnostic");
    return diag_format(&dl->v[0], buf, n);
}

Test(json_doc, locates_values_by_line_and_column)
{
    struct jdoc d;
    struct diag_list dl = { 0 };
    cr_assert_eq(parse(&d, &dl, "{\n  \"a\": 1,\n  \"items\": [ {\"price\": \"x\"} ]\n}"), 0);
    const cJSON *items = jr_member(d.root, "items");
    const cJSON *price = jr_member(items->child, "price");
    int line, col;
    jdoc_where(&d, price, &line, &col);
    cr_assert_eq(line, 3);
    cr_assert_eq(col, 24, "col %d", col);
    jdoc_free(&d);
}

Test(json_doc, columns_count_characters_not_bytes)
{
    struct jdoc d;
    struct diag_list dl = { 0 };
    cr_assert_eq(parse(&d, &dl, "{\"ñ\": \"é\", \"b\": 2}"), 0);
    int line, col;
    jdoc_where(&d, jr_member(d.root, "b"), &line, &col);
    cr_assert_eq(col, 17);
    jdoc_free(&d);
}

Test(json_doc, numbers_are_read_from_their_text)
{
    struct jdoc d;
    struct diag_list dl = { 0 };
    struct jreader r = { &d, &dl };
    cr_assert_eq(parse(&d, &dl, "{\"p\": 1250.10, \"q\": 12.345, \"big\": 1e400}"), 0);
    int64_t v = 0;
    cr_assert(jr_money(&r, d.root, "", "p", true, false, &v));
    cr_assert_eq(v, 125010);
    cr_assert_not(jr_money(&r, d.root, "", "q", true, false, &v));
    cr_assert_not(jr_money(&r, d.root, "", "big", true, false, &v));
    char buf[600];
    cr_assert(strstr(diag_format(&dl.v[0], buf, sizeof buf), "t.json:1:21: q: '12.345' has more than two decimals"),
              "got %s", buf);
    diag_list_free(&dl);
    jdoc_free(&d);
}

Test(json_doc, rejects_trailing_garbage_with_position)
{
    struct jdoc d;
    struct diag_list dl = { 0 };
    char buf[600];
    cr_assert_eq(parse(&d, &dl, "{\"a\": 1}\n}x"), -1);
    cr_assert(strstr(first(&dl, buf, sizeof buf), "t.json:2:1: JSON syntax error"), "got %s", buf);
    diag_list_free(&dl);
    jdoc_free(&d);
}

Test(json_doc, truncated_empty_nul_and_bad_utf8)
{
    struct jdoc d;
    struct diag_list dl = { 0 };
    char buf[600];
    cr_assert_eq(parse(&d, &dl, "{\"a\": [1, 2"), -1);
    cr_assert(strstr(first(&dl, buf, sizeof buf), "ends too early"), "got %s", buf);
    diag_list_free(&dl);
    jdoc_free(&d);

    cr_assert_eq(parse(&d, &dl, "  \n "), -1);
    cr_assert(strstr(first(&dl, buf, sizeof buf), "is empty"), "got %s", buf);
    diag_list_free(&dl);
    jdoc_free(&d);

    cr_assert_eq(jdoc_parse(&d, "t.json", "{\"a\":\0 1}", 9, &dl), -1);
    cr_assert(strstr(first(&dl, buf, sizeof buf), "NUL byte"), "got %s", buf);
    diag_list_free(&dl);
    jdoc_free(&d);

    cr_assert_eq(parse(&d, &dl, "{\"a\": \"caf\xE9\"}"), -1);
    cr_assert(strstr(first(&dl, buf, sizeof buf), "t.json:1:11: invalid UTF-8 byte 0xE9"), "got %s", buf);
    diag_list_free(&dl);
    jdoc_free(&d);
}

Test(json_doc, skips_a_byte_order_mark)
{
    struct jdoc d;
    struct diag_list dl = { 0 };
    cr_assert_eq(parse(&d, &dl, "\xEF\xBB\xBF{\"a\": 1}"), 0);
    cr_assert_not_null(jr_member(d.root, "a"));
    jdoc_free(&d);
}

Test(json_doc, unknown_and_duplicate_keys)
{
    struct jdoc d;
    struct diag_list dl = { 0 };
    struct jreader r = { &d, &dl };
    static const char *const allowed[] = { "price", "unit", NULL };
    cr_assert_eq(parse(&d, &dl, "{\"prcie\": 1,\n \"unit\": \"x\",\n \"unit\": \"y\", \"zzz\": 0}"), 0);
    cr_assert_not(jr_check_keys(&r, d.root, "items[3]", allowed));
    char *all = NULL;
    char buf[600];
    cr_assert_eq(dl.n, 3);
    cr_assert_str_eq(diag_format(&dl.v[0], buf, sizeof buf),
                     "t.json:1:11: items[3].prcie: unknown key; did you mean 'price'?");
    cr_assert(strstr(diag_format(&dl.v[1], buf, sizeof buf), "items[3].unit: duplicate key (first given at line 2)"),
              "got %s", buf);
    cr_assert(strstr(diag_format(&dl.v[2], buf, sizeof buf), "items[3].zzz: unknown key"), "got %s", buf);
    free(all);
    diag_list_free(&dl);
    jdoc_free(&d);
}

Test(json_doc, lookups_are_case_sensitive)
{
    struct jdoc d;
    struct diag_list dl = { 0 };
    cr_assert_eq(parse(&d, &dl, "{\"Price\": 1}"), 0);
    cr_assert_null(jr_member(d.root, "price"));
    jdoc_free(&d);
}

Test(json_doc, wrong_types_name_the_field)
{
    struct jdoc d;
    struct diag_list dl = { 0 };
    struct jreader r = { &d, &dl };
    cr_assert_eq(parse(&d, &dl, "{\"n\": \"3\", \"s\": null, \"w\": 2.5}"), 0);
    int n = 0;
    const char *s = NULL;
    cr_assert_not(jr_int(&r, d.root, "x", "n", true, 0, 9, &n));
    cr_assert_not(jr_string(&r, d.root, "x", "s", true, &s));
    cr_assert_not(jr_int(&r, d.root, "x", "w", true, 0, 9, &n));
    cr_assert_not(jr_string(&r, d.root, "x", "missing", true, &s));
    char buf[600];
    cr_assert(strstr(diag_format(&dl.v[0], buf, sizeof buf), "x.n: expected a whole number, found a string"));
    cr_assert(strstr(diag_format(&dl.v[1], buf, sizeof buf), "x.s: expected a string, found null"));
    cr_assert(strstr(diag_format(&dl.v[2], buf, sizeof buf), "x.w: '2.5' is not a whole number"));
    cr_assert(strstr(diag_format(&dl.v[3], buf, sizeof buf), "x.missing: is missing; it is required"));
    diag_list_free(&dl);
    jdoc_free(&d);
}
