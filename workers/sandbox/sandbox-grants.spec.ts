import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxGrants } from '../../plugins/sdk/src/define-plugin.js';
import { transpileWithRelativeImports } from './fixtures/transpile-runner.js';
import { StepSandbox, type SandboxRequest } from './step-sandbox.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const entry = fileURLToPath(new URL('./fixtures/grants-fixture.plugin.mjs', import.meta.url));

let workDir: string;
let runnerDir: string;
let runnerPath: string;
let sandbox: StepSandbox | undefined;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'baton-grants-'));
  runnerDir = join(workDir, 'runner');
  runnerPath = await transpileWithRelativeImports(fileURLToPath(new URL('./step-runner.ts', import.meta.url)), runnerDir);
});
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

function newSandbox(): StepSandbox {
  sandbox = new StepSandbox({
    runnerPath,
    allowedReadPaths: [runnerDir, join(repoRoot, 'node_modules'), join(repoRoot, 'package.json')],
    scratchDir: join(workDir, 'scratch'),
    installationRoot: repoRoot,
  });
  return sandbox;
}

function request(stepId: string, input: Record<string, unknown>, grants: SandboxGrants, firstParty = true): SandboxRequest {
  return {
    tenantId: 'tenant-a',
    pluginKey: 'grants-fixture@1.0.0',
    entry,
    stepId,
    input,
    grants,
    firstParty,
    ctx: { runId: 'run-1', stepId: 'work', attempt: 1, idempotencyKey: 'run-1:work', secrets: {} },
    timeoutMs: 10_000,
  };
}

describe('sandbox grants', () => {
  it('gives a plugin that asks for it a private scratch folder, emptied between steps and removed with its process', async () => {
    const steps = newSandbox();

    const first = await steps.run(request('scratch', { text: 'one' }, { scratch: true }));
    const second = await steps.run(request('scratch', { text: 'two' }, { scratch: true }));

    expect(first).toMatchObject({ ok: true, outputs: { found: [], written: { ok: true } } });
    const folder = (first as unknown as { outputs: { scratch: string } }).outputs.scratch;
    expect(folder.startsWith(join(workDir, 'scratch'))).toBe(true);
    // The same warm process, and nothing of the step before it.
    expect(second).toMatchObject({ ok: true, outputs: { scratch: folder, found: [] } });
    expect(steps.stats().spawned).toBe(1);
    await steps.close();
    expect(existsSync(folder)).toBe(false);
  });

  it('lets a step write only in its scratch folder, and gives none to a plugin that did not ask', async () => {
    const outside = join(workDir, 'escaped.txt');

    expect(await newSandbox().run(request('scratch', { outside }, { scratch: true }))).toMatchObject({
      ok: true,
      outputs: { written: { ok: true }, escaped: { ok: false, code: 'ERR_ACCESS_DENIED' } },
    });
    expect(await sandbox!.run(request('scratch', { outside }, {}))).toMatchObject({
      ok: true,
      outputs: { scratch: null, escaped: { ok: false, code: 'ERR_ACCESS_DENIED' } },
    });
    expect(existsSync(outside)).toBe(false);
  });

  it('loads only the installed modules the manifest lists, and only for first-party plugins', async () => {
    const steps = newSandbox();

    expect(await steps.run(request('installed', { name: 'zod' }, { installed: ['zod'] }))).toEqual({
      ok: true,
      outputs: { exports: true },
    });
    expect(await steps.run(request('installed', { name: 'pg' }, { installed: ['zod'] }))).toMatchObject({
      ok: false,
      error: { stepCode: 'sandbox_denied', message: expect.stringMatching(/may not load pg/) },
    });
    expect(await steps.run(request('installed', { name: 'zod' }, {}))).toMatchObject({ ok: false, error: { stepCode: 'sandbox_denied' } });
    expect(await steps.run(request('installed', { name: 'zod' }, { installed: ['zod'] }, false))).toMatchObject({
      ok: false,
      error: { code: 'sandbox_unavailable', message: expect.stringMatching(/only first-party plugins/) },
    });
  });

  it('starts programs only for a plugin granted them, and only under OS isolation', async () => {
    const steps = newSandbox();

    expect(await steps.run(request('program', {}, {}))).toMatchObject({
      ok: true,
      outputs: { run: { ok: false, code: 'ERR_ACCESS_DENIED' } },
    });
    expect(await steps.run(request('program', {}, { childProcess: true }))).toMatchObject({
      ok: false,
      error: { code: 'sandbox_unavailable', message: expect.stringMatching(/only with OS isolation/) },
    });
  });
});
