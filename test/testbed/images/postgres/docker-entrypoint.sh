#!/bin/bash
# A small version of the official postgres image's entrypoint.
set -Eeo pipefail
# Until `exec` hands PID 1 to the server, bash would ignore SIGTERM/SIGINT: stop on them instead.
trap 'exit 143' TERM
trap 'exit 130' INT

# `docker run image -c max_connections=200` means `postgres -c max_connections=200`.
if [ "${1:0:1}" = '-' ]; then
  set -- postgres "$@"
fi

# --version, --help and friends print and exit: no initialisation for them.
wants_help=''
for arg in "$@"; do
  case "$arg" in -'?'|--help|--describe-config|-V|--version) wants_help=1 ;; esac
done

if [ "$1" = 'postgres' ] && [ -z "$wants_help" ] && [ "$(id -u)" = '0' ]; then
  # Fresh named volumes may be root-owned: fix ownership, then drop to the postgres user.
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  chmod 2777 /var/run/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
fi

# As the official image's file_env: POSTGRES_PASSWORD_FILE (a Docker secret) instead of the variable.
if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
  if [ -n "${POSTGRES_PASSWORD:-}" ]; then
    echo 'error: both POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE are set (but are exclusive)' >&2
    exit 1
  fi
  POSTGRES_PASSWORD="$(< "$POSTGRES_PASSWORD_FILE")"
  export POSTGRES_PASSWORD
  unset POSTGRES_PASSWORD_FILE
fi

if [ "$1" = 'postgres' ] && [ -z "$wants_help" ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "${POSTGRES_HOST_AUTH_METHOD:-}" != 'trust' ]; then
    echo 'Error: Database is uninitialized and superuser password is not specified.' >&2
    echo '       You must specify POSTGRES_PASSWORD to a non-empty value for the superuser.' >&2
    exit 1
  fi
  POSTGRES_USER="${POSTGRES_USER:-postgres}"
  POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
  auth_method="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"

  pwfile="$(mktemp)"
  printf '%s' "${POSTGRES_PASSWORD:-}" > "$pwfile"
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host="$auth_method" \
    -E UTF8 --locale=C.UTF-8 -D "$PGDATA" >/dev/null
  rm -f "$pwfile"
  echo "host all all all $auth_method" >> "$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"

  # Create the database with the server listening on the Unix socket only.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  if [ "$POSTGRES_DB" != 'postgres' ]; then
    db_ident="\"${POSTGRES_DB//\"/\"\"}\""
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -q -c "CREATE DATABASE $db_ident"
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) echo "running $f"; . "$f" ;;
      *.sql) echo "running $f"; psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f "$f" ;;
      *) ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo 'PostgreSQL init process complete; ready for start up.'
fi

exec "$@"
