import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LogEntry, MetricEntry } from '../../plugins/sdk/src/step-context.js';
import { sha256Digest } from '../../plugins/sdk/src/package/digest.js';
import { AddressPolicy } from '../../src/runtime/egress/egress-policy.js';
import { transpileWithRelativeImports } from './fixtures/transpile-runner.js';
import { StepSandbox, type SandboxRequest, type StepSandboxOptions } from './step-sandbox.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const fixtureEntry = fileURLToPath(new URL('./fixtures/sandbox-fixture.plugin.mjs', import.meta.url));
/** The fixture imports zod from the repo's node_modules; the transpiled runner lives in runnerDir. */
const fixtureReadPaths = () => [runnerDir, join(repoRoot, 'node_modules'), join(repoRoot, 'package.json')];

let runnerDir: string;
let runnerPath: string;
let sandbox: StepSandbox | undefined;

beforeAll(async () => {
  runnerDir = await mkdtemp(join(tmpdir(), 'baton-step-runner-'));
  runnerPath = await transpileWithRelativeImports(fileURLToPath(new URL('./step-runner.ts', import.meta.url)), runnerDir);
});

afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

afterAll(async () => {
  await rm(runnerDir, { recursive: true, force: true });
});

describe(StepSandbox.name, () => {
  describe('running steps', () => {
    it('returns outputs, with the tenant from the request, only declared secrets and an empty environment', async () => {
      const outcome = await newSandbox().run(request('whoami', {}, { secrets: { TOKEN: 't0k', OTHER: 'leak' } }));

      expect(outcome).toMatchObject({
        ok: true,
        outputs: { tenantId: 'tenant-a', stepId: 'load', attempt: 1, secrets: { TOKEN: 't0k' }, env: [] },
      });
    });

    it('maps a non-retryable StepError', async () => {
      expect(await newSandbox().run(request('refuse'))).toEqual({
        ok: false,
        error: { code: 'step_error', message: 'no such customer', retryable: false, stepCode: 'not_found' },
      });
    });

    it('rejects invalid input and invalid output with the offending paths', async () => {
      const steps = newSandbox();

      expect(await steps.run(request('greet', { name: 42 }))).toMatchObject({
        ok: false,
        error: { code: 'invalid_input', retryable: false, message: expect.stringMatching(/^invalid input: name: /) },
      });
      expect(await steps.run(request('bad-output'))).toMatchObject({
        ok: false,
        error: { code: 'invalid_output', retryable: false, message: expect.stringMatching(/count: /) },
      });
    });

    it('reports a missing step or plugin', async () => {
      const steps = newSandbox();

      expect(await steps.run(request('nope'))).toMatchObject({
        ok: false,
        error: { code: 'plugin_missing', message: expect.stringMatching(/has no step "nope"/) },
      });
      expect(await steps.run({ ...request('echo'), entry: join(runnerDir, 'missing.mjs') })).toMatchObject({
        ok: false,
        error: { code: 'plugin_missing' },
      });
    });

    it('never runs bytes that changed on disk after the worker started a process for the pinned ones', async () => {
      const genuine = await readFile(fixtureEntry);
      const entry = join(dirname(fixtureEntry), `changed-${process.pid}.plugin.mjs`);
      await writeFile(entry, genuine);
      try {
        const steps = newSandbox();
        const pinned = { ...request('greet', { name: 'Ada' }), entry, digest: sha256Digest(genuine) };
        const first = steps.run(pinned);
        // The process is starting; the bytes it is about to load change under it.
        writeFileSync(entry, genuine.toString().replace('`hi ${name}`', '`owned ${name}`'));
        expect(await first).toMatchObject({
          ok: false,
          error: { code: 'plugin_missing', message: expect.stringContaining('not the pinned') },
        });
        // Put back, the same warm process loads the pinned bytes, not the module it refused.
        writeFileSync(entry, genuine);
        expect(await steps.run(pinned)).toEqual({ ok: true, outputs: { greeting: 'hi Ada' } });
        expect(steps.stats().spawned).toBe(1);
      } finally {
        await rm(entry, { force: true });
      }
    });

    it('hashes the entry each time a process loads it and refuses one that is not the pinned digest', async () => {
      const steps = newSandbox();
      const digest = sha256Digest(await readFile(fixtureEntry));

      expect(await steps.run({ ...request('echo', { a: 1 }), digest })).toMatchObject({ ok: true });
      const other = `sha256:${'0'.repeat(64)}`;
      expect(await steps.run({ ...request('echo', { a: 1 }), digest: other, pluginKey: 'sandbox-fixture@9.9.9' })).toMatchObject({
        ok: false,
        error: { code: 'plugin_missing', message: expect.stringContaining(`not the pinned ${other}`) },
      });
    });

    it('forwards logs, metrics and console output', async () => {
      const { hooks, logs, metrics } = recordingHooks();

      expect(await newSandbox().run(request('telemetry'), hooks)).toEqual({ ok: true, outputs: {} });
      expect(logs).toEqual([
        { level: 'warn', message: 'careful', fields: { rows: 2 } },
        { level: 'info', message: 'hello console' },
      ]);
      expect(metrics).toEqual([{ name: 'rows', value: 2, tags: { table: 't' } }]);
    });

    it('bounds the number of log lines per step and says how many it dropped', async () => {
      const { hooks, logs } = recordingHooks();

      expect(await newSandbox().run(request('chatty', { lines: 5_000 }), hooks)).toMatchObject({ ok: true });
      expect(logs).toHaveLength(1_001);
      expect(logs.at(-1)).toMatchObject({ level: 'warn', message: expect.stringMatching(/^dropped 4000 log lines/) });
    });

    it('keeps console output of a finished task out of the next one', async () => {
      const steps = newSandbox();
      const { hooks, logs } = recordingHooks();

      await steps.run(request('log-later'));
      expect(await steps.run(request('pause', { ms: 200 }), hooks)).toEqual({ ok: true, outputs: { paused: 200 } });

      expect(logs).toEqual([]);
      expect(steps.stats().spawned).toBe(1);
    });

    it('refuses outputs over 1 MiB', async () => {
      expect(await newSandbox().run(request('big-output'))).toMatchObject({
        ok: false,
        error: { code: 'output_too_large', retryable: false },
      });
    });
  });

  describe('containing misbehaving steps', () => {
    it('kills the whole process group on timeout, grandchildren included', async () => {
      // The permission model forbids child processes; this checks the belt beneath it.
      const steps = newSandbox({ allowChildProcess: true });
      const { hooks, logs } = recordingHooks();

      const outcome = await steps.run({ ...request('spawn-and-hang'), timeoutMs: 2_500 }, hooks);

      expect(outcome).toEqual({ ok: false, error: { code: 'timeout', retryable: true, message: 'step did not finish within 2500 ms' } });
      const grandchild = logs[0]?.fields?.pid as number;
      expect(grandchild).toBeGreaterThan(0);
      await vi.waitFor(() => expect(isGone(grandchild)).toBe(true), { timeout: 2_000 });
      expect(steps.stats()).toMatchObject({ spawned: 1, alivePids: [], idle: 0 });
    });

    it('cancels a cooperative step as soon as it stops', async () => {
      const steps = newSandbox({ cancelGraceMs: 10_000 });
      const cancel = cancelOnFirstLog();

      const outcome = await steps.run(request('wait-for-cancel'), cancel.hooks);

      expect(outcome).toMatchObject({ ok: false, error: { code: 'cancelled', retryable: false } });
      expect(performance.now() - cancel.abortedAt()).toBeLessThan(5_000);
      expect(steps.stats().alivePids).toEqual([]);
    });

    it('kills a step that ignores cancellation after the grace period', async () => {
      const steps = newSandbox({ cancelGraceMs: 300 });
      const cancel = cancelOnFirstLog();

      const running = steps.run(request('hang'), cancel.hooks);
      const [pid] = steps.stats().alivePids;

      expect(await running).toMatchObject({ ok: false, error: { code: 'cancelled' } });
      expect(performance.now() - cancel.abortedAt()).toBeGreaterThanOrEqual(290);
      expect(isGone(pid)).toBe(true);
    });

    it('reports a step that exits the process as crashed, and keeps serving', async () => {
      const steps = newSandbox();

      expect(await steps.run(request('exit'))).toMatchObject({
        ok: false,
        error: { code: 'crashed', retryable: true, message: expect.stringMatching(/exit code 1/) },
      });
      expect(await steps.run(request('echo', { still: 'here' }))).toEqual({ ok: true, outputs: { still: 'here' } });
    });

    it('reports a runner that cannot start as crashed, with its stderr', async () => {
      const outcome = await newSandbox({ runnerPath: join(runnerDir, 'no-such-runner.js') }).run(request('echo'));

      expect(outcome).toMatchObject({
        ok: false,
        error: { code: 'crashed', message: expect.stringMatching(/exit code 1[^]*Cannot find module/) },
      });
    });

    it('cancels before the child is even ready without running the step', async () => {
      const steps = newSandbox();
      const controller = new AbortController();

      const running = steps.run(request('echo'), { signal: controller.signal });
      controller.abort();

      expect(await running).toMatchObject({ ok: false, error: { code: 'cancelled' } });
      expect(steps.stats().alivePids).toEqual([]);
    });

    it('reports an uncaught exception as crashed', async () => {
      expect(await newSandbox().run(request('throw-later'))).toMatchObject({
        ok: false,
        error: { code: 'crashed', message: expect.stringMatching(/kaboom/) },
      });
    });

    it('reports a heap blow-up as memory_exceeded', async () => {
      const outcome = await newSandbox({ memoryMb: 64 }).run({ ...request('blow-memory'), timeoutMs: 30_000 });

      expect(outcome).toMatchObject({
        ok: false,
        error: { code: 'memory_exceeded', retryable: true, message: 'step ran out of memory (limit 64 MB)' },
      });
    }, 40_000);

    it('survives a step flooding stdout without holding on to it', async () => {
      const steps = newSandbox();
      const heapBefore = process.memoryUsage().heapUsed;

      expect(await steps.run(request('flood-stdout', { megabytes: 64 }))).toEqual({ ok: true, outputs: { flooded: 64 } });
      expect(await steps.run({ ...request('flood-forever'), timeoutMs: 1_000 })).toMatchObject({ ok: false, error: { code: 'timeout' } });
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(32 * 1024 * 1024);
    }, 30_000);
  });

  describe('the pipe to the worker', () => {
    it.each([
      ['pipe-garbage', /unknown frame kind|over the limit/],
      ['pipe-oversize', /over the limit/],
      ['pipe-bad-json', /not JSON/],
    ])('ends a step whose process writes %s to the pipe, and serves the next one', async (stepId, reason) => {
      const steps = newSandbox();

      const outcome = await steps.run(request(stepId));

      expect(outcome).toMatchObject({
        ok: false,
        error: { code: 'protocol_error', retryable: false, message: expect.stringMatching(reason) },
      });
      expect(steps.stats().alivePids).toEqual([]);
      expect(await steps.run(request('echo', { still: 'serving' }))).toEqual({ ok: true, outputs: { still: 'serving' } });
    });
  });

  describe('raw TCP through the relay (ctx.net)', () => {
    let server: Server;
    let port: number;
    beforeAll(async () => {
      server = createServer((socket) => {
        const received: Buffer[] = [];
        socket.on('data', (chunk) => received.push(chunk));
        socket.on('end', () => socket.end(`echo:${Buffer.concat(received).toString()}`));
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise((done) => server.close(done)));

    const relayed = (endpoints: string[], patterns = ['*:*']) => ({
      patterns,
      endpoints,
      approveHint: 'PUT /v1/plugins/sandbox-fixture/network',
    });
    const loopbackAllowed = () => new AddressPolicy({ allowCidrs: ['127.0.0.1/32'] });

    it('connects to an approved endpoint, at the address it vetted, and relays both ways', async () => {
      const steps = newSandbox({ relayPolicy: loopbackAllowed() });
      const big = 'x'.repeat(3 * 1024 * 1024);

      const outcome = await steps.run({
        ...request('tcp', { host: '127.0.0.1', port, send: big }),
        network: relayed([`127.0.0.1:${port}`]),
      });

      expect(outcome, JSON.stringify(outcome).slice(0, 500)).toMatchObject({ ok: true, outputs: { remote: `127.0.0.1:${port}` } });
      expect((outcome as unknown as { outputs: { received: string } }).outputs.received).toBe(
        `echo:xxxxx… (${big.length + 5} characters, ${big.length} x)`,
      );
    });

    it("refuses an endpoint the tenant did not approve, one outside the plugin's patterns, and a plugin without network", async () => {
      const steps = newSandbox({ relayPolicy: loopbackAllowed() });
      const tcp = request('tcp', { host: '127.0.0.1', port, send: 'x' });

      expect(await steps.run({ ...tcp, network: relayed([]) })).toMatchObject({
        ok: false,
        error: {
          stepCode: 'network_denied',
          message: expect.stringMatching(/not an endpoint this tenant approved.*PUT \/v1\/plugins\/sandbox-fixture\/network/),
        },
      });
      expect(await steps.run({ ...tcp, network: relayed([`127.0.0.1:${port}`], ['*:5432']) })).toMatchObject({
        ok: false,
        error: { stepCode: 'network_denied', message: expect.stringMatching(/outside the plugin's network patterns/) },
      });
      expect(await steps.run(tcp)).toMatchObject({
        ok: false,
        error: { stepCode: 'network_denied', message: expect.stringMatching(/no raw network access/) },
      });
    });

    it("refuses loopback unless allowed, and the installation's own endpoints always", async () => {
      const endpoint = `127.0.0.1:${port}`;
      const tcp = { ...request('tcp', { host: '127.0.0.1', port, send: 'x' }), network: relayed([endpoint]) };

      expect(await newSandbox({ relayPolicy: new AddressPolicy() }).run(tcp)).toMatchObject({
        ok: false,
        error: { stepCode: 'network_denied', message: expect.stringMatching(/loopback/) },
      });
      await sandbox!.close();
      const own = new AddressPolicy({ allowCidrs: ['127.0.0.0/8'], installation: [{ host: '0.0.0.0', port }] });
      expect(await newSandbox({ relayPolicy: own }).run(tcp)).toMatchObject({
        ok: false,
        error: { stepCode: 'network_denied', message: expect.stringMatching(/this installation's own services/) },
      });
      const metadata = { ...request('tcp', { host: '169.254.169.254', port: 80, send: 'x' }), network: relayed(['169.254.169.254:80']) };
      expect(await sandbox!.run(metadata)).toMatchObject({
        ok: false,
        error: { stepCode: 'network_denied', message: expect.stringMatching(/cloud metadata/) },
      });
    });
  });

  describe('node permission model', () => {
    const denied = (resource: RegExp) => ({
      ok: false,
      error: { code: 'step_error', retryable: false, stepCode: 'sandbox_denied', message: expect.stringMatching(resource) },
    });
    let tempDir: string;

    beforeAll(async () => {
      tempDir = await mkdtemp(join(tmpdir(), 'baton-not-allowed-'));
      await writeFile(join(tempDir, 'secret.txt'), 'not for steps');
    });

    afterAll(async () => {
      await rm(tempDir, { recursive: true, force: true });
    });

    it('fails a step that reads a system file, and the child keeps serving', async () => {
      const steps = newSandbox();

      expect(await steps.run(request('read-file', { path: '/etc/passwd' }))).toEqual(denied(/denied FileSystemRead on \/etc\/passwd/));
      expect(await steps.run(request('echo', { still: 'here' }))).toEqual({ ok: true, outputs: { still: 'here' } });
      expect(steps.stats().spawned).toBe(1);
    });

    it('fails a step that reads a file outside the allowed paths, and allows the ones added', async () => {
      const secret = join(tempDir, 'secret.txt');

      expect(await newSandbox().run(request('read-file', { path: secret }))).toEqual(denied(/FileSystemRead on .*secret\.txt/));
      await sandbox!.close();
      expect(await newSandbox({ extraReadPaths: [tempDir] }).run(request('read-file', { path: secret }))).toEqual({
        ok: true,
        outputs: { text: 'not for steps' },
      });
    });

    it('fails a step that writes a file', async () => {
      const target = join(tempDir, 'written.txt');

      expect(await newSandbox({ extraReadPaths: [tempDir] }).run(request('write-file', { path: target }))).toEqual(
        denied(/FileSystemWrite/),
      );
      expect(existsSync(target)).toBe(false);
    });

    it('fails a step that starts a child process or a worker thread', async () => {
      const steps = newSandbox();

      expect(await steps.run(request('spawn'))).toEqual(denied(/ChildProcess/));
      expect(await steps.run(request('start-worker'))).toEqual(denied(/WorkerThreads/));
      expect(await steps.run(request('echo', { n: 1 }))).toEqual({ ok: true, outputs: { n: 1 } });
    });

    it('by default lets an installation read dist/ and node_modules/, not the rest of its root', async () => {
      const install = await mkdtemp(join(tmpdir(), 'baton-install-'));
      try {
        await cp(runnerDir, join(install, 'dist'), { recursive: true });
        await symlink(join(repoRoot, 'node_modules'), join(install, 'node_modules'));
        await writeFile(join(install, 'package.json'), '{"type":"module"}');
        await mkdir(join(install, '.baton'));
        await writeFile(join(install, '.baton', 'jwt-secret'), 'signing key');
        await writeFile(join(install, 'dist', 'note.txt'), 'code folder');
        const steps = (sandbox = new StepSandbox({ runnerPath: join(install, 'dist', relative(runnerDir, runnerPath)) }));

        expect(await steps.run(request('read-file', { path: join(install, 'dist', 'note.txt') }))).toEqual({
          ok: true,
          outputs: { text: 'code folder' },
        });
        expect(await steps.run(request('read-file', { path: join(install, '.baton', 'jwt-secret') }))).toEqual(denied(/jwt-secret/));
        expect(await steps.run(request('read-file', { path: join(install, 'dist', '..', '.baton', 'jwt-secret') }))).toEqual(
          denied(/jwt-secret/),
        );
      } finally {
        await rm(install, { recursive: true, force: true });
      }
    });

    it('refuses to guess the allowed paths for a runner outside a dist/ folder', () => {
      expect(() => new StepSandbox({ runnerPath })).toThrow(/not inside a dist\/ folder/);
    });
  });

  describe('warm reuse', () => {
    it('reuses a child within one tenant and plugin version, never across tenants or versions', async () => {
      const steps = newSandbox();
      const pidFor = async (overrides: Partial<SandboxRequest>) => {
        const outcome = await steps.run({ ...request('whoami'), ...overrides });
        return outcome.ok ? (outcome.outputs.pid as number) : Number.NaN;
      };

      const first = await pidFor({});
      const second = await pidFor({});
      const otherTenant = await pidFor({ tenantId: 'tenant-b' });
      const otherVersion = await pidFor({ pluginKey: 'sandbox-fixture@1.0.1' });

      expect(second).toBe(first);
      expect(otherTenant).not.toBe(first);
      expect(otherVersion).not.toBe(first);
      expect(steps.stats()).toMatchObject({ spawned: 3, idle: 3 });
    });

    it('does not reuse a child after a timeout', async () => {
      const steps = newSandbox();

      await steps.run({ ...request('hang'), timeoutMs: 300 });
      await steps.run(request('echo'));

      expect(steps.stats().spawned).toBe(2);
    });

    it('retires a child after its task budget, and idle children after their TTL', async () => {
      const steps = newSandbox({ maxTasksPerProcess: 2, idleTtlMs: 300 });

      for (let i = 0; i < 3; i++) await steps.run(request('echo'));
      expect(steps.stats()).toMatchObject({ spawned: 2, idle: 1 });

      await vi.waitFor(() => expect(steps.stats()).toMatchObject({ idle: 0, alivePids: [] }), { timeout: 3_000 });
    });

    it('serves the first step of a tenant from a spare that loaded the plugin before it, and hands a spare to one tenant only', async () => {
      const steps = newSandbox({ spares: 1 });
      const sparesReady = () => vi.waitFor(() => expect(steps.stats()).toMatchObject({ spares: 1, sparesReady: 1 }), { timeout: 10_000 });
      const run = async (tenantId: string) => {
        const askedAt = Date.now();
        const outcome = await steps.run({ ...request('loaded'), tenantId });
        if (!outcome.ok) throw new Error(outcome.error.message);
        return { pid: outcome.outputs.pid as number, preloaded: (outcome.outputs.loadedAt as number) < askedAt };
      };

      const a = await run('tenant-a');
      await sparesReady();
      const b = await run('tenant-b');
      await sparesReady();
      const again = { a: await run('tenant-a'), b: await run('tenant-b') };
      const c = await run('tenant-c');

      expect(a.preloaded).toBe(false);
      expect(b.preloaded).toBe(true);
      expect(c.preloaded).toBe(true);
      expect(new Set([a.pid, b.pid, c.pid]).size).toBe(3);
      expect([again.a.pid, again.b.pid]).toEqual([a.pid, b.pid]);
      await steps.close();
      expect(steps.stats()).toMatchObject({ alivePids: [], spares: 0 });
    });

    it('kills busy and idle children on close, ending busy runs as cancelled', async () => {
      const steps = newSandbox();
      await steps.run({ ...request('echo'), tenantId: 'tenant-idle' });
      const { hooks, logs } = recordingHooks();
      const running = steps.run(request('hang'), hooks);
      await vi.waitFor(() => expect(logs).toHaveLength(1));

      await steps.close();

      expect(await running).toMatchObject({ ok: false, error: { code: 'cancelled' } });
      expect(steps.stats().alivePids).toEqual([]);
      expect(await steps.run(request('echo'))).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    });
  });
});

function newSandbox(options: StepSandboxOptions = {}): StepSandbox {
  sandbox = new StepSandbox({ runnerPath, allowedReadPaths: fixtureReadPaths(), ...options });
  return sandbox;
}

function request(
  stepId: string,
  input: Record<string, unknown> = {},
  { secrets = {} }: { secrets?: Record<string, string> } = {},
): SandboxRequest {
  return {
    tenantId: 'tenant-a',
    pluginKey: 'sandbox-fixture@1.0.0',
    entry: fixtureEntry,
    stepId,
    input,
    ctx: { runId: 'run-1', stepId: 'load', attempt: 1, idempotencyKey: 'run-1:load', secrets },
    timeoutMs: 10_000,
  };
}

/** Cancels once the step says it is running, so the test exercises cancel mid-step, not mid-spawn. */
function cancelOnFirstLog() {
  const controller = new AbortController();
  let abortedAt = Number.NaN;
  const onLog = () => {
    abortedAt = performance.now();
    controller.abort();
  };
  return { hooks: { signal: controller.signal, onLog }, abortedAt: () => abortedAt };
}

function recordingHooks() {
  const logs: LogEntry[] = [];
  const metrics: MetricEntry[] = [];
  return { logs, metrics, hooks: { onLog: (entry: LogEntry) => logs.push(entry), onMetric: (entry: MetricEntry) => metrics.push(entry) } };
}

/**
 * Gone, or a zombie: a killed grandchild is re-parented to PID 1, and where PID 1 does not reap
 * (this CI's init does not), it lingers as a zombie that holds no memory and runs nothing.
 */
function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
  return state === 'Z';
}
