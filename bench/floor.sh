#!/usr/bin/env bash
# The floor an export is measured against: PostgreSQL's own COPY of the same rows, in the same order,
# compressed by gzip at the service's level. Nothing that produces these files can do less work.
# Usage: bench/floor.sh DATABASE "SELECT … ORDER BY …" [ndjson|csv] [gzip level]
# Prints one line: seconds, compressed bytes and rows/s. PGHOST/PGUSER as for psql (default 127.0.0.1, postgres).
set -euo pipefail
db=$1 query=$2 format=${3:-ndjson} level=${4:-6}
psql_=(psql -h "${PGHOST:-127.0.0.1}" -U "${PGUSER:-postgres}" -d "$db" -Atq)
if [ "$format" = csv ]; then
  copy="\\copy ($query) to stdout (format csv, header)"
else
  copy="\\copy (select row_to_json(q) from ($query) q) to stdout"
fi
rows=$("${psql_[@]}" -c "select count(*) from ($query) q")
t0=$(date +%s%N)
bytes=$("${psql_[@]}" -c "$copy" | gzip "-$level" | wc -c)
t1=$(date +%s%N)
awk -v r="$rows" -v b="$bytes" -v t="$(( t1 - t0 ))" 'BEGIN { s = t / 1e9; printf "seconds %.3f bytes %d rows/s %.0f\n", s, b, r / s }'
