#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ (AddressSanitizer + coverage) and runs each in turn.
#   Tools/fuzz.sh [SECONDS] [RUNS] [TARGET...]     e.g. Tools/fuzz.sh 600 1000000 zip mat
# Each target stops at SECONDS or RUNS, whichever comes first (RUNS 0: no limit). Seeds come from Tests/Fixtures;
# the grown corpus and any crashing input stay under .build/fuzz/ (a finding stops the script with status 1).
# Limits: 2 GB RSS and 2 GB per allocation, so an input using more memory is reported as a finding.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
RUNS=${2:-0}
shift $(( $# > 2 ? 2 : $# ))
TARGETS=${*:-jpeg png safetensors torch pickle zip mat npy hfconfig lists tokenizer}
NICE=${FUZZ_NICE:-10}
# FUZZ_SEED fixes libFuzzer's random seed, so a smoke run in CI mutates the same way every time.
SEED_FLAG=(); [ -n "${FUZZ_SEED:-}" ] && SEED_FLAG=(-seed="$FUZZ_SEED")
TOOLCHAIN=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")
FUZZER_RT=$(ls "$TOOLCHAIN"/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a 2>/dev/null | head -1 || true)
[ -n "$FUZZER_RT" ] || { echo "libclang_rt.fuzzer_no_main not found in the Swift toolchain ($TOOLCHAIN)"; exit 2; }

# SwiftPM renames an executable's `main`, so each target calls libFuzzer's driver itself (fuzzer_no_main).
FLAGS=(-c release --sanitize=address -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table
       -Xswiftc -enable-testing -Xcc -fsanitize=fuzzer-no-link -Xlinker "$FUZZER_RT" -Xlinker -lstdc++)
(cd Fuzz && nice -n "$NICE" swift build "${FLAGS[@]}" -j 2 2>&1 | grep -Ev "warning: Cannot export|^$" | grep -E "error|Compiling|Build" || true)
BIN=Fuzz/.build/release
[ -x "$BIN/fuzz-npy" ] || { echo "the fuzz targets did not build"; exit 2; }
F=Tests/Fixtures
WORK=.build/fuzz
export LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan-suppressions.txt${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

seeds() {  # target → seed files
    case $1 in
    jpeg) ls $F/images/*.jpg ;;
    png) ls $F/images/*.png $F/training/picture.png ;;
    safetensors) ls $F/weights/*.safetensors $F/weights/hf-clip/model.safetensors ;;
    torch|zip) ls $F/weights/*.pt $F/weights/*.pth $F/weights/*.bin $F/weights/*.ckpt ;;
    mat) find $F/datasets -name '*.mat' ;;
    npy) ls $F/models/*.npy ;;
    hfconfig) ls $F/weights/hf-clip/config.json ;;
    lists) find $F/datasets -name '*.txt' ;;
    tokenizer) ls $F/tokenizer/cases.json ;;
    esac
}

for t in $TARGETS; do
    mkdir -p "$WORK/corpus/$t" "$WORK/seeds/$t" "$WORK/artifacts/$t"
    if [ "$t" = pickle ]; then  # the data.pkl inside every torch fixture
        python3 - "$WORK/seeds/pickle" $(seeds torch) <<'PY'
import os, sys, zipfile
for i, path in enumerate(sys.argv[2:]):
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith("data.pkl"):
                with open(os.path.join(sys.argv[1], f"{i}-{os.path.basename(path)}.pkl"), "wb") as f:
                    f.write(z.read(name))
PY
    else
        for s in $(seeds "$t"); do cp "$s" "$WORK/seeds/$t/"; done
    fi
    echo "== fuzz-$t: ${SECONDS_EACH}s$( [ "$RUNS" != 0 ] && echo ", at most $RUNS runs" || true)"
    status=0
    nice -n "$NICE" "$BIN/fuzz-$t" -rss_limit_mb=2048 -malloc_limit_mb=2048 -max_total_time="$SECONDS_EACH" \
        -runs="$( [ "$RUNS" = 0 ] && echo -1 || echo "$RUNS")" -print_final_stats=1 "${SEED_FLAG[@]}" \
        -artifact_prefix="$WORK/artifacts/$t/" "$WORK/corpus/$t" "$WORK/seeds/$t" > "$WORK/fuzz-$t.log" 2>&1 || status=$?
    grep -E "^#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|ERROR|SUMMARY|Test unit written" "$WORK/fuzz-$t.log" || true
    [ "$status" = 0 ] || { echo "fuzz-$t found a problem (exit $status): see $WORK/fuzz-$t.log and $WORK/artifacts/$t/"; exit 1; }
done
