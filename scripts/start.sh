#!/usr/bin/env bash
# `npm start`: Baton on this machine with embedded defaults (see README for configuration).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-built.sh
exec node bin/baton.js up "$@"
