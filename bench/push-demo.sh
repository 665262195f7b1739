#!/usr/bin/env bash
# The README's "status pushed" walk-through, run for real: a one-million-row export followed as Server-Sent
# Events, a long poll, and a signed webhook verified in shell with openssl, on a stack of its own (the
# packaged jar, a local S3Proxy, a fresh database, a JDK-only receiver: bench/HookReceiver.java).
# Usage: bench/push-demo.sh [ROWS]     (default 1000000)   Needs: the local PostgreSQL, ./mvnw package done.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
DB=${BENCH_DB:-outport_demo}
BENCH_PORT=${BENCH_PORT:-8090} BENCH_S3_PORT=${BENCH_S3_PORT:-9456} BENCH_WORK=${BENCH_WORK:-/tmp/outport-demo}
RECEIVER_PORT=${BENCH_RECEIVER_PORT:-9467}
. bench/stack.sh
stack_s3proxy
stack_fresh_db
stack_env
export OUTPORT_WEBHOOKS_ALLOW_PRIVATE=true   # the receiver is on 127.0.0.1 and speaks http
start_service
mkdir -p "$WORK/hook" && rm -f "$WORK/hook/"*
java bench/HookReceiver.java "$RECEIVER_PORT" "$WORK/hook" > "$WORK/receiver.log" 2>&1 &
pids+=($!)

stack_tenant acme
stack_seed_events "$ROWS"
for _ in $(seq 1 100); do grep -q listening "$WORK/receiver.log" && break; sleep 0.1; done

echo '$ curl -s -X POST '$API'/v1/webhooks … {"url":"http://127.0.0.1:'$RECEIVER_PORT'/hook","events":["export.completed","export.failed"]}'
HOOK=$(curl -s -X POST $API/v1/webhooks -H "$AUTH" -H 'Content-Type: application/json' \
       -d "{\"url\":\"http://127.0.0.1:$RECEIVER_PORT/hook\",\"events\":[\"export.completed\",\"export.failed\"]}")
echo "$HOOK" | jq -c '.secret |= (.[0:10] + "…")'
SECRET=$(echo "$HOOK" | jq -r .secret); HOOK_ID=$(echo "$HOOK" | jq -r .id)

echo
echo '$ ID=$(curl -s -X POST '$API'/v1/exports … {"dataset":"events"} | jq -r .id)'
ID=$(curl -s -X POST $API/v1/exports -H "$AUTH" -H 'Content-Type: application/json' -d '{"dataset":"events"}' | jq -r .id)
echo '$ curl -sN '$API'/v1/exports/$ID/events      (data abbreviated to the fields that change)'
curl -sN $API/v1/exports/$ID/events -H "$AUTH" | while IFS= read -r line; do
  case "$line" in
    data:*) data=${line#data:}; echo "data: $(echo "${data# }" | jq -c 'if .status then {status, attempts, progress, row_count,
              files: (.files | map({part, rows, size_bytes}))} else . end')" ;;
    *) echo "$line" ;;
  esac
done

echo
echo '$ curl -s "'$API'/v1/exports/$ID?wait=30s" | jq ...      (a long poll on a finished export answers at once)'
curl -s "$API/v1/exports/$ID?wait=30s" -H "$AUTH" | jq -c '{status, row_count, file_size_bytes, progress}'

echo
for _ in $(seq 1 300); do [ -f "$WORK/hook/received" ] && break; sleep 0.1; done
WEBHOOK_ID=$(cat "$WORK/hook/webhook-id"); WEBHOOK_TIMESTAMP=$(cat "$WORK/hook/webhook-timestamp")
WEBHOOK_SIGNATURE=$(cat "$WORK/hook/webhook-signature"); BODY=$(cat "$WORK/hook/body")
echo "# the receiver got: webhook-id: $WEBHOOK_ID, webhook-timestamp: $WEBHOOK_TIMESTAMP, webhook-signature: $WEBHOOK_SIGNATURE"
echo "# body: $(echo "$BODY" | jq -c '{type, timestamp, data: {id: .data.id, status: .data.status, row_count: .data.row_count}}')"
# The README's verification, as a receiver would run it:
KEY_HEX=$(printf '%s' "${SECRET#whsec_}" | base64 -d | od -An -vtx1 | tr -d ' \n')
EXPECTED="v1,$(printf '%s.%s.%s' "$WEBHOOK_ID" "$WEBHOOK_TIMESTAMP" "$BODY" \
           | openssl dgst -sha256 -mac HMAC -macopt hexkey:$KEY_HEX -binary | base64)"
[ "$EXPECTED" = "$WEBHOOK_SIGNATURE" ] && echo "signature verified" || { echo "signature MISMATCH: $EXPECTED"; exit 1; }
curl -s $API/v1/webhooks/$HOOK_ID/deliveries -H "$AUTH" | jq -c '.data[] | {event_type, status, attempts, last_response_status}'
