#!/usr/bin/env bash
# Lints chirp's OpenAPI document with Spectral's OpenAPI ruleset.
#
# usage: api/lint_openapi.sh URL|FILE   (e.g. http://127.0.0.1:8080/api/v1/openapi.json)
#
# npm installs @stoplight/spectral-cli (pinned) into a cache folder once.
# Exits non-zero on any error-severity finding.
set -euo pipefail

VERSION="${SPECTRAL_VERSION:-6.16.3}"
CACHE_DIR="${CHIRP_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chirp/npm}/spectral-cli-${VERSION}"
SRC="${1:?usage: lint_openapi.sh URL|FILE}"

if [[ ! -x "${CACHE_DIR}/node_modules/.bin/spectral" ]]; then
  mkdir -p "${CACHE_DIR}"
  npm install --prefix "${CACHE_DIR}" --no-save --no-audit --no-fund --loglevel=error "@stoplight/spectral-cli@${VERSION}"
fi

WORK="$(mktemp -d)"
trap 'rm -rf "${WORK}"' EXIT
if [[ "${SRC}" == http://* || "${SRC}" == https://* ]]; then
  curl -fsS "${SRC}" -o "${WORK}/openapi.json"
else
  cp "${SRC}" "${WORK}/openapi.json"
fi
echo 'extends: ["spectral:oas"]' > "${WORK}/.spectral.yaml"
cd "${WORK}"
"${CACHE_DIR}/node_modules/.bin/spectral" lint --fail-severity=error openapi.json
