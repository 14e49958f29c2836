#include "crowd_dnnl.h"
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif

/* Round to nearest even on the upper 16 bits; a NaN keeps its sign and stays a (quiet) NaN. Vectorises. */
CLONES void crowd_float_to_bf16(const float *x, unsigned short *out, long count) {
    for (long i = 0; i < count; i++) {
        uint32_t u;
        memcpy(&u, x + i, 4);
        uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
        out[i] = (u & 0x7fffffffu) > 0x7f800000u ? (unsigned short)((u >> 16) | 0x40u) : (unsigned short)rounded;
    }
}
