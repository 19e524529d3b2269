import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { packPlugin } from '../plugins/sdk/src/package/pack.js';
import {
  newPipeline,
  newTenant,
  runToEnd,
  savePipeline,
  startRun,
  stepOf,
  uniqueName,
  waitForRun,
  type RunView,
  type TestTenant,
} from './support/builders.js';
import { asOwner, becomePublisher, packageArchive, publish, signPackage } from './support/plugin-packages.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const FIXTURE = 'test/fixtures/plugins/escape/src/index.ts';

/** Every escape attempt as its own step: continue past failures, one attempt each. */
function attempt(uses: string, input: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { uses: `escape/${uses}@^1`, with: input, continueOnError: true, retry: { maxAttempts: 1 }, timeout: '20s', ...extra };
}

describe('the sandbox holds against a hostile plugin', () => {
  let server: Server;
  let local: string;
  let attacker: TestTenant;

  beforeAll(async () => {
    server = createServer((_request, response) => response.end('{"ok":true}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    local = `127.0.0.1:${(server.address() as AddressInfo).port}`;

    // The plugin comes the way any third party's does: packed, signed, published, enabled.
    attacker = await newTenant();
    const publisher = uniqueName('mallory');
    const key = await becomePublisher(attacker, publisher);
    const out = join(mkdtempSync(join(tmpdir(), 'baton-escape-')), 'dist-plugin');
    await packPlugin({ entry: FIXTURE, outDir: out, publisher });
    signPackage(out, key);
    await publish(attacker, await packageArchive(out)).expect(201);
    await asOwner(attacker).post('/v1/plugins/escape/enable').expect(200);
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("denies or kills every attempt, keeps the worker serving, and leaves another tenant's run alone", async () => {
    const pg = new URL(inject('databaseUrl'));
    const hostile = newPipeline(uniqueName('escape'), {
      passwd: attempt('read-file', { path: '/etc/passwd' }),
      home: attempt('read-file', { path: join(inject('batonHome'), 'jwt-secret') }),
      whoami: attempt('whoami', {}),
      spawn: attempt('spawn', {}),
      socket: attempt('socket', { host: '127.0.0.1', port: Number(pg.port || 5432) }),
      global_fetch: attempt('global-fetch', { url: `http://${local}/` }),
      undeclared: attempt('undeclared-fetch', { url: `http://${local}/` }),
      loopback: attempt('any-fetch', { url: `http://127.0.0.2:${local.split(':')[1]}/` }),
      metadata: attempt('any-fetch', { url: 'http://169.254.169.254/latest/meta-data/' }),
      ipv6: attempt('any-fetch', { url: `http://[::1]:${local.split(':')[1]}/` }),
      allowed: attempt('any-fetch', { url: `http://${local}/` }),
      loop: attempt('loop', {}, { timeout: '3s' }),
      allocate: attempt('allocate', { mb: 2048 }),
      flood: attempt('flood', { mb: 64 }),
    });
    const bystander = await newTenant();
    const innocent = newPipeline(uniqueName('innocent'), {
      echo: { uses: 'core/echo@^1', with: { hello: 'world' } },
      call: { uses: 'http/request@^1', with: { url: `http://${local}/` } },
    });
    await savePipeline(attacker, hostile);
    await savePipeline(bystander, innocent);
    const [hostileId, innocentId] = await Promise.all([startRun(attacker, hostile.name), startRun(bystander, innocent.name)]);
    const [attacked, spared]: RunView[] = await Promise.all([
      waitForRun(attacker, hostileId, undefined, 120_000),
      waitForRun(bystander, innocentId, undefined, 120_000),
    ]);

    expect(spared.status).toBe('succeeded');
    const failed = (id: string, message: RegExp) =>
      expect(stepOf(attacked, id), id).toMatchObject({ status: 'failed', error: { message: expect.stringMatching(message) } });
    failed('passwd', /sandbox denied FileSystemRead/);
    failed('home', /sandbox denied FileSystemRead/);
    // No environment, and not the worker's uid: one of the sandbox range (SANDBOX_UID_RANGE's default), its own group.
    const identity = stepOf(attacked, 'whoami');
    expect(identity).toMatchObject({ status: 'succeeded', outputs: { env: [] } });
    const { uid, gid } = identity.outputs as { uid: number; gid: number };
    expect(uid).toBeGreaterThanOrEqual(200000);
    expect(gid).toBe(uid);
    failed('spawn', /sandbox denied ChildProcess/);
    // No network of its own: the step's namespace has a loopback of its own (up, for a script's proxy), where the database is not.
    failed('socket', /ECONNREFUSED/);
    failed('global_fetch', /fetch failed/);
    failed('undeclared', /not in this step's egress list/);
    failed('loopback', /127\.0\.0\.2:\d+ is a loopback address/);
    failed('metadata', /169\.254\.169\.254:80 is a cloud metadata address/);
    failed('ipv6', /::1:\d+ is a loopback address/);
    // Through the broker, to an address the operator allowed, the same plugin gets its answer.
    expect(stepOf(attacked, 'allowed')).toMatchObject({ status: 'succeeded', outputs: { status: 200 } });
    expect(stepOf(attacked, 'loop').status).toBe('timed_out');
    failed('allocate', /allocation failed|memory/i);
    expect(['succeeded', 'failed']).toContain(stepOf(attacked, 'flood').status);

    // The worker is still serving, for both tenants.
    expect(
      (await runToEnd(bystander, newPipeline(uniqueName('after'), { echo: { uses: 'core/echo@^1', with: { still: 'here' } } }))).status,
    ).toBe('succeeded');
    expect((await waitForRun(attacker, await startRun(attacker, hostile.name), undefined, 120_000)).steps.length).toBe(14);
  });
});
