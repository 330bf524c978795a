#!/usr/bin/env bash
# One nightly regression round: run the nightly campaign and the micro-benchmarks at the current
# commit, compare with the last good round, publish the report, and remember this round as good
# when nothing regressed. Exit 1 on a significant regression (the round is then not "good").
#
#   harness/tools/nightly.sh [--results DIR] [--publish DIR] [--bench-filter RE]
#
# DIR/nightly.db accumulates every round; DIR/last-good holds "CAMPAIGN_ID COMMIT" of the last
# good round. Reports go to PUBLISH/<commit>/ (report) and PUBLISH/<commit>/regress.{md,html}.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
results="$root/results" publish="" bench_filter="."
while [ $# -gt 0 ]; do
  case "$1" in
    --results) results=$2; shift 2 ;;
    --publish) publish=$2; shift 2 ;;
    --bench-filter) bench_filter=$2; shift 2 ;;
    *) echo "usage: $0 [--results DIR] [--publish DIR] [--bench-filter RE]" >&2; exit 2 ;;
  esac
done
wirelab="${WIRELAB_BINARY:-$root/build/harness/wirelab}"
db="$results/nightly.db"
publish="${publish:-$results/nightly}"
mkdir -p "$results" "$publish"
cd "$root"
commit=$(git rev-parse HEAD)

"$wirelab" run scenarios/nightly.yaml --db "$db" --jobs "$(nproc)" > "$results/nightly-table.txt"
campaign=$(sqlite3 "$db" "select max(id) from campaigns where name = 'nightly'")
"$wirelab" bench --filter "$bench_filter" --repetitions 5 --db "$db" > /dev/null
out="$publish/${commit:0:12}"
"$wirelab" report --db "$db" --campaign "$campaign" --out "$out" > /dev/null

status=0
if [ -f "$results/last-good" ]; then
  read -r good_campaign good_commit < "$results/last-good"
  "$wirelab" regress --db "$db" --baseline "$good_campaign" --candidate "$campaign" --out "$out/runs" > /dev/null || status=$?
  if [ "$good_commit" != "$commit" ] && [ $status -eq 0 ]; then
    "$wirelab" regress --db "$db" --baseline "$good_commit" --candidate "$commit" --out "$out/benchmarks" > /dev/null || status=$?
  fi
fi
if [ $status -eq 0 ]; then
  echo "$campaign $commit" > "$results/last-good"
  echo "nightly: campaign $campaign at ${commit:0:12} is good; report in $out"
else
  echo "nightly: campaign $campaign at ${commit:0:12} REGRESSED (exit $status); see $out" >&2
fi
exit $status
