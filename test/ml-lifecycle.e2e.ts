import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  allEvents,
  newPipeline,
  newTenant,
  runToEnd,
  startRun,
  stepOf,
  uniqueName,
  waitForRun,
  type RunView,
  type TestTenant,
} from './support/builders.js';
import { forestMetrics, iris, parseNdjson, storedText, upload, type ForestFile, type Iris } from './support/iris.js';

// A good forest, and a one-tree stump of depth 1 (one split: it cannot tell three species apart).
const GOOD = { nEstimators: 25, maxFeatures: 0.5, seed: 42 };
const POOR = { nEstimators: 1, maxFeatures: 1, seed: 42, treeOptions: { maxDepth: 1 } };

interface Lifecycle {
  version: number;
  metrics: Record<string, number>;
  decision: 'promote' | 'keep';
  promoted: boolean;
  champion: { version: number; artifact: string; score: number } | null;
  challenger: { version: number; artifact: string; score: number };
}
interface VersionView {
  version: number;
  stage: string;
  metrics: Record<string, number>;
  params: Record<string, unknown>;
  dataset: { artifact: string };
  artifact: string;
  algorithm: string;
  run: { id: string; stepId: string };
}

describe('examples/iris-champion-challenger.yaml', () => {
  it('the better model ends in production, a worse challenger does not; a rollback restores the previous one and ml/predict by name uses it', async () => {
    const tenant: TestTenant = await newTenant();
    await upload(tenant.tenantId, 'datasets/iris.ndjson', iris);
    const saved = await tenant
      .put(
        '/v1/pipelines/iris-champion-challenger',
        readFileSync(new URL('../examples/iris-champion-challenger.yaml', import.meta.url), 'utf8'),
      )
      .set('content-type', 'application/yaml');
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    const model = uniqueName('iris');
    const run = async (params: Record<string, unknown>): Promise<{ run: RunView; out: Lifecycle }> => {
      const done = await waitForRun(
        tenant,
        await startRun(tenant, 'iris-champion-challenger', { inputs: { dataset: 'datasets/iris.ndjson', model, params } }),
        undefined,
        120_000,
      );
      expect(done.status, JSON.stringify(done)).toBe('succeeded');
      return { run: done, out: done.outputs as unknown as Lifecycle };
    };
    const versions = async (): Promise<VersionView[]> => (await tenant.get(`/v1/models/${model}/versions`).expect(200)).body.items;
    const stages = async () => Object.fromEntries((await versions()).map((v) => [v.version, v.stage]));

    // Independently: each model as its artifact holds it, loaded with the library, on the held-out rows as stored.
    const test = async (r: RunView) =>
      parseNdjson<Iris>(await storedText(tenant.tenantId, (stepOf(r, 'split').outputs as { test: { artifact: string } }).test.artifact));
    const scoreOf = async (artifact: string, rows: Iris[]) =>
      forestMetrics(JSON.parse(await storedText(tenant.tenantId, artifact)) as ForestFile, rows);

    // 1. The stump first: no production version yet, so it becomes the champion.
    const first = await run(POOR);
    const heldOut = await test(first.run);
    expect(heldOut).toHaveLength(45);
    const v1 = (await versions()).find((v) => v.version === 1)!;
    const poorScore = await scoreOf(v1.artifact, heldOut);
    expect(first.out).toMatchObject({
      version: 1,
      decision: 'promote',
      promoted: true,
      champion: null,
      challenger: { version: 1, artifact: v1.artifact },
    });
    for (const [name, value] of Object.entries(poorScore.metrics)) expect(first.out.metrics[name], name).toBeCloseTo(value, 12);
    expect(first.out.challenger.score).toBeCloseTo(poorScore.metrics.accuracy, 12);
    expect(poorScore.metrics.accuracy).toBeLessThan(0.7);
    // The registry holds the metrics ml/evaluate reported, the model's params, the training data and the run.
    expect(v1).toMatchObject({
      stage: 'production',
      algorithm: 'random_forest_classifier',
      params: { nEstimators: 1, treeOptions: { maxDepth: 1 } },
      dataset: { artifact: (stepOf(first.run, 'split').outputs as { train: { artifact: string } }).train.artifact },
      run: { id: first.run.id, stepId: 'register' },
    });
    for (const [name, value] of Object.entries(poorScore.metrics)) expect(v1.metrics[name], name).toBeCloseTo(value, 12);

    // 2. A good forest challenges it on the same held-out rows (the split is seeded) and wins.
    const second = await run(GOOD);
    expect(await test(second.run)).toEqual(heldOut);
    const v2 = (await versions()).find((v) => v.version === 2)!;
    const goodScore = await scoreOf(v2.artifact, heldOut);
    expect(goodScore.metrics.accuracy).toBeGreaterThan(0.9);
    expect(second.out).toMatchObject({
      version: 2,
      decision: 'promote',
      promoted: true,
      champion: { version: 1, artifact: v1.artifact },
      challenger: { version: 2, artifact: v2.artifact },
    });
    expect(second.out.champion!.score).toBeCloseTo(poorScore.metrics.accuracy, 12);
    expect(second.out.challenger.score).toBeCloseTo(goodScore.metrics.accuracy, 12);
    for (const [name, value] of Object.entries(goodScore.metrics)) expect(second.out.metrics[name], name).toBeCloseTo(value, 12);
    expect(await stages()).toEqual({ 1: 'archived', 2: 'production' });

    // 3. The stump again: a worse challenger is registered but kept out of production.
    const third = await run(POOR);
    expect(third.out).toMatchObject({
      version: 3,
      decision: 'keep',
      promoted: false,
      champion: { version: 2 },
      challenger: { version: 3 },
    });
    expect(third.out.champion!.score).toBeCloseTo(goodScore.metrics.accuracy, 12);
    expect(third.out.challenger.score).toBeCloseTo(poorScore.metrics.accuracy, 12);
    expect(await stages()).toEqual({ 1: 'archived', 2: 'production', 3: 'none' });

    // The registry keeps each guard verdict with the model: the newest on the model, all of them (or one version's) newest first.
    const verdict = (r: { run: RunView; out: Lifecycle }) => ({
      metric: 'accuracy',
      margin: 0.02,
      decision: r.out.decision,
      promoted: r.out.promoted,
      champion: r.out.champion && { version: r.out.champion.version, score: r.out.champion.score },
      challenger: r.out.challenger,
      run: { id: r.run.id, stepId: 'compare' },
    });
    const detail = await tenant.get(`/v1/models/${model}`).expect(200);
    expect(detail.body.lastComparison).toMatchObject(verdict(third));
    const verdicts = (await tenant.get(`/v1/models/${model}/comparisons`).expect(200)).body;
    expect(verdicts.items).toMatchObject([verdict(third), verdict(second), verdict(first)]);
    expect(verdicts.nextCursor).toBeNull();
    const aboutV1 = (await tenant.get(`/v1/models/${model}/comparisons?version=1&limit=1`).expect(200)).body;
    expect(aboutV1.items).toMatchObject([verdict(second)]);
    const older = (await tenant.get(`/v1/models/${model}/comparisons?version=1&limit=1&cursor=${aboutV1.nextCursor}`).expect(200)).body;
    expect(older).toMatchObject({ items: [verdict(first)], nextCursor: null });
    const compared = (await allEvents(tenant, third.run.id)).filter((e: { type: string }) => e.type === 'model.compared');
    expect(compared).toMatchObject([{ stepId: 'compare', data: { name: model, decision: 'keep', promoted: false } }]);

    const history = (await tenant.get(`/v1/models/${model}/metrics?metric=accuracy`).expect(200)).body.items.map(
      (i: { version: number; value: number }) => [i.version, i.value],
    );
    expect(history).toEqual([
      [1, expect.closeTo(poorScore.metrics.accuracy, 12)],
      [2, expect.closeTo(goodScore.metrics.accuracy, 12)],
      [3, expect.closeTo(poorScore.metrics.accuracy, 12)],
    ]);

    // 4. Roll back: version 1 is production again, and a predict pipeline by name and stage uses it.
    const rolled = await tenant.post(`/v1/models/${model}/rollback`).expect(200);
    expect(rolled.body).toMatchObject({ productionVersion: { version: 1 } });
    expect(await stages()).toEqual({ 1: 'production', 2: 'archived', 3: 'none' });
    const unlabelled = iris.map(({ species: _species, ...features }) => features);
    await upload(tenant.tenantId, 'datasets/new.ndjson', unlabelled);
    const scored = await runToEnd(
      tenant,
      newPipeline(uniqueName('predict'), {
        predict: {
          uses: 'ml/predict@^1',
          with: { model: { name: model }, dataset: { artifact: 'datasets/new.ndjson' }, column: 'predicted' },
        },
      }),
    );
    expect(scored.status, JSON.stringify(scored)).toBe('succeeded');
    const predicted = stepOf(scored, 'predict').outputs as {
      count: number;
      dataset: { artifact: string };
      model: { name: string; version: number; stage: string; artifact: string };
    };
    expect(predicted).toMatchObject({ count: 150, model: { name: model, version: 1, stage: 'production', artifact: v1.artifact } });
    const rows = parseNdjson<Record<string, unknown>>(await storedText(tenant.tenantId, predicted.dataset.artifact));
    const expected = (await scoreOf(v1.artifact, iris)).predicted;
    expect(rows.map((r) => r.predicted)).toEqual(expected);
    expect(rows.map((r) => r.predicted)).not.toEqual((await scoreOf(v2.artifact, iris)).predicted);
  });
});
