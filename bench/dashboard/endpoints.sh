#!/usr/bin/env bash
# Every dashboard endpoint at 100 concurrent closed-loop clients over a 30-day, 1,000-metric plant: each endpoint on its
# own and all of them in a mix, with the answer cache as shipped and with every request bypassing it
# (Cache-Control: no-cache), and the metric series also from raw samples (how it was computed before the 1-minute
# aggregate) as the baseline of the same run.
# Usage: bench/dashboard/endpoints.sh [community|apache]
# Environment: DAYS=30 LINES=5 EQUIPMENT=10 (per line) METRICS=1000 HISTORY_STEP='5 minutes' (30 days)
#              DENSE_HOURS=24 DENSE_STEP='1 minute' (before the current hour) LIVE_STEP='1 second' (the current hour)
#              CLIENTS=100 WARMUP=3 MEASURE=10 THINK_MS=1000 (polling) BENCH_PORT=55746
#              JAVA_OPTS (added to the shipped deploy/jvm.options)
#              KEEP_DB=1 (keep the database and the cluster's data for another run), REUSE_DB=1 (measure again on a kept
#              database: skips the backfill and refresh; the current hour is written again up to now)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$root/bench/dashboard"
edition=${1:-community}
days=${DAYS:-30} lines=${LINES:-5} equipment=${EQUIPMENT:-10} metrics=${METRICS:-1000}
step=${HISTORY_STEP:-5 minutes} dense_hours=${DENSE_HOURS:-24} dense_step=${DENSE_STEP:-1 minute} live_step=${LIVE_STEP:-1 second}
clients=${CLIENTS:-100} warmup=${WARMUP:-3} measure=${MEASURE:-10} think=${THINK_MS:-1000}
case "$edition" in
  apache) license=apache ;;
  community) license=timescale ;;
  *) echo "usage: $0 [community|apache]" >&2; exit 2 ;;
esac
export TSDB_PORT=${BENCH_PORT:-55746} TSDB_LICENSE=$license TSDB_FSYNC=off
tsdb="$root/deploy/local/tsdb"
db=ft_bench_endpoints
log=/tmp/bench-dashboard-endpoints
mkdir -p "$log"
"$tsdb" install >/dev/null 2>&1
"$tsdb" editions | grep -x "$license" >/dev/null || { echo "bench: the $edition edition is not installed here" >&2; exit 2; }
"$tsdb" start >/dev/null
[ "${REUSE_DB:-0}" = 1 ] || "$tsdb" createdb "$db"
psql() { "$tsdb" psql -d "$db" -X -q -v ON_ERROR_STOP=1 "$@"; }
elapsed() { echo "$(date +%s.%N) - $1" | bc; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

[ -f "$root/target/quarkus-app/quarkus-run.jar" ] || (cd "$root" && ./mvnw -B -q package -DskipTests)
export BENCH_API_KEY=${BENCH_API_KEY:-bench-admin-$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')}
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; "$root/deploy/local/tsdb" stop >/dev/null 2>&1 || true' EXIT
# start NAME HTTP_PORT [java system properties...]: the service against the benchmark database, with the shipped JVM
# settings (deploy/jvm.options; JAVA_OPTS adds to them)
start_service() {
  local name=$1 port=$2
  shift 2
  local t0
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} DB_HOST=127.0.0.1 DB_PORT=$TSDB_PORT DB_NAME=$db DB_USER=telemetry DB_PASSWORD=telemetry HTTP_PORT=$port \
    TELEMETRY_AUTH_BOOTSTRAP_ADMIN_KEY=$BENCH_API_KEY java "@$root/deploy/jvm.options" ${JAVA_OPTS:-} "$@" -jar "$root/target/quarkus-app/quarkus-run.jar" >"$log/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 600); do
    if curl -fs "localhost:$port/q/health/ready" >/dev/null 2>&1; then
      echo "service $name ready in $(elapsed "$t0") s (pid $!)"
      return 0
    fi
    sleep 0.2
  done
  echo "bench: $name did not become ready; see $log/$name.log" >&2
  exit 1
}
rss_mib() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
hwm_mib() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

# 1. the service migrates the fresh database (same changelog as production)
start_service shipped 18111
shipped_pid=${pids[0]}

# 2. 30 days at HISTORY_STEP (backfill.sql), the DENSE_HOURS before the current hour at DENSE_STEP (dense.sql),
#    aggregates refreshed, then the current hour at LIVE_STEP written after the refresh (live.sql: the raw tail)
backfill_s=0 refresh_s=0
if [ "${REUSE_DB:-0}" != 1 ]; then
t=$(date +%s.%N)
psql -v days="$days" -v lines="$lines" -v equipment="$equipment" -v metrics="$metrics" -v metric_step="$step" -f "$here/backfill.sql" >/dev/null
psql -v dense_hours="$dense_hours" -v dense_step="$dense_step" -f "$here/dense.sql" >/dev/null
backfill_s=$(elapsed "$t")
t=$(date +%s.%N)
for a in oee_hourly_aggregate metric_hourly_aggregate metric_minute_aggregate energy_hourly_aggregate downtime_daily_aggregate \
         quality_daily_aggregate oee_daily_aggregate metric_daily_aggregate energy_daily_aggregate; do
  if [ "$edition" = apache ]; then
    psql -c "SELECT factory_telemetry.refresh_service_aggregate('$a', '-infinity')" >/dev/null
  else
    case "$a" in *minute*) off='1 minute' ;; *hourly*) off='1 hour' ;; *) off='1 day' ;; esac
    psql -c "CALL refresh_continuous_aggregate('factory_telemetry.$a', NULL, now() - interval '$off')" >/dev/null
  fi
done
refresh_s=$(elapsed "$t")
psql -c "VACUUM ANALYZE" >/dev/null
fi
psql -v metric_step="$live_step" -f "$here/live.sql" >/dev/null
psql -c "ANALYZE factory_telemetry.aggregate_invalidation" >/dev/null
rows=$(psql -At -c "SELECT (SELECT count(*) FROM factory_telemetry.metric_hist) || ' metric_hist, ' || (SELECT count(*) FROM factory_telemetry.metric_minute_aggregate) || ' metric_minute_aggregate, ' || (SELECT count(*) FROM factory_telemetry.oee_calculations) || ' oee_calculations, ' || (SELECT count(*) FROM factory_telemetry.energy_consumption) || ' energy_consumption'")
size=$(psql -At -c "SELECT pg_size_pretty(pg_database_size(current_database()))")

# 3. the same service computing the series from raw samples (the series endpoint before the 1-minute aggregate)
start_service raw 18112 -Dtelemetry.dashboard.source=raw

# 4. the series answers agree (minute level vs raw samples, including the unrefreshed current hour)
key=L3-EQ7.signal11
curl -fs -H "Authorization: Bearer $BENCH_API_KEY" "localhost:18111/api/v1/dashboard/metrics/$key/series" >"$log/series-minute.json"
curl -fs -H "Authorization: Bearer $BENCH_API_KEY" "localhost:18112/api/v1/dashboard/metrics/$key/series" >"$log/series-raw.json"
python3 - "$log" <<'PY'
import json, sys
d = sys.argv[1]
a = json.load(open(f"{d}/series-minute.json")); b = json.load(open(f"{d}/series-raw.json"))
same = a["from"] == b["from"] and len(a["points"]) == len(b["points"]) and all(
    p["bucket"] == q["bucket"] and p["count"] == q["count"]
    and all(abs((p[k] or 0) - (q[k] or 0)) <= 1e-9 * max(1, abs(q[k] or 0)) for k in ("min", "max", "avg", "stddev"))
    for p, q in zip(a["points"], b["points"]))
print(f"series {a['bucketWidth']} from {a['source']} level vs raw samples: {len(a['points'])} points, "
      f"{sum(p['count'] for p in a['points'])} samples, identical: {'yes' if same else 'NO'}")
PY

echo "edition=$edition days=$days lines=$lines equipment=$((lines * equipment)) metrics=$metrics history_step='$step' last ${dense_hours} h at '$dense_step', current hour at '$live_step' backfill=${backfill_s}s refresh=${refresh_s}s database=$size"
echo "rows: $rows"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); load at start: $(load)"

# 5. load: every endpoint on its own, then the mix; random lines and metrics ({i:N})
metric='L{i:5}-EQ{i:10}.signal{i:20}'
cat >"$log/targets.txt" <<EOF
plant http://localhost:18111/api/v1/dashboard/plant
line http://localhost:18111/api/v1/dashboard/lines/LINE-{i:5}
oee http://localhost:18111/api/v1/dashboard/oee
energy http://localhost:18111/api/v1/dashboard/energy
downtime http://localhost:18111/api/v1/dashboard/downtime
pareto http://localhost:18111/api/v1/dashboard/downtime/pareto
quality http://localhost:18111/api/v1/dashboard/quality
faults-active http://localhost:18111/api/v1/dashboard/faults/active
faults-history http://localhost:18111/api/v1/dashboard/faults/history
statistics http://localhost:18111/api/v1/dashboard/metrics/statistics?metric=$metric
recent http://localhost:18111/api/v1/dashboard/metrics/$metric/recent
series http://localhost:18111/api/v1/dashboard/metrics/$metric/series
EOF
run() { # LABEL TARGET THINK [no-cache]
  local out
  out=$(BENCH_NO_CACHE=${4:-0} java "$here/LoadTest.java" "$1" "$2" "$clients" "$warmup" "$measure" "$3")
  echo "$out" | sed "1s|\$| load=$(load | tr ' ' ',')|"
}
echo "-- $clients clients, saturation (next request as soon as the answer arrives) and polling (${think} ms +-50 % between answer and next request)"
while read -r name url; do
  run "$name | cache (as shipped), saturation" "$url" 0
  run "$name | no-cache, saturation" "$url" 0 1
  run "$name | no-cache, polling" "$url" "$think" 1
done <"$log/targets.txt"
run "series from raw samples (before) | cache, saturation" "http://localhost:18112/api/v1/dashboard/metrics/$metric/series" 0
run "series from raw samples (before) | no-cache, saturation" "http://localhost:18112/api/v1/dashboard/metrics/$metric/series" 0 1
run "series from raw samples (before) | no-cache, polling" "http://localhost:18112/api/v1/dashboard/metrics/$metric/series" "$think" 1
echo "-- mix: each request one of the 12 endpoints at random"
run "mix | cache (as shipped), saturation" "@$log/targets.txt" 0
run "mix | cache (as shipped), polling" "@$log/targets.txt" "$think"
run "mix | no-cache, saturation" "@$log/targets.txt" 0 1
run "mix | no-cache, polling" "@$log/targets.txt" "$think" 1
echo "service (as shipped) RSS now $(rss_mib "$shipped_pid") MiB, peak $(hwm_mib "$shipped_pid") MiB; load at end: $(load)"
[ "${KEEP_DB:-0}" = 1 ] || "$tsdb" dropdb "$db"
