#!/bin/sh
# As upstream's /app/docker-entrypoint.sh: no argument, or a first argument starting with "-",
# runs the proxy (`litellm "$@"`); any other first word is executed as-is (docker run IMAGE sh).
set -eu
case "${1:-}" in
    ""|-*) set -- litellm "$@" ;;
esac
exec "$@"
