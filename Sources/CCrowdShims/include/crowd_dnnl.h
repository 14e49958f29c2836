#ifndef CROWD_DNNL_H
#define CROWD_DNNL_H
#include <stddef.h>

/* oneDNN matrix products for Linear layers (bf16, and float32 as an alternative engine to OpenBLAS).
 * libdnnl is opened with dlopen, so `crowdclip` runs where it is absent (float32 on OpenBLAS needs none of it);
 * dnnl.h stays out of this header so that Swift sees only these few functions. */

/* Loads libdnnl once and creates its CPU engine. Returns 0 on success; otherwise writes a message to `err`. */
int crowd_dnnl_load(char *err, size_t errlen);

/* "2.6.3" once loaded, else "". */
const char *crowd_dnnl_version(void);

/* A weight converted once into the layout oneDNN's matmul chose for it, with the compiled primitives
 * cached per row count (the most recently used few); safe to share between threads. */
typedef struct crowd_dnnl_weight crowd_dnnl_weight;

/* Packs the float32 weight `w` of `inputs` × `outputs` values: stored [outputs, inputs] when `out_in` is non-zero
 * (PyTorch's nn.Linear), else [inputs, outputs]. `bf16` non-zero: converted to bfloat16 (round to nearest even),
 * else kept float32. Returns NULL with a message in `err` on failure. */
crowd_dnnl_weight *crowd_dnnl_pack(const float *w, long inputs, long outputs, int out_in, int bf16,
                                   char *err, size_t errlen);
void crowd_dnnl_weight_free(crowd_dnnl_weight *weight);

/* y = x · W + bias + beta · y for `rows` rows, x [rows, inputs] and y [rows, outputs] row-major float32; `bias`
 * ([outputs] float32) may be NULL; beta is 0 or 1. The bias and the residual add run inside the one matmul
 * primitive (no pass of their own over y). bf16 weights: x is rounded to bfloat16 first, the products accumulate
 * in float32. Returns 0, or non-zero with a message in `err` (a primitive oneDNN cannot create). */
int crowd_dnnl_multiply(crowd_dnnl_weight *weight, const float *x, long rows, const float *bias, float beta, float *y,
                        char *err, size_t errlen);

/* Writes oneDNN's name for the kernel it runs for `rows` rows (for example "brg:avx512_core_bf16") to `name`;
 * returns 0, or non-zero with "" written when oneDNN has no such matmul. */
int crowd_dnnl_kernel_name(crowd_dnnl_weight *weight, long rows, char *name, size_t namelen);

/* Bytes the packed weight holds. */
size_t crowd_dnnl_weight_bytes(const crowd_dnnl_weight *weight);

/* float32 → bfloat16 with round-to-nearest-even (NaN kept quiet), as PyTorch converts. */
void crowd_float_to_bf16(const float *x, unsigned short *out, long count);

#endif
