#include "crowd_ops.h"
#include <stdint.h>
#include <string.h>

/* One clone per instruction set; the dynamic loader picks the best for this CPU (ifunc). Each string is one
 * clone: x86-64-v3 is AVX2 with FMA (clang 18+); older clang gets separate AVX2 and FMA clones. */
#if defined(__x86_64__) && defined(__clang__) && __clang_major__ >= 18
#define CLONES __attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))
#elif defined(__x86_64__) && defined(__clang__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "fma", "default")))
#else
#define CLONES
#endif

/* Cody–Waite range reduction and a degree-6 polynomial; x·log2(e) is rounded with the 1.5·2^23 trick, which
 * works because this file is built without -ffast-math (no reassociation). Vectorises cleanly. */
static inline float exp_approx(float x) {
    x = x < -87.3f ? -87.3f : (x > 88.3f ? 88.3f : x);
    const float magic = 12582912.0f;
    float shifted = x * 1.442695040888963f + magic;
    float n = shifted - magic;
    float r = x - n * 0.693145751953125f;
    r = r - n * 1.428606765330187e-06f;
    float p = 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1;
    p = p * r + 1;
    int32_t bits;
    memcpy(&bits, &shifted, 4);
    bits = ((bits - 0x4B400000) + 127) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    return p * scale;
}

CLONES void crowd_exp(float *x, long count) {
    for (long i = 0; i < count; i++) x[i] = exp_approx(x[i]);
}

CLONES void crowd_quick_gelu(const float *x, float *out, long count) {
    /* In place gets its own loop: with two pointers the vectoriser's overlap check fails when they are equal and
     * the scalar fallback runs (the inference path is in place). */
    if (out == x) {
        for (long i = 0; i < count; i++) {
            float v = out[i];
            out[i] = v / (1.0f + exp_approx(-1.702f * v));
        }
        return;
    }
    for (long i = 0; i < count; i++) {
        float v = x[i];
        out[i] = v / (1.0f + exp_approx(-1.702f * v));
    }
}

CLONES void crowd_softmax_rows(float *x, long rows, long cols, long ld, int causal) {
#pragma clang fp reassociate(on)
    for (long r = 0; r < rows; r++) {
        float *row = x + r * ld;
        long n = causal ? (r + 1 < cols ? r + 1 : cols) : cols;
        float m = -__builtin_inff();
        for (long c = 0; c < n; c++) m = row[c] > m ? row[c] : m;
        float sum = 0;
        for (long c = 0; c < n; c++) {
            float e = exp_approx(row[c] - m);
            row[c] = e;
            sum += e;
        }
        float inv = 1.0f / sum;
        for (long c = 0; c < n; c++) row[c] *= inv;
        for (long c = n; c < cols; c++) row[c] = 0;
    }
}

CLONES void crowd_layer_norm(const float *x, float *out, long rows, long cols, const float *gamma,
                             const float *beta, float eps, float *mean_out, float *rstd_out) {
#pragma clang fp reassociate(on)
    float inv = 1.0f / (float)cols;
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = out + r * cols;
        float sum = 0;
        for (long c = 0; c < cols; c++) sum += xr[c];
        float mean = sum * inv;
        float sq = 0;
        for (long c = 0; c < cols; c++) {
            float d = xr[c] - mean;
            sq += d * d;
        }
        float rstd = 1.0f / __builtin_sqrtf(sq * inv + eps);
        if (mean_out) mean_out[r] = mean;
        if (rstd_out) rstd_out[r] = rstd;
        for (long c = 0; c < cols; c++) yr[c] = (xr[c] - mean) * rstd * gamma[c] + beta[c];
    }
}
