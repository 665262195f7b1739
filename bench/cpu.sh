# CPU accounting from /proc, sourced by the benchmarks: what a process (or all of PostgreSQL) has used, in
# clock ticks, so a figure can be given as CPU seconds per 1M rows whatever the number of cores.
CPU_HZ=$(getconf CLK_TCK)

# Ticks (user + system) a process has used, its threads and the children it has reaped included.
cpu_ticks() {
  { cat "/proc/$1/stat" 2>/dev/null || echo; } | awk '{ sub(/^.*\) /, ""); print ($12 + $13 + $14 + $15) + 0 }'
}

# Ticks used by every PostgreSQL process: the live ones, and those that ended (the postmaster reaps its
# backends, so theirs is in its children's time). A connection that opened and closed between two samples
# is counted too.
pg_ticks() {
  local t=0 p pm
  pm=$(pgrep -o -x postgres || true)
  for p in $(pgrep -x postgres); do
    t=$(( t + $({ cat "/proc/$p/stat" 2>/dev/null || echo; } | awk -v pm="$p" -v m="$pm" '{ sub(/^.*\) /, "");
      print ($12 + $13 + (pm == m ? $14 + $15 : 0)) + 0 }') ))
  done
  echo "$t"
}

# CPU seconds per 1M rows: ticks rows
per_million() { awk -v t="$1" -v r="$2" -v hz="$CPU_HZ" 'BEGIN { printf "%.2f", (r > 0 ? t / hz * 1e6 / r : 0) }'; }

# Per thread, from /proc/<pid>/task/<tid>/schedstat: "label/tid name run-ns wait-ns" for the processes given as
# label=pid (a thread's wait is the time it was ready to run and waited for a core).
thread_times() {
  local lp label pid t
  for lp in "$@"; do
    label=${lp%%=*} pid=${lp#*=}
    for t in /proc/"$pid"/task/*; do
      [ -r "$t/schedstat" ] || continue
      echo "$label/${t##*/} $(tr -c '[:alnum:]_.#\n-' _ < "$t/comm" 2>/dev/null) $(cut -d' ' -f1,2 "$t/schedstat" 2>/dev/null)"
    done
  done
}

# Two thread_times snapshots (files) -> per thread that ran >= 50 ms between them: ms running, ms waiting for a
# core, and the ratio; then the same summed per label. A thread that started between them counts from zero.
thread_table() {
  awk 'NR == FNR { run0[$1] = $3; wait0[$1] = $4; next }
    { run = ($3 - run0[$1]) / 1e6; wait = ($4 - wait0[$1]) / 1e6; split($1, l, "/"); sum[l[1]] += run; sumw[l[1]] += wait
      if (run >= 50) printf "| %s | %s | %.0f | %.0f | %.1f |\n", $1, $2, run, wait, wait / run }
    END { for (k in sum) printf "| %s | all threads | %.0f | %.0f | %.1f |\n", k, sum[k], sumw[k], (sum[k] > 0 ? sumw[k] / sum[k] : 0) }' \
    "$1" "$2" | sort -t'|' -k4 -rn
}

# thread_times of the benchmark's stack: the service ($SERVICE), S3Proxy ($S3PROXY) and every PostgreSQL process.
stack_thread_times() {
  # shellcheck disable=SC2046
  thread_times service="$SERVICE" s3="$S3PROXY" $(pgrep -x postgres | sed 's/^/postgres=/')
}
