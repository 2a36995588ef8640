#!/usr/bin/env bash
# Populates a migrated benchmark database with a plant's history (backfill.sql), refreshes the aggregates as the
# edition's refresh would have, VACUUM ANALYZE, then writes the current hour through the normal path (live.sql).
# Usage: bench/dashboard/populate.sh DB apache|community   (cluster: TSDB_PORT; knobs DAYS LINES EQUIPMENT METRICS METRIC_STEP)
# Prints "backfill_s=... refresh_s=..." on its last line.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$root/bench/dashboard"
db=$1 edition=$2
days=${DAYS:-30} lines=${LINES:-5} equipment=${EQUIPMENT:-10} metrics=${METRICS:-1000} step=${METRIC_STEP:-5 minutes}
psql() { "$root/deploy/local/tsdb" psql -d "$db" -X -q -v ON_ERROR_STOP=1 "$@"; }
elapsed() { echo "$(date +%s.%N) - $1" | bc; }
t=$(date +%s.%N)
psql -v days="$days" -v lines="$lines" -v equipment="$equipment" -v metrics="$metrics" -v metric_step="$step" -f "$here/backfill.sql" >/dev/null
backfill_s=$(elapsed "$t")
t=$(date +%s.%N)
for a in oee_hourly_aggregate metric_hourly_aggregate energy_hourly_aggregate downtime_daily_aggregate quality_daily_aggregate \
         oee_daily_aggregate metric_daily_aggregate energy_daily_aggregate; do
  if [ "$edition" = apache ]; then
    psql -c "SELECT factory_telemetry.refresh_service_aggregate('$a', '-infinity')" >/dev/null
  else
    # as the refresh policies leave it: up to their end_offset (1 hour / 1 day), newer buckets real-time
    case "$a" in *hourly*) off='1 hour' ;; *) off='1 day' ;; esac
    psql -c "CALL refresh_continuous_aggregate('factory_telemetry.$a', NULL, now() - interval '$off')" >/dev/null
  fi
done
refresh_s=$(elapsed "$t")
psql -c "VACUUM ANALYZE" >/dev/null
psql -v metric_step="$step" -f "$here/live.sql" >/dev/null
psql -c "ANALYZE factory_telemetry.aggregate_invalidation" >/dev/null
echo "backfill_s=$backfill_s refresh_s=$refresh_s"
