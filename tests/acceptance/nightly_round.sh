#!/usr/bin/env bash
# Two nightly rounds at the same commit: both complete, the second is compared with the first
# (no regression: exit 0), the report is published and last-good advances to the second round.
set -euo pipefail
source_dir=$1
results=$(mktemp -d /tmp/wirelab-nightly-XXXXXX)
trap 'rm -rf "$results"' EXIT
for round in 1 2; do
  "$source_dir/harness/tools/nightly.sh" --results "$results" --bench-filter 'partitioner/hash'
done
read -r campaign commit < "$results/last-good"
[ "$campaign" = 2 ] || { echo "FAIL last-good campaign is '$campaign', expected 2"; exit 1; }
[ "$commit" = "$(git -C "$source_dir" rev-parse HEAD)" ] || { echo "FAIL last-good commit '$commit'"; exit 1; }
report="$results/nightly/${commit:0:12}"
[ -f "$report/index.html" ] || { echo "FAIL no report at $report"; exit 1; }
[ -f "$report/runs/regress.md" ] || { echo "FAIL no regress summary at $report/runs"; exit 1; }
rows=$(sqlite3 "$results/nightly.db" "select count(*) from benchmarks")
[ "$rows" -ge 10 ] || { echo "FAIL expected >= 10 benchmark rows (2 rounds x 5 repetitions), found $rows"; exit 1; }
echo "ok   two nightly rounds, report and regress summary published, $rows benchmark rows"
