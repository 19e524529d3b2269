/** Share floor of an empty bin, so that PSI stays finite (the usual convention). */
const EMPTY_BIN_SHARE = 1e-4;

/** The q-quantile of sorted values, linearly interpolated between closest ranks (numpy's default, R type 7). */
export function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/**
 * Population stability index of `current` against `reference`: bins cut at the reference's
 * quantiles (`bins` of them, fewer when quantiles coincide), PSI = Σ (c - r) · ln(c / r) over the
 * bins' shares. A value goes in the first bin whose upper edge is at least it.
 */
export function psi(reference: readonly number[], current: readonly number[], bins = 10): number {
  const sorted = [...reference].sort((a, b) => a - b);
  const edges = [...new Set(Array.from({ length: bins - 1 }, (_, i) => quantile(sorted, (i + 1) / bins)))];
  const shares = (values: readonly number[]) => {
    const counts = new Array<number>(edges.length + 1).fill(0);
    for (const value of values) {
      let bin = edges.findIndex((edge) => value <= edge);
      if (bin === -1) bin = edges.length;
      counts[bin] += 1;
    }
    return counts.map((count) => Math.max(count / values.length, EMPTY_BIN_SHARE));
  };
  const r = shares(reference);
  const c = shares(current);
  return r.reduce((sum, rShare, i) => sum + (c[i] - rShare) * Math.log(c[i] / rShare), 0);
}

/** The two-sample Kolmogorov–Smirnov statistic: the largest gap between the two empirical CDFs. */
export function ksStatistic(a: readonly number[], b: readonly number[]): number {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let gap = 0;
  while (i < x.length && j < y.length) {
    const value = Math.min(x[i], y[j]);
    while (i < x.length && x[i] === value) i++;
    while (j < y.length && y[j] === value) j++;
    gap = Math.max(gap, Math.abs(i / x.length - j / y.length));
  }
  return gap;
}

/**
 * P(K > λ) for the Kolmogorov distribution (the limit of √n·D): 2 Σ (-1)^(k-1) e^(-2k²λ²), or for
 * small λ, where that series converges slowly, its Jacobi-theta twin 1 - (√(2π)/λ) Σ e^(-(2k-1)²π²/(8λ²)).
 * Ten terms of either reach double precision on its side of 1.18.
 */
export function kolmogorovSurvival(lambda: number): number {
  if (lambda <= 0) return 1;
  let sum = 0;
  if (lambda < 1.18) {
    for (let k = 1; k <= 10; k++) sum += Math.exp((-((2 * k - 1) ** 2) * Math.PI ** 2) / (8 * lambda ** 2));
    return Math.min(1, Math.max(0, 1 - (Math.sqrt(2 * Math.PI) / lambda) * sum));
  }
  for (let k = 1; k <= 10; k++) sum += (k % 2 ? 1 : -1) * Math.exp(-2 * k ** 2 * lambda ** 2);
  return Math.min(1, Math.max(0, 2 * sum));
}

/**
 * The asymptotic p-value of a two-sample KS statistic `d` of samples of sizes `n` and `m` (as SciPy's
 * `ks_2samp(method='asymp')`): the Kolmogorov survival at d·√(nm/(n+m)). Large samples make tiny
 * shifts significant, so drift is decided on the statistic; the p-value is reported beside it.
 */
export function ksPValue(d: number, n: number, m: number): number {
  return kolmogorovSurvival(d * Math.sqrt((n * m) / (n + m)));
}
