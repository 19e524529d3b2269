#!/usr/bin/env bash
# `npm test`: unit specs, then whole-stack tests against real PostgreSQL and a real Temporal dev server.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-built.sh
exec npx vitest run "$@"
