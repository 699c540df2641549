#!/usr/bin/env bash
# Writes src/agent/seccomp/dataplane-amd64.json, the seccomp profile the node agent installs for
# dataplane pods (docs/adr/0020): containerd's RuntimeDefault profile, produced by containerd's own
# code at the version scripts/seccomp-profile/go.mod pins, for a container without capabilities,
# plus io_uring_setup, io_uring_enter and io_uring_register. test/unit/agent/seccomp-profile.test.ts
# checks that the file is what this script writes.
#   --check   compare instead of writing (exit 1 when the file is not current)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v go >/dev/null || { echo "error: Go >= 1.25 is needed to generate the seccomp profile: https://go.dev/dl" >&2; exit 1; }
# containerd's DefaultProfile picks its architecture-specific rules by the architecture it runs on.
[ "$(go env GOARCH)" = amd64 ] || { echo "error: the profile is generated on amd64 (this Go is $(go env GOARCH))" >&2; exit 1; }
out=src/agent/seccomp/dataplane-amd64.json
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
(cd scripts/seccomp-profile && GOFLAGS="-buildvcs=false -mod=readonly" go run .) >"$tmp"
if [ "${1:-}" = --check ]; then
  cmp -s "$tmp" "$out" || { echo "$out is not current: run scripts/generate-seccomp-profile.sh" >&2; exit 1; }
  exit 0
fi
mv "$tmp" "$out"
chmod 644 "$out"
trap - EXIT
