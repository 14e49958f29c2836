/* oneDNN's C API header only: nothing links libdnnl (it is dlopen'ed, see crowd_dnnl.h); the header types the
 * function pointers the loader looks up. Debian: libdnnl-dev, /usr/include/oneapi/dnnl/dnnl.h (oneDNN 2.6). */
#include <oneapi/dnnl/dnnl.h>
