import type { paths } from '../../api/schema';
import { NONE } from '../../components/format';

export type ModelDetail = paths['/v1/models/{name}']['get']['responses'][200]['content']['application/json'];
export type ModelVersion = paths['/v1/models/{name}/versions']['get']['responses'][200]['content']['application/json']['items'][number];
export type ModelStage = ModelVersion['stage'];
export const MODEL_STAGES: ModelStage[] = ['production', 'staging', 'none', 'archived'];

/**
 * Error and loss metrics are better when lower (ml/compare says so of rmse and mae); every other
 * metric the ml plugin reports (accuracy, precision, recall, f1, rocAuc, r2) is better when higher.
 */
const LOWER_IS_BETTER = /(^|[_-])(rmse|mae|mse|mape|loss|logloss|error)$/i;
export const lowerIsBetter = (metric: string) => LOWER_IS_BETTER.test(metric);

/** A version's metrics that are numbers (steps may record anything JSON; only numbers compare). */
export function numericMetrics(metrics: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter((entry): entry is [string, number] => Number.isFinite(entry[1])));
}

export interface MetricComparison {
  metric: string;
  champion: number | null;
  challenger: number | null;
  /** Which side the metric favours; null when one side lacks it. */
  better: 'champion' | 'challenger' | 'tie' | null;
}

/** Metric by metric, the union of both versions' numeric metrics, by name. */
export function compareMetrics(champion: Record<string, unknown> | null, challenger: Record<string, unknown>): MetricComparison[] {
  const left = numericMetrics(champion ?? {});
  const right = numericMetrics(challenger);
  return [...new Set([...Object.keys(left), ...Object.keys(right)])].sort().map((metric) => {
    const a = left[metric] ?? null;
    const b = right[metric] ?? null;
    let better: MetricComparison['better'] = null;
    if (a !== null && b !== null) better = a === b ? 'tie' : (lowerIsBetter(metric) ? b < a : b > a) ? 'challenger' : 'champion';
    return { metric, champion: a, challenger: b, better };
  });
}

/** The grouped bar chart's rows: the metrics both versions report. */
export const comparisonChartRows = (rows: MetricComparison[]) =>
  rows
    .filter((row) => row.champion !== null && row.challenger !== null)
    .map(({ metric, champion, challenger }) => ({ metric, champion, challenger }));

export function tally(rows: MetricComparison[]) {
  return {
    challengerWins: rows.filter((row) => row.better === 'challenger').length,
    championWins: rows.filter((row) => row.better === 'champion').length,
    compared: rows.filter((row) => row.better !== null).length,
  };
}

/** The version to hold against the champion: the one asked for, else the newest that is not in production. */
export function pickChallenger(versions: ModelVersion[], requested?: number): ModelVersion | undefined {
  return versions.find((v) => v.version === requested) ?? versions.find((v) => v.stage !== 'production');
}

/** A model metric: up to four significant decimals, as metrics are mostly scores between 0 and 1. */
export function formatMetric(value: number | null | undefined): string {
  if (value === null || value === undefined) return NONE;
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

/** A guard's verdict: an `ml/compare` step's champion and challenger scores on one metric, and its decision. */
export type ModelComparison =
  paths['/v1/models/{name}/comparisons']['get']['responses'][200]['content']['application/json']['items'][number];
