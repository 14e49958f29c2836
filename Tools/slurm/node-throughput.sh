#!/bin/bash
# Measures what one node counts per second when it runs TASKS shards at once with THREADS OpenBLAS threads each,
# the figure Docs/scaling.md turns into wall times. Run it on a cluster node with the real weights.
#
#   Tools/slurm/node-throughput.sh TASKS THREADS INPUT... -- COUNT_OPTION...
#   e.g. Tools/slurm/node-throughput.sh 8 4 /data/sample -- --weights ViT-B-16.pt --counter-weights sha.ckpt
set -euo pipefail
[ $# -ge 3 ] || { sed -n '5,6p' "$0" | sed 's/^# *//' >&2; exit 2; }
tasks=$1 threads=$2; shift 2
inputs=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do inputs+=("$1"); shift; done
[ $# -gt 0 ] && shift
crowdclip=${CROWDCLIP:-$(cd "$(dirname "$0")/../.." && pwd)/.build/release/crowdclip}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
start=$(date +%s.%N)
pids=()
for ((i = 0; i < tasks; i++)); do
  OPENBLAS_NUM_THREADS=$threads "$crowdclip" count --shard "$i/$tasks" --format jsonl --output "$out/shard-$i.jsonl" "$@" "${inputs[@]}" 2>/dev/null &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || true; done
end=$(date +%s.%N)
# CPU seconds of the counting processes (user + system): the cost that does not depend on what else shares the node.
times > "$out/times"
cpu=$(tail -1 "$out/times" | awk '{ n = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); n += a[1] * 60 + a[2] } print n }')
images=$(cat "$out"/shard-*.jsonl | wc -l)
kept=$(cat "$out"/shard-*.jsonl | grep -o '"selected": true' | wc -l || true)
awk -v s="$start" -v e="$end" -v n="$images" -v k="$kept" -v t="$tasks" -v th="$threads" -v c="$cpu" 'BEGIN {
  w = e - s; printf "%d task(s) x %d thread(s): %d images in %.1f s = %.3f images/s per node (%.2f s per image), %.1f kept patches per image; %.2f CPU s per image\n", t, th, n, w, n / w, w / n, k / n, c / n }'
