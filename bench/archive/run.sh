#!/usr/bin/env bash
# Archive export of one 1,000,000-row chunk through the service: memory (JVM heap and process RSS) and throughput.
# Usage: bench/archive/run.sh [ROWS=1000000] [XMX=the shipped deploy/jvm.options' -Xmx]
# Starts its own Apache-edition cluster (port 55441, TSDB_FSYNC=off), lets the service migrate a fresh database,
# archives metric_hist (set_archiving) and generates ROWS of it in one 1-hour chunk of 2015 (past the 90-day retention), starts the service with
# the shipped JVM settings (deploy/jvm.options; XMX overrides its -Xmx) (a heap far smaller than the chunk: the export must stream), then times POST /api/v1/admin/archives
# (export, re-read verification, manifest, drop) and the restore of the same archive, and reads the service's heap
# (jcmd GC.heap_info, sampled every 0.5 s) and RSS (/proc/PID/status VmRSS, VmHWM) before and after.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rows=${1:-1000000}
xmx=${2:-}
export TSDB_PORT=${BENCH_PORT:-55441} TSDB_LICENSE=apache TSDB_FSYNC=off
tsdb="$root/deploy/local/tsdb"
db=ft_bench_archive
key=bench-admin-key-0123456789abcdef0123456789
archive_dir=$(mktemp -d /tmp/ft-bench-archive.XXXXXX)
"$tsdb" install >/dev/null
"$tsdb" start >/dev/null
"$tsdb" dropdb "$db" >/dev/null 2>&1 || true
"$tsdb" createdb "$db"
psql() { "$tsdb" psql -d "$db" -X -q -v ON_ERROR_STOP=1 "$@"; }

[ -f "$root/target/quarkus-app/quarkus-run.jar" ] || (cd "$root" && ./mvnw -B -q package -DskipTests)
port=18091
start_app() {
  DB_HOST=127.0.0.1 DB_PORT=$TSDB_PORT DB_NAME=$db DB_USER=telemetry DB_PASSWORD=telemetry HTTP_PORT=$port \
    TELEMETRY_LIFECYCLE_ENABLED=false TELEMETRY_OBSERVE_ENABLED=false TELEMETRY_AUTH_BOOTSTRAP_ADMIN_KEY=$key \
    TELEMETRY_ARCHIVE_DIRECTORY="$archive_dir" \
    MALLOC_ARENA_MAX=2 java "@$root/deploy/jvm.options" ${xmx:+"-Xmx$xmx"} -jar "$root/target/quarkus-app/quarkus-run.jar" >>/tmp/bench-archive-app.log 2>&1 &
  app=$!
  for _ in $(seq 1 120); do curl -fs "localhost:$port/q/health/ready" >/dev/null 2>&1 && return; sleep 1; done
  echo "bench: service did not become ready; see /tmp/bench-archive-app.log" >&2; exit 1
}
: >/tmp/bench-archive-app.log
start_app
trap 'kill $app 2>/dev/null || true; "$tsdb" stop >/dev/null 2>&1 || true; rm -rf "$archive_dir"' EXIT

gen_start=$(date +%s.%N)
psql -v rows="$rows" <<'SQL'
-- metric_hist (not archived by default) is archived here: its rows are written without row triggers, so generation
-- and restore measure the archive, not the Apache edition's per-row invalidation triggers of the event tables
SELECT factory_telemetry.set_archiving('metric_hist', true);
-- one 1-hour chunk of 2015 (past the 90-day retention): 1,000 metrics x samples every 3.6 s, mixed value types
INSERT INTO factory_telemetry.metric_hist (metric_id, ts, value_real, value_int, value_bool, value_text, quality)
SELECT 1 + g % 1000, timestamptz '2015-03-02 10:00:00+00' + (g / 1000) * (interval '1 hour' / (:rows / 1000)) + interval '1 microsecond' * (g % 1000),
       CASE WHEN g % 10 < 7 THEN round((20 + 5 * sin(g / 5000.0) + random())::numeric, 3) END,
       CASE WHEN g % 10 = 7 THEN g / 100 END,
       CASE WHEN g % 10 = 8 THEN g % 7 = 0 END,
       CASE WHEN g % 10 = 9 THEN 'state ' || (g % 5) END,
       CASE WHEN g % 1000 = 0 THEN 0 ELSE 192 END
FROM generate_series(0, :rows - 1) g;
SQL
gen=$(echo "$(date +%s.%N) - $gen_start" | bc)
chunks=$(psql -At -c "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'metric_hist'")
chunk_bytes=$(psql -At -c "SELECT sum(total_bytes) FROM chunks_detailed_size('factory_telemetry.metric_hist')")
# a fresh service for the measurement (the generation above ran in the database, not in it)
kill $app; wait $app 2>/dev/null || true
start_app
sleep 5
# heap in use (bytes) from the JVM itself: jcmd GC.heap_info, "… total NNNK, used NNNK …"
heap() { jcmd "$app" GC.heap_info 2>/dev/null | sed -n 's/.*used \([0-9]*\)K.*/\1/p' | head -1 | awk '{printf "%d", $1 * 1024}'; }
rss() { awk -v k="$1:" '$1 == k {print $2 * 1024}' "/proc/$app/status"; }
heap_before=$(heap); rss_before=$(rss VmRSS)
heap_peak=0
( while kill -0 $app 2>/dev/null; do h=$(heap 2>/dev/null || echo 0); echo "$h"; sleep 0.5; done ) >/tmp/bench-archive-heap.txt &
sampler=$!
t0=$(date +%s.%N)
answer=$(curl -fsS -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"table": "metric_hist", "from": "2015-01-01T00:00:00Z", "to": "2015-06-01T00:00:00Z"}' "localhost:$port/api/v1/admin/archives")
export_s=$(echo "$(date +%s.%N) - $t0" | bc)
rss_after=$(rss VmRSS); rss_hwm=$(rss VmHWM)
id=$(echo "$answer" | python3 -c 'import json,sys; a=json.load(sys.stdin); print(a[0]["archiveId"])')
file_bytes=$(echo "$answer" | python3 -c 'import json,sys; a=json.load(sys.stdin); print(a[0]["bytes"])')
echo "$answer" | python3 -c 'import json,sys; a=json.load(sys.stdin); assert len(a) == 1 and a[0]["error"] is None and a[0]["dropped"], a' \
  || { echo "bench: archive failed: $answer" >&2; exit 1; }
left=$(psql -At -c "SELECT count(*) FROM factory_telemetry.metric_hist")
t0=$(date +%s.%N)
restored=$(curl -fsS -X POST -H "Authorization: Bearer $key" "localhost:$port/api/v1/admin/archives/$id/restore")
restore_s=$(echo "$(date +%s.%N) - $t0" | bc)
rss_hwm2=$(rss VmHWM)
kill $sampler 2>/dev/null || true
heap_peak=$(sort -n /tmp/bench-archive-heap.txt | tail -1)
heap_after=$(heap)

printf 'machine: %s, %s cores, %s; %s\n' "$(. /etc/os-release; echo "$PRETTY_NAME")" "$(nproc)" "$(free -h | awk '/Mem:/ {print $2}')" "$("$tsdb" status 2>/dev/null | head -1)"
printf 'rows=%s chunks=%s generated_in=%.1fs chunk_size=%s bytes; JVM -Xmx%s\n' "$rows" "$chunks" "$gen" "$chunk_bytes" "${xmx:-128m (deploy/jvm.options)}"
printf 'archive (export + re-read verification + manifest + drop): %.2fs = %.0f rows/s; parquet file %s bytes (%.1f B/row, %.1fx smaller than the chunk); rows left in table: %s\n' \
  "$export_s" "$(echo "$rows / $export_s" | bc -l)" "$file_bytes" "$(echo "$file_bytes / $rows" | bc -l)" "$(echo "$chunk_bytes / $file_bytes" | bc -l)" "$left"
printf 'restore (checksum re-read + COPY into temp table + INSERT ON CONFLICT DO NOTHING): %.2fs = %.0f rows/s: %s\n' \
  "$restore_s" "$(echo "$rows / $restore_s" | bc -l)" "$restored"
printf 'heap used: before %.1f MiB, peak sampled %.1f MiB, after %.1f MiB\n' "$(echo "$heap_before / 1048576" | bc -l)" \
  "$(echo "$heap_peak / 1048576" | bc -l)" "$(echo "$heap_after / 1048576" | bc -l)"
printf 'RSS: before %.1f MiB, after archive %.1f MiB, peak (VmHWM) %.1f MiB after archive, %.1f MiB after restore; delta peak-before %.1f MiB\n' \
  "$(echo "$rss_before / 1048576" | bc -l)" "$(echo "$rss_after / 1048576" | bc -l)" "$(echo "$rss_hwm / 1048576" | bc -l)" \
  "$(echo "$rss_hwm2 / 1048576" | bc -l)" "$(echo "($rss_hwm - $rss_before) / 1048576" | bc -l)"
"$tsdb" dropdb "$db" >/dev/null 2>&1 || true
