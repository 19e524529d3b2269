#!/usr/bin/env bash
# `ensure-temporal-server.sh`: prints the folder holding the Temporal server (`server`) and its SQL
# schema tool (`sql`), built once with Go from the module proxy into ~/.cache/baton (about ten
# minutes and 2.5 GB at the peak, once), for the cluster tier (test/cluster/). TEMPORAL_SERVER_BIN
# names one already there.
set -euo pipefail
version=1.32.1
if [ -n "${TEMPORAL_SERVER_BIN:-}" ]; then echo "$TEMPORAL_SERVER_BIN"; exit 0; fi
bin="${XDG_CACHE_HOME:-$HOME/.cache}/baton/temporal-server-$version/bin"
if [ ! -x "$bin/server" ] || [ ! -x "$bin/sql" ]; then
  command -v go >/dev/null 2>&1 || { echo "the cluster tier needs Go to build the Temporal server, or TEMPORAL_SERVER_BIN" >&2; exit 1; }
  echo "Building the Temporal server $version with Go (once, about ten minutes)..." >&2
  mkdir -p "$bin"
  GOBIN="$bin" GOFLAGS=-mod=mod go install "go.temporal.io/server/cmd/server@v$version" "go.temporal.io/server/cmd/tools/sql@v$version" >&2
fi
echo "$bin"
