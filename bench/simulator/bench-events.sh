#!/usr/bin/env bash
# Event ingestion benchmark: the same simulated plant history posted one event per request (baseline:
# a naive gateway) and in batches of --event-batch-size (default 1000), against a running service.
# Each run uses its own time range, so both store new rows. Prints events/s of each and the ratio.
#
#   bench/simulator/bench-events.sh [URL] [DAYS]      (defaults: http://localhost:8080, 7)
set -euo pipefail
url=${1:-http://localhost:8080}
days=${2:-7}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
offset=$(( $(date +%s) % 1000 ))   # a fresh range per invocation: days back from a past date
log=$(mktemp)
trap 'rm -f "$log"' EXIT
run() {
  local batch=$1 end=$2
  if ! java "$here/PlantSimulator.java" --url "$url" --no-telemetry --backfill-days "$days" --duration 0 \
       --end "$end" --event-batch-size "$batch" --quiet > "$log" 2>&1; then
    echo "simulator run (event-batch-size $batch) had failures:" >&2
    cat "$log" >&2
    exit 1
  fi
  sed -n 's/.*events total .*(\([0-9]*\) events\/s.*/\1/p' "$log"
}
end_a=$(date -u -d "2020-01-01 + $((offset * 2)) days" +%Y-%m-%dT00:00:00Z)
end_b=$(date -u -d "2020-01-01 + $((offset * 2 + 1000)) days" +%Y-%m-%dT00:00:00Z)
baseline=$(run 1 "$end_a")
batched=$(run 1000 "$end_b")
echo "events/s, one event per request (baseline): $baseline"
echo "events/s, 1000 events per request:          $batched"
awk -v a="$batched" -v b="$baseline" 'BEGIN { printf "ratio batched / baseline:                   %.1fx\n", a / b }'
