#!/usr/bin/env bash
# Goal 5 of issue #13: the same dashboard and series queries over compressed chunks vs uncompressed ones
# (Community edition). One plant history is written once (bench/dashboard/populate.sh), copied to a second database
# (CREATE DATABASE ... TEMPLATE), and every chunk of the copy before the current hour is compressed with the
# changelog's settings. SpeedupBench --compare-url then runs every row's raw and aggregate side on both databases,
# interleaved in one process, and prints compressed / uncompressed latency and whether the answers are equal.
# Usage: bench/speedups/compressed.sh   Environment: DAYS=30 RUNS=9 MAX_SECONDS=25 BENCH_PORT=56064; plant knobs of populate.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$root/bench/speedups"
days=${DAYS:-30} runs=${RUNS:-9} max_seconds=${MAX_SECONDS:-25}
export TSDB_PORT=${BENCH_PORT:-56064} TSDB_LICENSE=timescale TSDB_FSYNC=off
tsdb="$root/deploy/local/tsdb"
out=${OUT:-/tmp/bench-speedups/compressed}
mkdir -p "$out"
"$tsdb" install >/dev/null 2>&1
"$tsdb" editions | grep -qx timescale || { echo "bench: needs the Community edition (TimescaleDB TSL module)" >&2; exit 2; }
# a cluster that was already running (another benchmark on the same port) is left running
"$tsdb" status >/dev/null 2>&1 && keep_cluster=1 || keep_cluster=0
"$tsdb" start >/dev/null
trap '[ "$keep_cluster" = 1 ] || "$root/deploy/local/tsdb" stop >/dev/null 2>&1 || true' EXIT
[ -f "$root/target/quarkus-app/quarkus-run.jar" ] || (cd "$root" && ./mvnw -B -q package -DskipTests)
db=ft_speedups_plain copy=ft_speedups_compressed
psql() { "$tsdb" psql -X -q -v ON_ERROR_STOP=1 "$@"; }
"$tsdb" createdb "$db"
DB_HOST=127.0.0.1 DB_PORT=$TSDB_PORT DB_NAME=$db DB_USER=telemetry DB_PASSWORD=telemetry \
  TELEMETRY_PLATFORM_MIGRATE_ONLY=true java -jar "$root/target/quarkus-app/quarkus-run.jar" >"$out/migrate.log" 2>&1 \
  || { echo "bench: migration failed; see $out/migrate.log" >&2; exit 1; }
# TimescaleDB's jobs (compression, retention, refresh policies) would change the data under measurement
psql -d "$db" -c "SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs WHERE job_id >= 1000" >/dev/null
times=$(DAYS=$days "$root/bench/dashboard/populate.sh" "$db" community | tail -1)
# the copy: no session may use the template, TimescaleDB's job scheduler included
psql -c "SELECT _timescaledb_functions.stop_background_workers()" >/dev/null
psql -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db' AND pid <> pg_backend_pid()" >/dev/null
psql -d postgres -c "DROP DATABASE IF EXISTS $copy" -c "CREATE DATABASE $copy TEMPLATE $db OWNER telemetry" >/dev/null
psql -c "SELECT _timescaledb_functions.start_background_workers()" >/dev/null
t=$(date +%s.%N)
chunks=$(psql -d "$copy" -At -c "SELECT count(compress_chunk(c, if_not_compressed => true)) FROM factory_telemetry.hypertable_policy p, LATERAL show_chunks(format('factory_telemetry.%I', p.hypertable_name)::regclass, older_than => date_trunc('hour', now())) c WHERE p.compress_after IS NOT NULL AND (SELECT atttypid FROM pg_attribute WHERE attrelid = format('factory_telemetry.%I', p.hypertable_name)::regclass AND attname = p.time_column) = 'timestamptz'::regtype")
took=$(echo "$(date +%s.%N) - $t" | bc)
psql -d "$copy" -c "VACUUM ANALYZE" >/dev/null
echo "== community, $days days of history ($times); copy: $chunks chunks before the current hour compressed in ${took}s"
psql -d "$copy" -At -F ' ' -c "SELECT hypertable_name, compress_segment_by, compress_order_by, pg_size_pretty(before_bytes), '->', pg_size_pretty(after_bytes), compression_ratio FROM factory_telemetry.v_compression_statistics WHERE compressed_chunks > 0 ORDER BY 1"
echo "uptime: $(uptime)"
cp="$root/target/classes:$root/target/quarkus-app/lib/main/*"
java -cp "$cp" "$here/SpeedupBench.java" --url "jdbc:postgresql://127.0.0.1:$TSDB_PORT/$db?user=telemetry&password=telemetry" \
  --compare-url "jdbc:postgresql://127.0.0.1:$TSDB_PORT/$copy?user=telemetry&password=telemetry" \
  --label "community ${days} d" --runs "$runs" --max-seconds "$max_seconds" --tsv "$out/results.tsv"
echo "uptime: $(uptime)"
"$tsdb" dropdb "$copy"
"$tsdb" dropdb "$db"
