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

/* Floats of scratch one crowd_attention call needs for `tokens` tokens and heads of `head_dim` (a caller running
 * several calls at once gives each its own). */
long crowd_attention_scratch_floats(long tokens, long head_dim);

/* Multi-head self-attention for the (sequence, head) pairs first..last-1 (pair = sequence·heads + head), from a
 * fused qkv buffer [sequences·tokens, 3·width] (Q | K | V) into out [sequences·tokens, width]:
 * out_h = softmax(Q_h K_hᵀ / sqrt(d)) V_h, causal != 0 masking future tokens. Each pair's scores, softmax and
 * product with V stay in cache, eight query rows at a time. When probs is not NULL, each pair's softmax
 * [tokens, tokens] is also written to probs + pair·tokens² (the training backward needs it). */
void crowd_attention(const float *qkv, float *out, long tokens, long width, long heads, int causal, float *probs,
                     long first, long last, float *scratch);

#endif
