/**
 * Synthetic classification data for `npm run bench:ml`: the same seed gives the same rows.
 * Each row has `features` numeric columns f0, f1, … (Gaussian, with a mean that depends on the
 * class and the column, so the classes can be told apart but overlap), a `class` label c0…c(k-1)
 * and a numeric `target` (a fixed linear mix of the features plus noise) for the regressors.
 * Values are rounded to 4 decimals, as data read from a CSV export usually is.
 */
import { MersenneTwister19937, Random } from 'random-js';

export interface SyntheticSpec {
  rows: number;
  features: number;
  classes: number;
  seed: number;
  /** Added to the mean of every other feature (f0, f2, …): a drifted copy of the same population. */
  shift?: number;
}

export type SyntheticRow = Record<string, number | string>;

export const featureNames = (count: number) => Array.from({ length: count }, (_, i) => `f${i}`);

const round = (value: number) => Math.round(value * 1e4) / 1e4;

/** The rows of `spec`; the class means and target weights depend on `features` and `classes` only, so datasets of any size and seed share one population. */
export function syntheticRows({ rows, features, classes, seed, shift = 0 }: SyntheticSpec): SyntheticRow[] {
  const population = new Random(MersenneTwister19937.seed(1_000 + features * 100 + classes));
  const means = Array.from({ length: classes }, () => Array.from({ length: features }, () => population.real(-1.5, 1.5)));
  const weights = Array.from({ length: features }, () => population.real(-2, 2));
  const random = new Random(MersenneTwister19937.seed(seed));
  // Box–Muller: a standard normal from two uniform numbers in (0, 1].
  const normal = () =>
    Math.sqrt(-2 * Math.log(1 - random.realZeroToOneExclusive())) * Math.cos(2 * Math.PI * random.realZeroToOneExclusive());
  const names = featureNames(features);
  return Array.from({ length: rows }, () => {
    const k = random.integer(0, classes - 1);
    const row: SyntheticRow = {};
    let target = 0;
    names.forEach((name, j) => {
      const value = round(means[k][j] + normal() + (j % 2 === 0 ? shift : 0));
      row[name] = value;
      target += weights[j] * value;
    });
    row.class = `c${k}`;
    row.target = round(target + normal() * 0.5);
    return row;
  });
}

/** NDJSON as `ctx.artifacts.writeDataset` writes it. */
export function ndjson(rows: readonly unknown[]): Buffer {
  return Buffer.from(rows.map((row) => JSON.stringify(row)).join('\n') + (rows.length ? '\n' : ''));
}
