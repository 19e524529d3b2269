#!/usr/bin/env bash
# `npm test`: lint (ESLint, Prettier, import boundaries), unit specs, then whole-stack tests against real PostgreSQL and a real Temporal dev server.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-built.sh
# After ensure-built: on a fresh clone that is what installs the linters.
npm run --silent lint
# The first build of the Temporal dev server takes minutes: do it here, not inside a test hook.
node bin/baton.js setup
bash scripts/ensure-tool.sh promtool prometheus
bash scripts/ensure-tool.sh sqlite3 sqlite3
# The console's browser tier drives Debian's Chromium (test/browser); browser downloads are not reachable here.
bash scripts/ensure-tool.sh chromium chromium
# The Helm chart's checks (test/tooling/helm-chart.spec.ts) render it with helm, built once like the Temporal CLI.
HELM_PATH="$(bash scripts/ensure-helm.sh)"
export HELM_PATH
exec npx vitest run "$@"
