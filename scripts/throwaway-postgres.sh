#!/usr/bin/env bash
# A throwaway PostgreSQL 15 for the tests: a fresh cluster in a temporary folder, on a free
# loopback port, run by an unprivileged user (initdb and pg_ctl refuse root).
#
#   source scripts/throwaway-postgres.sh   # starts it, exports DEPSTATS_TEST_POSTGRES_URL,
#                                          # and stops it when the sourcing shell exits
# Installs Debian's postgresql package first where the binaries are missing.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$PG_BIN/initdb" ]; then
  echo "throwaway-postgres: installing PostgreSQL 15 from Debian's packages" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
fi
PG_USER=postgres
if ! id "$PG_USER" >/dev/null 2>&1; then
  useradd --system --no-create-home "$PG_USER"
fi

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

PG_DIR=$(mktemp -d /tmp/depstats-pg.XXXXXX)
chmod 755 "$PG_DIR"
[ "$(id -u)" = 0 ] && chown "$PG_USER" "$PG_DIR"
PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U depstats -A trust -E UTF8 --no-sync >/dev/null
# fsync off: a test cluster that is thrown away need not survive a power cut.
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -o \
  "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
  start >/dev/null

stop_throwaway_postgres() {
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
trap stop_throwaway_postgres EXIT

export DEPSTATS_TEST_POSTGRES_URL="postgresql+psycopg://depstats@127.0.0.1:$PG_PORT/postgres"
echo "throwaway-postgres: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT" >&2
set +euo pipefail
