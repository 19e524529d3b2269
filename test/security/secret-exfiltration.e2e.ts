/**
 * A member who may write pipelines but not read secrets tries to get a secret's value out: as data
 * for a transform that splits it past redaction, through `if`, `outputs` or `forEach`, into another
 * plugin's field, a non-secret field, a larger string, or a plugin not approved for it. Each is a
 * 422 naming the path, at validate and at PUT; a version stored before the check is stopped by the
 * worker. The legitimate path (a declared secret field of an approved plugin) still delivers the
 * value to the step, and never into Temporal's history.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  api,
  newPipeline,
  newTenant,
  runToEnd,
  savePipeline,
  startRun,
  stepOf,
  temporalClient,
  uniqueName,
  waitForRun,
  type TestTenant,
} from '../support/builders.js';
import { publishSecretEchoPlugin } from '../support/plugin-packages.js';

const SECRET = `exfil-${randomUUID()}`;
const ref = '${{ secrets.EXFIL }}';

/** Every string a Temporal history holds, with its payloads (base64 `data`) decoded. */
function historyText(history: unknown): string {
  return JSON.stringify(history, (key, value: unknown) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    return key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value;
  });
}

describe('secret exfiltration', () => {
  let tenant: TestTenant;
  let approved: string;
  let unapproved: string;
  let server: Server;
  let base: string;
  const received: string[] = [];

  beforeAll(async () => {
    tenant = await newTenant();
    await api().put('/v1/secrets/EXFIL').set('authorization', `Bearer ${tenant.token}`).send({ value: SECRET }).expect(201);
    approved = await publishSecretEchoPlugin(tenant, uniqueName('vault'), ['EXFIL']);
    // The same tenant's second plugin would need a second publisher: another tenant publishes it, this one enables it for other secrets.
    const other = await newTenant();
    unapproved = await publishSecretEchoPlugin(other, uniqueName('nosy'), []);
    await api()
      .post(`/v1/plugins/${unapproved}/enable`)
      .set('authorization', `Bearer ${tenant.token}`)
      .send({ version: '1.0.0', secrets: ['SOMETHING_ELSE'] })
      .expect(200);
    server = createServer((request, response) => {
      received.push(String(request.headers.authorization));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  const ways: Array<[string, Record<string, Record<string, unknown>>, Record<string, unknown>, string]> = [
    [
      'as jsonata data, to $split past redaction',
      { leak: { uses: 'transform/jsonata@^1', with: { expression: '$split(s, "")', data: { s: ref } } } },
      {},
      'steps.leak.with.data.s',
    ],
    [
      'as the whole of jsonata data',
      { leak: { uses: 'transform/jsonata@^1', with: { expression: '$split($, "")', data: ref } } },
      {},
      'steps.leak.with.data',
    ],
    ['in an if', { leak: { uses: 'core/echo@^1', if: ref, with: { v: 1 } } }, {}, 'steps.leak.if'],
    ['in the outputs', { leak: { uses: 'core/echo@^1', with: { v: 1 } } }, { outputs: { leak: ref } }, 'outputs.leak'],
    ['as forEach items', { leak: { uses: 'core/echo@^1', forEach: ref, with: { v: '${{ item }}' } } }, {}, 'steps.leak.forEach'],
    ["in another plugin's field", { leak: { uses: 'core/echo@^1', with: { v: ref } } }, {}, 'steps.leak.with.v'],
    [
      'in a non-secret field of a plugin with secret fields',
      { leak: { uses: 'postgres/query@^1', with: { connection: 'postgres://x@127.0.0.1/db', sql: ref } } },
      {},
      'steps.leak.with.sql',
    ],
    [
      'inside a larger string of a secret field',
      { leak: { uses: 'http/request@^1', with: { url: 'https://example.test', secretHeaders: { 'X-Key': `k=${ref}` } } } },
      {},
      'steps.leak.with.secretHeaders.X-Key',
    ],
    [
      'in an expression over it',
      { leak: { uses: 'http/request@^1', with: { url: 'https://example.test', auth: { bearer: '${{ $uppercase(secrets.EXFIL) }}' } } } },
      {},
      'steps.leak.with.auth.bearer',
    ],
  ];

  it.each(ways)('refuses a secret %s with a 422 naming the path, at validate and at PUT', async (_way, steps, extra, path) => {
    const definition = newPipeline(uniqueName('leak'), steps, extra);
    for (const response of [
      await tenant.post('/v1/pipelines/validate', definition),
      await tenant.put(`/v1/pipelines/${definition.name}`, definition),
    ]) {
      expect(response.status, JSON.stringify(response.body)).toBe(422);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    }
  });

  it('refuses a secret in the declared secret field of a plugin the tenant did not approve for it', async () => {
    const definition = newPipeline(uniqueName('leak'), { leak: { uses: `${unapproved}/use@^1`, with: { token: ref } } });
    const response = await tenant.put(`/v1/pipelines/${definition.name}`, definition).expect(422);
    expect(response.body.errors).toEqual([
      { path: 'steps.leak.with.token', message: expect.stringContaining(`not approved for secret EXFIL`) },
    ]);
  });

  it('stops, in the worker, a version stored before the check with a secret in plain data', async () => {
    const name = uniqueName('stored');
    const placeholder = `placeholder-${randomUUID()}`;
    await savePipeline(
      tenant,
      newPipeline(name, { leak: { uses: 'transform/jsonata@^1', with: { expression: '$split(s, "")', data: { s: placeholder } } } }),
    );
    const db = new pg.Client({ connectionString: inject('databaseUrl') });
    await db.connect();
    try {
      const updated = await db.query(
        `UPDATE pipeline_version v SET definition = replace(v.definition::text, $1, $2)::json
           FROM pipeline p WHERE p.id = v.pipeline_id AND p.tenant_id = $3 AND p.name = $4`,
        [placeholder, ref, tenant.tenantId, name],
      );
      expect(updated.rowCount).toBe(1);
    } finally {
      await db.end();
    }
    const run = await waitForRun(tenant, await startRun(tenant, name));
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'leak')).toMatchObject({
      attempt: 1,
      error: { code: 'secret_not_allowed', message: expect.stringContaining('data.s') },
    });
    expect(JSON.stringify(run)).not.toContain(SECRET.slice(0, 12));
  });

  it('still delivers a secret in a declared field of an approved plugin at run time, and never into Temporal history', async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('legit'), {
        call: { uses: 'http/request@^1', with: { url: `${base}/orders`, auth: { bearer: ref } } },
        vault: { uses: `${approved}/use@^1`, with: { token: ref } },
      }),
    );
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(received).toContain(`Bearer ${SECRET}`);
    expect(stepOf(run, 'vault').outputs).toEqual({ token: '***', nested: ['***'], length: SECRET.length });
    const temporal = await temporalClient();
    try {
      const history = historyText(await temporal.workflow.getHandle(run.id).fetchHistory());
      expect(history).toContain('secrets.EXFIL');
      expect(history).not.toContain(SECRET);
    } finally {
      await temporal.connection.close();
    }
  });
});
