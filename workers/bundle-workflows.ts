import { bundleWorkflowCode } from '@temporalio/worker';
import { writeFileSync } from 'node:fs';
import { WORKFLOW_INTERCEPTOR_MODULES } from './worker-tracing.js';
import { WORKFLOW_BUNDLE_PATH, WORKFLOWS_PATH } from './worker.js';

/**
 * Part of `npm run build`: bundles the workflow code once, so workers start fast and a
 * non-deterministic import (a Node module, say) fails the build instead of a run.
 */
const { code } = await bundleWorkflowCode({
  workflowsPath: WORKFLOWS_PATH,
  workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
  logger: { info() {}, debug() {}, trace() {}, warn: console.warn, error: console.error, log() {} },
});
writeFileSync(WORKFLOW_BUNDLE_PATH, code);
console.log(`Workflow bundle: ${WORKFLOW_BUNDLE_PATH} (${Math.round(code.length / 1024)} KiB)`);
