# Sourced by the build scripts: exports the IX_* versions of k8s-versions.env (the environment wins)
# and checks that Go is there, naming what needs it ($1).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
while IFS='=' read -r key value; do
  if [[ "$key" =~ ^IX_[A-Z0-9_]+$ ]] && [ -z "${!key:-}" ]; then export "$key=$value"; fi
done < "$here/k8s-versions.env"
if ! command -v go >/dev/null 2>&1; then
  echo "error: Go (>= 1.25) is required to build $1: install it from https://go.dev/dl and put 'go' on PATH" >&2
  exit 3
fi
