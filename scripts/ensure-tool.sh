#!/usr/bin/env bash
# `ensure-tool.sh <command> <debian package>`: installs the package when the command is missing, so
# that `npm test` works on a fresh machine. promtool (package prometheus) checks /metrics in
# test/metrics.e2e.ts; sqlite3 copies the Temporal dev server's database online for `baton backup`;
# chromium runs the console's browser tests.
set -euo pipefail
tool="$1" package="$2"
command -v "$tool" >/dev/null 2>&1 && exit 0
echo "Installing $tool (Debian package $package)..."
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
install() { $sudo apt-get install -y -qq --no-install-recommends "$package" >/dev/null; }
# A fresh machine may not have package lists yet.
install || { $sudo apt-get update -qq && install; }
command -v "$tool" >/dev/null 2>&1 || { echo "$tool is still missing after installing $package" >&2; exit 1; }
