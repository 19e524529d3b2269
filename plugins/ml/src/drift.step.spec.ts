import { describe, expect, it } from 'vitest';
import { runStepForTest } from '../../sdk/src/index.js';
import { driftStep } from './drift.step.js';
import { kolmogorovSurvival, ksPValue, ksStatistic, psi, quantile } from './drift-stats.js';
import { IRIS_FEATURES, irisRows, ndjson, outputsOf } from './iris.test-data.js';

/** The KS statistic by brute force: the gap between the two empirical CDFs at every value either sample holds. */
function ksBruteForce(a: number[], b: number[]): number {
  const cdf = (sample: number[], v: number) => sample.filter((x) => x <= v).length / sample.length;
  return Math.max(...[...a, ...b].map((v) => Math.abs(cdf(a, v) - cdf(b, v))));
}

/** A deterministic sample (a linear congruential generator), rounded so that ties happen. */
function sample(n: number, seed: number, shift = 0): number[] {
  let state = seed;
  return Array.from({ length: n }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return Math.round((state / 2 ** 31) * 20) / 2 + shift;
  });
}

describe('drift statistics', () => {
  it('KS: known values, and equal to brute force on samples with ties', () => {
    expect(ksStatistic([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])).toBe(1);
    expect(ksStatistic([1, 2, 3], [2, 3, 4])).toBeCloseTo(1 / 3, 15);
    expect(ksStatistic([1, 2, 3], [3, 2, 1])).toBe(0);
    for (const [seed, shift] of [
      [1, 0],
      [2, 0.5],
      [3, 2],
      [4, -1],
    ] as const) {
      const a = sample(57, seed);
      const b = sample(40, seed + 100, shift);
      expect(ksStatistic(a, b)).toBeCloseTo(ksBruteForce(a, b), 15);
    }
  });

  it('KS p-value: the Kolmogorov distribution at its textbook points, continuous where its two series meet', () => {
    // Critical values: P(K > 1.3581) = 0.05, P(K > 1.6276) = 0.01, P(K > 1.2239) = 0.10; the CDF at 1 is 0.7300003.
    expect(kolmogorovSurvival(1.3580986)).toBeCloseTo(0.05, 5);
    expect(kolmogorovSurvival(1.6276236)).toBeCloseTo(0.01, 5);
    expect(kolmogorovSurvival(1.2238734)).toBeCloseTo(0.1, 3);
    expect(kolmogorovSurvival(1)).toBeCloseTo(0.2699997, 6);
    expect(kolmogorovSurvival(1.18 - 1e-12)).toBeCloseTo(kolmogorovSurvival(1.18), 11);
    expect([kolmogorovSurvival(0), kolmogorovSurvival(0.1)]).toEqual([1, 1]);
    expect(kolmogorovSurvival(10)).toBeLessThan(1e-80);
    // Same-size samples of 150: √75 · D.
    expect(ksPValue(0.2, 150, 150)).toBeCloseTo(kolmogorovSurvival(0.2 * Math.sqrt(75)), 15);
  });

  it('PSI: quantiles as numpy gives them, and the textbook value for known shares', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5); // numpy.quantile([1,2,3,4], 0.5)
    expect(quantile([1, 2, 3, 4, 5], 0.1)).toBeCloseTo(1.4, 15); // numpy.quantile([1,2,3,4,5], 0.1)
    // Two bins split at the reference's median (2.5): shares 0.5/0.5 against 0.25/0.75.
    const expected = (0.25 - 0.5) * Math.log(0.25 / 0.5) + (0.75 - 0.5) * Math.log(0.75 / 0.5);
    expect(psi([1, 2, 3, 4], [1, 3, 4, 4], 2)).toBeCloseTo(expected, 15);
    expect(expected).toBeCloseTo(0.2747, 4);
    expect(psi([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [10, 9, 8, 7, 6, 5, 4, 3, 2, 1])).toBe(0);
  });
});

describe('ml/drift', () => {
  const iris = irisRows();
  // Petal length a centimetre longer: the flowers of another season, say.
  const shifted = iris.map((r) => ({ ...r, petal_length: Math.round((r.petal_length + 1) * 10) / 10 }));
  const artifacts = {
    'data/iris.ndjson': ndjson(iris),
    'data/shifted.ndjson': ndjson(shifted),
    'data/reordered.ndjson': ndjson([...iris].reverse()),
  };

  it('finds drift in the shifted feature of an Iris copy, and emits model.drift_detected', async () => {
    const result = await runStepForTest(
      driftStep,
      { reference: { artifact: 'data/iris.ndjson' }, current: { artifact: 'data/shifted.ndjson' }, model: 'iris-species' },
      { artifacts },
    );
    outputsOf(result);
    const out = outputsOf(result) as {
      drifted: boolean;
      features: Array<{ feature: string; psi: number; ks: number; ksPValue: number; drifted: boolean }>;
    };
    expect(out.drifted).toBe(true);
    expect(out.features.map((f) => f.feature)).toEqual([...IRIS_FEATURES]);
    expect(out.features.filter((f) => f.drifted).map((f) => f.feature)).toEqual(['petal_length']);
    const petal = out.features.find((f) => f.feature === 'petal_length')!;
    expect(petal.ks).toBeCloseTo(
      ksBruteForce(
        iris.map((r) => r.petal_length),
        shifted.map((r) => r.petal_length),
      ),
      15,
    );
    expect(petal.psi).toBeGreaterThan(0.2);
    expect(out.features.find((f) => f.feature === 'sepal_width')).toMatchObject({ psi: 0, ks: 0, ksPValue: 1, drifted: false });
    expect(petal.ksPValue).toBeCloseTo(kolmogorovSurvival(petal.ks * Math.sqrt(75)), 15);
    expect(petal.ksPValue).toBeLessThan(0.001);
    expect(result.events).toEqual([
      {
        type: 'model.drift_detected',
        data: {
          model: 'iris-species',
          reference: 'data/iris.ndjson',
          current: 'data/shifted.ndjson',
          psiThreshold: 0.2,
          ksThreshold: 0.2,
          features: [{ feature: 'petal_length', psi: petal.psi, ks: petal.ks, ksPValue: petal.ksPValue }],
        },
      },
    ]);
    expect(result.metrics.filter((m) => m.name === 'ml_drift_psi')).toHaveLength(4);
  });

  it('finds none in the same rows in another order, nor below raised thresholds', async () => {
    const same = await runStepForTest(
      driftStep,
      { reference: { artifact: 'data/iris.ndjson' }, current: { artifact: 'data/reordered.ndjson' } },
      { artifacts },
    );
    expect(outputsOf(same)).toMatchObject({ drifted: false });
    expect((outputsOf(same) as { features: Array<{ psi: number; ks: number }> }).features.every((f) => f.psi === 0 && f.ks === 0)).toBe(
      true,
    );
    expect(same.events).toEqual([]);
    const lenient = await runStepForTest(
      driftStep,
      {
        reference: { artifact: 'data/iris.ndjson' },
        current: { artifact: 'data/shifted.ndjson' },
        features: ['petal_length'],
        psiThreshold: 100,
        ksThreshold: 1,
      },
      { artifacts },
    );
    expect(outputsOf(lenient)).toMatchObject({ drifted: false, features: [{ feature: 'petal_length', drifted: false }] });
    expect(lenient.events).toEqual([]);
  });
});
