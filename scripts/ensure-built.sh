#!/usr/bin/env bash
# Installs dependencies when missing or stale and builds when sources changed, so that
# `npm start` and `npm test` work on a fresh clone with nothing installed by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing dependencies (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error
fi

stamp=dist/.build-stamp
if [ ! -f "$stamp" ] || [ -n "$(find src workers plugins test web package.json tsconfig.json tsconfig.build.json -newer "$stamp" -type f -print -quit 2>/dev/null)" ]; then
  echo "Building..."
  npm run build --silent
  touch "$stamp"
fi
