#!/usr/bin/env bash
# Installs Swagger UI (npm package swagger-ui-dist) for GET /docs.
#
# usage: api/install_swagger_ui.sh [STATIC_DIR]   (default: static)
#
# npm installs the pinned version into a cache folder once; the files /docs
# needs are copied into STATIC_DIR/vendor/swagger-ui/ (git-ignored). Running
# it again with the same version does nothing. The start-up script and page
# are served by chirpd itself (/docs, /docs/swagger-init.js): no inline script.
set -euo pipefail

VERSION="${SWAGGER_UI_VERSION:-5.35.0}"
STATIC_DIR="${1:-static}"
CACHE_DIR="${CHIRP_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chirp/npm}/swagger-ui-dist-${VERSION}"
DEST="${STATIC_DIR}/vendor/swagger-ui"
FILES=(swagger-ui.css swagger-ui-bundle.js favicon-16x16.png favicon-32x32.png LICENSE)

if [[ -f "${DEST}/.version" && "$(cat "${DEST}/.version")" == "${VERSION}" ]]; then
  echo "swagger-ui-dist ${VERSION} already in ${DEST}"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "install_swagger_ui.sh: npm is required (apt-get install npm)" >&2
  exit 1
fi

PKG="${CACHE_DIR}/node_modules/swagger-ui-dist"
if [[ ! -f "${PKG}/package.json" ]]; then
  mkdir -p "${CACHE_DIR}"
  npm install --prefix "${CACHE_DIR}" --no-save --no-audit --no-fund --loglevel=error "swagger-ui-dist@${VERSION}"
fi

mkdir -p "${DEST}"
for f in "${FILES[@]}"; do
  [[ -f "${PKG}/${f}" ]] && cp "${PKG}/${f}" "${DEST}/${f}"
done
echo "${VERSION}" > "${DEST}/.version"
echo "swagger-ui-dist ${VERSION} installed in ${DEST}"
