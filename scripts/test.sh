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
# test/pgbouncer.e2e.ts puts Debian's PgBouncer between processes and PostgreSQL.
bash scripts/ensure-tool.sh pgbouncer pgbouncer
# The console's browser tier drives Debian's Chromium (test/browser); browser downloads are not reachable here.
bash scripts/ensure-tool.sh chromium chromium
# deploy/'s checks (test/tooling/) use helm and compose-go, each built once with Go like the Temporal CLI.
HELM_PATH="$(bash scripts/ensure-helm.sh)"
COMPOSE_CHECK_PATH="$(bash scripts/ensure-compose-check.sh)"
export HELM_PATH COMPOSE_CHECK_PATH
exec npx vitest run "$@"
