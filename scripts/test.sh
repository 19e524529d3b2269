#!/usr/bin/env bash
# `npm test`: lint (ESLint, Prettier, import boundaries), unit specs, then whole-stack tests against real PostgreSQL and a real Temporal dev server;
# the unit and e2e tiers also on Node 24, the runtime the image ships.
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
# The Node.js the image ships (deploy/Dockerfile), fetched once from the npm registry.
NODE24="$(bash scripts/ensure-node24.sh)"
# A file or a tier asked for by name: as asked, on this machine's Node.js.
[ "$#" -eq 0 ] || exec npx vitest run "$@"
# The cluster tier's Temporal server, built once with Go (about ten minutes on a fresh machine):
# in the background, beside the first tiers, and waited for before the cluster tier.
temporal_server_log="$(mktemp)"
bash scripts/ensure-temporal-server.sh >"$temporal_server_log" 2>&1 &
temporal_server_build=$!
# This machine's Node.js (20, the oldest `engines` allows): the unit, console and workflow tiers.
npx vitest run --project unit --project web --project workflow
# Node 24: the unit tier again, and the whole stack, whose API and worker run on the Node.js that starts them.
"$NODE24" node_modules/vitest/vitest.mjs run --project unit --project e2e
# Baton scaled out on a real Temporal cluster (test/cluster/), once its server is built.
wait "$temporal_server_build" || { cat "$temporal_server_log" >&2; exit 1; }
npx vitest run --project cluster
# Node 20 again: the console in Chromium, then the fault tests.
exec npx vitest run --project browser --project reliability
