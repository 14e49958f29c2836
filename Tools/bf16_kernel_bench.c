/* bf16 GEMM kernel comparison for Docs/benchmarks.md ("bf16 kernel"): oneDNN's matmul (the product path, through
 * Sources/CCrowdShims/dnnl_loader.c) against a small kernel of our own on _mm512_dpbf16_ps, on ViT-B/16 shapes,
 * alternated A B A B in one process. Build and run: Tools/bf16_kernel_bench.sh */
#include "crowd_dnnl.h"
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

/* Ours: B packed as 32-column panels of k-pairs ([N/32][K/2][32][2] bf16), a 6×32 micro-kernel (12 zmm
 * accumulators), rows split across OpenMP threads in blocks of 96, panels inner. */
enum { MR = 6, NR = 32 };

static void pack_b(const float *w, long K, long N, uint16_t *out) {  /* w is [N, K] (nn.Linear) */
    uint16_t *tmp = malloc(sizeof(uint16_t) * K * N);
    crowd_float_to_bf16(w, tmp, K * N);
    for (long p = 0; p < N / NR; p++)
        for (long k2 = 0; k2 < K / 2; k2++)
            for (long j = 0; j < NR; j++)
                for (int t = 0; t < 2; t++)
                    out[((p * (K / 2) + k2) * NR + j) * 2 + t] = tmp[(p * NR + j) * K + 2 * k2 + t];
    free(tmp);
}

__attribute__((target("avx512bf16,avx512f")))
static void micro(const uint16_t *a, long lda, const uint16_t *b, long K, float *c, long ldc, int rows) {
    __m512 acc[MR][2];
    for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    for (long k2 = 0; k2 < K / 2; k2++) {
        __m512bh b0 = (__m512bh)_mm512_loadu_si512(b + k2 * 64), b1 = (__m512bh)_mm512_loadu_si512(b + k2 * 64 + 32);
        for (int i = 0; i < MR; i++) {
            if (i >= rows) break;
            uint32_t pair; memcpy(&pair, a + i * lda + 2 * k2, 4);
            __m512bh av = (__m512bh)_mm512_set1_epi32((int)pair);
            acc[i][0] = _mm512_dpbf16_ps(acc[i][0], av, b0);
            acc[i][1] = _mm512_dpbf16_ps(acc[i][1], av, b1);
        }
    }
    for (int i = 0; i < rows; i++) { _mm512_storeu_ps(c + i * ldc, acc[i][0]); _mm512_storeu_ps(c + i * ldc + 16, acc[i][1]); }
}

static void ours(const float *x, uint16_t *xb, long M, long K, long N, const uint16_t *bp, float *y) {
    crowd_float_to_bf16(x, xb, M * K);
    #pragma omp parallel for schedule(dynamic)
    for (long m0 = 0; m0 < M; m0 += 96)
        for (long p = 0; p < N / NR; p++)
            for (long i = m0; i < M && i < m0 + 96; i += MR) {
                int rows = M - i < MR ? (int)(M - i) : MR;
                micro(xb + i * K, K, bp + p * K * NR, K, y + i * N + p * NR, N, rows);
            }
}

static int cmp(const void *a, const void *b) { double x = *(double *)a, y = *(double *)b; return (x > y) - (x < y); }

int main(void) {
    char err[512];
    if (crowd_dnnl_load(err, sizeof err)) { fprintf(stderr, "%s\n", err); return 1; }
    long shapes[][2] = {{768, 2304}, {768, 768}, {768, 3072}, {3072, 768}};  /* K, N */
    long ms[] = {197, 1773};
    printf("| M | K | N | oneDNN GFLOP/s | ours GFLOP/s | ours / oneDNN | max rel. diff |\n|---|---|---|---|---|---|---|\n");
    for (int mi = 0; mi < 2; mi++)
        for (int si = 0; si < 4; si++) {
            long M = ms[mi], K = shapes[si][0], N = shapes[si][1];
            float *w = malloc(sizeof(float) * N * K), *x = malloc(sizeof(float) * M * K);
            float *y1 = malloc(sizeof(float) * M * N), *y2 = malloc(sizeof(float) * M * N);
            uint16_t *bp = malloc(2 * N * K), *xb = malloc(2 * M * K);
            srand(1);
            for (long i = 0; i < N * K; i++) w[i] = (float)(rand() / (double)RAND_MAX) - 0.5f;
            for (long i = 0; i < M * K; i++) x[i] = (float)(rand() / (double)RAND_MAX) - 0.5f;
            crowd_dnnl_weight *dw = crowd_dnnl_pack(w, K, N, 1, 1, err, sizeof err);
            if (!dw) { fprintf(stderr, "%s\n", err); return 1; }
            pack_b(w, K, N, bp);
            enum { ROUNDS = 15 };
            double ta[ROUNDS], tb[ROUNDS];
            int reps = M > 1000 ? 3 : 10;
            for (int r = -1; r < ROUNDS; r++) {
                double t0 = now();
                for (int k = 0; k < reps; k++) crowd_dnnl_multiply(dw, x, M, 0, y1, err, sizeof err);
                double t1 = now();
                for (int k = 0; k < reps; k++) ours(x, xb, M, K, N, bp, y2);
                double t2 = now();
                if (r >= 0) { ta[r] = (t1 - t0) / reps; tb[r] = (t2 - t1) / reps; }
            }
            qsort(ta, ROUNDS, sizeof(double), cmp); qsort(tb, ROUNDS, sizeof(double), cmp);
            double flop = 2.0 * M * N * K, diff = 0, scale = 0;
            for (long i = 0; i < M * N; i++) { diff = fmax(diff, fabs(y1[i] - y2[i])); scale = fmax(scale, fabs(y1[i])); }
            printf("| %ld | %ld | %ld | %.0f | %.0f | %.2f | %.1e |\n", M, K, N, flop / ta[ROUNDS / 2] * 1e-9,
                   flop / tb[ROUNDS / 2] * 1e-9, ta[ROUNDS / 2] / tb[ROUNDS / 2], diff / scale);
            fprintf(stderr, "kernel for M=%ld: %s\n", M, crowd_dnnl_kernel_name(dw, M));
            crowd_dnnl_weight_free(dw);
            free(w); free(x); free(y1); free(y2); free(bp); free(xb);
        }
    return 0;
}
