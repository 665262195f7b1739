#!/usr/bin/env bash
# The floor an export is measured against: PostgreSQL's own COPY of the same rows, in the same order,
# compressed by gzip at the service's level. Nothing that produces these files can do less work.
# Usage: bench/floor.sh DATABASE "SELECT … ORDER BY …" [ndjson|csv] [gzip level]
# Prints one line: seconds, compressed bytes, rows/s, and the CPU seconds per 1M rows of psql, gzip and
# PostgreSQL (every backend: the machine is meant to be otherwise idle). PGHOST/PGUSER as for psql
# (default 127.0.0.1, postgres).
set -euo pipefail
db=$1 query=$2 format=${3:-ndjson} level=${4:-6}
. "$(dirname "$0")/cpu.sh"
psql_=(psql -h "${PGHOST:-127.0.0.1}" -U "${PGUSER:-postgres}" -d "$db" -Atq)
if [ "$format" = csv ]; then
  copy="\\copy ($query) to stdout (format csv, header)"
else
  copy="\\copy (select row_to_json(q) from ($query) q) to stdout"
fi
rows=$("${psql_[@]}" -c "select count(*) from ($query) q")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
TIMEFORMAT='%3U %3S'
pg0=$(pg_ticks)
t0=$(date +%s%N)
# Each side's own CPU time from bash's time keyword, on its stage of the pipeline.
bytes=$({ time "${psql_[@]}" -c "$copy"; } 2> "$tmp/psql" | { time gzip "-$level"; } 2> "$tmp/gzip" | wc -c)
t1=$(date +%s%N)
pg1=$(pg_ticks)
cpu() { awk -v r="$rows" '{ printf "%.2f", ($1 + $2) * 1e6 / r }' "$1"; }
awk -v r="$rows" -v b="$bytes" -v t="$(( t1 - t0 ))" -v psql="$(cpu "$tmp/psql")" -v gz="$(cpu "$tmp/gzip")" \
    -v pg="$(per_million $(( pg1 - pg0 )) "$rows")" \
  'BEGIN { s = t / 1e9; printf "seconds %.3f bytes %d rows/s %.0f cpu-per-1M psql %s gzip %s postgres %s\n", s, b, r / s, psql, gz, pg }'
