#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages, so `npm test` can run on a fresh machine:
#   - the project's Node.js LTS (scripts/with-node.mjs)
#   - Debian packages: memcached and libmemcached-tools (the reference the dataplane is compared
#     with), containerd, runc, the CNI plugins, iproute2 and iptables (the real test node), buildah and
#     debootstrap (the images), ethtool (the node agent's VF channels)
#   - the Go-built control plane (etcd, kube-apiserver, ..., kwok, helm), cached in ~/.cache/ix-operator
#   - Karpenter with its kwok provider (the autoscaling test), built the same way
# Safe to run again: what is there already is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

# The project's Node.js LTS (.node-version): this machine's own if it is that line, else fetched once
# from the npm registry into ~/.cache/ix-operator/node (scripts/with-node.mjs, docs/adr/0014).
node scripts/with-node.mjs node -e 'process.stderr.write(`Node.js ${process.version} runs the project\n`)'
command -v go >/dev/null || { echo "error: Go >= 1.25 is required to build the test control plane: https://go.dev/dl" >&2; exit 1; }

DEBIAN_PACKAGES=(memcached libmemcached-tools containerd runc containernetworking-plugins iproute2 iptables buildah debootstrap ethtool)
missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "error: install these packages with your package manager: ${missing[*]}" >&2; exit 1
  fi
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing Debian packages: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The package starts a system memcached on 11211; tests start their own on free ports.
  # Likewise containerd: the real test node runs its own, on its own socket and state.
  for svc in memcached containerd; do
    $sudo systemctl disable --now "$svc" >/dev/null 2>&1 || $sudo service "$svc" stop >/dev/null 2>&1 || true
  done
fi

# The dataplane's native addon (thread pinning, socket hand-off); the tests require it built.
npm run build:native --silent >/dev/null || { echo "error: building native/ failed: install a C compiler (gcc), make and python3" >&2; exit 1; }

start=$(date +%s)
bash scripts/build-k8s-binaries.sh >/dev/null
bash scripts/build-karpenter.sh >/dev/null
built=$(date +%s)
# The project's images, from images/*.Dockerfile, for the real test node (docs/adr/0015).
bash scripts/build-images.sh >/dev/null
echo "test prerequisites ready ($(( built - start ))s for the control-plane binaries and Karpenter, $(( $(date +%s) - built ))s for the images)" >&2
