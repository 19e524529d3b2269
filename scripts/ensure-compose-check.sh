#!/usr/bin/env bash
# `ensure-compose-check.sh`: prints the path of test/tooling/compose-check (compose-go, the loader
# `docker compose` uses), built once with Go into ~/.cache/baton, keyed by its sources.
set -euo pipefail
cd "$(dirname "$0")/../test/tooling/compose-check"
key="$(cat go.mod go.sum main.go | sha256sum | cut -c1-12)"
bin="${XDG_CACHE_HOME:-$HOME/.cache}/baton/compose-check-$key/compose-check"
if [ ! -x "$bin" ]; then
  command -v go >/dev/null 2>&1 || { echo "Go is needed to check deploy/compose.yaml" >&2; exit 1; }
  echo "Building compose-check with Go (once)..." >&2
  mkdir -p "$(dirname "$bin")"
  GOFLAGS=-mod=mod go build -o "$bin" . >&2
fi
echo "$bin"
