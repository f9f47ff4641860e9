/* Fuzz the signature path of the front desk (src/core/acceptance.h): any
 * bytes as the base64 part of the PNG data URL a browser sends, checked and,
 * when they pass as an image, laid out on the acceptance page and appended
 * to a small finished PDF (pdf_update.h).  The result, when there is one,
 * must start with the base PDF byte for byte. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acceptance.h"
#include "render_pdf.h"
#include "render_poster.h"

int fuzz_signature_one(const uint8_t *data, size_t size);

int fuzz_signature_one(const uint8_t *data, size_t size)
{
    static unsigned char *base;
    static size_t base_len;
    static const char *font = RQ_FUZZ_ROOT "/templates/" RENDER_PDF_FONT;
    struct diag_list dl = { 0 };
    if (!base) {
        struct notice n = { .state = "CA", .state_name = "California", .citation = "Cal. Bus. & Prof. Code § 684",
                            .text = "THIS NOTICE MUST BE PROVIDED TO YOU UNDER CALIFORNIA LAW.", .on_poster = true };
        if (render_poster_mem(&n, font, false, &base, &base_len, &dl) != 0)
            abort();
        diag_list_free(&dl);
    }
    static const char prefix[] = "data:image/png;base64,";
    char *url = malloc(sizeof prefix + size);
    if (!url)
        abort();
    memcpy(url, prefix, sizeof prefix - 1);
    memcpy(url + sizeof prefix - 1, data, size);
    url[sizeof prefix - 1 + size] = '\0';
    unsigned char *img = NULL, *out = NULL;
    size_t len = 0, out_len = 0;
    if (acceptance_data_url(url, &img, &len, &dl) == 0) {
        const char *type = acceptance_signature_type(img, len, "signature", &dl);
        if (type) {
            struct acceptance a = { .number = "Q-2026-000001", .signer = "Ana", .signed_at = "2026-12-01T00:00:00Z",
                                    .witness = "desk", .signature = img, .signature_len = len,
                                    .signature_type = type, .pdf_sha256 = "0", .tables_sha256 = "0",
                                    .language = "en" };
            if (acceptance_copy(&a, base, base_len, RQ_FUZZ_ROOT "/templates", font, &out, &out_len, &dl) == 0 &&
                (out_len <= base_len || memcmp(out, base, base_len) != 0))
                abort(); /* the issued bytes are always kept */
        }
    } else if (dl.errors == 0) {
        abort(); /* a refusal always says why */
    }
    free(out);
    free(img);
    free(url);
    diag_list_free(&dl);
    return 0;
}

#ifndef RQ_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_signature_one(data, size);
}
#endif
