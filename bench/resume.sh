#!/usr/bin/env bash
# Resume against restart: a ROWS-row export (default 10 million) run once without interruption, then again
# with the worker killed (SIGKILL) once it has written ~60 % of the rows and a new replica started at once.
# Prints both times and the takeover's time against the uninterrupted run: a restart from zero would need
# about the whole time again plus the lease; resume needs the remaining 40 % plus the lease.
# Usage: bench/resume.sh [ROWS] [KILL_PERCENT]   Needs: the local PostgreSQL, jq; builds the package if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-10000000}
KILL_AT=${2:-60}
LEASE=${BENCH_LEASE:-10s}
DB=${BENCH_DB:-outport_resume}
BENCH_PORT=${BENCH_PORT:-8091} BENCH_S3_PORT=${BENCH_S3_PORT:-9457} BENCH_WORK=${BENCH_WORK:-/tmp/outport-resume}
. bench/stack.sh
stack_s3proxy
stack_fresh_db
stack_env
export OUTPORT_WORKER_LEASE=$LEASE
start_service

stack_tenant bench
stack_seed_events "$ROWS"
BODY='{"dataset":"events","max_file_bytes":5242880}'
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
status() { "${PSQL[@]}" -d "$DB" -c "select status || ' ' || progress_rows || ' ' || coalesce(rows_estimated, 0) || ' ' || attempt from export where id = '$1'"; }
wait_completed() { until [ "$(status "$1" | cut -d' ' -f1)" = completed ]; do sleep 0.05; done; }

# 1. Uninterrupted.
T0=$(now_ms)
ID=$(curl -s -X POST $API/v1/exports -H "$AUTH" -H 'Content-Type: application/json' -d "$BODY" | jq -r .id)
wait_completed "$ID"
FULL=$(( $(now_ms) - T0 ))
echo "uninterrupted: $ROWS rows in $FULL ms ($("${PSQL[@]}" -d "$DB" -c "select count(*) from export_file where export_id = '$ID'") parts)"

# 2. Killed at KILL_AT %, taken over by a new replica started at once.
T0=$(now_ms)
ID=$(curl -s -X POST $API/v1/exports -H "$AUTH" -H 'Content-Type: application/json' -d "$BODY" | jq -r .id)
while :; do
  read -r S ROWS_DONE EST _ <<<"$(status "$ID")"
  [ "$EST" -gt 0 ] && [ $(( ROWS_DONE * 100 / EST )) -ge "$KILL_AT" ] && break
  [ "$S" = completed ] && { echo "completed before the kill: use more rows" >&2; exit 1; }
  sleep 0.02
done
kill -9 "$SERVICE"; wait "$SERVICE" 2>/dev/null || true
KILLED=$(( $(now_ms) - T0 ))
KEPT=$("${PSQL[@]}" -d "$DB" -c "select count(*) || ' parts, ' || coalesce(sum(rows), 0) || ' rows' from export_file where export_id = '$ID'")
echo "killed at $ROWS_DONE rows read ($KILLED ms after the create); kept: $KEPT"
T1=$(now_ms)
start_service
wait_completed "$ID"
TAKEOVER=$(( $(now_ms) - T1 ))
read -r _ TOTAL _ ATTEMPT <<<"$(status "$ID")"
# The second attempt's own time, from its claim to completion (the database's clock).
WORK_MS=$("${PSQL[@]}" -d "$DB" -c "select round(extract(epoch from finished_at - attempt_started_at) * 1000) from export where id = '$ID'")
echo "takeover: started a replica and completed in $TAKEOVER ms (attempt $ATTEMPT, $TOTAL rows, lease $LEASE);"
echo "  of which waiting for the lease to expire, the rescuer and the retry backoff: $(( TAKEOVER - WORK_MS )) ms, the second attempt itself: $WORK_MS ms"
awk -v t="$TAKEOVER" -v w="$WORK_MS" -v f="$FULL" -v k="$KILL_AT" 'BEGIN {
  printf "ratio takeover/uninterrupted: %.2f; second attempt/uninterrupted: %.2f (the remaining %d %% of the rows: %.2f; a restart from zero: 1.00)\n", t / f, w / f, 100 - k, (100 - k) / 100 }'
