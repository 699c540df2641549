#!/usr/bin/env bash
# Builds, once, Karpenter with its kwok cloud provider (sigs.k8s.io/karpenter/kwok) from the Go module
# proxy, and copies its CRDs (NodePool, NodeClaim, NodeOverlay, KWOKNodeClass) out of the same module's
# source, into
#   ${IX_CACHE_DIR:-~/.cache/ix-operator}/bin/karpenter-<version>/{karpenter-kwok,crds/}
# Its go.mod needs Go >= 1.26.9: GOTOOLCHAIN makes the go command fetch that toolchain from the proxy.
# About 3-4 minutes on a fresh machine with 2 cores (most of it compiling). A lock makes concurrent
# callers wait for one build. Prints the directory on stdout when everything is there.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/build-versions.sh" "Karpenter's kwok provider"
VERSION="$IX_KARPENTER_VERSION"

CACHE_DIR="${IX_CACHE_DIR:-$HOME/.cache/ix-operator}"
OUT="$CACHE_DIR/bin/karpenter-$VERSION"
CRDS=(karpenter.sh_nodepools.yaml karpenter.sh_nodeclaims.yaml karpenter.sh_nodeoverlays.yaml karpenter.kwok.sh_kwoknodeclasses.yaml)

all_present() {
  [ -x "$OUT/karpenter-kwok" ] || return 1
  local c
  for c in "${CRDS[@]}"; do [ -s "$OUT/crds/$c" ] || return 1; done
}

if all_present; then echo "$OUT"; exit 0; fi
mkdir -p "$CACHE_DIR"
exec 9>"$CACHE_DIR/build-karpenter.lock"
flock 9
if all_present; then echo "$OUT"; exit 0; fi

log() { echo "[build-karpenter] $*" >&2; }
export GOTOOLCHAIN="$IX_KARPENTER_GOTOOLCHAIN"
export GOFLAGS="-buildvcs=false -trimpath"
export CGO_ENABLED=0
start=$(date +%s)
mkdir -p "$OUT/crds" "$CACHE_DIR/build/karpenter-$VERSION/gobin"

# The CRDs as the module ships them: the kwok chart's (karpenter.sh) and the kwok API's (KWOKNodeClass).
src=$(go mod download -json "sigs.k8s.io/karpenter@$VERSION" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
[ -d "$src" ] || { log "could not download sigs.k8s.io/karpenter@$VERSION"; exit 1; }
for c in "${CRDS[@]}"; do
  f=$(find "$src/kwok/charts/crds" "$src/kwok/apis/crds" -name "$c" | head -1)
  [ -n "$f" ] || { log "$c is not in sigs.k8s.io/karpenter@$VERSION"; exit 1; }
  install -m 0644 "$f" "$OUT/crds/$c"
done

if [ ! -x "$OUT/karpenter-kwok" ]; then
  log "building Karpenter $VERSION with the kwok provider (Go $GOTOOLCHAIN)"
  GOBIN="$CACHE_DIR/build/karpenter-$VERSION/gobin" go install -ldflags "-s -w" "sigs.k8s.io/karpenter/kwok@$VERSION"
  mv "$CACHE_DIR/build/karpenter-$VERSION/gobin/kwok" "$OUT/karpenter-kwok"
fi

all_present || { log "something is missing in $OUT"; exit 1; }
log "ready in $(( $(date +%s) - start ))s in $OUT"
echo "$OUT"
