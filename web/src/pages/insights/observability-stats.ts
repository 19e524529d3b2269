import type { paths } from '../../api/schema';

export type Summary = paths['/v1/observability/summary']['get']['responses'][200]['content']['application/json'];
export type PipelineStats = Summary['items'][number];
export type StepStats = paths['/v1/observability/steps']['get']['responses'][200]['content']['application/json']['items'][number];

/** One bar group per pipeline: success in percent (of the runs that finished) and durations in seconds. */
export interface PipelineChartRow {
  pipeline: string;
  successPercent: number | null;
  p50Seconds: number | null;
  p95Seconds: number | null;
}

/** More bars than this are unreadable at phone width; the table below the charts lists every pipeline. */
export const CHART_PIPELINES = 12;

const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 100) / 10);

/** The charts' data: the busiest pipelines, busiest first. */
export function pipelineChartRows(items: PipelineStats[], limit = CHART_PIPELINES): PipelineChartRow[] {
  return [...items]
    .sort((a, b) => b.runs - a.runs || a.pipeline.localeCompare(b.pipeline))
    .slice(0, limit)
    .map((item) => ({
      pipeline: item.pipeline,
      successPercent: item.successRate === null ? null : Math.round(item.successRate * 1000) / 10,
      p50Seconds: seconds(item.durationMs.p50),
      p95Seconds: seconds(item.durationMs.p95),
    }));
}

/** The step that failed most often in a pipeline's runs, for pointing at where to look first. */
export function worstStep(failuresByStep: Record<string, number>): { step: string; failures: number } | null {
  let worst: { step: string; failures: number } | null = null;
  for (const [step, failures] of Object.entries(failuresByStep))
    if (failures > 0 && (!worst || failures > worst.failures)) worst = { step, failures };
  return worst;
}

/** Step types by p95 duration, slowest first (those that never finished have no p95 and are left out). */
export function slowestSteps(items: StepStats[], limit = 5): StepStats[] {
  return items
    .filter((item) => item.p95Ms !== null)
    .sort((a, b) => b.p95Ms! - a.p95Ms!)
    .slice(0, limit);
}

/** Step types that failed, by failures then failure rate. */
export function mostFailingSteps(items: StepStats[], limit = 5): StepStats[] {
  return items
    .filter((item) => item.failures > 0)
    .sort((a, b) => b.failures - a.failures || (b.failureRate ?? 0) - (a.failureRate ?? 0))
    .slice(0, limit);
}
