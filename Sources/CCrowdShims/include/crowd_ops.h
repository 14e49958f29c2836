#ifndef CROWD_OPS_H
#define CROWD_OPS_H

/* Element-wise and row-wise float kernels for the encoders, in C so that clang can vectorise them for the
 * CPU at hand (AVX-512 / AVX2 clones chosen at load time); Swift code is built for baseline x86-64 (SSE2). */

/* out = x · sigmoid(1.702 x); out may equal x. */
void crowd_quick_gelu(const float *x, float *out, long count);

/* Softmax over each row's first cols columns (causal != 0: only the first r + 1 + causal_shift, the rest set to 0).
 * Rows are ld floats apart. */
void crowd_softmax_rows(float *x, long rows, long cols, long ld, int causal);

/* LayerNorm over the last dimension with PyTorch's biased variance; out may equal x. When mean_out and
 * rstd_out are not NULL, each row's mean and 1/sqrt(var + eps) are stored there (the backward needs them). */
void crowd_layer_norm(const float *x, float *out, long rows, long cols, const float *gamma, const float *beta, float eps,
                      float *mean_out, float *rstd_out);

/* exp(x) for each element, in place (relative error below 3e-7 in [-87, 88]; clamped outside). */
void crowd_exp(float *x, long count);

#endif
