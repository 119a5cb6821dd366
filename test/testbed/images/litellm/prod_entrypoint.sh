#!/bin/sh
# As in LiteLLM's docker/prod_entrypoint.sh: hand every argument to `litellm`.
exec litellm "$@"
