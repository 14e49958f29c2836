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

/* Vectors of 16 floats: one zmm register in the AVX-512 clone, two ymm or four xmm in the others (correct
 * everywhere, fastest where registers are 512 bits). Loads and stores are unaligned. */
typedef float v16 __attribute__((ext_vector_type(16)));
typedef float v16u __attribute__((ext_vector_type(16), aligned(4)));

/* Macros, not functions: a vector argument or result would change the calling convention between clones. */
#define load16(p) (*(const v16u *)(p))
#define store16(p, v) (*(v16u *)(p) = (v))

/* Softmax of one row: n live columns out of cols, the rest set to 0 (causal rows). The maximum is taken 16 at a
 * time (maxnum, which like the scalar comparison never picks a NaN): the scalar loop does not vectorise. */
static inline __attribute__((always_inline)) void softmax_row(float *row, long n, long cols) {
#pragma clang fp reassociate(on)
    v16 mv = -__builtin_inff();
    long c0 = 0;
    for (; c0 + 16 <= n; c0 += 16) mv = __builtin_elementwise_max(mv, load16(row + c0));
    float m = __builtin_reduce_max(mv);
    for (long c = c0; c < n; c++) m = row[c] > m ? row[c] : m;
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

CLONES void crowd_softmax_rows(float *x, long rows, long cols, long ld, int causal) {
    for (long r = 0; r < rows; r++) softmax_row(x + r * ld, causal ? (r + 1 < cols ? r + 1 : cols) : cols, cols);
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

/* ---- Fused attention (crowd_attention) ---- */
#define ATT_ROWS 8 /* query rows per block: 8 or 16 accumulators, within the 32 zmm registers */

static inline long round16(long n) { return (n + 15) & ~15L; }

long crowd_attention_scratch_floats(long tokens, long head_dim) {
    long tp = round16(tokens), dp = round16(head_dim);
    return head_dim * tp + tokens * dp + ATT_ROWS * head_dim + ATT_ROWS * tp + ATT_ROWS * dp;
}

/* c[r, 0..16·nv) = scale · Σ_k a[r, k] · b[k, 0..16·nv) for the ATT_ROWS rows of a ([ATT_ROWS, k], row stride lda)
 * against a panel of b (row stride ldb), into c (row stride ldc). Both attention products are this: the scores
 * (a = the query rows, b = Kᵀ) and the weighted values (a = the softmax rows, b = V). */
static inline __attribute__((always_inline)) void panel_product(const float *a, long lda, const float *b, long ldb,
                                                                long k, float scale, float *c, long ldc, const int nv) {
    v16 acc[ATT_ROWS][2];
    for (int r = 0; r < ATT_ROWS; r++)
        for (int v = 0; v < nv; v++) acc[r][v] = 0;
    for (long kk = 0; kk < k; kk++) {
        v16 bv[2];
        for (int v = 0; v < nv; v++) bv[v] = load16(b + kk * ldb + 16 * v);
        for (int r = 0; r < ATT_ROWS; r++) {
            float x = a[r * lda + kk];
            for (int v = 0; v < nv; v++) acc[r][v] += x * bv[v];
        }
    }
    for (int r = 0; r < ATT_ROWS; r++)
        for (int v = 0; v < nv; v++) store16(c + r * ldc + 16 * v, acc[r][v] * scale);
}

CLONES void crowd_attention(const float *qkv, float *out, long tokens, long width, long heads, int causal,
                            float *probs, long first, long last, float *scratch) {
    const long t = tokens, d = width / heads, ld = 3 * width, tp = round16(t), dp = round16(d);
    const float scale = 1.0f / __builtin_sqrtf((float)d);
    /* K transposed [d, tp] and V [t, dp], zero-padded so every vector load is whole; one block of query rows
     * [ATT_ROWS, d], its scores [ATT_ROWS, tp] and its output [ATT_ROWS, dp]. */
    float *kt = scratch, *vp = kt + d * tp, *qb = vp + t * dp, *sb = qb + ATT_ROWS * d, *ob = sb + ATT_ROWS * tp;
    for (long pair = first; pair < last; pair++) {
        const long b = pair / heads, h = pair % heads;
        const float *q = qkv + b * t * ld + h * d, *k = q + width, *v = q + 2 * width;
        float *o = out + b * t * width + h * d;
        /* Token-major: each K row is read whole once. (Reading one float from every row per pass thrashes L1:
         * rows 3·width floats apart all fall into a few cache sets.) */
        for (long j = 0; j < t; j++)
            for (long dd = 0; dd < d; dd++) kt[dd * tp + j] = k[j * ld + dd];
        for (long dd = 0; dd < d; dd++)
            for (long j = t; j < tp; j++) kt[dd * tp + j] = 0;
        for (long j = 0; j < t; j++) {
            float *row = vp + j * dp;
            for (long c = 0; c < d; c++) row[c] = v[j * ld + c];
            for (long c = d; c < dp; c++) row[c] = 0;
        }
        for (long i0 = 0; i0 < t; i0 += ATT_ROWS) {
            const long nr = t - i0 < ATT_ROWS ? t - i0 : ATT_ROWS;
            for (long r = 0; r < ATT_ROWS; r++)
                for (long dd = 0; dd < d; dd++) qb[r * d + dd] = r < nr ? q[(i0 + r) * ld + dd] : 0;
            long j0 = 0;
            for (; j0 + 32 <= tp; j0 += 32) panel_product(qb, d, kt + j0, tp, d, scale, sb + j0, tp, 2);
            if (j0 < tp) panel_product(qb, d, kt + j0, tp, d, scale, sb + j0, tp, 1);
            for (long r = 0; r < ATT_ROWS; r++) {
                float *row = sb + r * tp;
                if (r >= nr) {  /* rows past the last token: zero, so they add nothing below */
                    for (long c = 0; c < tp; c++) row[c] = 0;
                    continue;
                }
                const long live = causal ? (i0 + r + 1 < t ? i0 + r + 1 : t) : t;
                softmax_row(row, live, tp);
                if (probs) memcpy(probs + (pair * t + i0 + r) * t, row, (size_t)t * sizeof(float));
            }
            long c0 = 0;
            for (; c0 + 32 <= dp; c0 += 32) panel_product(sb, tp, vp + c0, dp, t, 1.0f, ob + c0, dp, 2);
            if (c0 < dp) panel_product(sb, tp, vp + c0, dp, t, 1.0f, ob + c0, dp, 1);
            for (long r = 0; r < nr; r++) memcpy(o + (i0 + r) * width, ob + r * dp, (size_t)d * sizeof(float));
        }
    }
}
