#define _GNU_SOURCE
#include "crowd_dnnl.h"
#include <oneapi/dnnl/dnnl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every function used, typed by oneDNN's own prototype (a mismatch with the header is a compile error; taking
 * the type references no symbol, so nothing links libdnnl). */
#define DNNL_FUNCS(X)                                                                                          \
    X(dnnl_engine_create) X(dnnl_stream_create) X(dnnl_stream_destroy) X(dnnl_stream_wait)                    \
    X(dnnl_memory_desc_init_by_tag) X(dnnl_memory_desc_get_size) X(dnnl_memory_create) X(dnnl_memory_destroy)  \
    X(dnnl_matmul_desc_init) X(dnnl_primitive_desc_create) X(dnnl_primitive_desc_destroy)                     \
    X(dnnl_primitive_desc_query_md) X(dnnl_primitive_desc_query) X(dnnl_reorder_primitive_desc_create)       \
    X(dnnl_primitive_create) X(dnnl_primitive_destroy) X(dnnl_primitive_execute)                              \
    X(dnnl_primitive_attr_create) X(dnnl_primitive_attr_destroy) X(dnnl_primitive_attr_set_post_ops)          \
    X(dnnl_primitive_attr_set_scratchpad_mode)                                                                \
    X(dnnl_post_ops_create) X(dnnl_post_ops_destroy) X(dnnl_post_ops_append_sum) X(dnnl_version)
#define DECLARE(f) static __typeof__(&f) p_##f;
DNNL_FUNCS(DECLARE)

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static void *handle;
static dnnl_engine_t engine;
static char version[32];
/* Streams are not thread-safe, the bf16 input needs a buffer and every matmul a scratchpad (user-managed, so that
 * threads may run one cached primitive at once): one of each per thread, freed at its exit, kept at its largest. */
static pthread_key_t stream_key, input_key, scratchpad_key;

typedef struct { void *data; size_t size; } buffer;
static void free_stream(void *s) { if (s) p_dnnl_stream_destroy((dnnl_stream_t)s); }
static void free_buffer(void *b) { if (b) { free(((buffer *)b)->data); free(b); } }
enum { BUFFER_ALIGNMENT = 64 };

static const char *candidates[] = {
    "libdnnl.so.2", "libdnnl.so", "/usr/lib/x86_64-linux-gnu/libdnnl.so.2", "/usr/lib/aarch64-linux-gnu/libdnnl.so.2", NULL,
};

int crowd_dnnl_load(char *err, size_t errlen) {
    pthread_mutex_lock(&load_lock);
    if (engine) { pthread_mutex_unlock(&load_lock); return 0; }
    /* oneDNN runs on an OpenMP team and OpenBLAS (attention, fp32 layers) on its own threads, in turn within each
     * layer: spinning OpenMP workers would hold the cores OpenBLAS needs (bf16 at batch 1 measured 0.86× fp32
     * with spinning, 2.0× with sleeping workers, on a loaded 2-core machine). libgomp reads this once, when it
     * loads with libdnnl below; a user's setting is kept. */
    setenv("OMP_WAIT_POLICY", "passive", 0);
    const char *override = getenv("CROWDCLIP_ONEDNN");
    void *h = NULL;
    /* dlerror() keeps only the last failure: the first candidate's says best what went wrong (not found, or a
     * libdnnl.so.2 that is there but cannot load); the others are listed. */
    char first[256] = "", tried[256] = "";
    if (override && override[0]) {
        h = dlopen(override, RTLD_NOW | RTLD_LOCAL);
        if (!h) snprintf(first, sizeof first, "%s", dlerror());
    } else {
        for (int i = 0; candidates[i] && !h; i++) {
            h = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL);
            if (h) break;
            const char *why = dlerror();
            if (i == 0) snprintf(first, sizeof first, "%s", why ? why : candidates[0]);
            else {
                size_t used = strlen(tried);
                snprintf(tried + used, sizeof tried - used, "%s%s", used ? ", " : "", candidates[i]);
            }
        }
    }
    if (!h) {
        snprintf(err, errlen, "cannot load oneDNN (%s%s%s); install it with `make deps` (Debian package libdnnl2, or "
                 "libdnnl-dev to build) or set CROWDCLIP_ONEDNN to its path", first, tried[0] ? "; also tried " : "",
                 tried);
        pthread_mutex_unlock(&load_lock);
        return -1;
    }
    const char *missing = NULL;
#define LOOKUP(f) if (!(p_##f = (__typeof__(&f))dlsym(h, #f)) && !missing) missing = #f;
    DNNL_FUNCS(LOOKUP)
    if (missing) {
        snprintf(err, errlen, "the oneDNN library opened has no %s (oneDNN 2.x is needed, as Debian's libdnnl2)", missing);
        dlclose(h);
        pthread_mutex_unlock(&load_lock);
        return -1;
    }
    dnnl_engine_t e;
    if (p_dnnl_engine_create(&e, dnnl_cpu, 0) != dnnl_success) {
        snprintf(err, errlen, "oneDNN cannot create its CPU engine");
        dlclose(h);
        pthread_mutex_unlock(&load_lock);
        return -1;
    }
    const dnnl_version_t *v = p_dnnl_version();
    snprintf(version, sizeof version, "%d.%d.%d", v->major, v->minor, v->patch);
    pthread_key_create(&stream_key, free_stream);
    pthread_key_create(&input_key, free_buffer);
    pthread_key_create(&scratchpad_key, free_buffer);
    handle = h;
    engine = e;
    pthread_mutex_unlock(&load_lock);
    return 0;
}

const char *crowd_dnnl_version(void) { return version; }

static dnnl_stream_t thread_stream(void) {
    dnnl_stream_t s = pthread_getspecific(stream_key);
    if (!s && p_dnnl_stream_create(&s, engine, dnnl_stream_default_flags) == dnnl_success)
        pthread_setspecific(stream_key, s);
    return s;
}

/* This thread's buffer under `key`, of at least `size` bytes (grown, never shrunk); NULL when out of memory. */
static void *thread_buffer(pthread_key_t key, size_t size) {
    buffer *b = pthread_getspecific(key);
    if (!b) { b = calloc(1, sizeof *b); if (!b) return NULL; pthread_setspecific(key, b); }
    if (b->size < size) {
        free(b->data);
        if (posix_memalign(&b->data, BUFFER_ALIGNMENT, size) != 0) b->data = NULL;
        b->size = b->data ? size : 0;
    }
    return b->data;
}

/* What a primitive computes besides the product; each combination is its own compiled primitive. */
typedef struct { int sum, bias; } fusion;

typedef struct cached {
    long rows; fusion fused;
    dnnl_primitive_t primitive;
    dnnl_memory_desc_t scratchpad;  /* what the primitive needs the caller to provide */
    size_t scratchpad_bytes;
    int users;                      /* callers running it now: it is freed only at 0 */
    char kernel[64];
    struct cached *next;            /* most recently used first */
} cached;

struct crowd_dnnl_weight {
    long inputs, outputs;
    int bf16;
    dnnl_memory_desc_t md;  /* the layout the matmul chose */
    dnnl_memory_t memory;
    pthread_mutex_t lock;   /* guards `primitives`, their order and their `users` */
    cached *primitives;
    int count;
};

static void destroy(cached *c);
static int execute(crowd_dnnl_weight *w, cached *c, const float *x, long rows, const float *bias, float *y,
                   char *err, size_t errlen);

static dnnl_memory_desc_t matrix(long rows, long cols, dnnl_data_type_t type, dnnl_format_tag_t tag) {
    dnnl_memory_desc_t md;
    dnnl_dims_t dims = {rows, cols};
    p_dnnl_memory_desc_init_by_tag(&md, 2, dims, type, tag);
    return md;
}

/* The matmul primitive descriptor for `rows` rows against weights laid out as `weights`, with the bias (the
 * matmul's bias argument) and the residual add (a sum post-op) as `fused` says. */
static dnnl_status_t matmul_pd(dnnl_primitive_desc_t *pd, long rows, long inputs, long outputs, int bf16,
                               const dnnl_memory_desc_t *weights, fusion fused) {
    dnnl_memory_desc_t src = matrix(rows, inputs, bf16 ? dnnl_bf16 : dnnl_f32, dnnl_ab);
    dnnl_memory_desc_t dst = matrix(rows, outputs, dnnl_f32, dnnl_ab);
    dnnl_memory_desc_t bias = matrix(1, outputs, dnnl_f32, dnnl_ab);
    dnnl_matmul_desc_t desc;
    dnnl_status_t s = p_dnnl_matmul_desc_init(&desc, &src, weights, fused.bias ? &bias : NULL, &dst);
    if (s != dnnl_success) return s;
    /* A library-managed scratchpad would be shared by every thread that runs the primitive, which oneDNN then
     * forbids doing at once; each caller passes its own thread's scratchpad instead. */
    dnnl_primitive_attr_t attr = NULL;
    s = p_dnnl_primitive_attr_create(&attr);
    if (s != dnnl_success) return s;
    p_dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    if (fused.sum) {
        dnnl_post_ops_t ops;
        p_dnnl_post_ops_create(&ops);
        p_dnnl_post_ops_append_sum(ops, 1.0f);
        p_dnnl_primitive_attr_set_post_ops(attr, ops);
        p_dnnl_post_ops_destroy(ops);
    }
    s = p_dnnl_primitive_desc_create(pd, &desc, attr, engine, NULL);
    p_dnnl_primitive_attr_destroy(attr);
    return s;
}

/* The row count whose preferred weight layout is kept: the layout depends on the weight's shape and type, and
 * every other row count is then compiled against it (a blocked layout is kept by oneDNN's brgemm for any M). */
enum { LAYOUT_ROWS = 1024 };

crowd_dnnl_weight *crowd_dnnl_pack(const float *w, long inputs, long outputs, int out_in, int bf16,
                                   char *err, size_t errlen) {
    crowd_dnnl_weight *weight = calloc(1, sizeof *weight);
    if (!weight) { snprintf(err, errlen, "out of memory"); return NULL; }
    weight->inputs = inputs; weight->outputs = outputs; weight->bf16 = bf16;
    pthread_mutex_init(&weight->lock, NULL);
    dnnl_memory_desc_t any = matrix(inputs, outputs, bf16 ? dnnl_bf16 : dnnl_f32, dnnl_format_tag_any);
    dnnl_primitive_desc_t pd = NULL, reorder_pd = NULL;
    dnnl_primitive_t reorder = NULL;
    dnnl_memory_t user = NULL;
    dnnl_status_t s = matmul_pd(&pd, LAYOUT_ROWS, inputs, outputs, bf16, &any, (fusion){0, 0});
    if (s == dnnl_success) {
        weight->md = *p_dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
        dnnl_memory_desc_t user_md = matrix(inputs, outputs, dnnl_f32, out_in ? dnnl_ba : dnnl_ab);
        s = p_dnnl_memory_create(&user, &user_md, engine, (void *)w);
        if (s == dnnl_success) s = p_dnnl_memory_create(&weight->memory, &weight->md, engine, DNNL_MEMORY_ALLOCATE);
        if (s == dnnl_success) s = p_dnnl_reorder_primitive_desc_create(&reorder_pd, &user_md, engine, &weight->md, engine, NULL);
        if (s == dnnl_success) s = p_dnnl_primitive_create(&reorder, reorder_pd);
        if (s == dnnl_success) {
            dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, weight->memory}};
            dnnl_stream_t stream = thread_stream();
            s = p_dnnl_primitive_execute(reorder, stream, 2, args);
            if (s == dnnl_success) s = p_dnnl_stream_wait(stream);
        }
    }
    if (reorder) p_dnnl_primitive_destroy(reorder);
    if (reorder_pd) p_dnnl_primitive_desc_destroy(reorder_pd);
    if (pd) p_dnnl_primitive_desc_destroy(pd);
    if (user) p_dnnl_memory_destroy(user);
    if (s != dnnl_success) {
        snprintf(err, errlen, "oneDNN cannot pack a %ld×%ld %s weight (status %d)", inputs, outputs,
                 bf16 ? "bf16" : "float32", (int)s);
        crowd_dnnl_weight_free(weight);
        return NULL;
    }
    return weight;
}

void crowd_dnnl_weight_free(crowd_dnnl_weight *weight) {
    if (!weight) return;
    for (cached *c = weight->primitives, *next; c; c = next) {
        next = c->next;
        destroy(c);
    }
    if (weight->memory) p_dnnl_memory_destroy(weight->memory);
    pthread_mutex_destroy(&weight->lock);
    free(weight);
}

size_t crowd_dnnl_weight_bytes(const crowd_dnnl_weight *weight) { return p_dnnl_memory_desc_get_size(&weight->md); }

/* Primitives kept per weight. The cache is keyed on the exact row count (text encoding: prompts × tokens), so
 * without a bound every new prompt set would compile primitives that live as long as the weight. Past the bound
 * the least recently used one that no caller is running is freed: a use count (taken and dropped under the
 * weight's lock) is the simplest scheme that never frees a primitive another thread still executes; a free list
 * kept until the weight goes would not bound anything. When every one is in use, the cache briefly holds more. */
enum { MAX_PRIMITIVES = 8 };

static int same(const cached *c, long rows, fusion fused) {
    return c->rows == rows && c->fused.sum == fused.sum && c->fused.bias == fused.bias;
}

static void destroy(cached *c) {
    p_dnnl_primitive_destroy(c->primitive);
    free(c);
}

/* Frees the least recently used primitive no caller runs, if the cache is full. Called under the lock. */
static void evict(crowd_dnnl_weight *w) {
    if (w->count < MAX_PRIMITIVES) return;
    cached **victim = NULL;
    for (cached **p = &w->primitives; *p; p = &(*p)->next)
        if ((*p)->users == 0) victim = p;
    if (!victim) return;
    cached *c = *victim;
    *victim = c->next;
    w->count--;
    destroy(c);
}

/* The primitive for (rows, fused), compiled on first use and kept, with a use taken: hand it back with
 * `release`. NULL when oneDNN refuses. */
static cached *acquire(crowd_dnnl_weight *w, long rows, fusion fused) {
    pthread_mutex_lock(&w->lock);
    cached **p = &w->primitives;
    while (*p && !same(*p, rows, fused)) p = &(*p)->next;
    cached *c = *p;
    if (c) {
        *p = c->next;  /* moved to the front below */
    } else {
        dnnl_primitive_desc_t pd;
        if (matmul_pd(&pd, rows, w->inputs, w->outputs, w->bf16, &w->md, fused) == dnnl_success) {
            c = calloc(1, sizeof *c);
            if (c && p_dnnl_primitive_create(&c->primitive, pd) == dnnl_success) {
                const char *name = NULL;
                p_dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name);
                snprintf(c->kernel, sizeof c->kernel, "%s", name ? name : "");
                c->scratchpad = *p_dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
                c->scratchpad_bytes = p_dnnl_memory_desc_get_size(&c->scratchpad);
                c->rows = rows; c->fused = fused;
                evict(w);
                w->count++;
            } else {
                free(c);
                c = NULL;
            }
            p_dnnl_primitive_desc_destroy(pd);
        }
    }
    if (c) {
        c->users++;
        c->next = w->primitives;
        w->primitives = c;
    }
    pthread_mutex_unlock(&w->lock);
    return c;
}

static void release(crowd_dnnl_weight *w, cached *c) {
    pthread_mutex_lock(&w->lock);
    c->users--;
    pthread_mutex_unlock(&w->lock);
}

int crowd_dnnl_kernel_name(crowd_dnnl_weight *weight, long rows, char *name, size_t namelen) {
    cached *c = acquire(weight, rows, (fusion){0, 0});
    if (!c) { snprintf(name, namelen, "%s", ""); return -1; }
    snprintf(name, namelen, "%s", c->kernel);
    release(weight, c);
    return 0;
}

int crowd_dnnl_multiply(crowd_dnnl_weight *w, const float *x, long rows, const float *bias, float beta, float *y,
                        char *err, size_t errlen) {
    cached *c = acquire(w, rows, (fusion){beta != 0, bias != NULL});
    if (!c) {
        snprintf(err, errlen, "oneDNN has no %s matmul for %ld×%ld by %ld×%ld", w->bf16 ? "bf16" : "float32",
                 rows, w->inputs, w->inputs, w->outputs);
        return -1;
    }
    int rc = execute(w, c, x, rows, bias, y, err, errlen);
    release(w, c);
    return rc;
}

/* Runs `c` on this thread's stream, input buffer and scratchpad. */
static int execute(crowd_dnnl_weight *w, cached *c, const float *x, long rows, const float *bias, float *y,
                   char *err, size_t errlen) {
    void *src = (void *)x;
    if (w->bf16) {
        src = thread_buffer(input_key, (size_t)rows * w->inputs * sizeof(unsigned short));
        if (!src) { snprintf(err, errlen, "out of memory for a %ld×%ld bf16 input", rows, w->inputs); return -1; }
        crowd_float_to_bf16(x, src, rows * w->inputs);
    }
    void *scratch = NULL;
    if (c->scratchpad_bytes) {
        scratch = thread_buffer(scratchpad_key, c->scratchpad_bytes);
        if (!scratch) { snprintf(err, errlen, "out of memory for a %zu-byte oneDNN scratchpad", c->scratchpad_bytes); return -1; }
    }
    dnnl_memory_desc_t src_md = matrix(rows, w->inputs, w->bf16 ? dnnl_bf16 : dnnl_f32, dnnl_ab);
    dnnl_memory_desc_t dst_md = matrix(rows, w->outputs, dnnl_f32, dnnl_ab);
    dnnl_memory_desc_t bias_md = matrix(1, w->outputs, dnnl_f32, dnnl_ab);
    dnnl_memory_t src_mem = NULL, dst_mem = NULL, bias_mem = NULL, scratch_mem = NULL;
    dnnl_status_t s = p_dnnl_memory_create(&src_mem, &src_md, engine, src);
    if (s == dnnl_success) s = p_dnnl_memory_create(&dst_mem, &dst_md, engine, y);
    if (s == dnnl_success && bias) s = p_dnnl_memory_create(&bias_mem, &bias_md, engine, (void *)bias);
    if (s == dnnl_success && scratch) s = p_dnnl_memory_create(&scratch_mem, &c->scratchpad, engine, scratch);
    if (s == dnnl_success) {
        dnnl_exec_arg_t args[5] = {{DNNL_ARG_SRC, src_mem}, {DNNL_ARG_WEIGHTS, w->memory}, {DNNL_ARG_DST, dst_mem}};
        int n = 3;
        if (bias_mem) args[n++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, bias_mem};
        if (scratch_mem) args[n++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, scratch_mem};
        dnnl_stream_t stream = thread_stream();
        s = p_dnnl_primitive_execute(c->primitive, stream, n, args);
        if (s == dnnl_success) s = p_dnnl_stream_wait(stream);
    }
    if (src_mem) p_dnnl_memory_destroy(src_mem);
    if (dst_mem) p_dnnl_memory_destroy(dst_mem);
    if (bias_mem) p_dnnl_memory_destroy(bias_mem);
    if (scratch_mem) p_dnnl_memory_destroy(scratch_mem);
    if (s != dnnl_success) { snprintf(err, errlen, "oneDNN matmul failed (status %d)", (int)s); return -1; }
    return 0;
}
