#!/usr/bin/env bash
# test/metrics.e2e.ts checks the /metrics output with `promtool check metrics`, from Debian's
# `prometheus` package: installed here when missing, so that `npm test` works on a fresh machine.
set -euo pipefail
command -v promtool >/dev/null 2>&1 && exit 0
echo "Installing promtool (Debian package prometheus)..."
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
install() { $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null; }
# A fresh machine may not have package lists yet.
install || { $sudo apt-get update -qq && install; }
command -v promtool >/dev/null 2>&1 || { echo "promtool is still missing after installing prometheus" >&2; exit 1; }
