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
