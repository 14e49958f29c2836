#!/bin/sh
# Builds and runs Tools/bf16_kernel_bench.c (needs libdnnl-dev and a CPU with AVX512-BF16); prints a Markdown table.
set -e
cd "$(dirname "$0")/.."
mkdir -p .build
${CC:-gcc} -O3 -march=x86-64-v2 -fopenmp -ISources/CCrowdShims/include Tools/bf16_kernel_bench.c Sources/CCrowdShims/dnnl_loader.c \
  Sources/CCrowdShims/bf16_convert.c -ldl -lpthread -lm -o .build/bf16_kernel_bench
.build/bf16_kernel_bench
