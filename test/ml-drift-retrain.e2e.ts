import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  allEvents,
  newTenant,
  startRun,
  stepOf,
  uniqueName,
  until,
  waitForRun,
  type RunView,
  type TestTenant,
} from './support/builders.js';
import { forestMetrics, iris, parseNdjson, storedText, upload, type ForestFile, type Iris } from './support/iris.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const GOOD = { nEstimators: 25, maxFeatures: 0.5, seed: 42 };
const example = (name: string) => readFileSync(new URL(`../examples/${name}.yaml`, import.meta.url), 'utf8');

interface Delivery {
  id: string;
  outcome: 'started' | 'failed' | 'skipped';
  runId: string | null;
  sourceRunId: string | null;
  reason: string | null;
}
interface Lifecycle {
  version: number;
  decision: 'promote' | 'keep';
  promoted: boolean;
  champion: { version: number; score: number } | null;
  challenger: { version: number; score: number };
}

describe('examples/iris-drift-check.yaml → examples/iris-champion-challenger.yaml', () => {
  it('a scheduled drift check on shifted data emits model.drift_detected, which alerts and triggers one retraining run; the retrained model wins on the new data', async () => {
    const tenant: TestTenant = await newTenant();
    // The same flowers measured by a new instrument: petals read 1.5 cm longer. Species stay as they were.
    const current = iris.map((r) => ({ ...r, petal_length: Math.round((r.petal_length + 1.5) * 10) / 10 }));
    await upload(tenant.tenantId, 'datasets/iris.ndjson', iris);
    await upload(tenant.tenantId, 'datasets/current.ndjson', current);
    for (const name of ['iris-champion-challenger', 'iris-drift-check']) {
      const saved = await tenant.put(`/v1/pipelines/${name}`, example(name)).set('content-type', 'application/yaml');
      expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    }
    const runsOf = async (pipeline: string): Promise<RunView[]> =>
      (await tenant.get(`/v1/runs?pipeline=${pipeline}&limit=500`).expect(200)).body.items;

    // 1. The production model, trained on the data as it was.
    const model = uniqueName('iris');
    const v1Run = await waitForRun(
      tenant,
      await startRun(tenant, 'iris-champion-challenger', { inputs: { dataset: 'datasets/iris.ndjson', model, params: GOOD } }),
      undefined,
      120_000,
    );
    expect(v1Run.status, JSON.stringify(v1Run)).toBe('succeeded');
    expect(v1Run.outputs).toMatchObject({ version: 1, promoted: true });

    // 2. Retrain on drift, as the example says: on the drifted data, at most once per hour.
    const trigger = (
      await tenant
        .post('/v1/triggers', {
          type: 'event',
          event: 'model.drift_detected',
          source: 'iris-drift-check',
          pipeline: 'iris-champion-challenger',
          cooldown: '1h',
          inputs: `{ "dataset": event.data.current, "model": event.data.model, "params": ${JSON.stringify(GOOD)} }`,
        })
        .expect(201)
    ).body;
    const deliveries = async (): Promise<Delivery[]> =>
      (await tenant.get(`/v1/triggers/${trigger.id}/deliveries?limit=500`).expect(200)).body.items;

    // 3. The drift check on a schedule, every 2 s, until it has found drift three times.
    const schedule = (
      await tenant
        .post('/v1/schedules', {
          pipeline: 'iris-drift-check',
          every: '2s',
          inputs: { reference: 'datasets/iris.ndjson', current: 'datasets/current.ndjson', model },
        })
        .expect(201)
    ).body.id as string;
    const driftChecks = async () => (await runsOf('iris-drift-check')).filter((r) => r.status === 'succeeded');
    await until(async () => (await driftChecks()).length >= 3, 60_000);
    await tenant.post(`/v1/schedules/${schedule}/pause`, {}).expect(200);
    await until(async () => (await runsOf('iris-drift-check')).every((r) => ['succeeded', 'failed'].includes(r.status)), 30_000);
    const checks = await Promise.all((await runsOf('iris-drift-check')).map((r) => waitForRun(tenant, r.id)));
    expect(
      checks.filter((r) => r.status !== 'succeeded' || r.trigger !== 'schedule'),
      JSON.stringify(checks),
    ).toEqual([]);
    // Each check found the shifted feature, and only it, and emitted the event naming the model and the data.
    for (const check of checks) {
      const drift = stepOf(check, 'drift').outputs as { drifted: boolean; features: Array<{ feature: string; drifted: boolean }> };
      expect(drift.drifted).toBe(true);
      expect(drift.features.filter((f) => f.drifted).map((f) => f.feature)).toEqual(['petal_length']);
      const emitted = (await allEvents(tenant, check.id)).filter((e) => e.type === 'model.drift_detected');
      expect(emitted).toHaveLength(1);
      expect(emitted[0]).toMatchObject({
        stepId: 'drift',
        data: { model, reference: 'datasets/iris.ndjson', current: 'datasets/current.ndjson', features: [{ feature: 'petal_length' }] },
      });
    }

    // 4. Every event was delivered to the trigger; the first started the retraining run, the rest fell in the cooldown.
    await until(async () => (await deliveries()).length === checks.length, 20_000);
    await sleep(3_000);
    const seen = (await deliveries()).reverse();
    expect(seen).toHaveLength(checks.length);
    const firstCheck = checks.reduce((a, b) => (a.createdAt < b.createdAt ? a : b));
    expect(seen[0]).toMatchObject({ outcome: 'started', sourceRunId: firstCheck.id });
    expect(seen.slice(1).every((d) => d.outcome === 'skipped' && /cooldown/.test(d.reason!))).toBe(true);
    expect(seen.map((d) => d.sourceRunId).sort()).toEqual(checks.map((c) => c.id).sort());
    const retrains = (await runsOf('iris-champion-challenger')).filter((r) => r.trigger === 'event');
    expect(retrains.map((r) => r.id)).toEqual([seen[0].runId]);

    // 5. The retraining run: on the drifted data, registered as version 2, compared with version 1 on the
    //    same held-out drifted rows, and promoted because it wins there; scores match an independent computation.
    const retrain = await waitForRun(tenant, retrains[0].id, undefined, 120_000);
    expect(retrain.status, JSON.stringify(retrain)).toBe('succeeded');
    expect(retrain.inputs).toEqual({ dataset: 'datasets/current.ndjson', model, params: GOOD });
    expect((await tenant.get(`/v1/runs/${retrain.id}`).expect(200)).body.triggeredBy).toEqual({
      triggerId: trigger.id,
      delivery: seen[0].id,
      sourceRunId: firstCheck.id,
    });
    const heldOut = parseNdjson<Iris>(
      await storedText(tenant.tenantId, (stepOf(retrain, 'split').outputs as { test: { artifact: string } }).test.artifact),
    );
    const versions: Array<{ version: number; stage: string; artifact: string; dataset: { artifact: string }; run: { id: string } }> = (
      await tenant.get(`/v1/models/${model}/versions`).expect(200)
    ).body.items;
    const [v1, v2] = [versions.find((v) => v.version === 1)!, versions.find((v) => v.version === 2)!];
    const scoreOf = async (artifact: string) =>
      forestMetrics(JSON.parse(await storedText(tenant.tenantId, artifact)) as ForestFile, heldOut).metrics.accuracy;
    const [championScore, challengerScore] = [await scoreOf(v1.artifact), await scoreOf(v2.artifact)];
    expect(challengerScore).toBeGreaterThan(championScore + 0.02);
    const out = retrain.outputs as unknown as Lifecycle;
    expect(out).toMatchObject({ version: 2, decision: 'promote', promoted: true, champion: { version: 1 }, challenger: { version: 2 } });
    expect(out.champion!.score).toBeCloseTo(championScore, 12);
    expect(out.challenger.score).toBeCloseTo(challengerScore, 12);
    expect(v2).toMatchObject({
      stage: 'production',
      run: { id: retrain.id },
      dataset: { artifact: (stepOf(retrain, 'split').outputs as { train: { artifact: string } }).train.artifact },
    });
    expect(v1.stage).toBe('archived');

    // 6. Each drift check also raised a model.drift_detected alert.
    const alerted = async () =>
      (
        (await tenant.get('/v1/alerts?type=model.drift_detected&pipeline=iris-drift-check&limit=500').expect(200)).body.items as Array<{
          runId: string;
        }>
      )
        .map((a) => a.runId)
        .sort();
    await until(async () => (await alerted()).length === checks.length, 20_000);
    expect(await alerted()).toEqual(checks.map((c) => c.id).sort());

    // 7. A check that finds no drift emits nothing and starts nothing.
    const calm = await waitForRun(
      tenant,
      await startRun(tenant, 'iris-drift-check', { inputs: { reference: 'datasets/iris.ndjson', current: 'datasets/iris.ndjson', model } }),
    );
    expect(calm.outputs).toMatchObject({ drifted: false });
    await sleep(3_000);
    expect(await deliveries()).toHaveLength(checks.length);
    expect((await runsOf('iris-champion-challenger')).filter((r) => r.trigger === 'event')).toHaveLength(1);
  });
});
