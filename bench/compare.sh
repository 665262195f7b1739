#!/usr/bin/env bash
# Two builds of Outport on the same export, in one run: bench/compare.sh REV [REV2]
#   REV, REV2: any git revision (commit, branch, tag); REV2 defaults to the working tree as it is now,
#   uncommitted changes included. Each is packaged once (git archive + the Maven wrapper, tests skipped) and
#   kept under ~/.cache/outport-bench/<commit> (the working tree: rebuilt every time).
# Both run against one S3Proxy, each on its own fresh database seeded with the same rows, one after the other
# and interleaved (A B, B A, A B, …: neither always goes first), each round measuring, per build: start ->
# ready, the first export after start (cold) and the one after it (warm), with the service's, PostgreSQL's
# and the object store's CPU per 1M rows; and the floor (bench/floor.sh) on the same rows in the same round.
# Prints each build's medians, its ratio to the floor, and B / A.
# Settings: ROWS (1000000), ROUNDS (3), FORMAT (ndjson or csv), MVN_ARGS (extra Maven arguments, e.g. -o).
# Needs what bench/run.sh needs (the local PostgreSQL, jq); ports 8089 and 9455 free.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] && [ $# -le 2 ] || { sed -n '2,12p' "$0" >&2; exit 2; }
ROWS=${ROWS:-1000000} ROUNDS=${ROUNDS:-3} FORMAT=${FORMAT:-ndjson}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/outport-bench

# shellcheck source=stack.sh
DB=outport_cmp_a
. bench/stack.sh

# Packages revision $1 (or the working tree for "") and prints the folder of its quarkus-app.
build() {
  local rev=$1 sha dir src
  if [ -z "$rev" ]; then
    ./mvnw -B -q ${MVN_ARGS:-} -DskipTests package >&2
    rm -rf "$WORK/tree-app" && cp -r target/quarkus-app "$WORK/tree-app"
    echo "$WORK/tree-app"
    return
  fi
  sha=$(git rev-parse --verify "$rev^{commit}")
  dir=$CACHE/$sha
  if [ ! -f "$dir/quarkus-app/quarkus-run.jar" ]; then
    echo "# packaging $rev ($sha)" >&2
    src=$(mktemp -d)
    git archive --format=tar "$sha" | tar -x -C "$src"
    (cd "$src" && ./mvnw -B -q ${MVN_ARGS:-} -DskipTests package >&2)
    mkdir -p "$dir"
    rm -rf "$dir/quarkus-app.partial"
    cp -r "$src/target/quarkus-app" "$dir/quarkus-app.partial" && mv "$dir/quarkus-app.partial" "$dir/quarkus-app"
    rm -rf "$src"
  fi
  echo "$dir/quarkus-app"
}

NAME=("$1" "${2:-working tree}")
SHAS=("$(git rev-parse --short "$1^{commit}")" "$( [ -n "${2:-}" ] && git rev-parse --short "$2^{commit}" || echo "$(git rev-parse --short HEAD) + changes")")
APPS=("$(build "$1")" "$(build "${2:-}")")
DBS=(outport_cmp_a outport_cmp_b)
KEYS=()
TENANTS=()

stack_s3proxy
stack_env

# Starts build $1 (0 or 1) on its own database.
start() {
  DB=${DBS[$1]}
  export QUARKUS_DATASOURCE_REACTIVE_URL=postgresql://127.0.0.1:5432/$DB
  APP_DIR=${APPS[$1]} start_service
}

# Each build migrates its own database; the same rows are seeded into both.
for b in 0 1; do
  DB=${DBS[$b]}
  stack_fresh_db >/dev/null
  start "$b"
  stack_tenant "bench"
  TENANTS[b]=$TENANT KEYS[b]=$KEY
  echo "# ${NAME[b]}: seeding $ROWS events" >&2
  "${PSQL[@]}" -d "$DB" -c "insert into event (tenant_id, type, occurred_at, user_id, properties)
    select '$TENANT', (array['purchase','refund','page_view','signup','login'])[1 + g % 5],
           timestamptz '2026-01-01' + ((g::bigint * 7919) % 31536000) * interval '1 second',
           case when g % 10 = 0 then null else 'u_' || (g % 50000) end,
           jsonb_build_object('amount', round((g % 10000) / 7.0, 2), 'currency', (array['EUR','USD','GBP'])[1 + g % 3],
             'items', g % 17, 'coupon', case when g % 4 = 0 then null else 'SAVE' || (g % 30) end,
             'mobile', g % 2 = 0, 'referrer', 'https://example.com/landing/' || md5(g::text),
             'tags', jsonb_build_array('t' || (g % 7), 't' || (g % 11)))
      from generate_series(1, $ROWS) g" -c "vacuum analyze event" >/dev/null
  stop_service
done

declare -A R   # R[build,field] = space-separated values over the rounds
add() { R[$1,$2]="${R[$1,$2]:-} $3"; }
for round in $(seq 1 "$ROUNDS"); do
  order=(0 1); [ $((round % 2)) = 0 ] && order=(1 0)
  for b in "${order[@]}"; do
    start "$b"
    AUTH="Authorization: Bearer ${KEYS[b]}"
    cold=($(export_run "$FORMAT")) warm=($(export_run "$FORMAT"))
    stop_service
    floor=($(bench/floor.sh "${DBS[b]}" "select id, type, occurred_at, user_id, properties, received_at from event
      where tenant_id = '${TENANTS[b]}' order by occurred_at, id" "$FORMAT" 6 | awk '{print $2, $9, $11, $13}'))
    add "$b" start "$STARTUP_MS"; add "$b" cold "${cold[0]}"; add "$b" warm "${warm[0]}"; add "$b" floor "${floor[0]}"
    add "$b" svc "${warm[1]}"; add "$b" pg "${warm[2]}"; add "$b" s3 "${warm[3]}"
    add "$b" fcpu "$(echo "${floor[1]} + ${floor[2]} + ${floor[3]}" | bc)"
    echo "# round $round, ${NAME[b]}: start ${STARTUP_MS} ms, cold ${cold[0]} s, warm ${warm[0]} s (cpu/1M: service ${warm[1]}, postgres ${warm[2]}, s3 ${warm[3]}), floor ${floor[0]} s" >&2
  done
done

m() { echo "${R[$1,$2]}" | median; }
ratio() { echo "scale=2; $1 / $2" | bc | sed 's/^\./0./'; }
echo
echo "## bench/compare.sh: $ROWS events, $FORMAT gzip, $ROUNDS rounds, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| build | start -> ready | cold export | warm export | floor | cold / floor | warm / floor | CPU s per 1M rows, warm: service + postgres + s3 | floor CPU |"
echo "|---|---|---|---|---|---|---|---|---|"
for b in 0 1; do
  printf '| %s (%s) | %s ms (%s) | %s s (%s) | %s s (%s) | %s s | **%s** | **%s** | %s + %s + %s | %s |\n' "${NAME[b]}" "${SHAS[b]}" \
    "$(m $b start)" "${R[$b,start]# }" "$(m $b cold)" "${R[$b,cold]# }" "$(m $b warm)" "${R[$b,warm]# }" "$(m $b floor)" \
    "$(ratio "$(m $b cold)" "$(m $b floor)")" "$(ratio "$(m $b warm)" "$(m $b floor)")" "$(m $b svc)" "$(m $b pg)" "$(m $b s3)" "$(m $b fcpu)"
done
echo
echo "B / A (${NAME[1]} / ${NAME[0]}; below 1: B is faster): cold $(ratio "$(m 1 cold)" "$(m 0 cold)"), warm $(ratio "$(m 1 warm)" "$(m 0 warm)"), start $(ratio "$(m 1 start)" "$(m 0 start)")"
