#!/bin/sh
# Writes a JDK AOT cache (JDK 25+, JEP 483/514/515) for the packaged service, for a faster start. Run it with
# the same java, on the same files, as will run the service: the cache holds the classes loaded and linked,
# and the method profiles, of one start. That start needs no database and no object store: it runs with
# neither reachable, no migrations and no worker, until the service has started, and is then stopped (the
# JVM writes the cache as it exits). Best with the aot-jar packaging (./mvnw package -Paot).
# Usage: aot-train.sh JAVA APP_DIR CACHE_FILE     e.g. aot-train.sh java target/quarkus-app app.aot
set -eu
java=$1 app=$2 cache=$3
case $cache in /*) ;; *) cache=$(pwd)/$cache ;; esac
log=$(mktemp)
cd "$app"
QUARKUS_PROFILE=prod QUARKUS_HTTP_PORT=0 QUARKUS_FLYWAY_MIGRATE_AT_START=false OUTPORT_WORKER_ENABLED=false \
  QUARKUS_DATASOURCE_REACTIVE_URL=postgresql://127.0.0.1:1/training QUARKUS_S3_ENDPOINT_OVERRIDE=http://127.0.0.1:1 \
  QUARKUS_S3_AWS_CREDENTIALS_TYPE=static QUARKUS_S3_AWS_CREDENTIALS_STATIC_PROVIDER_ACCESS_KEY_ID=training \
  QUARKUS_S3_AWS_CREDENTIALS_STATIC_PROVIDER_SECRET_ACCESS_KEY=training \
  "$java" -XX:AOTCacheOutput="$cache" -Xmx256m -jar quarkus-run.jar > "$log" 2>&1 &
pid=$!
tries=0
until grep -q 'started in' "$log"; do
  if ! kill -0 "$pid" 2>/dev/null || [ "$tries" -ge 600 ]; then
    cat "$log" >&2; kill "$pid" 2>/dev/null || true; echo "aot-train: the training start failed" >&2; exit 1
  fi
  tries=$((tries + 1)); sleep 0.1
done
sleep 1   # the bucket check and the first health requests load their classes too
kill "$pid"
wait "$pid" || true
rm -f "$log"
[ -s "$cache" ] || { echo "aot-train: no cache written at $cache" >&2; exit 1; }
echo "aot-train: wrote $cache"
