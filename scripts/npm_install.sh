#!/usr/bin/env bash
# Installs the npm packages of every folder listed in scripts/deps.d/*.npm
# (one folder per line, relative to the repository root, '#' comments).
# Each folder has a package.json and a committed package-lock.json; `npm ci`
# installs exactly the locked versions into its git-ignored node_modules/.
# A folder whose lock file has not changed since the last install is skipped.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
command -v npm >/dev/null || { echo "npm_install.sh: npm is required (scripts/deps.sh test)" >&2; exit 1; }
for list in "$root"/scripts/deps.d/*.npm; do
  [ -f "$list" ] || continue
  while read -r dir _; do
    case "$dir" in ''|'#'*) continue ;; esac
    pkg="$root/$dir"
    [ -f "$pkg/package.json" ] || { echo "npm_install.sh: $dir/package.json missing" >&2; exit 1; }
    stamp="$pkg/node_modules/.chirp-lock-sha"
    want=$(cat "$pkg/package.json" "$pkg/package-lock.json" 2>/dev/null | sha256sum | cut -d' ' -f1)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then continue; fi
    echo "npm: installing $dir"
    if [ -f "$pkg/package-lock.json" ]; then
      (cd "$pkg" && npm ci --no-audit --no-fund --loglevel=error)
    else
      (cd "$pkg" && npm install --no-audit --no-fund --loglevel=error)
    fi
    echo "$want" > "$stamp"
  done < "$list"
done
