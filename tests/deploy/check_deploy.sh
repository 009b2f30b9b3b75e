#!/usr/bin/env bash
# Offline checks of chirp's deployment files: no Docker engine, no cluster, no
# downloads. One check per call (ctest runs each as its own test):
#
#   tests/deploy/check_deploy.sh CHECK [REPO_ROOT]
#     yamllint     every YAML file under docker/ and .gitlab-ci.yml (yamllint -s, tests/deploy/yamllint.yml)
#     dockerfiles  docker/Dockerfile, the one multi-stage file (npm dockerfilelint; stages
#                  web, build, gateway, runtime; each image a non-root USER and a
#                  HEALTHCHECK; every COPY source exists and is not .dockerignore'd)
#     compose      docker-compose config -q, then the split-mode wiring (check_compose.mjs)
#     k8s-staging, k8s-production
#                  kubectl kustomize of the overlay, and the overlay as the pipeline
#                  deploys it (docker/k8s/deploy.sh --render with an image prefix and
#                  a secret), each validated offline (validate_k8s.mjs)
#     pipeline     gitlab-ci-local --list / --list-json on the default branch and on
#                  another branch (check_pipeline.mjs)
#     runtime-libs BINARY...  (after REPO_ROOT) the runtime stage of docker/Dockerfile
#                  installs the packages of every library the built programs load
#                  (check_runtime_libs.mjs)
#
# Tools: Debian yamllint and docker-compose (scripts/deps.d/deploy.test.apt),
# npm packages in tests/deploy (scripts/deps.d/deploy.npm, `make webdeps`), and
# kubectl with kustomize v5 (not a Debian package; KUBECTL=... to choose one).
set -euo pipefail
check=${1:?usage: check_deploy.sh CHECK [REPO_ROOT [BINARY...]]}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "${2:-$here/../..}" && pwd)
bin=$here/node_modules/.bin

fail() { echo "FAIL deploy/$check: $*" >&2; exit 1; }
need() {  # need TOOL HINT
  command -v "$1" >/dev/null 2>&1 || fail "$1 not found: $2"
}
need_npm() {  # need_npm BIN | need_npm --module NAME
  if [ "$1" = --module ]; then
    [ -f "$here/node_modules/$2/package.json" ] && return
    fail "npm package $2 missing in $here/node_modules: run 'make webdeps' (installs the folders in scripts/deps.d/*.npm)"
  fi
  [ -x "$bin/$1" ] || fail "$bin/$1 missing: run 'make webdeps' (installs the folders in scripts/deps.d/*.npm)"
}
need node "scripts/deps.sh test installs nodejs"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/chirp-deploy.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

case "$check" in
yamllint)
  need yamllint "apt-get install yamllint (scripts/deps.d/deploy.test.apt)"
  files=$(cd "$root" && find docker -name node_modules -prune -o \( -name '*.yml' -o -name '*.yaml' \) -print | sort)
  [ -n "$files" ] || fail "no YAML files under docker/"
  (cd "$root" && yamllint -s -f parsable -c "$here/yamllint.yml" $files .gitlab-ci.yml) \
    || fail "yamllint found problems (above)"
  echo "yamllint: $(echo "$files" | wc -l) files under docker/ and .gitlab-ci.yml clean"
  ;;

dockerfiles)
  need_npm dockerfilelint
  mapfile -t dockerfiles < <(cd "$root" && find docker -name node_modules -prune -o -name 'Dockerfile*' ! -name '*.dockerignore' -print | sort)
  [ "${dockerfiles[*]}" = docker/Dockerfile ] || fail "expected docker/Dockerfile only (one multi-stage file), found: ${dockerfiles[*]:-none}"
  # Its final images: the gateway and the chirpd runtime (the default target, last).
  stages=$(sed -n 's/^FROM[[:space:]].*[[:space:]]AS[[:space:]]\+\([a-z]*\).*/\1/Ip' "$root/docker/Dockerfile" | tr '\n' ' ')
  [ "$stages" = "web build gateway runtime " ] || fail "docker/Dockerfile stages: $stages (want web build gateway runtime)"
  for f in "${dockerfiles[@]}"; do
    # dockerfilelint exits non-zero on any issue and prints them.
    (cd "$root" && "$bin/dockerfilelint" "$f") || fail "dockerfilelint: $f"
    # Each image (final stage) runs as a non-root user and says how it is health-checked.
    for image in gateway runtime; do
      stage=$(awk -v s="$image" 'toupper($1) == "FROM" { on = (tolower($NF) == s) } on' "$root/$f")
      grep -qE '^USER[[:space:]]+[^r0]' <<<"$stage" || fail "$f: stage $image has no non-root USER"
      grep -qE '^HEALTHCHECK[[:space:]]' <<<"$stage" || fail "$f: stage $image has no HEALTHCHECK"
    done
    echo "dockerfilelint: $f clean"
  done
  # What the builds COPY from the repository exists and reaches the context.
  node "$here/check_copy_sources.mjs" "$root" "${dockerfiles[@]}" || fail "COPY sources (above)"
  ;;

compose)
  need docker-compose "apt-get install docker-compose (scripts/deps.d/deploy.test.apt)"
  need_npm --module yaml
  compose=(docker-compose --project-directory "$root/docker" -f "$root/docker/docker-compose.yml")
  # Schema and interpolation; needs no Docker daemon.
  "${compose[@]}" config -q || fail "docker-compose config -q rejected docker/docker-compose.yml"
  "${compose[@]}" config > "$tmp/compose.yml" || fail "docker-compose config"
  node "$here/check_compose.mjs" < "$tmp/compose.yml" || fail "compose wiring (above)"
  ;;

k8s-staging|k8s-production)
  overlay=${check#k8s-}
  kubectl=${KUBECTL:-$(command -v kubectl || true)}
  [ -n "$kubectl" ] && [ -x "$kubectl" ] || fail "kubectl not found. It is not taken from Debian (its kubernetes-client is too old for kustomize v5): install kubectl 1.32 from the Kubernetes apt repository (pkgs.k8s.io) or point KUBECTL at one"
  "$kubectl" version --client 2>/dev/null | grep -q 'Kustomize Version: v5' \
    || fail "$kubectl has no kustomize v5 ($("$kubectl" version --client 2>&1 | tr '\n' ' '))"
  need_npm --module kubernetes-models
  need_npm --module @kubernetes/client-node
  ns=$(sed -n 's/^namespace: *//p' "$root/docker/k8s/overlays/$overlay/kustomization.yaml")
  [ -n "$ns" ] || fail "overlay $overlay sets no namespace"
  "$kubectl" kustomize "$root/docker/k8s/overlays/$overlay" > "$tmp/plain.yaml" \
    || fail "kubectl kustomize docker/k8s/overlays/$overlay"
  node "$here/validate_k8s.mjs" "$tmp/plain.yaml" --namespace "$ns" || fail "overlay $overlay (above)"
  # As the pipeline applies it: registry images pinned to a commit, and the Secret.
  printf 'test-secret-not-for-use' > "$tmp/secret"
  CHIRP_IMAGE_PREFIX=registry.invalid/chirp CHIRP_IMAGE_TAG=0123abcd INTERNAL_SECRET_FILE="$tmp/secret" \
    KUBECTL="$kubectl" "$root/docker/k8s/deploy.sh" "$overlay" --render > "$tmp/deploy.yaml" \
    || fail "docker/k8s/deploy.sh $overlay --render"
  node "$here/validate_k8s.mjs" "$tmp/deploy.yaml" --namespace "$ns" \
    --image-prefix registry.invalid/chirp --with-secret || fail "deploy.sh $overlay render (above)"
  grep -q 'image: registry.invalid/chirp/chirpd:0123abcd' "$tmp/deploy.yaml" || fail "deploy.sh did not pin chirpd's image"
  grep -q 'image: registry.invalid/chirp/gateway:0123abcd' "$tmp/deploy.yaml" || fail "deploy.sh did not pin the gateway's image"
  ;;

pipeline)
  need_npm gitlab-ci-local
  need git "scripts/deps.sh installs git"
  # gitlab-ci-local reads the branch from git and keeps state in its folder:
  # give it a throw-away repository holding the pipeline, on main, then on a branch.
  repo=$tmp/repo
  mkdir -p "$repo" "$tmp/home"
  cp "$root/.gitlab-ci.yml" "$repo/"
  git -C "$repo" init -q -b main
  git -C "$repo" add .gitlab-ci.yml
  git -C "$repo" -c user.name=chirp-test -c user.email=test@localhost commit -q -m pipeline
  # With no remote, gitlab-ci-local takes "main" as the default branch.
  glci=("$bin/gitlab-ci-local" --home "$tmp/home")
  (cd "$repo" && "${glci[@]}" --list) > "$tmp/list.txt" 2> "$tmp/list.err" \
    || { cat "$tmp/list.txt" "$tmp/list.err"; fail "gitlab-ci-local --list rejected .gitlab-ci.yml"; }
  cat "$tmp/list.txt"
  (cd "$repo" && "${glci[@]}" --list-json) > "$tmp/main.json" 2>/dev/null || fail "gitlab-ci-local --list-json (main)"
  git -C "$repo" checkout -q -b feature/x
  (cd "$repo" && "${glci[@]}" --list-json) > "$tmp/feature.json" 2>/dev/null || fail "gitlab-ci-local --list-json (branch)"
  node "$here/check_pipeline.mjs" "$tmp/main.json" "$tmp/feature.json" "$root" || fail "pipeline (above)"
  ;;

runtime-libs)
  shift 2 || fail "usage: check_deploy.sh runtime-libs REPO_ROOT BINARY..."
  [ $# -gt 0 ] || fail "no binaries given"
  need objdump "binutils (build-essential)"
  need dpkg-query "a Debian system"
  node "$here/check_runtime_libs.mjs" "$root/docker/Dockerfile" "$@" || fail "runtime libraries (above)"
  ;;

*) fail "unknown check (yamllint|dockerfiles|compose|k8s-staging|k8s-production|pipeline|runtime-libs)" ;;
esac
echo "PASS deploy/$check"
