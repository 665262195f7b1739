#!/usr/bin/env bash
# Two builds of Outport on the same export, in one run: bench/compare.sh REV [REV2]
#   REV, REV2: any git revision (commit, branch, tag); REV2 defaults to the working tree as it is now,
#   uncommitted changes included. Each is packaged once (git archive + the Maven wrapper, tests skipped) and
#   kept under ~/.cache/outport-bench/<commit> (the working tree: rebuilt every time).
# Both run against one S3Proxy, each on its own fresh database seeded with the same rows, one after the other
# and interleaved (A B, B A, A B, …: neither always goes first), each round measuring, per build: start ->
# ready, the first export after start (cold) and the third (warm: the JIT is still compiling the export path
# during the second), with the service's, PostgreSQL's and the object store's CPU per 1M rows; and the floor
# (bench/floor.sh) on the same rows in the same round. Prints each build's medians, its ratio to the floor,
# and B / A.
# Settings: ROWS (1000000), ROUNDS (3), FORMAT (ndjson or csv), MVN_ARGS (extra Maven arguments, e.g. -o);
# BENCH_DATASET=orders: the declared 12-column dataset of bench/run.sh instead of events (one product database,
# seeded once, read by both builds);
# JAVA_A / JAVA_B and OPTS_A / OPTS_B: the java and its options for each side (default: the machine's java,
# -Xmx256m only), so `JAVA_B=/path/to/jdk-25/bin/java bench/compare.sh HEAD HEAD` compares runtimes;
# NATIVE_A / NATIVE_B: a native executable (./mvnw package -Pnative) that side runs instead of the jar
# (REV still names the revision it was built from), e.g. the native build beside the JVM's:
# `NATIVE_B=target/outport-0.2.0-SNAPSHOT-runner bench/compare.sh HEAD HEAD`.
# MVN_ARGS_A / MVN_ARGS_B: Maven arguments for one side's package only (e.g. MVN_ARGS_B=-Paot, the aot-jar
# packaging); AOT_B=1: side B (a JDK 25+ in JAVA_B) runs with a JDK AOT cache trained on this stack by a real
# export: after seeding, B is started once with -XX:AOTCacheOutput, exports every format, and is stopped (the
# JVM writes the cache with the method profiles of the export path); every later start of B uses it
# (-XX:AOTMode=on: a cache that cannot be used fails the start).
# Needs what bench/run.sh needs (the local PostgreSQL, jq); ports 8089 and 9455 free.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] && [ $# -le 2 ] || { sed -n '2,12p' "$0" >&2; exit 2; }
ROWS=${ROWS:-1000000} ROUNDS=${ROUNDS:-3} FORMAT=${FORMAT:-ndjson}
DATASET=${BENCH_DATASET:-} SRC_DB=outport_cmp_src
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/outport-bench

# shellcheck source=stack.sh
DB=outport_cmp_a
. bench/stack.sh

# Packages revision $1 (or the working tree for "") and prints the folder of its quarkus-app.
build() {
  local rev=$1 args="${MVN_ARGS:-} ${2:-}" sha dir src
  if [ -z "$rev" ]; then
    # shellcheck disable=SC2086
    ./mvnw -B -q $args -DskipTests package >&2
    rm -rf "$WORK/tree-app" && cp -r target/quarkus-app "$WORK/tree-app"
    echo "$WORK/tree-app"
    return
  fi
  sha=$(git rev-parse --verify "$rev^{commit}")
  dir=$CACHE/$sha${2:+-$(echo "$2" | md5sum | cut -c1-8)}
  if [ ! -f "$dir/quarkus-app/quarkus-run.jar" ]; then
    echo "# packaging $rev ($sha) $args" >&2
    src=$(mktemp -d)
    git archive --format=tar "$sha" | tar -x -C "$src"
    # shellcheck disable=SC2086
    (cd "$src" && ./mvnw -B -q $args -DskipTests package >&2)
    mkdir -p "$dir"
    rm -rf "$dir/quarkus-app.partial"
    cp -r "$src/target/quarkus-app" "$dir/quarkus-app.partial" && mv "$dir/quarkus-app.partial" "$dir/quarkus-app"
    rm -rf "$src"
  fi
  echo "$dir/quarkus-app"
}

NAME=("$1${MVN_ARGS_A:+ $MVN_ARGS_A}${NATIVE_A:+ native}${JAVA_A:+ on $JAVA_A}${OPTS_A:+ $OPTS_A}" "${2:-working tree}${MVN_ARGS_B:+ $MVN_ARGS_B}${NATIVE_B:+ native}${JAVA_B:+ on $JAVA_B}${OPTS_B:+ $OPTS_B}${AOT_B:+ + AOT cache trained by an export}")
SHAS=("$(git rev-parse --short "$1^{commit}")" "$( [ -n "${2:-}" ] && git rev-parse --short "$2^{commit}" || echo "$(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' + changes')")")
APPS=("$(build "$1" "${MVN_ARGS_A:-}")" "$(build "${2:-}" "${MVN_ARGS_B:-}")")
DBS=(outport_cmp_a outport_cmp_b)
KEYS=()
TENANTS=()

stack_s3proxy
[ -n "$DATASET" ] && stack_orders_db >/dev/null
stack_env
if [ -n "$DATASET" ]; then
  echo "# seeding $ROWS rows of $DATASET into $SRC_DB" >&2
  stack_bench_orders 1 "$ROWS"
fi

# Starts build $1 (0 or 1) on its own database.
start() {
  DB=${DBS[$1]}
  export QUARKUS_DATASOURCE_REACTIVE_URL=postgresql://127.0.0.1:5432/$DB
  local jvm opts native
  if [ "$1" = 0 ]; then jvm=${JAVA_A:-java} opts=${OPTS_A:-} native=${NATIVE_A:-}
  else jvm=${JAVA_B:-java} opts=${OPTS_B:-} native=${NATIVE_B:-}; fi
  # shellcheck disable=SC2086
  NATIVE=$native APP_DIR=${APPS[$1]} start_service "$jvm" $opts
}

# Each build migrates its own database; the same rows are seeded into both.
for b in 0 1; do
  DB=${DBS[$b]}
  stack_fresh_db >/dev/null
  start "$b"
  stack_tenant "bench" ${DATASET:+acct_bench}
  TENANTS[b]=$TENANT KEYS[b]=$KEY
  if [ -z "$DATASET" ]; then
    echo "# ${NAME[b]}: seeding $ROWS events" >&2
    stack_bench_events 1 "$ROWS"
  fi
  stop_service
done

if [ -n "${AOT_B:-}" ]; then
  echo "# ${NAME[1]}: training the AOT cache with a real export of each format" >&2
  OPTS_B_RUN=${OPTS_B:-}
  OPTS_B="$OPTS_B_RUN -XX:AOTCacheOutput=$WORK/b.aot"
  start 1
  AUTH="Authorization: Bearer ${KEYS[1]}"
  export_run ndjson >/dev/null; export_run csv >/dev/null
  stop_service
  [ -s "$WORK/b.aot" ] || { echo "no AOT cache written: see $WORK/service.log" >&2; exit 1; }
  OPTS_B="$OPTS_B_RUN -XX:AOTMode=on -XX:AOTCache=$WORK/b.aot"
fi

declare -A R   # R[build,field] = space-separated values over the rounds
add() { R[$1,$2]="${R[$1,$2]:-} $3"; }
for round in $(seq 1 "$ROUNDS"); do
  order=(0 1); [ $((round % 2)) = 0 ] && order=(1 0)
  for b in "${order[@]}"; do
    start "$b"
    AUTH="Authorization: Bearer ${KEYS[b]}"
    cold=($(export_run "$FORMAT")) warm=($(export_run "$FORMAT")) warm=($(export_run "$FORMAT"))
    rss=$(awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$SERVICE/status")
    stop_service
    if [ -n "$DATASET" ]; then
      floor=($(bench/floor.sh "$SRC_DB" "$ORDERS_QUERY" "$FORMAT" 6 | awk '{print $2, $9, $11, $13}'))
    else
      floor=($(bench/floor.sh "${DBS[b]}" "select id, type, occurred_at, user_id, properties, received_at from event
        where tenant_id = '${TENANTS[b]}' order by occurred_at, id" "$FORMAT" 6 | awk '{print $2, $9, $11, $13}'))
    fi
    add "$b" rss "$rss"; add "$b" start "$STARTUP_MS"; add "$b" cold "${cold[0]}"; add "$b" warm "${warm[0]}"; add "$b" floor "${floor[0]}"
    add "$b" svc "${warm[1]}"; add "$b" pg "${warm[2]}"; add "$b" s3 "${warm[3]}"; add "$b" csvc "${cold[1]}"
    add "$b" fcpu "$(echo "${floor[1]} + ${floor[2]} + ${floor[3]}" | bc)"
    echo "# round $round, ${NAME[b]}: start ${STARTUP_MS} ms, cold ${cold[0]} s, warm ${warm[0]} s (cpu/1M: service ${warm[1]}, postgres ${warm[2]}, s3 ${warm[3]}), floor ${floor[0]} s" >&2
  done
done

m() { echo "${R[$1,$2]}" | median; }
ratio() { echo "scale=2; $1 / $2" | bc | sed 's/^\./0./'; }
echo
echo "## bench/compare.sh: $ROWS ${DATASET:+rows of the declared dataset }${DATASET:-events}, $FORMAT gzip, $ROUNDS rounds, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| build | start -> ready | cold export | warm export | floor | cold / floor | warm / floor | CPU s per 1M rows, warm: service + postgres + s3 | service CPU, cold | floor CPU | RSS after 3 exports |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for b in 0 1; do
  printf '| %s (%s) | %s ms (%s) | %s s (%s) | %s s (%s) | %s s | **%s** | **%s** | %s + %s + %s | %s | %s | %s MiB |\n' "${NAME[b]}" "${SHAS[b]}" \
    "$(m $b start)" "${R[$b,start]# }" "$(m $b cold)" "${R[$b,cold]# }" "$(m $b warm)" "${R[$b,warm]# }" "$(m $b floor)" \
    "$(ratio "$(m $b cold)" "$(m $b floor)")" "$(ratio "$(m $b warm)" "$(m $b floor)")" "$(m $b svc)" "$(m $b pg)" "$(m $b s3)" "$(m $b csvc)" "$(m $b fcpu)" "$(m $b rss)"
done
echo
echo "B / A (${NAME[1]} / ${NAME[0]}; below 1: B is faster): cold $(ratio "$(m 1 cold)" "$(m 0 cold)"), warm $(ratio "$(m 1 warm)" "$(m 0 warm)"), start $(ratio "$(m 1 start)" "$(m 0 start)")"
