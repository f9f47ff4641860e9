/* sha256 — FIPS 180-4 SHA-256, used to fingerprint price tables and PDFs.
 * No allocation; a context lives on the caller's stack. */
#ifndef RQ_SHA256_H
#define RQ_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
    uint32_t h[8];
    uint64_t bytes;
    unsigned char buf[64];
    size_t nbuf;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
void sha256_final(struct sha256 *c, unsigned char out[32]);
/* Hex digest (64 chars + NUL) of one buffer. */
void sha256_hex(const void *data, size_t len, char out[65]);
/* Hex form of a finished digest. */
void sha256_to_hex(const unsigned char d[32], char out[65]);

#endif
