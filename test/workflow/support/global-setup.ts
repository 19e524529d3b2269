/**
 * The workflow tier's one Temporal server and one workflow bundle, shared by every file.
 *
 * Not time-skipping: `TestWorkflowEnvironment.createTimeSkipping()` runs Temporal's Java test
 * server, which it downloads from GitHub; no package on npm, Debian or the Go module proxy (the
 * only registries these machines reach) carries it. So this is `createLocal` on the Temporal CLI
 * the project already builds (`resolveTemporalCli`, cached by `baton setup`), an in-memory dev
 * server, and the tests keep their timers, timeouts and SLAs to a few seconds of real time.
 *
 * `limit.historyCount.suggestContinueAsNew` is lowered so that a `forEach` of a hundred items
 * continues as new (runForEach checks `continueAsNewSuggested`), instead of the thousands of items
 * Temporal's default of 4 Ki events would take.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { resolveTemporalCli } from '../../../src/temporal/temporal-cli.js';
import { PIPELINE_SEARCH_KEY, TENANT_SEARCH_KEY } from '../../../workers/contracts/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The dev server the workflow tier's workers and clients connect to. */
    workflowTemporalAddress: string;
    /** The workflow code of workers/workflows/, bundled from source once for every file. */
    workflowBundlePath: string;
  }
}

/** Past this many events Temporal suggests continue-as-new (see above). */
export const SUGGEST_CONTINUE_AS_NEW_EVENTS = 150;

const WORKFLOWS_SOURCE = fileURLToPath(new URL('../../../workers/workflows/index.ts', import.meta.url));

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'baton-workflow-tier-'));
  const [env, bundle] = await Promise.all([
    resolveTemporalCli(process.env.TEMPORAL_CLI_PATH).then((path) =>
      TestWorkflowEnvironment.createLocal({
        server: {
          executable: { type: 'existing-path', path },
          searchAttributes: [TENANT_SEARCH_KEY, PIPELINE_SEARCH_KEY],
          extraArgs: ['--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${SUGGEST_CONTINUE_AS_NEW_EVENTS}`],
        },
      }),
    ),
    bundleWorkflowCode({
      workflowsPath: WORKFLOWS_SOURCE,
      logger: { info() {}, debug() {}, trace() {}, warn: console.warn, error: console.error, log() {} },
    }),
  ]);
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  project.provide('workflowTemporalAddress', env.address);
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await env.teardown();
    rmSync(dir, { recursive: true, force: true });
  };
}
