#!/usr/bin/env bash
# Submits one scenario to Slurm as a job array of N shards plus a merge job that waits for them.
#
#   harness/tools/slurm-array.sh SCENARIO SHARDS DB [sbatch options...]
#
# Task I runs `wirelab run SCENARIO --shard I/SHARDS --jobs 1 --db DB.shardI`; the merge job
# (afterok on the whole array) folds them into DB. Prints the merge job's id. The checkout and DB's
# directory must be on storage every node sees.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 SCENARIO SHARDS DB [sbatch options...]" >&2; exit 2; }
scenario=$(realpath "$1") shards=$2 db=$(realpath -m "$3")
shift 3
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
wirelab="${WIRELAB_BINARY:-$root/build/harness/wirelab}"
[ -x "$wirelab" ] || { echo "no wirelab binary at $wirelab (./lab build)" >&2; exit 2; }
"$wirelab" validate "$scenario" >/dev/null
array=$(sbatch --parsable "$@" --array=0-$((shards - 1)) --job-name=wirelab-shard --output=/dev/null \
  --wrap="cd '$root' && '$wirelab' run '$scenario' --jobs 1 --shard \$SLURM_ARRAY_TASK_ID/$shards --db '$db.shard'\$SLURM_ARRAY_TASK_ID")
parts=""
for ((i = 0; i < shards; i++)); do parts+=" '$db.shard$i'"; done
sbatch --parsable "$@" --dependency=afterok:"${array%%;*}" --job-name=wirelab-merge --output="$db.merge.log" \
  --wrap="cd '$root' && '$wirelab' merge --db '$db'$parts"
