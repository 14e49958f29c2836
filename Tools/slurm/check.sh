#!/bin/bash
# `make slurm-check`: runs the sbatch recipe (submit.sh) on a real single-node Slurm on this machine.
#   1. installs slurm-wlm and munge from Debian when missing;
#   2. starts munged, slurmctld and slurmd on localhost from a configuration in a temporary folder;
#   3. submits a 4-task array over a sample folder (tiny test models), waits, and lets the merge job merge;
#   4. compares the merge with a single-process run, byte for byte;
#   5. cuts one shard file back (one record and a torn line), requeues that task (scontrol requeue), checks
#      that it resumed and that the new merge is still identical;
#   6. stops the daemons it started, by their pids.
# Needs root (the daemons run as root, as Debian's Slurm 22.05 allows with proctrack/linuxproc, task/none and no
# cgroup.conf) and a release build (.build/release/crowdclip). Not part of CI.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
crowdclip=${CROWDCLIP:-$repo/.build/release/crowdclip}
fixtures=$repo/Tests/Fixtures
shards=4
say() { echo "slurm-check: $*"; }
fail() { echo "slurm-check: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root (it installs packages and runs the Slurm daemons as root)"
[ -x "$crowdclip" ] || fail "$crowdclip is missing: run 'swift build -c release' (or make release) first"

# 1. Packages.
missing=""
for p in slurm-wlm munge; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  say "installing$missing"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# 2. Daemons, from a configuration of our own in a temporary folder.
tmp=$(mktemp -d /tmp/crowdclip-slurm-check.XXXXXX)
pids=()
cleanup() {
  status=$?
  if [ -n "${SLURM_CONF:-}" ] && [ -f "$SLURM_CONF" ]; then scancel --quiet --user=root 2>/dev/null || true; fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ ${#pids[@]} -gt 0 ] && say "stopped the daemons it started (pids ${pids[*]})"
  if [ $status -eq 0 ]; then rm -rf "$tmp"; else say "kept $tmp (logs: slurmctld.log, slurmd.log, run/logs/)"; fi
}
trap cleanup EXIT

mkdir -p "$tmp/munge" "$tmp/state" "$tmp/spool"
chmod 700 "$tmp/munge"
dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$tmp/munge/munge.key"
munged --foreground --force --key-file="$tmp/munge/munge.key" --socket="$tmp/munge/munge.socket" \
  --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munge/munged.log" --seed-file="$tmp/munge/munged.seed" \
  >"$tmp/munge/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$tmp/munge/munge.socket" ] && break; sleep 0.1; done
[ -S "$tmp/munge/munge.socket" ] || fail "munged did not start (see $tmp/munge/munged.log)"

host=$(hostname -s)
port=${SLURM_CHECK_PORT:-16817}
export SLURM_CONF=$tmp/slurm.conf
cat > "$SLURM_CONF" <<CONF
ClusterName=crowdclip-check
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# cred_expire is also how long a requeued job waits before it may start again (default 120 s).
AuthInfo=socket=$tmp/munge/munge.socket,cred_expire=5
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
MinJobAge=600
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=check Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
# In the foreground (-D) so that $! is the daemon's own pid; their logs are in $tmp.
slurmctld -D -f "$SLURM_CONF" >"$tmp/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$host" >"$tmp/slurmd.out" 2>&1 &
pids+=($!)
say "munged, slurmctld, slurmd started (pids ${pids[*]}), configuration $SLURM_CONF"
for _ in $(seq 60); do
  state=$(sinfo -h -N -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 1
done
[ "$state" = idle ] || fail "the node did not come up (state '$state'; see $tmp/slurmctld.log and $tmp/slurmd.log)"

# 3. A 4-task array over a sample folder, through the recipe, and its dependent merge.
sample=$tmp/sample
mkdir -p "$sample"
cp "$fixtures"/counting/scene-*.png "$repo"/Docs/samples/*.jpg "$sample/"
# A subfolder, counted with --recursive: the merge job must list the inputs the same way.
mkdir -p "$sample/ucf"
for f in "$fixtures"/datasets/trees/ucf50/*.jpg; do cp "$f" "$sample/ucf/$(basename "$f")"; done
echo "not an image" > "$sample/broken.jpg"
inputs=("$sample" "$fixtures/datasets/trees/list/photos/b c.jpg")
models=(--weights "$fixtures/models/tiny-p16.safetensors" --head-width 8
        --counter-weights "$fixtures/counting/counter-visual.safetensors" --recursive)
"$repo/Tools/slurm/submit.sh" --shards $shards --out "$tmp/run" --crowdclip "$crowdclip" \
  --sbatch-option --cpus-per-task=1 "${inputs[@]}" -- "${models[@]}"
read -r array merge < "$tmp/run/jobs"
start=$(date +%s)
while [ -n "$(squeue -h -j "$array,$merge" 2>/dev/null)" ]; do
  [ $(( $(date +%s) - start )) -lt 300 ] || fail "jobs $array and $merge still queued after 5 minutes"
  sleep 1
done
say "array and merge finished in $(( $(date +%s) - start )) s"
ls "$tmp"/run/shard-*.jsonl >/dev/null || fail "no shard outputs"
[ "$(ls "$tmp"/run/shard-*.jsonl | wc -l)" = $shards ] || fail "expected $shards shard files: $(ls "$tmp"/run)"
for f in "$tmp"/run/shard-*.jsonl; do say "$(basename "$f"): $(wc -l < "$f") record(s)"; done
cat "$tmp"/run/logs/merge-*.log
[ -s "$tmp/run/counts.jsonl" ] || fail "the merge job wrote no counts.jsonl (see $tmp/run/logs)"

# 4. The same inputs in one process.
"$crowdclip" count "${models[@]}" --format jsonl --output "$tmp/single.jsonl" "${inputs[@]}" 2>/dev/null || true
images=$(wc -l < "$tmp/single.jsonl")
cmp "$tmp/single.jsonl" "$tmp/run/counts.jsonl" || fail "the merge differs from a single run: diff $tmp/single.jsonl $tmp/run/counts.jsonl"
say "the merge of $shards Slurm array tasks is identical to a single-process run ($images records)"

# 5. A requeued task resumes its shard: cut shard 1 back to one counted record and half of the next line (a task
#    killed mid-write), requeue that task, merge again.
{ grep -m 1 '"count"' "$tmp/run/shard-1.jsonl"; tail -n 1 "$tmp/run/shard-1.jsonl" | head -c 40; } > "$tmp/cut"
mv "$tmp/cut" "$tmp/run/shard-1.jsonl"
scontrol requeue "${array}_1"
start=$(date +%s)
while [ -n "$(squeue -h -j "$array" 2>/dev/null)" ]; do
  [ $(( $(date +%s) - start )) -lt 300 ] || fail "the requeued task ${array}_1 did not finish in 5 minutes"
  sleep 1
done
log=$tmp/run/logs/count-${array}_1.log
grep -q "skipped 1 image" "$log" && grep -q "cut off" "$log" || fail "the requeued task did not resume (see $log)"
"$crowdclip" merge --recursive --inputs "${inputs[@]}" --output "$tmp/run/counts-requeued.jsonl" -- "$tmp"/run/shard-*.jsonl >/dev/null 2>&1 || true
cmp "$tmp/single.jsonl" "$tmp/run/counts-requeued.jsonl" || fail "after the requeue the merge differs from a single run"
say "requeued task ${array}_1 resumed its shard after $(( $(date +%s) - start )) s; the merge is still identical"
say "OK"
