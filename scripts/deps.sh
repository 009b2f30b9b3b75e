#!/usr/bin/env bash
# Installs the Debian packages chirp needs to build, test and run, only those missing.
# Usage: scripts/deps.sh [build|test|bench]   (test and bench add their extra tools)
set -euo pipefail
what=${1:-build}

pkgs=(build-essential cmake pkg-config ccache git
      liblmdb-dev lmdb-utils libxapian-dev xapian-tools libpistache-dev libcereal-dev rapidjson-dev
      libspdlog-dev libfmt-dev libsodium-dev libicu-dev libcurl4-openssl-dev)
case "$what" in
  test)  pkgs+=(catch2 libyaml-cpp-dev clang libclang-rt-14-dev gcovr curl python3 nginx-light
                chromium chromium-driver nodejs npm yamllint) ;;
  bench) pkgs+=(catch2 libyaml-cpp-dev wrk hyperfine gnuplot-nox python3) ;;
esac
# Each suite lists its extra Debian packages in scripts/deps.d/<suite>.<test|bench>.apt
# (one per line, '#' comments), so suites add tools without editing this file.
if [ "$what" != build ]; then
  for f in "$(dirname "$0")"/deps.d/*."$what".apt; do
    [ -f "$f" ] || continue
    while read -r p _; do
      case "$p" in ''|'#'*) ;; *) pkgs+=("$p") ;; esac
    done < "$f"
  done
fi

missing=()
for p in "${pkgs[@]}"; do
  # nodejs/npm may come from elsewhere (e.g. NodeSource): a working binary is enough.
  case "$p" in nodejs) command -v node >/dev/null && continue ;; npm) command -v npm >/dev/null && continue ;; esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "deps: installing ${missing[*]}"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
