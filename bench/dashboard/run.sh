#!/usr/bin/env bash
# Dashboard read performance: plant dashboard and OEE trend at 100 concurrent clients, from the aggregates
# (as the service runs) versus the same answers computed from the raw hypertables, in the same run.
# Usage: bench/dashboard/run.sh [apache|community]
# Environment: DAYS=30 LINES=5 EQUIPMENT=10 (per line) METRICS=1000 METRIC_STEP='5 minutes' CLIENTS=100
#              WARMUP=3 MEASURE=15 (seconds per scenario) BENCH_PORT=55735
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$root/bench/dashboard"
edition=${1:-apache}
days=${DAYS:-30} lines=${LINES:-5} equipment=${EQUIPMENT:-10} metrics=${METRICS:-1000}
step=${METRIC_STEP:-5 minutes} clients=${CLIENTS:-100} warmup=${WARMUP:-3} measure=${MEASURE:-15}
case "$edition" in
  apache) license=apache ;;
  community) license=timescale ;;
  *) echo "usage: $0 [apache|community]" >&2; exit 2 ;;
esac
export TSDB_PORT=${BENCH_PORT:-55735} TSDB_LICENSE=$license TSDB_FSYNC=off
tsdb="$root/deploy/local/tsdb"
db=ft_bench_dashboard
log=/tmp/bench-dashboard
mkdir -p "$log"
"$tsdb" install >/dev/null 2>&1
"$tsdb" editions | grep -x "$license" >/dev/null || { echo "bench: the $edition edition is not installed here" >&2; exit 2; }
"$tsdb" start >/dev/null
"$tsdb" createdb "$db"
psql() { "$tsdb" psql -d "$db" -X -q -v ON_ERROR_STOP=1 "$@"; }

[ -f "$root/target/quarkus-app/quarkus-run.jar" ] || (cd "$root" && ./mvnw -B -q package -DskipTests)
# the dashboard API needs a read key: the services get a bootstrap admin key for this run only
export BENCH_API_KEY=${BENCH_API_KEY:-bench-admin-$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')}
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; "$root/deploy/local/tsdb" stop >/dev/null 2>&1 || true' EXIT
# start NAME HTTP_PORT [java system properties...]: the service against the benchmark database
start_service() {
  local name=$1 port=$2
  shift 2
  DB_HOST=127.0.0.1 DB_PORT=$TSDB_PORT DB_NAME=$db DB_USER=telemetry DB_PASSWORD=telemetry HTTP_PORT=$port \
    TELEMETRY_AUTH_BOOTSTRAP_ADMIN_KEY=$BENCH_API_KEY java "$@" -jar "$root/target/quarkus-app/quarkus-run.jar" >"$log/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do curl -fs "localhost:$port/q/health/ready" >/dev/null 2>&1 && return 0; sleep 1; done
  echo "bench: $name did not become ready; see $log/$name.log" >&2
  exit 1
}

# 1. the service migrates the fresh database (same changelog as production)
start_service aggregates 18101 -Dtelemetry.dashboard.cache-ttl=0s

# 2. backfill and refresh
times=$(DAYS=$days LINES=$lines EQUIPMENT=$equipment METRICS=$metrics METRIC_STEP=$step "$here/populate.sh" "$db" "$edition" | tail -1)
backfill_s=$(echo "$times" | sed -E 's/.*backfill_s=([^ ]+).*/\1/')
refresh_s=$(echo "$times" | sed -E 's/.*refresh_s=([^ ]+).*/\1/')
rows=$(psql -At -c "SELECT (SELECT count(*) FROM factory_telemetry.metric_hist) || ' metric_hist, ' || (SELECT count(*) FROM factory_telemetry.oee_calculations) || ' oee_calculations, ' || (SELECT count(*) FROM factory_telemetry.energy_consumption) || ' energy_consumption, ' || (SELECT count(*) FROM factory_telemetry.downtime_events) || ' downtime_events, ' || (SELECT count(*) FROM factory_telemetry.quality_checks) || ' quality_checks, ' || (SELECT count(*) FROM factory_telemetry.fault_event) || ' fault_event'")

# 3. the same service computing everything from raw rows, and the service as deployed (5 s answer cache)
start_service raw 18102 -Dtelemetry.dashboard.cache-ttl=0s -Dtelemetry.dashboard.source=raw
start_service cached 18103

# 4. the answers agree
from7=$(date -u -d '7 days ago' +%Y-%m-%dT%H:00:00Z)
oee_path="/api/v1/dashboard/oee?granularity=hour&groupBy=line&from=$from7"
curl -fs -H "Authorization: Bearer $BENCH_API_KEY" "localhost:18101/api/v1/dashboard/plant" >"$log/plant-aggregates.json"
curl -fs -H "Authorization: Bearer $BENCH_API_KEY" "localhost:18102/api/v1/dashboard/plant" >"$log/plant-raw.json"
curl -fs -H "Authorization: Bearer $BENCH_API_KEY" "localhost:18101$oee_path" >"$log/oee-aggregates.json"
curl -fs -H "Authorization: Bearer $BENCH_API_KEY" "localhost:18102$oee_path" >"$log/oee-raw.json"
python3 - "$log" <<'PY'
import json, sys
d = sys.argv[1]
def close(a, b, path=""):
    if isinstance(a, dict):
        return all(close(a[k], b.get(k), path + "." + k) for k in a if k not in ("freshness",))
    if isinstance(a, list):
        return len(a) == len(b) and all(close(x, y, path) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        ok = a is not None and b is not None and abs(a - b) <= 1e-6 * max(1, abs(a))
        # open stops grow between the two requests
        if not ok and "downtime" in path: return True
        if not ok: print("differs at", path, a, b)
        return ok
    if a != b and "downtime" not in path: print("differs at", path, a, b)
    return a == b or "downtime" in path
for name in ("plant", "oee"):
    a = json.load(open(f"{d}/{name}-aggregates.json")); b = json.load(open(f"{d}/{name}-raw.json"))
    print(f"answers from aggregates and from raw rows agree ({name}):", "yes" if close(a, b) else "NO")
PY

# 5. load
echo "edition=$edition days=$days lines=$lines equipment=$((lines * equipment)) metrics=$metrics metric_step='$step' backfill=${backfill_s}s refresh=${refresh_s}s"
echo "rows: $rows"
echo "pending invalidations (Apache: buckets read raw): $(psql -At -c "SELECT count(*) FROM factory_telemetry.aggregate_invalidation" 2>/dev/null || echo n/a)"
run() { java "$here/LoadTest.java" "$1" "$2" "$clients" "$warmup" "$measure" "${3:-0}"; }
echo "-- saturation: $clients clients, each sending its next request as soon as the previous answer arrives"
run "plant dashboard | aggregates, no cache" "http://localhost:18101/api/v1/dashboard/plant"
run "plant dashboard | raw tables, no cache" "http://localhost:18102/api/v1/dashboard/plant"
run "plant dashboard | aggregates + 5 s cache (default)" "http://localhost:18103/api/v1/dashboard/plant"
run "OEE trend 7 d hourly by line | aggregates, no cache" "http://localhost:18101$oee_path"
run "OEE trend 7 d hourly by line | raw tables, no cache" "http://localhost:18102$oee_path"
run "OEE trend 7 d hourly by line | aggregates + cache" "http://localhost:18103$oee_path"
echo "-- polling: $clients clients, each polling about once a second (0.5-1.5 s between answer and next request)"
run "plant dashboard | aggregates, no cache" "http://localhost:18101/api/v1/dashboard/plant" 1000
run "plant dashboard | aggregates + 5 s cache (default)" "http://localhost:18103/api/v1/dashboard/plant" 1000
run "OEE trend 7 d hourly by line | aggregates, no cache" "http://localhost:18101$oee_path" 1000
run "OEE trend 7 d hourly by line | aggregates + cache" "http://localhost:18103$oee_path" 1000
"$tsdb" dropdb "$db"
