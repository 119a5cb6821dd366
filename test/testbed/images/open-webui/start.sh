#!/usr/bin/env bash
# As the real image's backend/start.sh (its CMD is ["bash", "start.sh"] in /app/backend): start the server.
exec node /app/standin/open-webui.mjs "$@"
