#!/usr/bin/env bash
# `npm start`: Baton on this machine with embedded defaults (see README for configuration).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-built.sh
# A person at a terminal reads coloured lines; anything reading a pipe gets JSON unless told.
if [ -t 1 ]; then export LOG_FORMAT="${LOG_FORMAT:-pretty}"; fi
exec node bin/baton.js up "$@"
