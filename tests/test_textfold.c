/* The search key of a name: case and accents of Latin letters folded away. */
#include <criterion/criterion.h>
#include <string.h>

#include "textfold.h"

static const char *key(const char *s)
{
    static char out[256];
    cr_assert_lt(strlen(s), sizeof out);
    size_t n = textfold(s, strlen(s), out);
    cr_assert_eq(n, strlen(out));
    cr_assert_leq(n, strlen(s), "a key is never longer than its text");
    return out;
}

Test(textfold, case_and_accents_of_latin_names_do_not_matter)
{
    cr_assert_str_eq(key("José Müller-Ñúñez"), "jose muller-nunez");
    cr_assert_str_eq(key("JOSÉ"), "jose");
    cr_assert_str_eq(key("josé"), key("JOSE"));
    cr_assert_str_eq(key("Zoë O'Brien-Łukasik"), "zoe o'brien-lukasik");
    cr_assert_str_eq(key("ÀÁÂÃÄÅ àáâãäå Ææ Çç ÈÉÊË ÌÍÎÏ Ðð Ññ ÒÓÔÕÖØ ÙÚÛÜ Ýýÿ Þþ ß"),
                     "aaaaaa aaaaaa aeae cc eeee iiii dd nn oooooo uuuu yyy thth ss");
    cr_assert_str_eq(key("Ąą Čč Đđ Ěě Ğğ Ħħ İı Ĳĳ Ķķ Łł Ńň Őő Œœ Řř Śš Ţť Űų Ŵŵ Ÿ Žź ſ"),
                     "aa cc dd ee gg hh ii ijij kk ll nn oo oeoe rr ss tt uu ww y zz s");
    cr_assert_str_eq(key("Nguyễn Thị Hồng, Trương Ơn"), "nguyen thi hong, truong on");
}

Test(textfold, decomposed_accents_other_scripts_and_stray_bytes)
{
    cr_assert_str_eq(key("Jose\xCC\x81 Mu\xCC\x88ller"), "jose muller", "combining accents are dropped");
    cr_assert_str_eq(key("Ελένη Иван 李"), "Ελένη Иван 李", "other scripts are kept as typed");
    cr_assert_str_eq(key("2×3÷4 P-10442"), "2×3÷4 p-10442", "signs and digits are kept");
    cr_assert_str_eq(key("A\xC3 B\xFF"), "a\xC3 b\xFF", "bytes that are not UTF-8 are kept");
    cr_assert_str_eq(key(""), "");
}
