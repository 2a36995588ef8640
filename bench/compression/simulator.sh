#!/usr/bin/env bash
# Compression of metric_hist on the plant simulator's telemetry (Community edition): the settings before changeset
# 0016 (segment by metric_id, order by ts DESC) vs the changelog's current ones, on the same rows in the same run.
# Usage: bench/compression/simulator.sh [DAYS=1]
# Starts its own Community-edition cluster (BENCH_PORT, default 56064, TSDB_FSYNC=off), lets the service migrate a
# fresh database and plays DAYS of the simulator's history into it over HTTP (bench/simulator/PlantSimulator.java:
# 5 lines x 6 machines, 1,000 signals every 60 s, ending at last midnight UTC), keeps a copy of the rows, then for
# each variant reloads them into 1-hour chunks, compresses chunk after chunk, oldest first (as the policy does), and
# prints sizes, ratio, compression time, and whether query results stayed identical.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
days=${1:-1}
export TSDB_PORT=${BENCH_PORT:-56064} TSDB_LICENSE=timescale TSDB_FSYNC=off
tsdb="$root/deploy/local/tsdb"
db=ft_bench_sim_compression
"$tsdb" install >/dev/null
"$tsdb" editions | grep -qx timescale || { echo "bench: needs the Community edition (TimescaleDB TSL module)" >&2; exit 2; }
# a cluster that was already running (another benchmark on the same port) is left running
"$tsdb" status >/dev/null 2>&1 && keep_cluster=1 || keep_cluster=0
"$tsdb" start >/dev/null
"$tsdb" createdb "$db"
psql() { "$tsdb" psql -d "$db" -X -q -v ON_ERROR_STOP=1 "$@"; }
[ -f "$root/target/quarkus-app/quarkus-run.jar" ] || (cd "$root" && ./mvnw -B -q package -DskipTests)
port=18164 key=bench-admin-$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
DB_HOST=127.0.0.1 DB_PORT=$TSDB_PORT DB_NAME=$db DB_USER=telemetry DB_PASSWORD=telemetry HTTP_PORT=$port \
  TELEMETRY_LIFECYCLE_ENABLED=false TELEMETRY_OBSERVE_ENABLED=false TELEMETRY_AUTH_BOOTSTRAP_ADMIN_KEY=$key \
  java -jar "$root/target/quarkus-app/quarkus-run.jar" >/tmp/bench-sim-compression-app.log 2>&1 &
app=$!
trap 'kill $app 2>/dev/null || true; [ "$keep_cluster" = 1 ] || "$root/deploy/local/tsdb" stop >/dev/null 2>&1 || true' EXIT
for _ in $(seq 1 300); do curl -fs "localhost:$port/q/health/ready" >/dev/null 2>&1 && break; sleep 1; done
curl -fs "localhost:$port/q/health/ready" >/dev/null || { echo "bench: service did not become ready; see /tmp/bench-sim-compression-app.log" >&2; exit 1; }
# TimescaleDB's own jobs must not compress or drop anything under measurement
psql -c "SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs WHERE job_id >= 1000" >/dev/null
end=$(date -u +%Y-%m-%dT00:00:00Z)
java "$root/bench/simulator/PlantSimulator.java" --url "http://localhost:$port" --api-key "$key" --backfill-days "$days" \
  --duration 0 --end "$end" --quiet | grep -E '^(telemetry|requests)' || true
kill $app; wait $app 2>/dev/null || true
psql -c "CREATE TABLE public.simulated AS SELECT * FROM factory_telemetry.metric_hist ORDER BY ts, metric_id"
current=$(psql -At -c "SELECT format('timescaledb.compress_segmentby = %L, timescaledb.compress_orderby = %L', coalesce(compress_segment_by, ''), compress_order_by) FROM factory_telemetry.hypertable_policy WHERE hypertable_name = 'metric_hist'")
checksum="SELECT md5(string_agg(s, ',' ORDER BY metric_id)) FROM (SELECT metric_id, count(*) || ':' || round(sum(coalesce(value_real, value_int, value_bool::int))::numeric, 4) || ':' || sum(quality) AS s FROM factory_telemetry.metric_hist GROUP BY metric_id) x"
echo "simulated: $(psql -At -c "SELECT count(*) || ' samples of ' || count(DISTINCT metric_id) || ' signals, ' || min(ts) || ' .. ' || max(ts) FROM public.simulated")"
echo "uptime: $(uptime)"
for variant in "timescaledb.compress_segmentby = 'metric_id', timescaledb.compress_orderby = 'ts DESC'" "$current"; do
  psql -c "SELECT count(decompress_chunk(format('%I.%I', chunk_schema, chunk_name)::regclass)) FROM timescaledb_information.chunks WHERE hypertable_schema = 'factory_telemetry' AND hypertable_name = 'metric_hist' AND is_compressed" >/dev/null
  psql -c "TRUNCATE factory_telemetry.metric_hist" -c "ALTER TABLE factory_telemetry.metric_hist SET ($variant)" >/dev/null
  psql -c "INSERT INTO factory_telemetry.metric_hist SELECT * FROM public.simulated ORDER BY ts, metric_id" -c "VACUUM ANALYZE factory_telemetry.metric_hist" >/dev/null
  before_sum=$(psql -At -c "$checksum")
  before=$(psql -At -c "SELECT total_bytes FROM hypertable_detailed_size('factory_telemetry.metric_hist')")
  start=$(date +%s.%N)
  for c in $(psql -At -c "SELECT format('%I.%I', chunk_schema, chunk_name) FROM timescaledb_information.chunks WHERE hypertable_schema = 'factory_telemetry' AND hypertable_name = 'metric_hist' ORDER BY range_start"); do
    psql -c "SELECT compress_chunk('$c')" >/dev/null
  done
  took=$(echo "$(date +%s.%N) - $start" | bc)
  after=$(psql -At -c "SELECT total_bytes FROM hypertable_detailed_size('factory_telemetry.metric_hist')")
  stats=$(psql -At -F ' ' -c "SELECT count(*), sum(before_compression_total_bytes), sum(after_compression_total_bytes) FROM chunk_compression_stats('factory_telemetry.metric_hist') WHERE compression_status = 'Compressed'")
  read -r chunks cb ca <<<"$stats"
  [ "$before_sum" = "$(psql -At -c "$checksum")" ] && same=yes || same=NO
  printf '%s\n  chunks: %s compressed in %.1fs; chunk statistics %s -> %s bytes = %.2fx, %.1f%% smaller; hypertable total %s -> %s bytes = %.2fx, %.1f%% smaller; results identical: %s\n' \
    "$variant" "$chunks" "$took" "$cb" "$ca" "$(echo "$cb / $ca" | bc -l)" "$(echo "100 * (1 - $ca / $cb)" | bc -l)" \
    "$before" "$after" "$(echo "$before / $after" | bc -l)" "$(echo "100 * (1 - $after / $before)" | bc -l)" "$same"
done
echo "uptime: $(uptime)"
"$tsdb" dropdb "$db"
