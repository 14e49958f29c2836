#ifndef CROWD_CPUID_H
#define CROWD_CPUID_H

/* CPU features relevant to choosing an OpenBLAS kernel. AVX/AVX-512 bits are only set
 * when the OS also saves the matching register state (XGETBV), as OpenBLAS checks. */
typedef struct {
    char vendor[13];
    char brand[49];
    int family;
    int model;
    int sse3, ssse3, sse41, sse42;
    int avx, avx2, fma;
    int avx512f, avx512bw, avx512vl, avx512dq, avx512cd;
    int avx512_bf16, avx512_vnni, amx_bf16;
} crowd_cpu_features;

void crowd_cpuid(crowd_cpu_features *out);

#endif
