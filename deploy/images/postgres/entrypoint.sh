#!/bin/sh
# First start: a cluster with scram passwords, one role and database per name in
# POSTGRES_DATABASES ("signage dagster"), each owned by its own role with POSTGRES_PASSWORD
# (or POSTGRES_PASSWORD_FILE). Later starts: the cluster as it is.
set -eu
bin=/usr/lib/postgresql/15/bin
if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then POSTGRES_PASSWORD=$(cat "$POSTGRES_PASSWORD_FILE"); fi
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE must be set}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
    "$bin/initdb" -D "$PGDATA" -U postgres --pwfile="$pwfile" --auth-local=trust \
        --auth-host=scram-sha-256 -E UTF8 >/dev/null
    rm -f "$pwfile"
    echo "host all all 0.0.0.0/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"
    "$bin/pg_ctl" -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    for db in ${POSTGRES_DATABASES:-signage}; do
        psql -v ON_ERROR_STOP=1 -q -U postgres -d postgres <<SQL
CREATE ROLE "$db" LOGIN PASSWORD '$POSTGRES_PASSWORD';
CREATE DATABASE "$db" OWNER "$db";
SQL
    done
    "$bin/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
fi
exec "$bin/postgres" -D "$PGDATA" -c listen_addresses='*' \
    -c max_connections="${POSTGRES_MAX_CONNECTIONS:-300}" -c shared_buffers=256MB
