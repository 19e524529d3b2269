import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { allEvents, newPipeline, newTenant, runToEnd, stepOf, uniqueName, type TestTenant } from './support/builders.js';
import { asOwner, publishPluginSource } from './support/plugin-packages.js';

interface VersionView {
  version: number;
  stage: string;
  metrics: Record<string, number>;
  params: Record<string, unknown>;
  dataset: unknown;
  run: { id: string; stepId: string } | null;
  artifact: string;
  algorithm: string | null;
}

/**
 * A test plugin whose `train` step saves a "fitted model" artifact, registers it with `ctx.models`
 * and reads the production version back; with `failFirst`, its first attempt fails after
 * registering (a retry must not register twice).
 */
async function publishTrainPlugin(tenant: TestTenant): Promise<string> {
  const name = uniqueName('trainer');
  return publishPluginSource(tenant, {
    name,
    publisher: uniqueName('train-pub'),
    source: `import { definePlugin, defineStep, StepError } from '@baton/plugin-sdk';
import { z } from 'zod';
export default definePlugin({
  name: ${JSON.stringify(name)}, version: '1.0.0',
  steps: [defineStep({
    id: 'train', title: 'Train', input: z.object({ model: z.string(), accuracy: z.number(), failFirst: z.boolean().default(false), stage: z.enum(['staging', 'production']).optional(), ifProduction: z.number().nullable().optional(), verdictAbout: z.string().optional() }),
    output: z.object({ version: z.number(), production: z.number().nullable(), attempt: z.number(), recorded: z.boolean().optional() }),
    run: async ({ model, accuracy, failFirst, stage, ifProduction, verdictAbout }, ctx) => {
      if (verdictAbout) {
        const { recorded } = await ctx.models.recordComparison({ name: verdictAbout, metric: 'accuracy', margin: 0, decision: 'promote', promoted: false, champion: { version: 1, score: 0.1 }, challenger: { version: 2, artifact: 'forged', score: accuracy } });
        return { version: 0, production: null, attempt: ctx.attempt, recorded };
      }
      const artifact = await ctx.artifacts.put(ctx.artifacts.ownKey('model.json'), JSON.stringify({ weights: [accuracy] }), { contentType: 'application/json' });
      const { version } = await ctx.models.register({
        name: model, metrics: { accuracy, f1: accuracy - 0.05 }, params: { depth: Math.round(accuracy * 10) },
        dataset: { artifact: 'datasets/iris.ndjson', rows: 150 }, artifact, algorithm: 'random-forest', task: 'classification',
      });
      if (failFirst && ctx.attempt === 1) throw new StepError('planned failure after registering', { retryable: true });
      if (stage) await ctx.models.promote(model, version, stage, ifProduction === undefined ? {} : { ifProduction });
      const production = await ctx.models.get(model, 'production');
      return { version, production: production ? production.version : null, attempt: ctx.attempt };
    },
  })],
});
`,
  });
}

describe('model registry', () => {
  let tenant: TestTenant;
  let other: TestTenant;
  let plugin: string;
  let db: pg.Pool;
  const model = uniqueName('iris');
  const runs: string[] = [];

  const train = async (modelName: string, accuracy: number, extra: Record<string, unknown> = {}, as: TestTenant = tenant) => {
    const run = await runToEnd(
      as,
      newPipeline(uniqueName('train'), {
        fit: {
          uses: `${plugin}/train@^1`,
          with: { model: modelName, accuracy, ...extra },
          retry: { maxAttempts: 2, initialInterval: '1s' },
        },
      }),
    );
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    return {
      run,
      outputs: stepOf(run, 'fit').outputs as { version: number; production: number | null; attempt: number; recorded?: boolean },
    };
  };
  const versions = async (name = model): Promise<VersionView[]> => (await tenant.get(`/v1/models/${name}/versions`).expect(200)).body.items;
  const stages = async (name = model) => Object.fromEntries((await versions(name)).map((v) => [v.version, v.stage]));
  const promote = (version: number, stage: string, name = model) =>
    tenant.post(`/v1/models/${name}/versions/${version}/promote`, { stage });

  beforeAll(async () => {
    tenant = await newTenant();
    other = await newTenant();
    plugin = await publishTrainPlugin(tenant);
    db = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });
    // Two runs register versions 1 and 2; the second step fails once after registering and is retried.
    const first = await train(model, 0.81);
    expect(first.outputs).toEqual({ version: 1, production: null, attempt: 1 });
    const second = await train(model, 0.9, { failFirst: true });
    expect(second.outputs).toEqual({ version: 2, production: null, attempt: 2 });
    runs.push(first.run.id, second.run.id);
  }, 180_000);

  afterAll(async () => {
    await db?.end();
  });

  it('a step retry registers no second version, and the registration is a run event of the step', async () => {
    expect((await versions()).map((v) => v.version)).toEqual([2, 1]);
    const events = await allEvents(tenant, runs[1]);
    const registered = events.filter((e) => e.type === 'model.registered');
    expect(registered).toHaveLength(1);
    expect(registered[0]).toMatchObject({ stepId: 'fit', attempt: 1 });
    expect(JSON.stringify(registered[0])).toContain(model);
    expect(events.filter((e) => e.type === 'step.attempt_failed')).toHaveLength(1);
  });

  it('lists models with their production and newest versions, and versions with metrics, params, lineage and the run', async () => {
    const list = (await tenant.get('/v1/models').expect(200)).body;
    const entry = list.items.find((m: { name: string }) => m.name === model);
    expect(entry).toMatchObject({ name: model, productionVersion: null, latestVersion: { version: 2, stage: 'none' } });
    const [v2, v1] = await versions();
    expect(v1).toMatchObject({
      version: 1,
      stage: 'none',
      metrics: { accuracy: 0.81 },
      params: { depth: 8 },
      dataset: { artifact: 'datasets/iris.ndjson', rows: 150 },
      run: { id: runs[0], stepId: 'fit' },
      algorithm: 'random-forest',
      artifact: expect.stringMatching(new RegExp(`^runs/${runs[0]}/.+/model\\.json$`)),
    });
    expect(v2).toMatchObject({ version: 2, metrics: { accuracy: 0.9 }, run: { id: runs[1], stepId: 'fit' } });
    // Keyset pagination, newest first.
    const page1 = (await tenant.get(`/v1/models/${model}/versions?limit=1`).expect(200)).body;
    expect(page1.items.map((v: VersionView) => v.version)).toEqual([2]);
    const page2 = (await tenant.get(`/v1/models/${model}/versions?limit=1&cursor=${page1.nextCursor}`).expect(200)).body;
    expect(page2.items.map((v: VersionView) => v.version)).toEqual([1]);
    expect(page2.nextCursor).toBeNull();
    // Metrics history, oldest first: the model got better.
    const metrics = (await tenant.get(`/v1/models/${model}/metrics?metric=accuracy`).expect(200)).body;
    expect(metrics.items.map((i: { version: number; value: number }) => [i.version, i.value])).toEqual([
      [1, 0.81],
      [2, 0.9],
    ]);
    const all = (await tenant.get(`/v1/models/${model}/metrics`).expect(200)).body;
    expect(all.items[1]).toMatchObject({ version: 2, metrics: { accuracy: 0.9, f1: expect.closeTo(0.85, 5) }, runId: runs[1] });
    // Bounded: the newest `limit` versions, still oldest first, and a cursor back to the older ones.
    expect(metrics.nextCursor).toBeNull();
    const newest = (await tenant.get(`/v1/models/${model}/metrics?metric=accuracy&limit=1`).expect(200)).body;
    expect(newest.items.map((i: { version: number; value: number }) => [i.version, i.value])).toEqual([[2, 0.9]]);
    const older = (await tenant.get(`/v1/models/${model}/metrics?metric=accuracy&limit=1&cursor=${newest.nextCursor}`).expect(200)).body;
    expect(older).toMatchObject({ items: [{ version: 1, value: 0.81 }], nextCursor: null });
  });

  it('promotes, archives the previous production version, rolls back, and audits it all', async () => {
    const first = await promote(1, 'production').expect(200);
    expect(first.body).toMatchObject({ productionVersion: { version: 1 }, changes: [{ version: 1, from: 'none', to: 'production' }] });
    // A step sees the production version.
    const third = await train(model, 0.95);
    expect(third.outputs).toEqual({ version: 3, production: 1, attempt: 1 });

    const second = await promote(2, 'production').expect(200);
    expect(second.body.changes).toEqual([
      { version: 1, from: 'production', to: 'archived' },
      { version: 2, from: 'none', to: 'production' },
    ]);
    expect(await stages()).toEqual({ 1: 'archived', 2: 'production', 3: 'none' });

    const rolled = await tenant.post(`/v1/models/${model}/rollback`).expect(200);
    expect(rolled.body).toMatchObject({ productionVersion: { version: 1 } });
    expect(await stages()).toEqual({ 1: 'production', 2: 'archived', 3: 'none' });
    // Rolling back undoes promotes one by one: before version 1 there was none (not back to 2).
    expect((await tenant.post(`/v1/models/${model}/rollback`).expect(409)).body.code).toBe('no_previous_production');

    const detail = (await tenant.get(`/v1/models/${model}`).expect(200)).body;
    expect(detail.productionVersion.version).toBe(1);
    const reasons = detail.history.map((h: { version: number; to: string; reason: string }) => `${h.reason}:${h.version}:${h.to}`);
    expect(reasons.slice(0, 2)).toEqual(['rollback:1:production', 'rollback:2:archived']);
    expect(reasons).toEqual(
      expect.arrayContaining(['registered:1:none', 'registered:3:none', 'promote:2:production', 'promote:1:archived']),
    );
    expect(detail.history.find((h: { reason: string }) => h.reason === 'registered').actor.kind).toBe('step');
    expect(detail.history[0].actor.kind).toBe('api_key');

    const audit = (await asOwner(tenant).get('/v1/audit-log?limit=100').expect(200)).body.items as Array<{
      action: string;
      target: Record<string, string>;
      status: number;
    }>;
    expect(
      audit.filter((a) => a.action === 'POST /v1/models/:name/versions/:version/promote' && a.target.name === model && a.status === 200),
    ).toHaveLength(2);
    expect(audit.filter((a) => a.action === 'POST /v1/models/:name/rollback' && a.target.name === model && a.status === 200)).toHaveLength(
      1,
    );
  });

  it('concurrent promotes leave exactly one production version', async () => {
    const responses = await Promise.all([1, 2, 3, 1, 2, 3, 2, 3].map((v) => promote(v, 'production')));
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
    const after = await stages();
    expect(Object.values(after).filter((s) => s === 'production')).toHaveLength(1);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM model_version v JOIN model m ON m.id = v.model_id WHERE m.tenant_id = $1 AND m.name = $2 AND v.stage = 'production'`,
      [tenant.tenantId, model],
    );
    expect(rows[0].n).toBe(1);
  });

  it('a step promotes only over the production version it expected; otherwise production_changed and nothing moves', async () => {
    const guarded = uniqueName('guarded');
    await train(guarded, 0.7, { stage: 'production', ifProduction: null });
    // Decided as if there were no production version, but version 1 is: refused, every attempt.
    const stale = await runToEnd(
      tenant,
      newPipeline(uniqueName('train'), {
        fit: { uses: `${plugin}/train@^1`, with: { model: guarded, accuracy: 0.9, stage: 'production', ifProduction: null } },
      }),
    );
    expect(stale.status).toBe('failed');
    expect(stepOf(stale, 'fit').error).toMatchObject({
      stepCode: 'production_changed',
      message: expect.stringMatching(/version 1 of .* is in production now, not none/),
    });
    const stages = async () => (await versions(guarded)).map((v) => [v.version, v.stage]).sort();
    expect(await stages()).toEqual([
      [1, 'production'],
      [2, 'none'],
    ]);
    // Decided against version 1, which is still production: promoted.
    await train(guarded, 0.95, { stage: 'production', ifProduction: 1 });
    expect(await stages()).toEqual([
      [1, 'archived'],
      [2, 'none'],
      [3, 'production'],
    ]);
  });

  it('rollback is 409 when there is no earlier production version', async () => {
    const solo = uniqueName('solo');
    await train(solo, 0.7);
    const none = await tenant.post(`/v1/models/${solo}/rollback`).expect(409);
    expect(none.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(none.body.code).toBe('no_previous_production');
    await promote(1, 'production', solo).expect(200);
    await tenant.post(`/v1/models/${solo}/rollback`).expect(409);
    expect(await stages(solo)).toEqual({ 1: 'production' });
    // Three promotes, two rollbacks: 3 → 2 → 1.
    await train(solo, 0.75);
    // A step promotes what it registered: recorded as a run event and in the history.
    const staged = await train(solo, 0.8, { stage: 'staging' });
    expect(await stages(solo)).toEqual({ 1: 'production', 2: 'none', 3: 'staging' });
    expect((await allEvents(tenant, staged.run.id)).filter((e) => e.type === 'model.promoted')).toHaveLength(1);
    const change = (await tenant.get(`/v1/models/${solo}`).expect(200)).body.history[0];
    expect(change).toMatchObject({
      version: 3,
      from: 'none',
      to: 'staging',
      reason: 'promote',
      actor: { kind: 'step' },
      run: { id: staged.run.id, stepId: 'fit' },
    });
    await promote(2, 'production', solo).expect(200);
    await promote(3, 'production', solo).expect(200);
    await tenant.post(`/v1/models/${solo}/rollback`).expect(200);
    expect(await stages(solo)).toEqual({ 1: 'archived', 2: 'production', 3: 'archived' });
    await tenant.post(`/v1/models/${solo}/rollback`).expect(200);
    expect(await stages(solo)).toEqual({ 1: 'production', 2: 'archived', 3: 'archived' });
    await tenant.post(`/v1/models/${solo}/rollback`).expect(409);
  });

  it("another tenant sees none of A's models", async () => {
    expect((await other.get('/v1/models').expect(200)).body.items).toEqual([]);
    await other.get(`/v1/models/${model}`).expect(404);
    await other.get(`/v1/models/${model}/comparisons`).expect(404);
    await other.get(`/v1/models/${model}/versions`).expect(404);
    await other.get(`/v1/models/${model}/metrics`).expect(404);
    await other.post(`/v1/models/${model}/versions/1/promote`, { stage: 'production' }).expect(404);
    await other.post(`/v1/models/${model}/rollback`).expect(404);
    expect(Object.values(await stages()).filter((s) => s === 'production')).toHaveLength(1);
    // Its steps see only its own registry: the same name is a new model of its own.
    await asOwner(other).post(`/v1/plugins/${plugin}/enable`, { version: '1.0.0' }).expect(200);
    const theirs = await train(model, 0.5, {}, other);
    expect(theirs.outputs).toEqual({ version: 1, production: null, attempt: 1 });
    expect(Object.keys(await stages())).toEqual(['1', '2', '3']);
    // A verdict its step records about that name is kept with its own model, never with A's.
    const judged = await train(model, 0.99, { verdictAbout: model }, other);
    expect(judged.outputs.recorded).toBe(true);
    expect((await other.get(`/v1/models/${model}/comparisons`).expect(200)).body.items).toMatchObject([
      { decision: 'promote', challenger: { version: 2, artifact: 'forged', score: 0.99 }, run: { id: judged.run.id, stepId: 'fit' } },
    ]);
    expect((await tenant.get(`/v1/models/${model}/comparisons`).expect(200)).body.items).toEqual([]);
    expect((await tenant.get(`/v1/models/${model}`).expect(200)).body.lastComparison).toBeNull();
  });

  it('a verdict about a model the registry does not hold is not recorded, and the step goes on', async () => {
    const nowhere = uniqueName('unregistered');
    const judged = await train(model, 0.5, { verdictAbout: nowhere });
    expect(judged.outputs.recorded).toBe(false);
    await tenant.get(`/v1/models/${nowhere}/comparisons`).expect(404);
    expect((await allEvents(tenant, judged.run.id)).filter((e) => e.type === 'model.compared')).toEqual([]);
  });

  it('bad input is a 4xx problem naming the field', async () => {
    const paths = (body: { errors?: Array<{ path: string }> }) => (body.errors ?? []).map((e) => e.path);
    expect(paths((await promote(1, 'gold').expect(400)).body)).toEqual(['stage']);
    expect(paths((await tenant.post(`/v1/models/${model}/versions/1/promote`, {}).expect(400)).body)).toEqual(['stage']);
    expect(paths((await tenant.post(`/v1/models/${model}/versions/abc/promote`, { stage: 'staging' }).expect(400)).body)).toEqual([
      'version',
    ]);
    expect(paths((await tenant.post(`/v1/models/${model}/versions/0/promote`, { stage: 'staging' }).expect(400)).body)).toEqual([
      'version',
    ]);
    expect(paths((await tenant.get('/v1/models/bad%20name').expect(400)).body)).toEqual(['name']);
    expect(
      paths((await tenant.post(`/v1/models/${model}/versions/1/promote`, { stage: 'staging', colour: 'red' }).expect(400)).body),
    ).toEqual(['colour']);
    expect(paths((await tenant.get(`/v1/models/${model}/versions?limit=0`).expect(400)).body)).toEqual(['query.limit']);
    expect(paths((await tenant.get(`/v1/models/${model}/metrics?limit=1001`).expect(400)).body)).toEqual(['query.limit']);
    expect(paths((await tenant.get(`/v1/models/${model}/metrics?cursor=nonsense`).expect(400)).body)).toEqual(['query.cursor']);
    expect(paths((await tenant.get(`/v1/models/${model}/comparisons?version=0`).expect(400)).body)).toEqual(['query.version']);
    expect(paths((await tenant.get(`/v1/models/${model}/comparisons?cursor=nonsense`).expect(400)).body)).toEqual(['query.cursor']);
    expect(paths((await tenant.get(`/v1/models/${model}/comparisons?colour=red`).expect(400)).body)).toEqual(['query.colour']);
    const missing = await promote(99, 'staging').expect(404);
    expect(missing.body.code).toBe('version_not_found');
    await tenant.get(`/v1/models/${uniqueName('nothing')}`).expect(404);
    expect(await stages()).not.toHaveProperty('99');
  });
});
