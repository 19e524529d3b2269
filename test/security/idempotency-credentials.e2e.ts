import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, newPipeline, newTenant, savePipeline, uniqueName, until, type TestTenant } from '../support/builders.js';
import { freePort, spawnBaton, waitForHttp, type BatonProcess } from '../support/processes.js';

/**
 * Creating an API key (or a trigger, a channel, an invitation) with an Idempotency-Key stored the
 * whole response, the new credential in clear, in `idempotency_record`, for ever: a database dump
 * or backup held every such key. Records now expire (IDEMPOTENCY_TTL), and a response that carried
 * a credential is kept without it and not replayed.
 */
describe('idempotency records and the credentials they answered with', () => {
  let tenant: TestTenant;
  let db: pg.Client;

  beforeAll(async () => {
    tenant = await newTenant();
    db = new pg.Client({ connectionString: inject('databaseUrl') });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
  });

  const owner = (baseUrl = inject('baseUrl')) => ({
    post: (path: string, key: string, body: object) =>
      api(baseUrl).post(path).set('authorization', `Bearer ${tenant.token}`).set('idempotency-key', key).send(body),
  });

  it('keeps no clear API key in the database, and answers a replay with what was created instead of the key', async () => {
    const idempotencyKey = randomUUID();
    const created = await owner().post('/v1/api-keys', idempotencyKey, { name: 'deploy-bot', role: 'operator' }).expect(201);
    const key: string = created.body.key;
    expect(key).toMatch(/^bk_/);

    const { rows } = await db.query<{ dump: string }>(
      `SELECT row_to_json(r)::text AS dump FROM idempotency_record r WHERE tenant_id = $1`,
      [tenant.tenantId],
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.dump).not.toContain(key);
    // Nowhere else either: the key itself is only ever stored as a hash.
    const secretPart = key.slice(3);
    const { rows: anywhere } = await db.query(
      `SELECT 1 FROM api_key WHERE tenant_id = $1 AND row_to_json(api_key)::text LIKE '%' || $2 || '%'`,
      [tenant.tenantId, secretPart],
    );
    expect(anywhere).toEqual([]);

    const replay = await owner().post('/v1/api-keys', idempotencyKey, { name: 'deploy-bot', role: 'operator' });
    expect(replay.status).toBe(409);
    expect(replay.body).toMatchObject({ code: 'idempotency_credential_withheld', response: { id: created.body.id, name: 'deploy-bot' } });
    expect(JSON.stringify(replay.body)).not.toContain(key);
    // One key was made, and it works.
    await api().get('/v1/me').set('authorization', `Bearer ${key}`).expect(200);
    const keys = (await api().get('/v1/api-keys').set('authorization', `Bearer ${tenant.token}`).expect(200)).body.items as Array<{
      name: string;
    }>;
    expect(keys.filter((k) => k.name === 'deploy-bot')).toHaveLength(1);
  });

  it("withholds a trigger's signing secret the same way, and still replays responses without credentials", async () => {
    const pipeline = uniqueName('replayed');
    await savePipeline(tenant, newPipeline(pipeline, { hello: { uses: 'core/echo@^1', with: {} } }));
    const triggerKey = randomUUID();
    const trigger = await owner().post('/v1/triggers', triggerKey, { type: 'webhook', pipeline }).expect(201);
    const { rows } = await db.query<{ dump: string }>(
      `SELECT row_to_json(r)::text AS dump FROM idempotency_record r WHERE tenant_id = $1 AND key = $2`,
      [tenant.tenantId, triggerKey],
    );
    expect(rows[0].dump).not.toContain(trigger.body.secret);
    expect((await owner().post('/v1/triggers', triggerKey, { type: 'webhook', pipeline })).status).toBe(409);

    const runKey = randomUUID();
    const first = await owner().post(`/v1/pipelines/${pipeline}/runs`, runKey, {}).expect(202);
    const again = await owner().post(`/v1/pipelines/${pipeline}/runs`, runKey, {}).expect(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(first.body.id);
  });

  describe('expiry', () => {
    let replica: BatonProcess;
    let baseUrl: string;

    beforeAll(async () => {
      const port = await freePort();
      replica = spawnBaton('api', { ...inject('apiEnv'), PORT: String(port), IDEMPOTENCY_TTL: '2s' });
      baseUrl = `http://127.0.0.1:${port}`;
      await waitForHttp(`${baseUrl}/readyz`, 60_000, () => replica.child.exitCode === null);
    });
    afterAll(async () => {
      await replica?.stop();
    });

    it('forgets a key after IDEMPOTENCY_TTL, and deletes its record', async () => {
      const pipeline = uniqueName('expiring');
      await savePipeline(tenant, newPipeline(pipeline, { hello: { uses: 'core/echo@^1', with: {} } }));
      const key = randomUUID();
      const first = await owner(baseUrl).post(`/v1/pipelines/${pipeline}/runs`, key, {}).expect(202);
      expect((await owner(baseUrl).post(`/v1/pipelines/${pipeline}/runs`, key, {}).expect(202)).body.id).toBe(first.body.id);
      // The leader job of this replica deletes records past its TTL, a few times per TTL.
      await until(
        async () =>
          (await db.query('SELECT 1 FROM idempotency_record WHERE tenant_id = $1 AND key = $2', [tenant.tenantId, key])).rowCount === 0,
        20_000,
      );
      const later = await owner(baseUrl).post(`/v1/pipelines/${pipeline}/runs`, key, {}).expect(202);
      expect(later.body.id).not.toBe(first.body.id);
    });
  });
});
