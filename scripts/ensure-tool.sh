#!/usr/bin/env bash
# `ensure-tool.sh <command> <debian package>`: installs the package when the command is missing, so
# that `npm test` works on a fresh machine. promtool (package prometheus) checks /metrics in
# test/metrics.e2e.ts; sqlite3 copies the Temporal dev server's database online for `baton backup`.
set -euo pipefail
command -v "$1" >/dev/null 2>&1 && exit 0
echo "Installing $1 (Debian package $2)..."
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
install() { $sudo apt-get install -y -qq --no-install-recommends "$2" >/dev/null; }
# A fresh machine may not have package lists yet.
install || { $sudo apt-get update -qq && install; }
command -v "$1" >/dev/null 2>&1 || { echo "$1 is still missing after installing $2" >&2; exit 1; }
