import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allEvents, newPipeline, newTenant, runToEnd, startRun, stepOf, uniqueName, waitForRun } from './support/builders.js';
import { forestMetrics, iris, IRIS_FEATURES as FEATURES, objectUrl, parseNdjson, storedText, type Iris } from './support/iris.js';

describe('examples/iris-classifier.yaml', () => {
  it('splits, trains and evaluates on Iris uploaded as an artifact, and reports the metrics the model and test set give', async () => {
    const tenant = await newTenant();
    const upload = await fetch(objectUrl(tenant.tenantId, 'datasets/iris.ndjson'), {
      method: 'PUT',
      body: iris.map((r) => JSON.stringify(r)).join('\n') + '\n',
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(upload.status).toBe(200);
    const saved = await tenant
      .put('/v1/pipelines/iris-classifier', readFileSync(new URL('../examples/iris-classifier.yaml', import.meta.url), 'utf8'))
      .set('content-type', 'application/yaml');
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);

    const run = await waitForRun(
      tenant,
      await startRun(tenant, 'iris-classifier', { inputs: { dataset: 'datasets/iris.ndjson' } }),
      undefined,
      120_000,
    );
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    const split = stepOf(run, 'split').outputs as {
      counts: Record<string, number>;
      train: { artifact: string };
      test: { artifact: string };
    };
    expect(split.counts).toEqual({ train: 105, test: 45, validation: 0 });
    expect(stepOf(run, 'train').outputs).toMatchObject({
      algorithm: 'random_forest_classifier',
      trainingRows: 105,
      classes: ['setosa', 'versicolor', 'virginica'],
      params: { nEstimators: 25, maxFeatures: 0.5, seed: 42 },
    });

    // Independently: the model as the artifact holds it, loaded with the library, on the test set as stored.
    const outputs = run.outputs as {
      model: string;
      metrics: Record<string, number>;
      confusionMatrix: { labels: string[]; matrix: number[][] };
    };
    const file = JSON.parse(await storedText(tenant.tenantId, outputs.model)) as {
      classes: string[];
      features: string[];
      trainedOn: { artifact: string };
      model: unknown;
    };
    expect(file.features).toEqual(FEATURES);
    expect(file.trainedOn.artifact).toBe(split.train.artifact);
    const test = parseNdjson<Iris>(await storedText(tenant.tenantId, split.test.artifact));
    expect(test).toHaveLength(45);
    const train = parseNdjson<Iris>(await storedText(tenant.tenantId, split.train.artifact));
    const key = (r: Iris) => JSON.stringify(r);
    expect(test.some((r) => train.map(key).includes(key(r)))).toBe(false);

    const { metrics: expected, confusion } = forestMetrics(file, test);
    const classes = file.classes;
    expect(Object.keys(outputs.metrics).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, value] of Object.entries(expected)) expect(outputs.metrics[name], name).toBeCloseTo(value, 12);
    expect(outputs.confusionMatrix).toEqual({ labels: classes, matrix: confusion });
    expect(outputs.metrics.accuracy).toBeGreaterThan(0.85);
    expect(stepOf(run, 'evaluate').outputs).toMatchObject({ task: 'classification', rows: 45, metrics: outputs.metrics });

    // Lineage: the uploaded dataset → split → train → model; evaluate read the model and the test set.
    const lineage = (await allEvents(tenant, run.id)).filter((e) => e.type === 'step.lineage').map((e) => [e.stepId, e.direction, e.name]);
    expect(lineage).toEqual(
      expect.arrayContaining([
        ['split', 'input', 'datasets/iris.ndjson'],
        ['split', 'output', split.train.artifact],
        ['train', 'input', split.train.artifact],
        ['train', 'output', outputs.model],
        ['evaluate', 'input', outputs.model],
        ['evaluate', 'input', split.test.artifact],
      ]),
    );
  });

  it('ml/drift finds the shifted feature of an Iris copy, not an unshifted one, and the run records model.drift_detected', async () => {
    const tenant = await newTenant();
    const shifted = iris.map((r) => ({ ...r, petal_length: Math.round((r.petal_length + 1) * 10) / 10 }));
    for (const [key, rows] of [
      ['datasets/iris.ndjson', iris],
      ['datasets/shifted.ndjson', shifted],
      ['datasets/reversed.ndjson', [...iris].reverse()],
    ] as const) {
      const upload = await fetch(objectUrl(tenant.tenantId, key), {
        method: 'PUT',
        body: rows.map((r) => JSON.stringify(r)).join('\n') + '\n',
      });
      expect(upload.status).toBe(200);
    }
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('drift'), {
        shifted: {
          uses: 'ml/drift@^1',
          with: {
            reference: { artifact: 'datasets/iris.ndjson' },
            current: { artifact: 'datasets/shifted.ndjson' },
            model: 'iris-species',
          },
        },
        same: {
          uses: 'ml/drift@^1',
          with: { reference: { artifact: 'datasets/iris.ndjson' }, current: { artifact: 'datasets/reversed.ndjson' } },
        },
      }),
    );
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    const shiftedOut = stepOf(run, 'shifted').outputs as {
      drifted: boolean;
      features: Array<{ feature: string; ks: number; drifted: boolean }>;
    };
    expect(shiftedOut.drifted).toBe(true);
    expect(shiftedOut.features.filter((f) => f.drifted).map((f) => f.feature)).toEqual(['petal_length']);
    // KS by brute force: the largest gap between the two empirical CDFs over every value either holds.
    const a = iris.map((r) => r.petal_length);
    const b = shifted.map((r) => r.petal_length);
    const cdf = (sample: number[], v: number) => sample.filter((x) => x <= v).length / sample.length;
    expect(shiftedOut.features.find((f) => f.feature === 'petal_length')!.ks).toBeCloseTo(
      Math.max(...[...a, ...b].map((v) => Math.abs(cdf(a, v) - cdf(b, v)))),
      12,
    );
    expect(stepOf(run, 'same').outputs).toMatchObject({ drifted: false });
    const events = (await allEvents(tenant, run.id)).filter((e) => e.type === 'model.drift_detected');
    expect(events.map((e) => e.stepId)).toEqual(['shifted']);
    expect(JSON.stringify(events[0])).toContain('"model":"iris-species"');
    expect(JSON.stringify(events[0])).toContain('petal_length');
  });
});
