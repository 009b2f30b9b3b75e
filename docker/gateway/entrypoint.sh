#!/bin/sh
# Gateway container start: render nginx.conf from the template with the
# container's CHIRP_* variables (docker/gateway/render.sh; defaults: the
# service names users:8001, tweets:8000, search:8002), then run nginx in the
# foreground. The rendered file goes to the runtime folder (/tmp), so the
# image also runs with a read-only root file system.
set -eu
runtime=${CHIRP_GATEWAY_RUNTIME_DIR:-/tmp}
/usr/local/lib/chirp-gateway/render.sh /usr/local/lib/chirp-gateway/nginx.conf.template > "$runtime/nginx.conf"
exec nginx -c "$runtime/nginx.conf" -g 'daemon off;' "$@"
