import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPipeline, savePipeline, startRun, temporalClient, uniqueName, until, waitForRun } from './support/builders.js';
import { ownInstallation } from './support/own-installation.js';
import { spawnBaton } from './support/processes.js';

const DEPLOYMENT = 'baton-e2e';
const stack = ownInstallation('versioning', { worker: false, env: { WORKER_DEPLOYMENT_NAME: DEPLOYMENT } });
const BUNDLE = 'dist/workers/workflow-bundle.js';

/** The build id a worker gives itself when WORKER_BUILD_ID is unset: its workflow code's digest. */
const buildIdOf = (bundle: string) => `wf-${createHash('sha256').update(readFileSync(bundle)).digest('hex').slice(0, 12)}`;

/**
 * The next release, as an operator would install it beside the running one: Baton's build copied
 * to a folder of its own, whose interpreter now starts every run with a 1 ms timer. A run begun
 * on this release's predecessor could not continue on it: replaying its history would meet a timer
 * the history does not have (a non-determinism failure).
 */
function nextRelease(): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-next-release-'));
  cpSync('dist', join(dir, 'dist'), { recursive: true });
  cpSync('bin', join(dir, 'bin'), { recursive: true });
  cpSync('package.json', join(dir, 'package.json'));
  symlinkSync(join(process.cwd(), 'node_modules'), join(dir, 'node_modules'));
  const bundle = join(dir, BUNDLE);
  const code = readFileSync(bundle, 'utf8');
  const start = 'async function runPipeline(input) {\n';
  expect(code).toContain(start);
  writeFileSync(bundle, code.replace(start, `${start}    await (0,_temporalio_workflow__WEBPACK_IMPORTED_MODULE_0__.sleep)(1);\n`));
  return dir;
}

const cli = async (...args: string[]) =>
  (await promisify(execFile)(process.execPath, ['bin/baton.js', 'worker-deployment', ...args], { env: { ...process.env, ...stack.env } }))
    .stdout;

describe('worker versioning', () => {
  let release: string;
  let temporal: Client;
  beforeAll(async () => {
    release = nextRelease();
    temporal = await temporalClient(stack.namespace);
  });
  afterAll(async () => {
    await temporal?.connection.close();
    if (release) rmSync(release, { recursive: true, force: true });
  });

  it('keeps a run on the build it started on while new runs start on the promoted one: no non-determinism failure', async () => {
    const buildA = buildIdOf(BUNDLE);
    const buildB = buildIdOf(join(release, BUNDLE));
    expect(buildB).not.toBe(buildA);

    // Release A: the deployment's first build becomes current by itself.
    stack.processes.push(spawnBaton('worker', stack.env));
    await until(async () => (await cli('list')).includes(`* ${buildA}`), 30_000);

    const name = uniqueName('upgrade');
    await savePipeline(
      stack.tenant,
      newPipeline(name, {
        gate: { approval: { roles: ['operator'] } },
        after: { uses: 'core/echo@^1', needs: ['gate'], with: { by: '${{ steps.gate.outputs.by.role }}' } },
      }),
    );
    const first = await startRun(stack.tenant, name);
    await waitForRun(stack.tenant, first, (run) => run.status === 'waiting', 30_000);

    // Release B beside it; promoted, it takes the new runs.
    stack.processes.push(spawnBaton('worker', stack.env, release));
    await until(async () => (await cli('list')).includes(buildB), 30_000);
    expect(await cli('promote', buildB)).toContain(`start on ${buildB}; runs started on ${buildA} stay on it until they end`);
    const second = await startRun(stack.tenant, name);
    await waitForRun(stack.tenant, second, (run) => run.status === 'waiting', 30_000);

    const pinnedTo = async (runId: string) =>
      (await temporal.workflow.getHandle(runId).describe()).raw.workflowExecutionInfo?.versioningInfo?.deploymentVersion?.buildId;
    expect(await pinnedTo(first)).toBe(buildA);
    expect(await pinnedTo(second)).toBe(buildB);

    for (const run of [first, second]) await stack.tenant.post(`/v1/runs/${run}/approvals/gate`, { approve: true }).expect(202);
    for (const run of [first, second]) {
      const done = await waitForRun(stack.tenant, run, undefined, 30_000);
      expect(done.status, stack.dump()).toBe('succeeded');
      expect(done.steps.find((step) => step.id === 'after')?.outputs).toEqual({ by: 'operator' });
    }
    // B's code really differs: its run has the 1 ms timer besides the approval's, the run that stayed on A only the approval's.
    const timers = async (runId: string) =>
      (await temporal.workflow.getHandle(runId).fetchHistory()).events?.filter((event) => event.timerStartedEventAttributes).length;
    expect(await timers(first)).toBe(1);
    expect(await timers(second)).toBe(2);

    const listed = await cli('list');
    expect(listed).toContain(`new runs start on ${buildB}`);
    expect(listed).toMatch(new RegExp(`  ${buildA} +(draining|drained) `));
  });

  it('refuses to promote a build no worker runs, in one line', async () => {
    const refusal = await cli('promote', 'wf-000000000000').catch((error: { code: number; stderr: string }) => error);
    expect(refusal).toMatchObject({ code: 1 });
    expect((refusal as { stderr: string }).stderr.trim()).toBe(
      `baton: no worker of build wf-000000000000 has polled deployment ${DEPLOYMENT} (start the release's workers first; \`baton worker-deployment list\` shows the builds)`,
    );
  });
});
