#!/usr/bin/env bash
# Compression ratio of metric_hist on realistic simulated telemetry (Community edition only).
# Usage: bench/compression/run.sh [METRICS=1000] [HOURS=3]
# Starts its own Community-edition cluster (port 55440, TSDB_FSYNC=off), migrates a fresh database
# with the service itself, generates METRICS x 1 Hz x HOURS of telemetry, compresses every chunk
# with the catalog's settings, and prints sizes, ratio and whether query results stayed identical.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
metrics=${1:-1000}
hours=${2:-3}
export TSDB_PORT=${BENCH_PORT:-55440} TSDB_LICENSE=timescale TSDB_FSYNC=off
tsdb="$root/deploy/local/tsdb"
db=ft_bench_compression
"$tsdb" install >/dev/null
"$tsdb" editions | grep -qx timescale || { echo "bench: needs the Community edition (TimescaleDB TSL module); this machine has only the Apache edition" >&2; exit 2; }
"$tsdb" start >/dev/null
"$tsdb" createdb "$db"
psql() { "$tsdb" psql -d "$db" -X -q -v ON_ERROR_STOP=1 "$@"; }

# migrate with the service itself (same changelog as production)
[ -f "$root/target/quarkus-app/quarkus-run.jar" ] || (cd "$root" && ./mvnw -B -q package -DskipTests)
port=18090
DB_HOST=127.0.0.1 DB_PORT=$TSDB_PORT DB_NAME=$db DB_USER=telemetry DB_PASSWORD=telemetry HTTP_PORT=$port \
  TELEMETRY_LIFECYCLE_ENABLED=false java -jar "$root/target/quarkus-app/quarkus-run.jar" >/tmp/bench-compression-app.log 2>&1 &
app=$!
trap 'kill $app 2>/dev/null || true; "$tsdb" stop >/dev/null 2>&1 || true' EXIT
for _ in $(seq 1 120); do curl -fs "localhost:$port/q/health/ready" >/dev/null 2>&1 && break; sleep 1; done
curl -fs "localhost:$port/q/health/ready" >/dev/null || { echo "bench: service did not become ready; see /tmp/bench-compression-app.log" >&2; exit 1; }
kill $app; wait $app 2>/dev/null || true

start=$(date +%s.%N)
psql -v metrics="$metrics" -v hours="$hours" -f "$root/bench/compression/generate.sql"
gen=$(echo "$(date +%s.%N) - $start" | bc)
checksum="SELECT md5(string_agg(s, ',' ORDER BY metric_id)) FROM (SELECT metric_id, count(*) || ':' || round(sum(coalesce(value_real, value_int, value_bool::int))::numeric, 4) || ':' || sum(quality) AS s FROM factory_telemetry.metric_hist GROUP BY metric_id) x"
before_sum=$(psql -At -c "$checksum")
rows=$(psql -At -c "SELECT count(*) FROM factory_telemetry.metric_hist")
before=$(psql -At -c "SELECT total_bytes FROM hypertable_detailed_size('factory_telemetry.metric_hist')")
start=$(date +%s.%N)
chunks=$(psql -At -c "SELECT count(compress_chunk(c, if_not_compressed => true)) FROM show_chunks('factory_telemetry.metric_hist') c")
took=$(echo "$(date +%s.%N) - $start" | bc)
after=$(psql -At -c "SELECT total_bytes FROM hypertable_detailed_size('factory_telemetry.metric_hist')")
after_sum=$(psql -At -c "$checksum")
psql -c "SELECT hypertable_name, compression, compressed_chunks, pg_size_pretty(before_bytes) AS before, pg_size_pretty(after_bytes) AS after, compression_ratio FROM factory_telemetry.v_compression_statistics WHERE hypertable_name = 'metric_hist'"
printf 'metrics=%s hours=%s rows=%s generated_in=%.1fs chunks=%s compress_time=%.1fs\n' "$metrics" "$hours" "$rows" "$gen" "$chunks" "$took"
printf 'hypertable total: before=%s bytes (%.1f B/row) after=%s bytes (%.1f B/row) ratio=%.1fx reduction=%.1f%%\n' \
  "$before" "$(echo "$before / $rows" | bc -l)" "$after" "$(echo "$after / $rows" | bc -l)" \
  "$(echo "$before / $after" | bc -l)" "$(echo "100 * (1 - $after / $before)" | bc -l)"
[ "$before_sum" = "$after_sum" ] && echo "query results identical after compression: yes" || { echo "query results identical after compression: NO" >&2; exit 1; }
"$tsdb" dropdb "$db"
