import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import pg from 'pg';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  allEvents,
  api,
  newPipeline,
  newTenant,
  runToEnd,
  stepOf,
  temporalClient,
  uniqueName,
  type RunView,
  type TestTenant,
} from './support/builders.js';
import { publishSecretEchoPlugin } from './support/plugin-packages.js';

const run = promisify(execFile);

/** As the tenant's owner: writing secrets needs the admin role, the builders' API key is an operator's. */
const asOwner = (tenant: TestTenant) => ({
  put: (name: string, value: string) => api().put(`/v1/secrets/${name}`).set('authorization', `Bearer ${tenant.token}`).send({ value }),
  delete: (name: string) => api().delete(`/v1/secrets/${name}`).set('authorization', `Bearer ${tenant.token}`),
});

/** Every string a Temporal history holds, with its payloads (base64 `data`) decoded. */
function historyText(history: unknown): string {
  return JSON.stringify(history, (key, value: unknown) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    return key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value;
  });
}

/** Rows of every table in the database whose text (bytea shown as hex) contains the needle. */
async function rowsContaining(needle: string): Promise<Record<string, number>> {
  const db = new pg.Client({ connectionString: inject('databaseUrl') });
  await db.connect();
  try {
    const { rows: tables } = await db.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    const hex = Buffer.from(needle).toString('hex');
    const found: Record<string, number> = {};
    for (const { name } of tables) {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${name}" t WHERE t::text LIKE '%' || $1 || '%' OR t::text LIKE '%' || $2 || '%'`,
        [needle, hex],
      );
      if (rows[0].n) found[name] = rows[0].n;
    }
    return found;
  } finally {
    await db.end();
  }
}

/** Secrets go only into fields a plugin declares secret: a plugin that hands its secret field back in every way it can. */
const canaryPipeline = (name: string, plugin: string) =>
  newPipeline(name, {
    echo: { uses: `${plugin}/use@^1`, with: { token: '${{ secrets.CANARY }}' } },
    boom: { uses: `${plugin}/use@^1`, with: { token: '${{ secrets.CANARY }}', fail: true }, continueOnError: true },
  });

describe('secrets', () => {
  let tenant: TestTenant;
  let canaryPlugin: string;
  beforeAll(async () => {
    tenant = await newTenant();
  });

  it('stores secrets write-only: admins put and delete them, anyone may list names and versions', async () => {
    const owner = asOwner(tenant);
    const created = await owner.put('WAREHOUSE_URL', 'postgres://etl:hunter2@db/warehouse').expect(201);
    expect(created.body).toEqual({ name: 'WAREHOUSE_URL', version: 1, createdAt: expect.any(String), updatedAt: expect.any(String) });
    expect((await owner.put('WAREHOUSE_URL', 'postgres://etl:hunter3@db/warehouse').expect(200)).body.version).toBe(2);
    const list = await tenant.get('/v1/secrets').expect(200);
    expect(list.body).toEqual({
      items: [{ name: 'WAREHOUSE_URL', version: 2, createdAt: expect.any(String), updatedAt: expect.any(String) }],
      nextCursor: null,
    });
    expect(JSON.stringify(list.body)).not.toContain('hunter');
    await tenant.put('/v1/secrets/OPERATOR_TRY', { value: 'x' }).expect(403);
    expect((await owner.put('not-a-name', 'long enough').expect(400)).body.errors).toEqual([expect.objectContaining({ path: 'name' })]);
    expect((await owner.put('EMPTY', '').expect(400)).body.errors).toEqual([expect.objectContaining({ path: 'value' })]);
    expect((await owner.put('PIN', '123').expect(400)).body.errors).toEqual([
      { path: 'value', message: expect.stringContaining('could not be redacted') },
    ]);
    await owner.delete('WAREHOUSE_URL').expect(204);
    await owner.delete('WAREHOUSE_URL').expect(404);
    expect((await tenant.get('/v1/secrets').expect(200)).body.items).toEqual([]);
  });

  describe('a canary secret used in a run', () => {
    const canary = `canary-${randomUUID()}`;
    let result: RunView;
    beforeAll(async () => {
      await asOwner(tenant).put('CANARY', canary).expect(201);
      canaryPlugin = await publishSecretEchoPlugin(tenant, uniqueName('canary-echo'), ['CANARY']);
      result = await runToEnd(tenant, canaryPipeline(uniqueName('canary'), canaryPlugin));
    });

    it('reaches the step, resolved just before it runs', () => {
      expect(result.status).toBe('succeeded');
      expect(stepOf(result, 'echo').outputs).toMatchObject({ length: canary.length });
    });

    it('is redacted from outputs, logs and errors', async () => {
      expect(stepOf(result, 'echo').outputs).toEqual({ token: '***', nested: ['***'], length: canary.length });
      // What the step was given names the secret, never its value.
      expect((stepOf(result, 'echo') as { input?: unknown }).input).toEqual({ token: '[secret CANARY]' });
      expect(stepOf(result, 'boom')).toMatchObject({ status: 'failed', error: { message: '***' } });
      const logs = await tenant.get(`/v1/runs/${result.id}/logs?step=echo`).expect(200);
      expect(logs.body.items).toEqual([expect.objectContaining({ message: '***' })]);
    });

    it("appears nowhere: not in PostgreSQL, the run events, the processes' logs or the Temporal history", async () => {
      expect(await rowsContaining(canary)).toEqual({});
      expect(JSON.stringify(await allEvents(tenant, result.id))).not.toContain(canary);
      for (const file of inject('logFiles')) expect(readFileSync(file, 'utf8'), file).not.toContain(canary);
      const temporal = await temporalClient();
      try {
        const history = historyText(await temporal.workflow.getHandle(result.id).fetchHistory());
        // The history holds the reference, decoded: the search would find the value if it were there.
        expect(history).toContain('secrets.CANARY');
        expect(history).not.toContain(canary);
      } finally {
        await temporal.connection.close();
      }
    });
  });

  it('resolves only references written in the pipeline, never one that arrives as data', async () => {
    await asOwner(tenant).put('PROD_DB', 'postgres://admin:do-not-leak@prod/db').expect(201);
    const smuggled = await runToEnd(
      tenant,
      newPipeline(
        uniqueName('smuggle'),
        {
          relay: { uses: 'core/echo@^1', with: { body: '${{ inputs.body }}', list: '${{ [inputs.body] }}' } },
          fan: { uses: 'core/echo@^1', forEach: '${{ [inputs.body] }}', with: { body: '${{ item }}' } },
        },
        { inputs: { body: { type: 'string' } } },
      ),
      { inputs: { body: '${{ secrets.PROD_DB }}' } },
    );
    expect(smuggled.status).toBe('succeeded');
    expect(stepOf(smuggled, 'relay').outputs).toEqual({ body: '${{ secrets.PROD_DB }}', list: ['${{ secrets.PROD_DB }}'] });
    expect(stepOf(smuggled, 'fan').outputs).toEqual([{ body: '${{ secrets.PROD_DB }}' }]);
    expect(await rowsContaining('do-not-leak')).toEqual({});
  });

  it("fails a step for good when a secret is not set for its tenant, naming it, and never reads another tenant's", async () => {
    await asOwner(tenant).put('ONLY_MINE', 'value-of-tenant-a').expect(201);
    const other = await newTenant();
    const runOf = (t: TestTenant, plugin: string) =>
      runToEnd(t, newPipeline(uniqueName('no-secret'), { use: { uses: `${plugin}/use@^1`, with: { token: '${{ secrets.ONLY_MINE }}' } } }));
    const theirs = await runOf(other, await publishSecretEchoPlugin(other, uniqueName('theirs'), ['ONLY_MINE']));
    expect(theirs.status).toBe('failed');
    expect(stepOf(theirs, 'use')).toMatchObject({
      attempt: 1,
      error: { code: 'secret_missing', message: 'Secret ONLY_MINE is not set for this tenant' },
    });
    await api()
      .post(`/v1/plugins/${canaryPlugin}/enable`)
      .set('authorization', `Bearer ${tenant.token}`)
      .send({ secrets: ['ONLY_MINE'] })
      .expect(200);
    expect((await runOf(tenant, canaryPlugin)).status).toBe('succeeded');
  });

  it('rotates the master key and the data keys with a resumable command, and the store keeps working', async () => {
    const oldKey = inject('masterKey');
    const newKey = randomBytes(32).toString('base64');
    const rotate = async (current: string, previous: string, ...flags: string[]) => {
      const env = {
        ...process.env,
        DATABASE_URL: inject('databaseUrl'),
        SECRETS_MASTER_KEY: current,
        SECRETS_PREVIOUS_MASTER_KEYS: previous,
        LOG_LEVEL: 'warn',
      };
      return (await run(process.execPath, ['bin/baton.js', 'secrets', 'rotate', ...flags], { env })).stdout;
    };
    const db = new pg.Client({ connectionString: inject('databaseUrl') });
    await db.connect();
    const masterIds = async () =>
      (await db.query<{ id: string }>('SELECT DISTINCT master_key_id AS id FROM tenant_data_key')).rows.map((r) => r.id);
    try {
      const before = await masterIds();
      expect(before).toHaveLength(1);
      expect(await rotate(newKey, oldKey)).toMatch(/^Re-wrapped [1-9]\d* data key\(s\)/);
      expect(await masterIds()).not.toEqual(before);
      // Run again, it finds nothing left to do.
      expect(await rotate(newKey, oldKey)).toMatch(/^Re-wrapped 0 data key\(s\)/);
      // And back, so that the running API and worker (which know only the old key) go on.
      expect(await rotate(oldKey, newKey)).toMatch(/^Re-wrapped [1-9]\d* data key\(s\)/);
      expect(await masterIds()).toEqual(before);

      const versionOf = async () =>
        (
          await db.query<{ key_version: number }>('SELECT key_version FROM secret WHERE tenant_id = $1 AND name = $2', [
            tenant.tenantId,
            'CANARY',
          ])
        ).rows[0].key_version;
      const keyVersion = await versionOf();
      expect(await rotate(oldKey, '', '--data-keys')).toMatch(/[1-9]\d* new data key\(s\); re-sealed [1-9]\d* secret\(s\)/);
      expect(await versionOf()).toBe(keyVersion + 1);
      const again = await runToEnd(tenant, canaryPipeline(uniqueName('after-rotation'), canaryPlugin));
      expect(stepOf(again, 'echo')).toMatchObject({ status: 'succeeded', outputs: { token: '***', length: expect.any(Number) } });
    } finally {
      await db.end();
    }
  });
});
