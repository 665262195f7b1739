#!/usr/bin/env bash
# Outport benchmark harness: one command, one table. Measures, in the same run and on the same rows,
# the service against the physical floor (bench/floor.sh: psql \copy of the same rows in the same order | gzip -6):
#   export time (NDJSON and CSV, gzip), peak RSS and GC time during the largest export, status-poll
#   throughput against /q/health/live (wrk), pickup latency, and JVM start -> ready (plain, and with the
#   AOT recipe of docs/operations.md when a JDK 25+ is there).
# Usage: bench/run.sh [ROWS ...]        (default: 1000000 10000000)
#        BENCH_DATASET=orders bench/run.sh [ROWS ...]: the same for a declared dataset instead of events: a
#        product table of 12 mixed-type columns (numeric, text, enum, jsonb, arrays, timestamps, booleans,
#        uuid) in a second database read through the source datasource by a SELECT-only role (export times,
#        memory and start-up only).
# Needs: the local PostgreSQL (127.0.0.1:5432, trust), wrk (apt-get install wrk), ./mvnw package done;
# optionally a JDK 25+ (BENCH_AOT_JAVA, or found under /usr/lib/jvm) for the start-up with an AOT cache
# (BENCH_AOT=0 skips it).
# Each figure is the median of REPEAT runs (default 3) to show the machine's noise. BENCH_JAVA_OPTS: JVM options
# for the service that runs the exports (its memory figures then describe that configuration).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=("${@:-1000000 10000000}")
[ $# -eq 0 ] && ROWS=(1000000 10000000)
REPEAT=${REPEAT:-3}
# What it needs, checked before minutes of seeding and exports rather than at the step that uses it.
for tool in psql jq bc curl $([ -z "${BENCH_DATASET:-}" ] && echo wrk); do
  command -v "$tool" >/dev/null || { echo "bench/run.sh needs $tool on the PATH (Debian: apt-get install -y \
$([ "$tool" = psql ] && echo postgresql-client || echo "$tool"))" >&2; exit 1; }
done
DB=${BENCH_DB:-outport_bench}
DATASET=${BENCH_DATASET:-}
SRC_DB=${DB}_src
. bench/stack.sh

stack_s3proxy

# --- a fresh database ------------------------------------------------------------------------------
stack_fresh_db
[ -n "$DATASET" ] && stack_orders_db

stack_env

# Waits (at most 30 s) until the machine is quiet: both cores at least 90 % idle over one second. Start-up is
# measured after it, so that S3Proxy's own start (its JIT runs for seconds after it answers) or a build just
# before is not counted in the service's start.
settle() {
  local i a b
  for i in $(seq 1 30); do
    a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
    local busy=$(( (b[1]+b[2]+b[3]+b[6]+b[7]) - (a[1]+a[2]+a[3]+a[6]+a[7]) )) idle=$(( (b[4]+b[5]) - (a[4]+a[5]) ))
    [ $(( idle * 100 / (busy + idle + 1) )) -ge 90 ] && return
  done
}


startups=()
settle
for _ in $(seq 1 "$REPEAT"); do start_service; startups+=("$STARTUP_MS"); stop_service; done
START_MS=$(echo "${startups[*]}" | median)
# The recipe for a fast start (docs/operations.md): a JDK 25+ with an AOT cache (JEP 483/514/515) of the
# aot-jar packaging (-Paot), written by src/main/docker/aot-train.sh as the container image does (a training
# start without database or object store). AOTMode=on fails the start if the cache cannot be used.
# BENCH_AOT_JAVA names that java; one under /usr/lib/jvm otherwise.
AOT_JAVA=${BENCH_AOT_JAVA:-$(ls -d /usr/lib/jvm/*-2[5-9]*/bin/java /usr/lib/jvm/*-[3-9][0-9]*/bin/java 2>/dev/null | head -1 || true)}
[ "${BENCH_AOT:-1}" = 0 ] && AOT_JAVA=""   # BENCH_AOT=0: skip the AOT start-up figure
AOT_ROW="| JVM start -> ready, AOT recipe | not measured: no JDK 25+ (set BENCH_AOT_JAVA) or BENCH_AOT=0 |"
if [ -n "$AOT_JAVA" ]; then
  ./mvnw -B -q -DskipTests package -Paot -Dquarkus.package.output-directory=aot-bench >/dev/null
  sh src/main/docker/aot-train.sh "$AOT_JAVA" target/aot-bench "$WORK/outport.aot" >&2
  aot_startups=()
  settle
  for _ in $(seq 1 "$REPEAT"); do
    APP_DIR=target/aot-bench start_service "$AOT_JAVA" -XX:AOTMode=on -XX:AOTCache="$WORK/outport.aot"
    aot_startups+=("$STARTUP_MS"); stop_service
  done
  AOT_ROW="| JVM start -> ready, AOT recipe: $("$AOT_JAVA" -version 2>&1 | head -1 | tr -d '"'), -Paot, aot-train.sh cache (runs: ${aot_startups[*]}) | $(echo "${aot_startups[*]}" | median) ms |"
fi
# BENCH_JAVA_OPTS: JVM options for the service that runs the exports (beside -Xmx256m), e.g. a GC configuration.
# shellcheck disable=SC2086
start_service java ${BENCH_JAVA_OPTS:-}
echo "service up (pid $SERVICE); start->ready runs: ${startups[*]} ms" >&2

api() { curl -sf -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' "$@"; }
TENANT=$(api -X POST "http://127.0.0.1:$PORT/admin/v1/tenants" -d '{"name":"bench","external_id":"acct_bench"}' | jq -r .id)
KEY=$(api -X POST "http://127.0.0.1:$PORT/admin/v1/tenants/$TENANT/api-keys" | jq -r .key)
AUTH="Authorization: Bearer $KEY"

# Seeds rows up to N for the tenant: ~200-byte properties of mixed types, spread over a year.
seeded=0
seed_to() {
  local n=$1
  [ "$n" -le "$seeded" ] && return
  if [ -n "$DATASET" ]; then
    stack_bench_orders $((seeded + 1)) "$n"
    seeded=$n
    return
  fi
  stack_bench_events $((seeded + 1)) "$n"
  seeded=$n
}

QUERY="select id, type, occurred_at, user_id, properties, received_at from event where tenant_id = '$TENANT' order by occurred_at, id"
FLOOR_DB=$DB
if [ -n "$DATASET" ]; then
  QUERY=$ORDERS_QUERY
  FLOOR_DB=$SRC_DB
fi

floor_run() { # format: bench/floor.sh on the same rows, in the same order: "seconds psql-cpu gzip-cpu postgres-cpu"
  bench/floor.sh "$FLOOR_DB" "$QUERY" "$1" 6 | awk '{print $2, $9, $11, $13}'
}
field() { awk -v f="$1" '{print $f}'; }   # field N of each line

sample_memory() { # pid outfile: peak RSS (kB) while the file $WORK/sampling exists
  local peak=0 rss
  while [ -f "$WORK/sampling" ]; do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0)
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss
    sleep 0.2
  done
  echo "$peak" > "$2"
}
gc_seconds() { jstat -gcutil "$1" | awk 'NR==2 {print $NF}'; }
heap_used_mb() { jstat -gc "$1" | awk 'NR==2 {printf "%.0f", ($3+$4+$6+$8)/1024}'; }

rows_table=()
cpu_table=()
COLD=""
for n in "${ROWS[@]}"; do
  seed_to "$n"
  if [ -z "$COLD" ]; then
    # The first export of each format after start-up runs while the JIT compiles the export path; it is
    # reported on its own, and the medians below are of a worker that has done one export, as a
    # long-running worker has.
    COLD="$(export_run ndjson | field 1) s NDJSON / $(export_run csv | field 1) s CSV"
    echo "first exports after start ($n rows): $COLD" >&2
    COLD_ROWS=$n
  fi
  for fmt in ndjson csv; do
    s=() f=()
    for _ in $(seq 1 "$REPEAT"); do
      if [ "$n" = "${ROWS[-1]}" ] && [ "$fmt" = ndjson ] && [ ${#s[@]} -eq 0 ]; then
        touch "$WORK/sampling"; gc0=$(gc_seconds "$SERVICE")
        ( while [ -f "$WORK/sampling" ]; do heap_used_mb "$SERVICE"; echo; sleep 1; done > "$WORK/heap.samples" ) &
        heap_pid=$!
        sample_memory "$SERVICE" "$WORK/rss.peak" &
        rss_pid=$!
        s+=("$(export_run $fmt)")
        rm -f "$WORK/sampling"; wait "$heap_pid" "$rss_pid"; gc1=$(gc_seconds "$SERVICE")
        GC_S=$(echo "$gc1 - $gc0" | bc); RSS_MB=$(( $(cat "$WORK/rss.peak") / 1024 ))
        HEAP=$(grep -v '^$' "$WORK/heap.samples" | sort -n | awk '{a[NR]=$1} END {printf "min %s / median %s / max %s MiB", a[1], a[int((NR+1)/2)], a[NR]}')
      else
        s+=("$(export_run $fmt)")
      fi
      f+=("$(floor_run $fmt)")
    done
    ss=$(printf '%s\n' "${s[@]}" | field 1 | tr '\n' ' '); fs=$(printf '%s\n' "${f[@]}" | field 1 | tr '\n' ' ')
    sm=$(echo "$ss" | median); fm=$(echo "$fs" | median)
    rows_table+=("$(printf '| %s | %s | %s s (%s) | %.0f | %s s (%s) | %.0f | %.2f |' "$n" "$fmt" "$sm" "${ss% }" \
      "$(echo "$n / $sm" | bc -l)" "$fm" "${fs% }" "$(echo "$n / $fm" | bc -l)" "$(echo "$sm / $fm" | bc -l)")")
    echo "${rows_table[-1]}" >&2
    # CPU seconds per 1M rows, each the median of the runs.
    sc=() fc=()
    for i in 2 3 4; do sc+=("$(printf '%s\n' "${s[@]}" | field $i | median)"); fc+=("$(printf '%s\n' "${f[@]}" | field $i | median)"); done
    cpu_table+=("$(printf '| %s | %s | %s | %s | %s | **%.2f** | %s | %s | %s | **%.2f** |' "$n" "$fmt" "${sc[0]}" "${sc[1]}" \
      "${sc[2]}" "$(echo "${sc[0]} + ${sc[1]} + ${sc[2]}" | bc)" "${fc[0]}" "${fc[1]}" "${fc[2]}" "$(echo "${fc[0]} + ${fc[1]} + ${fc[2]}" | bc)")")
    echo "${cpu_table[-1]}" >&2
  done
done

if [ -n "$DATASET" ]; then
  # Status polls and pickup do not depend on the dataset: measured by the events run.
  POLL_RPS="n/a (events run)" LIVE_RPS="n/a" POLL_P99="" LIVE_P99="" PICKUP="n/a (events run)" RATIO="n/a"
else
# --- status polling: GET /v1/exports/{id} with a valid key vs /q/health/live -------------------
  EXPORT_ID=$(curl -sf -H "$AUTH" "http://127.0.0.1:$PORT/v1/exports?limit=1" | jq -r '.data[0].id')
  wrk_run() { wrk -t2 -c32 -d10s --latency "$@" | awk '/Requests\/sec/ {rps=$2} /^ +99%/ {p99=$2} END {print rps, p99}'; }
  poll=() live=()
  # Warm-up (not counted): the JIT compiles the request path first, as it would in a long-running pod.
  wrk -t2 -c32 -d10s -H "$AUTH" "http://127.0.0.1:$PORT/v1/exports/$EXPORT_ID" > /dev/null
  wrk -t2 -c32 -d5s "http://127.0.0.1:$PORT/q/health/live" > /dev/null
  for _ in $(seq 1 "$REPEAT"); do
    poll+=("$(wrk_run -H "$AUTH" "http://127.0.0.1:$PORT/v1/exports/$EXPORT_ID")")
    live+=("$(wrk_run "http://127.0.0.1:$PORT/q/health/live")")
  done
  POLL_RPS=$(printf '%s\n' "${poll[@]}" | awk '{print $1}' | median)
  LIVE_RPS=$(printf '%s\n' "${live[@]}" | awk '{print $1}' | median)
  POLL_P99=$(printf '%s\n' "${poll[@]}" | awk '{print $2}' | tr '\n' ' ')
  LIVE_P99=$(printf '%s\n' "${live[@]}" | awk '{print $2}' | tr '\n' ' ')
  
  # --- pickup latency: create -> started_at on an idle worker (database clock on both ends) ---------
  "${PSQL[@]}" -d "$DB" -c "delete from event where tenant_id = '$TENANT' and id > 1000" >/dev/null
  ids=()
  for _ in $(seq 1 30); do
    ids+=("$(curl -sf -H "$AUTH" -H 'Content-Type: application/json' -X POST "http://127.0.0.1:$PORT/v1/exports" \
      -d '{"dataset":"events","filters":{"to":"2026-01-01T00:00:01Z"}}' | jq -r .id)")
    sleep 0.3
  done
  sleep 2
  PICKUP=$("${PSQL[@]}" -d "$DB" -c "select round((percentile_cont(0.5) within group (order by ms))::numeric, 1) || ' / ' ||
    round((percentile_cont(0.99) within group (order by ms))::numeric, 1)
    from (select extract(epoch from started_at - created_at) * 1000 as ms from export
          where id = any('{$(IFS=,; echo "${ids[*]}")}'::uuid[])) t")
  RATIO=$(echo "scale=2; $POLL_RPS / $LIVE_RPS" | bc)
fi

cat <<TABLE

## Outport benchmark — ${DATASET:-events} dataset, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, median of $REPEAT

| rows | format | service (runs) | service rows/s | floor psql+gzip -6 (runs) | floor rows/s | service/floor |
|---|---|---|---|---|---|---|
$(printf '%s\n' "${rows_table[@]}")

CPU seconds per 1M rows (medians; from /proc: user + system; postgres = every PostgreSQL process):

| rows | format | service | postgres | object store | service side total | floor: psql | gzip | postgres | floor total |
|---|---|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${cpu_table[@]}")

| figure | value |
|---|---|
| peak RSS during the ${ROWS[-1]}-row NDJSON export (-Xmx256m${BENCH_JAVA_OPTS:+ $BENCH_JAVA_OPTS}${MALLOC_ARENA_MAX:+, MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX}) | ${RSS_MB} MiB |
| GC time during that export | ${GC_S} s |
| heap used during that export (1 s samples) | ${HEAP} |
| status GET /v1/exports/{id}, 32 connections | ${POLL_RPS} req/s, p99 ${POLL_P99}|
| GET /q/health/live, 32 connections | ${LIVE_RPS} req/s, p99 ${LIVE_P99}|
| status / health ratio | ${RATIO} |
| first export of each format after start (JIT cold), ${COLD_ROWS} rows | ${COLD} |
| pickup latency create -> started_at, p50 / p99 (30 exports) | ${PICKUP} ms |
| JVM start -> ready (runs: ${startups[*]}) | ${START_MS} ms |
${AOT_ROW}
TABLE
