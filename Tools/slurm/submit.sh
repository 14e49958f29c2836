#!/bin/bash
# Submits a sharded `crowdclip count` to Slurm: an array of N tasks (one shard each) and a merge job that runs
# when all of them have ended. Prints the two job IDs.
#
#   Tools/slurm/submit.sh --shards N --out DIR [--crowdclip PATH] [--sbatch-option OPT]... INPUT... [-- COUNT_OPTION...]
#
# Example:
#   Tools/slurm/submit.sh --shards 100 --out /scratch/run1 --sbatch-option --partition=cpu /data/frames \
#       -- --weights /models/ViT-B-16.pt --counter-weights /models/crowdclip-sha.ckpt --grid 3
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() { sed -n '5p' "${BASH_SOURCE[0]}" | sed 's/^# *//' >&2; exit 2; }
shards="" out="" crowdclip=${CROWDCLIP:-$(command -v crowdclip || true)}
sbatch_options=() inputs=() count_options=()
while [ $# -gt 0 ]; do
  case $1 in
    --shards) shards=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --crowdclip) crowdclip=${2:?}; shift 2 ;;
    --sbatch-option) sbatch_options+=("${2:?}"); shift 2 ;;
    --) shift; count_options=("$@"); break ;;
    -h|--help) usage ;;
    -*) echo "submit.sh: unknown option $1" >&2; usage ;;
    *) inputs+=("$1"); shift ;;
  esac
done
[[ $shards =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: --shards N is required (a positive integer)" >&2; usage; }
[ -n "$out" ] && [ ${#inputs[@]} -gt 0 ] || usage
[ -n "$crowdclip" ] && [ -x "$crowdclip" ] || { echo "submit.sh: crowdclip not found; give --crowdclip PATH" >&2; exit 2; }

# The merge lists the inputs the way the count did: a recursive count needs a recursive merge.
merge_options=()
for o in "${count_options[@]}"; do
  case $o in -r|--recursive) merge_options=(--recursive) ;; esac
done

mkdir -p "$out/logs"
out=$(cd "$out" && pwd)
# The tasks see the submitter's environment (sbatch --export=ALL), so these reach them.
export CROWDCLIP=$(cd "$(dirname "$crowdclip")" && pwd)/$(basename "$crowdclip")
export CROWDCLIP_SHARDS=$shards

array=$(sbatch --parsable --array=0-$((shards - 1)) --chdir="$PWD" --output="$out/logs/count-%A_%a.log" \
  "${sbatch_options[@]}" "$here/count-array.sbatch" "$out" "${count_options[@]}" -- "${inputs[@]}")
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterany:"$array" --chdir="$PWD" --output="$out/logs/merge-%j.log" \
  "${sbatch_options[@]}" "$here/merge.sbatch" "$out" "${merge_options[@]}" "${inputs[@]}")
merge=${merge%%;*}
echo "array job $array ($shards tasks) → $out/shard-*.jsonl; merge job $merge → $out/counts.jsonl"
echo "$array $merge" > "$out/jobs"
