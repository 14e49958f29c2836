#ifndef CROWD_BLAS_H
#define CROWD_BLAS_H
#include <stddef.h>

/* OpenBLAS is opened with dlopen rather than linked: its load-time constructor reads
 * OPENBLAS_CORETYPE exactly once, so the kernel must be chosen before the library loads.
 * Linking would run that constructor before any Swift code. */

/* cblas.h's CblasNoTrans and CblasTrans (checked in blas_loader.c); cblas.h itself stays out of this header so
 * that Swift does not see the whole CBLAS API. */
enum { CROWD_NO_TRANS = 111, CROWD_TRANS = 112 };

/* Loads libopenblas once. When `coretype` is non-NULL and OPENBLAS_CORETYPE is unset,
 * it is exported first. Returns 0 on success; otherwise writes a message to `err`. */
int crowd_blas_load(const char *coretype, char *err, size_t errlen);
int crowd_blas_is_loaded(void);

void crowd_sgemm(int transA, int transB, int M, int N, int K, float alpha,
                 const float *A, int lda, const float *B, int ldb,
                 float beta, float *C, int ldc);

const char *crowd_blas_corename(void);
const char *crowd_blas_config(void);
int crowd_blas_num_threads(void);
void crowd_blas_set_num_threads(int n);
/* Path of the shared object that was opened. */
const char *crowd_blas_library_path(void);

#endif
