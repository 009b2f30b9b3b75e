#!/bin/sh
# Renders docker/gateway/nginx.conf.template with the container defaults
# (service names of docker-compose and Kubernetes) into nginx.conf, or with
# whatever CHIRP_* variables are set. Only ${CHIRP_*} placeholders are
# replaced; nginx's own $variables are left alone.
#   docker/gateway/render.sh [TEMPLATE] > nginx.conf
set -eu
here=$(dirname "$0")
: "${CHIRP_GATEWAY_LISTEN:=8080}"
: "${CHIRP_USERS_ADDR:=users:8001}"
: "${CHIRP_TWEETS_ADDR:=tweets:8000}"
: "${CHIRP_SEARCH_ADDR:=search:8002}"
: "${CHIRP_STATIC_DIR:=/usr/share/chirp/static}"
: "${CHIRP_GATEWAY_RUNTIME_DIR:=/tmp}"
: "${CHIRP_NGINX_USER:=chirp}"
: "${CHIRP_GATEWAY_RATE:=50}"
: "${CHIRP_GATEWAY_BURST:=100}"
: "${CHIRP_GATEWAY_REAL_IP_FROM:=0.0.0.0/32}"
export CHIRP_GATEWAY_LISTEN CHIRP_USERS_ADDR CHIRP_TWEETS_ADDR CHIRP_SEARCH_ADDR CHIRP_STATIC_DIR \
  CHIRP_GATEWAY_RUNTIME_DIR CHIRP_NGINX_USER CHIRP_GATEWAY_RATE CHIRP_GATEWAY_BURST CHIRP_GATEWAY_REAL_IP_FROM
vars='${CHIRP_GATEWAY_LISTEN} ${CHIRP_USERS_ADDR} ${CHIRP_TWEETS_ADDR} ${CHIRP_SEARCH_ADDR} ${CHIRP_STATIC_DIR} ${CHIRP_GATEWAY_RUNTIME_DIR} ${CHIRP_NGINX_USER} ${CHIRP_GATEWAY_RATE} ${CHIRP_GATEWAY_BURST} ${CHIRP_GATEWAY_REAL_IP_FROM}'
envsubst "$vars" < "${1:-$here/nginx.conf.template}"
