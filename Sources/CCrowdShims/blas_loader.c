#define _GNU_SOURCE
#include "crowd_blas.h"
#include <cblas.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

/* The pointer type comes from OpenBLAS's own prototype, so a mismatch with the library is a compile error;
 * taking the type does not reference the symbol, so nothing links libopenblas. */
typedef __typeof__(&cblas_sgemm) sgemm_fn;
_Static_assert(CROWD_NO_TRANS == CblasNoTrans && CROWD_TRANS == CblasTrans, "transpose flags differ from cblas.h");
typedef char *(*str_fn)(void);
typedef int (*int_fn)(void);
typedef void (*set_fn)(int);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *handle;
static sgemm_fn p_sgemm;
static str_fn p_corename, p_config;
static int_fn p_threads;
static set_fn p_set_threads;
static char lib_path[512];

static const char *candidates[] = {
    "libopenblas.so.0", "libopenblas.so",
    "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
    "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
    "libopenblas.dylib", NULL,
};

int crowd_blas_load(const char *coretype, char *err, size_t errlen) {
    pthread_mutex_lock(&lock);
    if (handle) { pthread_mutex_unlock(&lock); return 0; }
    // Set, even to "", means the user's choice (KernelSelection.userCore reads it the same way).
    if (coretype && coretype[0] && getenv("OPENBLAS_CORETYPE") == NULL)
        setenv("OPENBLAS_CORETYPE", coretype, 0);
    const char *override = getenv("CROWDCLIP_OPENBLAS");
    void *h = NULL;
    if (override && override[0]) {
        h = dlopen(override, RTLD_NOW | RTLD_LOCAL);
        if (h) snprintf(lib_path, sizeof lib_path, "%s", override);
    } else {
        for (int i = 0; candidates[i] && !h; i++) {
            h = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL);
            if (h) snprintf(lib_path, sizeof lib_path, "%s", candidates[i]);
        }
    }
    if (!h) {
        snprintf(err, errlen, "cannot load OpenBLAS (%s); install it with `make deps` "
                 "(Debian package libopenblas0) or set CROWDCLIP_OPENBLAS to its path", dlerror());
        pthread_mutex_unlock(&lock);
        return -1;
    }
    p_sgemm = (sgemm_fn)dlsym(h, "cblas_sgemm");
    p_corename = (str_fn)dlsym(h, "openblas_get_corename");
    p_config = (str_fn)dlsym(h, "openblas_get_config");
    p_threads = (int_fn)dlsym(h, "openblas_get_num_threads");
    p_set_threads = (set_fn)dlsym(h, "openblas_set_num_threads");
    if (!p_sgemm) {
        snprintf(err, errlen, "%s has no cblas_sgemm", lib_path);
        dlclose(h);
        pthread_mutex_unlock(&lock);
        return -1;
    }
    handle = h;
    pthread_mutex_unlock(&lock);
    return 0;
}

int crowd_blas_is_loaded(void) { return handle != NULL; }

void crowd_sgemm(int transA, int transB, int M, int N, int K, float alpha,
                 const float *A, int lda, const float *B, int ldb,
                 float beta, float *C, int ldc) {
    p_sgemm(CblasRowMajor, (enum CBLAS_TRANSPOSE)transA, (enum CBLAS_TRANSPOSE)transB, M, N, K, alpha, A, lda, B, ldb,
            beta, C, ldc);
}

const char *crowd_blas_corename(void) { return p_corename ? p_corename() : "unknown"; }
const char *crowd_blas_config(void) { return p_config ? p_config() : "unknown"; }
int crowd_blas_num_threads(void) { return p_threads ? p_threads() : 1; }
void crowd_blas_set_num_threads(int n) { if (p_set_threads) p_set_threads(n); }
const char *crowd_blas_library_path(void) { return lib_path; }
