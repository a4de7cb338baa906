#!/bin/sh
# The official postgres image's entrypoint contract, as far as docker-compose.yml uses it: on the
# first start (an empty PGDATA), a cluster whose superuser is POSTGRES_USER with POSTGRES_PASSWORD
# (password logins over TCP) and a database POSTGRES_DB; then `postgres [args]` runs as the
# postgres user, listening on every address unless the args say otherwise.
set -eu
if [ "${1:-}" != postgres ]; then exec "$@"; fi
shift
mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  chown postgres "$pwfile"
  runuser -u postgres -- initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" -E UTF8 --locale=C \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  echo "CREATE DATABASE \"$POSTGRES_DB\"" | runuser -u postgres -- postgres --single -D "$PGDATA" postgres >/dev/null
  echo "initialized $PGDATA: user $POSTGRES_USER, database $POSTGRES_DB"
fi
exec runuser -u postgres -- postgres -D "$PGDATA" -c listen_addresses='*' "$@"
