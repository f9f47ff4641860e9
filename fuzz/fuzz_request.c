/* Fuzz the request loader: any bytes as a request file (plan_load_text),
 * then the canonical form it writes (plan_to_json) must read back. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

/* One input; returns 0 (libFuzzer's convention).  Aborts on a broken
 * invariant so the fuzzer and the regression test see a crash. */
int fuzz_request_one(const uint8_t *data, size_t size);

int fuzz_request_one(const uint8_t *data, size_t size)
{
    struct plan p;
    struct diag_list dl = { 0 };
    plan_init(&p);
    int rc = plan_load_text(&p, "fuzz.json", (const char *)data, size, &dl);
    if (rc == 0) {
        /* A plan that loaded is written canonically and must load again. */
        char *canon = plan_to_json(&p);
        if (canon) {
            struct plan p2;
            struct diag_list dl2 = { 0 };
            plan_init(&p2);
            if (plan_load_text(&p2, "canon.json", canon, strlen(canon), &dl2) != 0)
                abort();
            plan_free(&p2);
            diag_list_free(&dl2);
            free(canon);
        }
    }
    /* Every diagnostic must format without overflow. */
    char buf[512];
    for (size_t i = 0; i < dl.n; i++)
        diag_format(&dl.v[i], buf, sizeof buf);
    plan_free(&p);
    diag_list_free(&dl);
    return 0;
}

#ifndef RQ_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_request_one(data, size);
}
#endif
