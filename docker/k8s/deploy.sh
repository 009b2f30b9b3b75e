#!/usr/bin/env bash
# Renders or applies one overlay with the pipeline's images and the internal
# secret. The GitLab deploy jobs call it; tests/deploy renders with it offline.
#
# usage: docker/k8s/deploy.sh staging|production [--render]
#   CHIRP_IMAGE_PREFIX   registry path of the images, e.g. $CI_REGISTRY_IMAGE
#                        (images: $CHIRP_IMAGE_PREFIX/chirpd, .../gateway)
#   CHIRP_IMAGE_TAG      tag to deploy, e.g. $CI_COMMIT_SHA
#   INTERNAL_SECRET_FILE file holding the internal secret (a GitLab "file" variable)
#   KUBECTL              kubectl to use (default: kubectl on PATH)
# --render prints the objects instead of applying them (no cluster needed).
#
# The secret goes into a Secret whose name carries a hash of its content
# (kustomize secretGenerator), so changing it rolls every pod that mounts it.
set -euo pipefail
die() { echo "deploy.sh: $*" >&2; exit 2; }
overlay=${1:-}
mode=${2:-apply}
here=$(cd "$(dirname "$0")" && pwd)
[ -n "$overlay" ] && [ -f "$here/overlays/$overlay/kustomization.yaml" ] \
  || die "usage: deploy.sh staging|production [--render]"
case "$mode" in apply|--render) ;; *) die "unknown mode $mode" ;; esac
: "${CHIRP_IMAGE_PREFIX:?deploy.sh: set CHIRP_IMAGE_PREFIX (registry path)}"
: "${CHIRP_IMAGE_TAG:?deploy.sh: set CHIRP_IMAGE_TAG}"
: "${INTERNAL_SECRET_FILE:?deploy.sh: set INTERNAL_SECRET_FILE}"
[ -s "$INTERNAL_SECRET_FILE" ] || die "INTERNAL_SECRET_FILE $INTERNAL_SECRET_FILE is missing or empty"
# chirpd refuses a secret under 16 bytes (after trailing white space).
[ "$(tr -d ' \t\r\n' < "$INTERNAL_SECRET_FILE" | wc -c)" -ge 16 ] \
  || die "the internal secret in $INTERNAL_SECRET_FILE is shorter than 16 bytes"
kubectl=${KUBECTL:-kubectl}
command -v "$kubectl" >/dev/null || die "kubectl not found (set KUBECTL)"
namespace=$(sed -n 's/^namespace: *//p' "$here/overlays/$overlay/kustomization.yaml")
[ -n "$namespace" ] || die "overlay $overlay sets no namespace"

# kustomize loads files only from inside a kustomization's folder, so the
# wrapper lives beside the overlays (git-ignored) and is removed on exit.
work=$(mktemp -d "$here/.deploy.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$INTERNAL_SECRET_FILE" "$work/internal-secret"
cat > "$work/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: $namespace
resources:
  - ../overlays/$overlay
images:
  - name: chirpd
    newName: $CHIRP_IMAGE_PREFIX/chirpd
    newTag: "$CHIRP_IMAGE_TAG"
  - name: chirp-gateway
    newName: $CHIRP_IMAGE_PREFIX/gateway
    newTag: "$CHIRP_IMAGE_TAG"
secretGenerator:
  - name: chirp-internal
    files:
      - internal-secret
YAML

if [ "$mode" = --render ]; then
  "$kubectl" kustomize "$work"
  exit 0
fi
"$kubectl" apply -k "$work"
# Wait for every workload to roll out, so a failed deploy fails the job.
for w in statefulset/users statefulset/tweets statefulset/search deployment/gateway; do
  "$kubectl" -n "$namespace" rollout status "$w" --timeout=10m
done
