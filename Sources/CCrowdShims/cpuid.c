#include "crowd_cpuid.h"
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long xgetbv0(void) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

void crowd_cpuid(crowd_cpu_features *f) {
    memset(f, 0, sizeof *f);
    unsigned int a, b, c, d, max;
    if (!__get_cpuid(0, &max, &b, &c, &d)) return;
    memcpy(f->vendor, &b, 4); memcpy(f->vendor + 4, &d, 4); memcpy(f->vendor + 8, &c, 4);
    __get_cpuid(1, &a, &b, &c, &d);
    int base_family = (a >> 8) & 0xf, base_model = (a >> 4) & 0xf;
    f->family = base_family == 0xf ? base_family + ((a >> 20) & 0xff) : base_family;
    f->model = (base_family == 0x6 || base_family == 0xf) ? (((a >> 16) & 0xf) << 4) + base_model : base_model;
    f->sse3 = c & 1; f->ssse3 = (c >> 9) & 1; f->sse41 = (c >> 19) & 1; f->sse42 = (c >> 20) & 1;
    int osxsave = (c >> 27) & 1;
    unsigned long long xcr0 = osxsave ? xgetbv0() : 0;
    int ymm_ok = (xcr0 & 0x6) == 0x6;
    int zmm_ok = ymm_ok && (xcr0 & 0xe0) == 0xe0;
    f->avx = ymm_ok && ((c >> 28) & 1);
    f->fma = ymm_ok && ((c >> 12) & 1);
    if (max >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        f->avx2 = ymm_ok && ((b >> 5) & 1);
        f->avx512f = zmm_ok && ((b >> 16) & 1);
        f->avx512dq = zmm_ok && ((b >> 17) & 1);
        f->avx512cd = zmm_ok && ((b >> 28) & 1);
        f->avx512bw = zmm_ok && ((b >> 30) & 1);
        f->avx512vl = zmm_ok && ((b >> 31) & 1);
        f->avx512_vnni = zmm_ok && ((c >> 11) & 1);
        f->amx_bf16 = (d >> 22) & 1;
        unsigned int a1, b1, c1, d1;
        __cpuid_count(7, 1, a1, b1, c1, d1);
        f->avx512_bf16 = zmm_ok && ((a1 >> 5) & 1);
    }
    unsigned int ext;
    __get_cpuid(0x80000000, &ext, &b, &c, &d);
    if (ext >= 0x80000004) {
        unsigned int *p = (unsigned int *)f->brand;
        for (unsigned int leaf = 0; leaf < 3; leaf++)
            __get_cpuid(0x80000002 + leaf, p + 4 * leaf, p + 4 * leaf + 1, p + 4 * leaf + 2, p + 4 * leaf + 3);
        f->brand[48] = 0;
    }
}
#else
void crowd_cpuid(crowd_cpu_features *f) { memset(f, 0, sizeof *f); }
#endif
