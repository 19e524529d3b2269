/** Share floor of an empty bin, so that PSI stays finite (the usual convention). */
const EMPTY_BIN_SHARE = 1e-4;

/** The q-quantile of sorted values, linearly interpolated between closest ranks (numpy's default, R type 7). */
export function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
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
      counts[bin]! += 1;
    }
    return counts.map((count) => Math.max(count / values.length, EMPTY_BIN_SHARE));
  };
  const r = shares(reference);
  const c = shares(current);
  return r.reduce((sum, rShare, i) => sum + (c[i]! - rShare) * Math.log(c[i]! / rShare), 0);
}

/** The two-sample Kolmogorov–Smirnov statistic: the largest gap between the two empirical CDFs. */
export function ksStatistic(a: readonly number[], b: readonly number[]): number {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let gap = 0;
  while (i < x.length && j < y.length) {
    const value = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i] === value) i++;
    while (j < y.length && y[j] === value) j++;
    gap = Math.max(gap, Math.abs(i / x.length - j / y.length));
  }
  return gap;
}
