#!/usr/bin/env bash
# Builds, once, the real Kubernetes control-plane binaries the tests and `ixctl sim` run:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kubelet (the real node), kwok,
# kwokctl and helm,
# all from the Go module proxy (no prebuilt downloads), into
#   ${IX_CACHE_DIR:-~/.cache/ix-operator}/bin/<version-set>/
# A lock (flock) makes concurrent callers wait for one build instead of building twice.
# Prints the bin directory on stdout when every binary is there.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/build-versions.sh" "the test control plane (etcd, kube-apiserver, kwok)"
K8S_VERSION="$IX_K8S_VERSION"
ETCD_VERSION="$IX_ETCD_VERSION"
KWOK_VERSION="$IX_KWOK_VERSION"
HELM_VERSION="$IX_HELM_VERSION"

CACHE_DIR="${IX_CACHE_DIR:-$HOME/.cache/ix-operator}"
SET="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}_helm-${HELM_VERSION}"
BIN="$CACHE_DIR/bin/$SET"
WORK="$CACHE_DIR/build/$SET"
BINARIES=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kwok kwokctl helm)
mkdir -p "$BIN" "$WORK"

all_present() {
  local b
  for b in "${BINARIES[@]}"; do [ -x "$BIN/$b" ] || return 1; done
}

if all_present; then echo "$BIN"; exit 0; fi

exec 9>"$CACHE_DIR/build.lock"
flock 9
if all_present; then echo "$BIN"; exit 0; fi   # another process built them while we waited

log() { echo "[build-k8s-binaries] $*" >&2; }
export GOFLAGS="-buildvcs=false -trimpath"
export CGO_ENABLED=0
start=$(date +%s)

# ---- Kubernetes: a throwaway module that pins every staging module to its published v0.x twin.
# k8s.io/kubernetes replaces k8s.io/* with ./staging/src/...; those paths do not exist in the
# module zip, so the consumer must replace them with the published versions itself.
build_kubernetes() {
  local dir="$WORK/kubernetes" minor staging_version modfile
  minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  staging_version="v0.${K8S_VERSION#v1.}"
  mkdir -p "$dir"
  modfile=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
  {
    echo "module ixoperator.local/k8sbuild"
    echo
    sed -n 's/^go \(.*\)$/go \1/p' "$modfile"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    echo "replace ("
    grep -E '^\s+k8s\.io/[a-z0-9-]+ => \./staging/' "$modfile" | awk -v v="$staging_version" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } > "$dir/go.mod"
  cat > "$dir/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
GO
  (cd "$dir" && go mod tidy -e >/dev/null 2>&1 || true)
  (cd "$dir" && go mod download)
  local date ldflags=()
  date=$(date -u +'%Y-%m-%dT%H:%M:%SZ')
  local key val
  for kv in "gitVersion=$K8S_VERSION" "gitMajor=1" "gitMinor=$minor" "gitTreeState=clean" \
            "gitCommit=0000000000000000000000000000000000000000" "buildDate=$date"; do
    key="${kv%%=*}"; val="${kv#*=}"
    ldflags+=("-X 'k8s.io/client-go/pkg/version.$key=$val'" "-X 'k8s.io/component-base/version.$key=$val'")
  done
  local cmd
  for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet; do
    [ -x "$BIN/$cmd" ] && continue
    log "building $cmd $K8S_VERSION"
    (cd "$dir" && go build -tags tools -ldflags "-s -w ${ldflags[*]}" -o "$BIN/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd")
    mv "$BIN/$cmd.tmp" "$BIN/$cmd"
  done
}

# ---- etcd: the server module uses relative replaces for its sibling modules, so `go install
# mod@version` refuses it; build it from a throwaway module that requires the matching siblings.
build_etcd() {
  [ -x "$BIN/etcd" ] && return 0
  local dir="$WORK/etcd"
  mkdir -p "$dir"
  cat > "$dir/go.mod" <<MOD
module ixoperator.local/etcdbuild

go 1.25

require go.etcd.io/etcd/server/v3 $ETCD_VERSION

replace (
	go.etcd.io/etcd/api/v3 => go.etcd.io/etcd/api/v3 $ETCD_VERSION
	go.etcd.io/etcd/client/pkg/v3 => go.etcd.io/etcd/client/pkg/v3 $ETCD_VERSION
	go.etcd.io/etcd/client/v3 => go.etcd.io/etcd/client/v3 $ETCD_VERSION
	go.etcd.io/etcd/pkg/v3 => go.etcd.io/etcd/pkg/v3 $ETCD_VERSION
)
MOD
  cat > "$dir/tools.go" <<'GO'
//go:build tools

package tools

import _ "go.etcd.io/etcd/server/v3"
GO
  (cd "$dir" && go mod tidy -e >/dev/null 2>&1 || true)
  log "building etcd $ETCD_VERSION"
  (cd "$dir" && go build -ldflags "-s -w" -o "$BIN/etcd.tmp" go.etcd.io/etcd/server/v3)
  mv "$BIN/etcd.tmp" "$BIN/etcd"
}

go_install() { # name package@version [extra ldflags]
  [ -x "$BIN/$1" ] && return 0
  log "building $1 from $2"
  GOBIN="$WORK/gobin" go install -ldflags "-s -w ${3:-}" "$2"
  mv "$WORK/gobin/$1" "$BIN/$1"
}

build_etcd
go_install kwok "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
go_install kwokctl "sigs.k8s.io/kwok/cmd/kwokctl@$KWOK_VERSION"
# helm's release build stamps its full version; without it `helm version` says only "v3.NN".
go_install helm "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
build_kubernetes

all_present || { log "some binaries are missing in $BIN"; exit 1; }
log "built in $(( $(date +%s) - start ))s into $BIN"
echo "$BIN"
