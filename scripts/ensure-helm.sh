#!/usr/bin/env bash
# `ensure-helm.sh`: prints the path of helm (HELM_PATH, else built once with Go from the module proxy
# into ~/.cache/baton, like the Temporal CLI), for the chart's checks in test/tooling/helm-chart.spec.ts.
set -euo pipefail
version=4.3.2
if [ -n "${HELM_PATH:-}" ]; then echo "$HELM_PATH"; exit 0; fi
bin="${XDG_CACHE_HOME:-$HOME/.cache}/baton/helm-$version/bin"
if [ ! -x "$bin/helm" ]; then
  command -v go >/dev/null 2>&1 || { echo "helm is needed for the chart's tests: install Go, or set HELM_PATH" >&2; exit 1; }
  echo "Building helm $version with Go (once, a few minutes)..." >&2
  mkdir -p "$bin"
  GOBIN="$bin" GOFLAGS=-mod=mod go install "helm.sh/helm/v4/cmd/helm@v$version" >&2
fi
echo "$bin/helm"
