# The benchmarks' common stack, sourced by bench/run.sh and bench/push.sh: a local S3Proxy over a folder, a
# fresh database, and the service as deployed (the packaged jar, 256 MiB heap) with settings that point at
# them. Set DB before sourcing; the caller's cleanup trap stops what it starts (pids).
PORT=${BENCH_PORT:-8089}
S3_PORT=${BENCH_S3_PORT:-9455}
WORK=${BENCH_WORK:-/tmp/outport-bench}
ADMIN=bench-admin-token-0123456789
PSQL=(psql -h 127.0.0.1 -U postgres -Atq)
. "$(dirname "${BASH_SOURCE[0]}")/cpu.sh"
mkdir -p "$WORK"
for p in "$PORT" "$S3_PORT"; do
  if curl -s -o /dev/null "http://127.0.0.1:$p"; then echo "port $p is in use: is another benchmark running?" >&2; exit 1; fi
done
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -DskipTests package

stack_s3proxy() {
  ./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=provided -Dmdep.outputFile="$WORK/s3proxy.cp" >/dev/null
  rm -rf "$WORK/s3" && mkdir -p "$WORK/s3"
  cat > "$WORK/s3proxy.conf" <<CONF
s3proxy.endpoint=http://127.0.0.1:$S3_PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=bench
s3proxy.credential=bench-secret-key
jclouds.provider=filesystem
jclouds.filesystem.basedir=$WORK/s3
CONF
  # Without a log (slf4j-nop instead of the JBoss LogManager the classpath brings): unconfigured, that one is at
  # DEBUG, and Jetty then formats a debug message that no handler writes for every buffer it reads (measured: 40 %
  # of S3Proxy's CPU during an export, on the same two cores as the service). What S3Proxy refuses still reaches the
  # service, and the benchmark, in its answers.
  local slf4j cp
  slf4j=$(tr ':' '\n' < "$WORK/s3proxy.cp" | sed -n 's|.*/slf4j-api-\(.*\)\.jar$|\1|p' | head -1)
  [ -f "$WORK/slf4j-nop-$slf4j.jar" ] || ./mvnw -B -q dependency:copy -Dartifact="org.slf4j:slf4j-nop:$slf4j" \
    -DoutputDirectory="$WORK" >/dev/null
  cp=$(tr ':' '\n' < "$WORK/s3proxy.cp" | grep -v '/slf4j-jboss-logmanager-' | paste -sd:):$WORK/slf4j-nop-$slf4j.jar
  java -cp "$cp" org.gaul.s3proxy.Main --properties "$WORK/s3proxy.conf" > "$WORK/s3proxy.log" 2>&1 &
  S3PROXY=$!
  pids+=($S3PROXY)
}

stack_fresh_db() {
  "${PSQL[@]}" -d postgres -c "drop database if exists $DB with (force)" -c "create database $DB"
}

# Exports the service's settings (add your own after it) and waits for S3Proxy to answer.
stack_env() {
  export QUARKUS_HTTP_PORT=$PORT QUARKUS_DATASOURCE_REACTIVE_URL=postgresql://127.0.0.1:5432/$DB \
    QUARKUS_DATASOURCE_USERNAME=postgres QUARKUS_S3_ENDPOINT_OVERRIDE=http://127.0.0.1:$S3_PORT \
    QUARKUS_S3_PATH_STYLE_ACCESS=true QUARKUS_S3_AWS_CREDENTIALS_TYPE=static \
    QUARKUS_S3_AWS_CREDENTIALS_STATIC_PROVIDER_ACCESS_KEY_ID=bench \
    QUARKUS_S3_AWS_CREDENTIALS_STATIC_PROVIDER_SECRET_ACCESS_KEY=bench-secret-key \
    OUTPORT_ADMIN_TOKEN=$ADMIN OUTPORT_RATE_LIMIT_READS_PER_MINUTE=10000000 \
    OUTPORT_RATE_LIMIT_WRITES_PER_MINUTE=10000000 OUTPORT_WORKER_CONCURRENCY=1
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$S3_PORT" && break; sleep 0.1; done
}

start_service() { # [java [jvm options]]: the machine's java by default; APP_DIR: another package, run from its folder;
  # NATIVE: a native executable (./mvnw package -Pnative) to run instead, with the same heap limit
  local jvm=${1:-java} t0; shift || true
  t0=$(date +%s%N)
  if [ -n "${NATIVE:-}" ]; then
    "$NATIVE" -Xmx256m "$@" > "$WORK/service.log" 2>&1 &
  elif [ -n "${APP_DIR:-}" ]; then
    (cd "$APP_DIR" && exec "$jvm" -Xmx256m "$@" -jar quarkus-run.jar) > "$WORK/service.log" 2>&1 &
  else
    "$jvm" -Xmx256m "$@" -jar target/quarkus-app/quarkus-run.jar > "$WORK/service.log" 2>&1 &
  fi
  SERVICE=$!
  pids+=($SERVICE)
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/q/health/ready")" = 200 ]; do
    kill -0 "$SERVICE" 2>/dev/null || { echo "service died: see $WORK/service.log" >&2; tail -20 "$WORK/service.log" >&2; exit 1; }
    sleep 0.01
  done
  STARTUP_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
}
stop_service() { kill "$SERVICE"; wait "$SERVICE" 2>/dev/null || true; }

# One export of $DATASET (default events) in format $1 by the running service, for the key in $AUTH: create ->
# completed, both from the database clock (the export's created_at and finished_at), so the figure is the
# service's and not the poller's; the poll is a bare curl every 250 ms (no jq, no 50 ms loop of forks taking
# CPU from the service on a 2-core machine). Prints "seconds service-cpu postgres-cpu s3-cpu", CPU as seconds
# per 1M rows (postgres: every backend; the machine is meant to be otherwise idle). The stored size goes to
# $WORK/service.bytes.
export_run() {
  local id body c0 c1 p0 p1 s0 s1 out
  c0=$(cpu_ticks "$SERVICE") p0=$(pg_ticks) s0=$(cpu_ticks "$S3PROXY")
  id=$(curl -sf -H "$AUTH" -H 'Content-Type: application/json' -X POST "http://127.0.0.1:$PORT/v1/exports" \
         -d "{\"dataset\":\"${DATASET:-events}\",\"format\":\"$1\",\"max_file_bytes\":5368709120}" | jq -r .id)
  while :; do
    body=$(curl -sf -H "$AUTH" "http://127.0.0.1:$PORT/v1/exports/$id")
    case $body in *'"status":"completed"'*) break ;; *'"status":"failed"'*|*'"status":"canceled"'*) echo "export $id: $body" >&2; exit 1 ;; esac
    sleep 0.25
  done
  c1=$(cpu_ticks "$SERVICE") p1=$(pg_ticks) s1=$(cpu_ticks "$S3PROXY")
  out=($("${PSQL[@]}" -d "$DB" -F ' ' -c "select round(extract(epoch from finished_at - created_at)::numeric, 3), row_count,
      file_size_bytes from export where id = '$id'"))
  echo "${out[2]}" > "$WORK/service.bytes"
  echo "${out[0]} $(per_million $((c1 - c0)) "${out[1]}") $(per_million $((p1 - p0)) "${out[1]}") $(per_million $((s1 - s0)) "${out[1]}")"
}


# A tenant named $1 (external id $2 if given) with a key: sets API, ADMIN_AUTH, TENANT, KEY and AUTH for the curl
# lines that follow.
stack_tenant() {
  API=localhost:$PORT
  ADMIN_AUTH="Authorization: Bearer $ADMIN"
  TENANT=$(curl -s -X POST $API/admin/v1/tenants -H "$ADMIN_AUTH" -H 'Content-Type: application/json' \
    -d "{\"name\":\"$1\"${2:+,\"external_id\":\"$2\"}}" | jq -r .id)
  KEY=$(curl -s -X POST $API/admin/v1/tenants/$TENANT/api-keys -H "$ADMIN_AUTH" | jq -r .key)
  AUTH="Authorization: Bearer $KEY"
}

# The export benchmark's events: rows $1..$2 of $TENANT in database $DB, ~200-byte properties of mixed types,
# spread over a year (the same rows for the same numbers, whatever the database); then statistics.
stack_bench_events() {
  "${PSQL[@]}" -d "$DB" -c "insert into event (tenant_id, type, occurred_at, user_id, properties)
    select '$TENANT', (array['purchase','refund','page_view','signup','login'])[1 + g % 5],
           timestamptz '2026-01-01' + ((g::bigint * 7919) % 31536000) * interval '1 second',
           case when g % 10 = 0 then null else 'u_' || (g % 50000) end,
           jsonb_build_object('amount', round((g % 10000) / 7.0, 2), 'currency', (array['EUR','USD','GBP'])[1 + g % 3],
             'items', g % 17, 'coupon', case when g % 4 = 0 then null else 'SAVE' || (g % 30) end,
             'mobile', g % 2 = 0, 'referrer', 'https://example.com/landing/' || md5(g::text),
             'tags', jsonb_build_array('t' || (g % 7), 't' || (g % 11)))
      from generate_series($1, $2) g" -c "vacuum analyze event" >/dev/null
}

# $1 events of $TENANT, one a second from 2026-01-01, then statistics.
stack_seed_events() {
  echo "# seeding $1 events" >&2
  "${PSQL[@]}" -d "$DB" -c "insert into event (tenant_id, type, occurred_at, user_id, properties)
    select '$TENANT', (array['purchase','refund','view'])[1 + g % 3], timestamptz '2026-01-01' + g * interval '1 second',
           'u_' || (g % 97), jsonb_build_object('n', g, 'amount', g % 1000)
      from generate_series(1, $1) g" -c "vacuum analyze event"
}

# The declared dataset of BENCH_DATASET (bench/run.sh, bench/profile.sh): the product's database $SRC_DB with its own
# table and the (tenant, time, id) index, read through the source datasource by a role that may only SELECT; exports
# the settings that declare the table as dataset $DATASET. Its tenant is the external id acct_bench.
stack_orders_db() {
  # The product's database: its own table, with the (tenant, time, id) index, read by a role that may only SELECT.
  "${PSQL[@]}" -d postgres -c "drop database if exists $SRC_DB with (force)" -c "create database $SRC_DB"
  "${PSQL[@]}" -d "$SRC_DB" <<'SQL'
do $$ begin if not exists (select from pg_roles where rolname = 'outport_bench_reader') then
  create role outport_bench_reader login; end if; end $$;
create schema shop;
create type shop.order_status as enum ('pending', 'paid', 'shipped', 'refunded');
create table shop.orders (
  id bigint generated always as identity primary key, account_id text not null, created_at timestamptz not null,
  status shop.order_status not null, total numeric(12,2) not null, discount double precision, customer text not null,
  email text, paid boolean not null, quantity integer not null, tags text[] not null, meta jsonb not null,
  ref uuid not null, updated_at timestamptz not null);
create index orders_tenant_time on shop.orders (account_id, created_at, id);
grant usage on schema shop to outport_bench_reader;
grant select on all tables in schema shop to outport_bench_reader;
SQL
  export QUARKUS_DATASOURCE_SOURCE_REACTIVE_URL=postgresql://127.0.0.1:5432/$SRC_DB \
    QUARKUS_DATASOURCE_SOURCE_USERNAME=outport_bench_reader \
    OUTPORT_DATASETS_${DATASET^^}_TABLE=shop.orders OUTPORT_DATASETS_${DATASET^^}_TENANT_COLUMN=account_id \
    OUTPORT_DATASETS_${DATASET^^}_TIME_COLUMN=created_at OUTPORT_DATASETS_${DATASET^^}_ID_COLUMN=id
}

# Orders $1..$2 of tenant acct_bench in $SRC_DB, spread over a year, with another tenant's rows interleaved (one in
# ten) as in a shared table (the same rows for the same numbers); then statistics.
stack_bench_orders() {
  "${PSQL[@]}" -d "$SRC_DB" -c "insert into shop.orders (account_id, created_at, status, total, discount, customer,
      email, paid, quantity, tags, meta, ref, updated_at)
    select case when g % 10 = 0 then 'acct_other' else 'acct_bench' end,
           timestamptz '2026-01-01' + ((g::bigint * 7919) % 31536000) * interval '1 second',
           (array['pending','paid','shipped','refunded'])[1 + g % 4]::shop.order_status, round((g % 100000) / 7.0, 2),
           case when g % 3 = 0 then null else (g % 1000) / 3.0 end, 'Customer ' || (g % 50000),
           case when g % 5 = 0 then null else 'c' || (g % 50000) || '@example.com' end, g % 2 = 0, 1 + g % 9,
           array['t' || (g % 7), 'x' || (g % 11)], jsonb_build_object('channel', (array['web','app','pos'])[1 + g % 3],
             'coupon', case when g % 4 = 0 then null else 'SAVE' || (g % 30) end, 'items', g % 17),
           md5(g::text)::uuid, timestamptz '2026-06-01' + g * interval '1 millisecond'
      from generate_series($((($1 - 1) * 10 / 9 + 1)), $(($2 * 10 / 9))) g"
  "${PSQL[@]}" -d "$SRC_DB" -c "vacuum analyze shop.orders" >/dev/null
}

# The floor's query of the declared dataset: the same rows, in the same order, as its export.
ORDERS_QUERY="select id, created_at, status, total, discount, customer, email, paid, quantity, tags, meta, ref, updated_at
  from shop.orders where account_id = 'acct_bench' order by created_at, id"

# The median of numbers given on stdin, separated by spaces or lines.
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
