#!/usr/bin/env bash
# Runs one scenario as N shards with GNU parallel and folds them into one database.
#
#   harness/tools/run-sharded-parallel.sh SCENARIO SHARDS DB [parallel options...]
#
# Each shard is `wirelab run SCENARIO --shard I/SHARDS --jobs 1` into DB.shardI; `wirelab merge`
# folds them into DB. Extra options go to parallel, e.g. `--sshlogin host1,host2` to spread the
# shards over machines that share this checkout (the shard databases must come back here).
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 SCENARIO SHARDS DB [parallel options...]" >&2; exit 2; }
scenario=$1 shards=$2 db=$3
shift 3
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
wirelab="${WIRELAB_BINARY:-$root/build/harness/wirelab}"
[ -x "$wirelab" ] || { echo "no wirelab binary at $wirelab (./lab build)" >&2; exit 2; }
command -v parallel >/dev/null || { echo "GNU parallel is not installed (apt-get install parallel)" >&2; exit 2; }
"$wirelab" validate "$scenario" >/dev/null
seq 0 $((shards - 1)) | parallel --will-cite --halt now,fail=1 "$@" \
  "$wirelab" run "$scenario" --jobs 1 --shard {}/"$shards" --db "$db.shard{}" '>' /dev/null
parts=()
for ((i = 0; i < shards; i++)); do parts+=("$db.shard$i"); done
"$wirelab" merge --db "$db" "${parts[@]}"
