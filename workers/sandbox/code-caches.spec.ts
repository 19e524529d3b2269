import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sha256Digest } from '../../plugins/sdk/src/package/digest.js';
import { packPlugin } from '../../plugins/sdk/src/package/pack.js';
import { transpileWithRelativeImports } from './fixtures/transpile-runner.js';
import { StepSandbox, type SandboxRequest } from './step-sandbox.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const FORGED = 'forged by a step';

let dir: string;
let runnerPath: string;
let scratchDir: string;
let bundle: { entry: string; digest: string };
/** The same plugin, with a first line that throws: whatever runs its top level fails. */
let throwing: { entry: string; digest: string };
let sandbox: StepSandbox | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-code-caches-'));
  scratchDir = join(dir, 'scratch');
  runnerPath = await transpileWithRelativeImports(fileURLToPath(new URL('./step-runner.ts', import.meta.url)), join(dir, 'runner'));
  await mkdir(join(dir, 'plugin', 'src'), { recursive: true });
  writeFileSync(
    join(dir, 'plugin', 'src', 'index.ts'),
    `import { definePlugin, defineStep } from '@baton/plugin-sdk';
import { writeSync } from 'node:fs';
import { z } from 'zod';
/** A code_cache message as the runner frames it (frame-codec.ts), written straight to the worker's pipe. */
function forgeCodeCache(body: Buffer): void {
  const json = Buffer.from(JSON.stringify({ type: 'code_cache', cache: {} }));
  const header = Buffer.alloc(9);
  header.writeUInt32BE(1 + 4 + json.length + body.length, 0);
  header.writeUInt8(0, 4);
  header.writeUInt32BE(json.length, 5);
  writeSync(3, Buffer.concat([header, json, body]));
}
export default definePlugin({
  name: 'cached', version: '1.0.0',
  steps: [
    defineStep({ id: 'echo', title: 'Echo', input: z.object({ n: z.number() }), output: z.object({ n: z.number() }), run: ({ n }) => ({ n }) }),
    defineStep({ id: 'forge', title: 'Forge', input: z.object({}), output: z.object({}), run: () => { forgeCodeCache(Buffer.from(${JSON.stringify(FORGED)}.repeat(1000))); return {}; } }),
  ],
});
`,
  );
  await packPlugin({ entry: join(dir, 'plugin', 'src', 'index.ts'), outDir: join(dir, 'cached'), publisher: 'spec' });
  const entry = join(dir, 'cached', 'bundle.mjs');
  bundle = { entry, digest: sha256Digest(readFileSync(entry)) };
  const throwingEntry = join(dir, 'throwing.mjs');
  writeFileSync(throwingEntry, `throw new Error('the top level ran');\n${readFileSync(entry, 'utf8')}`);
  throwing = { entry: throwingEntry, digest: sha256Digest(readFileSync(throwingEntry)) };
}, 60_000);

afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('code caches', () => {
  it("are made once per digest, by a process that runs none of the bundle, and start the digest's next processes", async () => {
    const steps = newSandbox();
    expect(await steps.run(request('echo', { n: 1 }))).toEqual({ ok: true, outputs: { n: 1 } });
    await until(() => steps.stats().codeCaches === 1);

    // Its top level throws in any process that runs it; the compile-only process still caches it.
    expect(await steps.run({ ...request('echo', { n: 2 }), ...throwing, pluginKey: 'throwing@1.0.0' })).toMatchObject({
      ok: false,
      error: { code: 'plugin_missing', message: expect.stringContaining('the top level ran') },
    });
    await until(() => steps.stats().codeCaches === 2);

    // Another tenant: a new process, started with the cache, and it answers as before.
    expect(await steps.run({ ...request('echo', { n: 3 }), tenantId: 'tenant-b' })).toEqual({ ok: true, outputs: { n: 3 } });
    const commandLines = steps.stats().alivePids.flatMap(commandLine);
    const cached = commandLines.filter((argv) => argv.includes('--code-cache'));
    expect(cached).toHaveLength(1);
    expect(cached[0]).toEqual(expect.arrayContaining([bundle.digest, cacheFiles()[0]]));
  });

  it('never take what a step sends as one', async () => {
    const steps = newSandbox();
    expect(await steps.run(request('forge'))).toEqual({ ok: true, outputs: {} });
    await until(() => steps.stats().codeCaches === 1);
    const [file] = cacheFiles();
    expect(readFileSync(file).length).toBeGreaterThan(1_000);
    expect(readFileSync(file, 'latin1')).not.toContain(FORGED);
    // The forging process goes on serving its tenant.
    expect(await steps.run(request('echo', { n: 4 }))).toEqual({ ok: true, outputs: { n: 4 } });
    expect(steps.stats().spawned).toBe(1);
  });

  it('are dropped when V8 refuses them, and the bundle is compiled', async () => {
    const steps = newSandbox();
    await steps.run(request('echo', { n: 1 }));
    await until(() => steps.stats().codeCaches === 1);
    const [file] = cacheFiles();
    writeFileSync(file, Buffer.alloc(readFileSync(file).length, 7));

    expect(await steps.run({ ...request('echo', { n: 5 }), tenantId: 'tenant-c' })).toEqual({ ok: true, outputs: { n: 5 } });
  });

  it('are not made when turned off', async () => {
    const steps = newSandbox({ codeCaches: false });
    await steps.run(request('echo', { n: 1 }));
    await delay(500);
    expect(steps.stats().codeCaches).toBe(0);
    expect(cacheFiles()).toEqual([]);
  });
});

function newSandbox(options: { codeCaches?: boolean } = {}): StepSandbox {
  const allowedReadPaths = [join(dir, 'runner'), join(repoRoot, 'node_modules'), join(repoRoot, 'package.json')];
  sandbox = new StepSandbox({ runnerPath, allowedReadPaths, scratchDir, ...options });
  return sandbox;
}

function request(stepId: string, input: Record<string, unknown> = {}): SandboxRequest {
  return {
    tenantId: 'tenant-a',
    pluginKey: 'cached@1.0.0',
    ...bundle,
    stepId,
    input,
    ctx: { runId: 'run-1', stepId, attempt: 1, idempotencyKey: `run-1:${stepId}`, secrets: {} },
    timeoutMs: 10_000,
  };
}

/** A live process's argv; none for one that ended since it was listed (the failed step's, being reaped). */
function commandLine(pid: number): string[][] {
  try {
    return [readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')];
  } catch {
    return [];
  }
}

function cacheFiles(): string[] {
  const folders = readdirSync(scratchDir, { withFileTypes: true }).filter((entry) => entry.name.startsWith('code-cache-'));
  return folders.flatMap((folder) =>
    readdirSync(join(scratchDir, folder.name))
      .filter((name) => name.endsWith('.v8cache'))
      .map((name) => join(scratchDir, folder.name, name)),
  );
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (const started = Date.now(); !condition(); await delay(20)) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting for the condition');
  }
}
