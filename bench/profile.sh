#!/usr/bin/env bash
# Where an export's CPU goes: bench/profile.sh [ROWS] (default 1000000)
# Starts the stack of bench/run.sh (S3Proxy, a fresh database, the packaged service), seeds ROWS events, runs
# one export to warm the JIT, then profiles a second one with async-profiler (tools.profiler:async-profiler from
# Maven Central, loaded into the running service with jcmd; CPU samples of every thread, native code such as
# zlib's deflate included) and prints the methods with the most samples of their own and the CPU table of
# bench/run.sh for that export, and each thread's time running and waiting for a core during it (service, S3Proxy,
# PostgreSQL: /proc/*/task/*/schedstat; a serial stage that waits much longer than it runs is starved of cores).
# FORMAT (ndjson or csv), JAVA (the service's java), EVENT (cpu; alloc for allocations), BENCH_DATASET=orders
# (bench/run.sh's declared dataset instead of events). The collapsed stacks stay in $WORK/export.collapsed (for a
# flame graph).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000} FORMAT=${FORMAT:-ndjson}
DB=outport_profile
. bench/stack.sh
JAVA=${JAVA:-java}
JDK=$(dirname "$(dirname "$(readlink -f "$(command -v "$JAVA")")")")
AP=$WORK/async-profiler
if [ ! -f "$AP/linux-x64/libasyncProfiler.so" ]; then
  ./mvnw -B -q dependency:copy -Dartifact=tools.profiler:async-profiler:4.6 -DoutputDirectory="$AP" >&2
  (cd "$AP" && unzip -qo async-profiler-4.6.jar 'linux-x64/*')
fi
LIB=$AP/linux-x64/libasyncProfiler.so
DATASET=${BENCH_DATASET:-} SRC_DB=${DB}_src
stack_s3proxy
stack_fresh_db >/dev/null
[ -n "$DATASET" ] && stack_orders_db >/dev/null
stack_env
start_service "$JAVA"
if [ -n "$DATASET" ]; then
  stack_tenant profile acct_bench
  echo "# seeding $ROWS rows of $DATASET" >&2
  stack_bench_orders 1 "$ROWS" >/dev/null
else
  stack_tenant profile
  echo "# seeding $ROWS events" >&2
  stack_bench_events 1 "$ROWS"
fi
AUTH="Authorization: Bearer $KEY"
echo "# warm-up export: $(export_run "$FORMAT")" >&2
"$JDK/bin/jcmd" "$SERVICE" JVMTI.agent_load "$LIB" "\"start,event=${EVENT:-cpu},interval=1ms\"" >/dev/null
stack_thread_times > "$WORK/threads.before"
read -r s c p o <<< "$(export_run "$FORMAT")"
stack_thread_times > "$WORK/threads.after"
"$JDK/bin/jcmd" "$SERVICE" JVMTI.agent_load "$LIB" "\"stop,file=$WORK/export.collapsed,collapsed\"" >/dev/null
echo "# profiled export: $s s; CPU s per 1M rows: service $c, postgres $p, object store $o"
echo "# threads during it (/proc/*/task/*/schedstat; wait: ready to run, waiting for a core):"
echo "| thread | name | run ms | wait ms | wait / run |"
echo "|---|---|---|---|---|"
thread_table "$WORK/threads.before" "$WORK/threads.after"
# Own samples per method (the last frame of each stack).
awk '{ n = $NF; $NF = ""; k = split($0, f, ";"); own[f[k]] += n; all += n } END {
  for (m in own) printf "%6.2f%%  %s\n", 100 * own[m] / all, m }' "$WORK/export.collapsed" | sort -rn | head -${TOP:-40}
