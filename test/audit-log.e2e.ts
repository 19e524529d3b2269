import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { api, newPipeline, newTenant, savePipeline, uniqueName } from './support/builders.js';

interface AuditView {
  id: string;
  at: string;
  actor: { kind: string; id: string | null; role: string };
  action: string;
  target: Record<string, string>;
  status: number;
  sourceIp: string | null;
}

describe('audit log', () => {
  it('records every mutating call with actor, action, target, status, time and source IP, refused ones too, and never a body', async () => {
    const tenant = await newTenant();
    const asOwner = (request: ReturnType<ReturnType<typeof api>['get']>) => request.set('authorization', `Bearer ${tenant.token}`);
    const me = (await asOwner(api().get('/v1/me')).expect(200)).body;
    const operatorKey = (await asOwner(api().get('/v1/api-keys')).expect(200)).body.items.find(
      (k: { role: string }) => k.role === 'operator',
    );

    const pipeline = uniqueName('audited');
    await savePipeline(tenant, newPipeline(pipeline, { e: { uses: 'core/echo@^1', with: {} } }));
    await tenant.post(`/v1/pipelines/${pipeline}/runs`, {}).expect(202);
    await tenant.put('/v1/secrets/AUDIT_CANARY', { value: 'canary-value-never-logged' }).expect(403);
    await asOwner(api().put('/v1/secrets/AUDIT_CANARY')).send({ value: 'canary-value-never-logged' }).expect(201);
    await asOwner(api().delete('/v1/secrets/AUDIT_CANARY')).expect(204);
    await tenant.get('/v1/pipelines').expect(200);

    const { body } = await asOwner(api().get('/v1/audit-log')).expect(200);
    const entries = (body.items as AuditView[]).map(({ actor, action, target, status }) => ({ actor, action, target, status }));
    const owner = { kind: 'user', id: me.user.id, role: 'owner' };
    const operator = { kind: 'api_key', id: operatorKey.id, role: 'operator' };
    // Newest first; reads are not audited.
    expect(entries).toEqual([
      { actor: owner, action: 'DELETE /v1/secrets/:name', target: { name: 'AUDIT_CANARY' }, status: 204 },
      { actor: owner, action: 'PUT /v1/secrets/:name', target: { name: 'AUDIT_CANARY' }, status: 201 },
      { actor: operator, action: 'PUT /v1/secrets/:name', target: { name: 'AUDIT_CANARY' }, status: 403 },
      { actor: operator, action: 'POST /v1/pipelines/:name/runs', target: { name: pipeline }, status: 202 },
      { actor: operator, action: 'PUT /v1/pipelines/:name', target: { name: pipeline }, status: 201 },
      { actor: owner, action: 'POST /v1/api-keys', target: {}, status: 201 },
    ]);
    for (const entry of body.items as AuditView[]) {
      expect(entry.sourceIp).toBe('127.0.0.1');
      expect(Date.now() - Date.parse(entry.at)).toBeLessThan(60_000);
    }

    // Keyset pages: two at a time, the same entries in the same order, none twice.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: AuditView[]; nextCursor: string | null } = (
        await asOwner(api().get(`/v1/audit-log?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).expect(200)
      ).body;
      paged.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual((body.items as AuditView[]).map((item) => item.id));

    // No body is ever kept: the secret's value is in no audit row.
    const db = new pg.Client({ connectionString: inject('databaseUrl') });
    await db.connect();
    try {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM audit_event WHERE audit_event::text LIKE '%canary-value%'`);
      expect(rows[0].n).toBe(0);
    } finally {
      await db.end();
    }
  });

  it('narrows to an actor, words of the action, refused calls and a time window, each bound checked', async () => {
    const tenant = await newTenant();
    const owner = (path: string) => api().get(path).set('authorization', `Bearer ${tenant.token}`);
    const me = (await owner('/v1/me').expect(200)).body;
    const before = new Date().toISOString();
    await tenant.put('/v1/secrets/FILTERED', { value: 'a filtered value' }).expect(403);
    await api().put('/v1/secrets/FILTERED').set('authorization', `Bearer ${tenant.token}`).send({ value: 'a filtered value' }).expect(201);
    const actions = async (query: string) =>
      ((await owner(`/v1/audit-log?${query}`).expect(200)).body.items as AuditView[]).map((e) => `${e.action} ${e.status}`);

    expect(await actions('outcome=refused')).toEqual(['PUT /v1/secrets/:name 403']);
    expect(await actions(`actor=${me.user.id}&action=secrets`)).toEqual(['PUT /v1/secrets/:name 201']);
    expect(await actions(`action=SECRETS&outcome=succeeded&from=${encodeURIComponent(before)}`)).toEqual(['PUT /v1/secrets/:name 201']);
    expect(await actions(`to=${encodeURIComponent(before)}&action=secrets`)).toEqual([]);
    // % and _ are letters here, not patterns.
    expect(await actions('action=%25')).toEqual([]);
    for (const [query, path] of [
      ['actor=me', 'query.actor'],
      ['outcome=maybe', 'query.outcome'],
      [`action=${'a'.repeat(201)}`, 'query.action'],
      [`from=${encodeURIComponent(before)}&to=${encodeURIComponent(before)}`, 'query.to'],
    ])
      expect((await owner(`/v1/audit-log?${query}`).expect(400)).body.errors[0].path, query).toBe(path);
  });

  it('is for admins of the tenant only', async () => {
    const a = await newTenant();
    const b = await newTenant();
    await a.put(`/v1/pipelines/${uniqueName('p')}`, newPipeline('x', {})).expect(422);
    await a.get('/v1/audit-log').expect(403);
    await api().get('/v1/audit-log').expect(401);
    const { body } = await api().get('/v1/audit-log').set('authorization', `Bearer ${b.token}`).expect(200);
    // B sees its own key creation, nothing of A's.
    expect(body.items.map((e: AuditView) => e.action)).toEqual(['POST /v1/api-keys']);
    await api().get('/v1/audit-log?cursor=nonsense').set('authorization', `Bearer ${b.token}`).expect(400);
  });
});
