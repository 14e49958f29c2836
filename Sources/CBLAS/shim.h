/* OpenBLAS's CBLAS header only: nothing links libopenblas (it is dlopen'ed, see crowd_blas.h); the header types
 * the function pointers the loader looks up. Debian: libopenblas-dev, /usr/include/<triplet>/cblas.h. */
#include <cblas.h>
