#!/usr/bin/env bash
# The original design's speed-up table, side by side: each row's answer from raw tables vs from the aggregates
# (the service's own SQL, no answer cache), at 7, 30 and 90 days of plant history, in one run per edition.
# Compressed chunks (Community edition): bench/speedups/compressed.sh.
# Usage: bench/speedups/run.sh apache|community
# Environment: HISTORY="7 30 90" RUNS=9 MAX_SECONDS=25 (per row) BENCH_PORT (56063 apache / 56064 community)
#              plant knobs of bench/dashboard/populate.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$root/bench/speedups"
edition=${1:-apache}
case "$edition" in
  apache) license=apache port=56063 ;;
  community) license=timescale port=56064 ;;
  *) echo "usage: $0 apache|community" >&2; exit 2 ;;
esac
history=${HISTORY:-7 30 90} runs=${RUNS:-9} max_seconds=${MAX_SECONDS:-25}
export TSDB_PORT=${BENCH_PORT:-$port} TSDB_LICENSE=$license TSDB_FSYNC=off
tsdb="$root/deploy/local/tsdb"
out=${OUT:-/tmp/bench-speedups/$edition}
mkdir -p "$out"
: >"$out/results.tsv"
"$tsdb" install >/dev/null 2>&1
"$tsdb" editions | grep -x "$license" >/dev/null || { echo "bench: the $edition edition is not installed here" >&2; exit 2; }
# a cluster that was already running (another benchmark on the same port) is left running
"$tsdb" status >/dev/null 2>&1 && keep_cluster=1 || keep_cluster=0
"$tsdb" start >/dev/null
trap '[ "$keep_cluster" = 1 ] || "$root/deploy/local/tsdb" stop >/dev/null 2>&1 || true' EXIT
[ -f "$root/target/quarkus-app/quarkus-run.jar" ] || (cd "$root" && ./mvnw -B -q package -DskipTests)
cp="$root/target/classes:$root/target/quarkus-app/lib/main/*"

for days in $history; do
  db=ft_speedups_$days
  psql() { "$tsdb" psql -d "$db" -X -q -v ON_ERROR_STOP=1 "$@"; }
  "$tsdb" createdb "$db"
  # the service migrates the fresh database (same changelog as production), then exits
  DB_HOST=127.0.0.1 DB_PORT=$TSDB_PORT DB_NAME=$db DB_USER=telemetry DB_PASSWORD=telemetry \
    TELEMETRY_PLATFORM_MIGRATE_ONLY=true java -jar "$root/target/quarkus-app/quarkus-run.jar" >"$out/migrate-$days.log" 2>&1 \
    || { echo "bench: migration failed; see $out/migrate-$days.log" >&2; exit 1; }
  # TimescaleDB's own jobs (compression, retention, refresh policies) would change the data under measurement
  [ "$edition" = community ] && psql -c "SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs WHERE job_id >= 1000" >/dev/null
  times=$(DAYS=$days "$root/bench/dashboard/populate.sh" "$db" "$edition" | tail -1)
  rows=$(psql -At -c "SELECT (SELECT count(*) FROM factory_telemetry.metric_hist) || ' metric_hist, ' || (SELECT count(*) FROM factory_telemetry.oee_calculations) || ' oee_calculations, ' || (SELECT count(*) FROM factory_telemetry.energy_consumption) || ' energy_consumption, ' || (SELECT count(*) FROM factory_telemetry.quality_checks) || ' quality_checks'")
  echo "== $edition, $days days of history: $rows; $times"
  echo "uptime: $(uptime)"
  java -cp "$cp" "$here/SpeedupBench.java" --url "jdbc:postgresql://127.0.0.1:$TSDB_PORT/$db?user=telemetry&password=telemetry" \
    --label "$edition ${days} d" --runs "$runs" --max-seconds "$max_seconds" --explain "$out/plans" --tsv "$out/results.tsv"
  "$tsdb" dropdb "$db"
done
echo "results: $out/results.tsv, plans: $out/plans/"
