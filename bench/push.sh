#!/usr/bin/env bash
# Pushed status under load, one replica as deployed (the packaged jar, -Xmx256m):
#   - LONG_POLLS (10,000) long polls held open at once, then STREAMS (5,000) Server-Sent Event streams: heap
#     after a full GC, live threads and RSS before and while they are held (a waiting client must cost no
#     thread), and the latency from a state change to its arrival at every client, p50/p99/max;
#   - webhook throughput: HOOK_EXPORTS (250) exports end at once for a tenant with 20 endpoints on a local
#     receiver (5,000 deliveries); deliveries per second at the default OUTPORT_WEBHOOKS_CONCURRENCY.
# The state change is one SQL statement that cancels the followed exports, as a worker on another replica
# would change them: it reaches the service through its one LISTEN connection. The clients are
# bench/PushLoad.java on the service's own Vert.x jars.
# Usage: bench/push.sh            Needs: the local PostgreSQL, ./mvnw package done, jcmd (a JDK).
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${BENCH_DB:-outport_bench_push}
LONG_POLLS=${LONG_POLLS:-10000}
STREAMS=${STREAMS:-5000}
HOOK_EXPORTS=${HOOK_EXPORTS:-250}
PER_EXPORT=${PER_EXPORT:-100}
RECEIVER_PORT=${BENCH_RECEIVER_PORT:-9466}
. bench/stack.sh
stack_s3proxy
stack_fresh_db
stack_env
# No worker: the exports stay as the benchmark sets them. Webhooks to the local receiver are allowed.
export OUTPORT_WORKER_ENABLED=false OUTPORT_WEBHOOKS_ALLOW_PRIVATE=true
start_service
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
CP='target/quarkus-app/lib/main/*'

TENANT=$(curl -sf -X POST "localhost:$PORT/admin/v1/tenants" -H "Authorization: Bearer $ADMIN" \
  -H 'Content-Type: application/json' -d '{"name":"push-bench"}' | jq -r .id)
KEY=$(curl -sf -X POST "localhost:$PORT/admin/v1/tenants/$TENANT/api-keys" -H "Authorization: Bearer $ADMIN" | jq -r .key)

metrics() { curl -s "localhost:$PORT/q/metrics"; }
followers() { metrics | awk '$1 == "outport_export_followers" {printf "%d", $2}'; }
heap_mib() { # heap in use right after a full GC: what the held clients keep alive
  jcmd "$SERVICE" GC.run >/dev/null
  jcmd "$SERVICE" GC.heap_info | awk '/ used / {for (i = 1; i <= NF; i++) if ($i == "used") {v = $(i + 1); sub(/K,?$/, "", v); printf "%.1f", v / 1024; exit}}'
}
threads() { metrics | awk '$1 == "jvm_threads_live_threads" {printf "%d", $2}'; }
rss_mib() { awk '/VmRSS/ {printf "%d", $2 / 1024}' "/proc/$SERVICE/status"; }

# N queued exports that no worker will take, their ids in a file.
parked() {
  "${PSQL[@]}" -d "$DB" -c "insert into export (id, tenant_id, dataset, format, compression, fields, max_file_bytes, max_attempts)
    select uuidv7_like(), '$TENANT', 'events', 'ndjson', 'gzip', '[\"id\"]', 104857600, 3 from generate_series(1, $1)
    returning id" > "$2"
}

ROWS=()
phase() { # MODE CLIENTS: hold CLIENTS long polls or streams on CLIENTS/PER_EXPORT exports, then change them
  local mode=$1 n=$2 ids="$WORK/ids-$1" fifo="$WORK/go-$1" out="$WORK/load-$1.out"
  parked $(( (n + PER_EXPORT - 1) / PER_EXPORT )) "$ids"
  local heap0 threads0 rss0
  heap0=$(heap_mib); threads0=$(threads); rss0=$(rss_mib)
  rm -f "$fifo"; mkfifo "$fifo"; exec 3<>"$fifo"
  java -cp "$CP" bench/PushLoad.java "$mode" "http://127.0.0.1:$PORT" "$KEY" "postgresql://postgres@127.0.0.1:5432/$DB" \
    "$ids" "$n" < "$fifo" > "$out" 2>&1 &
  local client=$!
  pids+=($client)
  for _ in $(seq 1 600); do [ "$(followers)" -ge "$n" ] && break; sleep 0.2; done
  local held heap1 threads1 rss1
  held=$(followers); heap1=$(heap_mib); threads1=$(threads); rss1=$(rss_mib)
  echo go >&3
  wait "$client" || true
  exec 3>&-
  local r; r=$(grep '^result' "$out" || { cat "$out" >&2; echo "result none"; })
  echo "$mode: held $held; $r" >&2
  get() { echo "$r" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'; }
  ROWS+=("| $mode: $n clients on $(wc -l < "$ids") exports | $held | $heap0 → $heap1 | $threads0 → $threads1 | $rss0 → $rss1 | $(get min_ms) / $(get p50_ms) / $(get p99_ms) / $(get max_ms) | $(get arrived) of $n, $(get failed) failed |")
}

phase longpoll "$LONG_POLLS"
phase sse "$STREAMS"

# Webhooks: the receiver first, then 20 endpoints on it, then HOOK_EXPORTS exports end at once.
parked "$HOOK_EXPORTS" "$WORK/ids-webhooks"
fifo="$WORK/go-webhooks"; rm -f "$fifo"; mkfifo "$fifo"; exec 3<>"$fifo"
java -Dendpoints=20 -cp "$CP" bench/PushLoad.java webhooks "http://127.0.0.1:$PORT" - \
  "postgresql://postgres@127.0.0.1:5432/$DB" "$WORK/ids-webhooks" "$RECEIVER_PORT" < "$fifo" > "$WORK/load-webhooks.out" 2>&1 &
client=$!; pids+=($client)
for _ in $(seq 1 300); do grep -q ready "$WORK/load-webhooks.out" 2>/dev/null && break; sleep 0.1; done
for i in $(seq 1 20); do
  curl -sf -o /dev/null -X POST "localhost:$PORT/v1/webhooks" -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/json' -d "{\"url\":\"http://127.0.0.1:$RECEIVER_PORT/hook/$i\"}"
done
echo go >&3
wait "$client" || true
exec 3>&-
W=$(grep '^result' "$WORK/load-webhooks.out" || echo "result none")
echo "webhooks: $W" >&2
wget() { echo "$W" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'; }

CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
echo
echo "Pushed status, one replica (-Xmx256m), $(nproc) cores ($CPU), $(java -version 2>&1 | head -1 | tr -d '"')"
echo
echo "| clients | held at once | heap after GC, MiB (idle → holding) | live threads | RSS, MiB | change → arrival min / p50 / p99 / max, ms | arrived |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
echo
echo "| webhooks | deliveries | first-to-last, ms | deliveries/s |"
echo "|---|---|---|---|"
echo "| $HOOK_EXPORTS exports × 20 endpoints, concurrency ${OUTPORT_WEBHOOKS_CONCURRENCY:-16} | $(wget arrived) | $(wget max_ms) | $(wget per_s) |"
