import { Inject, Injectable } from '@nestjs/common';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import type { Principal } from '../common/auth/principal.js';
import type { LineageQuery, SummaryQuery, WindowQuery } from './dto/observability.dto.js';
import { ObservabilityRepository, type PipelineSummaryRow } from './observability.repository.js';
import {
  batonFacetsSchema,
  latestEventType,
  lineageSettings,
  stepRunEvent,
  toRecordedDataset,
  type LineageSettings,
  type StepLineage,
} from './openlineage.js';

const ms = (value: number | null | undefined) => (value === null || value === undefined ? null : Math.round(value));
const rate = (part: number, whole: number) => (whole ? Math.round((part / whole) * 10_000) / 10_000 : null);

const toRunStatistics = (r: PipelineSummaryRow) => ({
  runs: r.runs,
  succeeded: r.succeeded,
  failed: r.failed,
  cancelled: r.cancelled,
  active: r.active,
  // Of the runs that finished, the share that succeeded.
  successRate: rate(r.succeeded, r.succeeded + r.failed + r.cancelled),
  durationMs: { p50: ms(r.durationMs?.[0]), p95: ms(r.durationMs?.[1]), p99: ms(r.durationMs?.[2]) },
  queueWaitMs: { p50: ms(r.queueWaitMs?.[0]), p95: ms(r.queueWaitMs?.[1]) },
  slaBreaches: r.slaBreaches,
});

@Injectable()
export class ObservabilityService {
  private readonly lineageSettings: LineageSettings;

  constructor(
    private readonly observability: ObservabilityRepository,
    @Inject(BATON_CONFIG) config: Pick<RuntimeConfig, 'publicUrl' | 'artifactsDir' | 'ARTIFACTS_S3_BUCKET' | 'ARTIFACTS_S3_PREFIX'>,
  ) {
    this.lineageSettings = lineageSettings(config);
  }

  /** Per pipeline (or only `pipeline`), over the runs created in the window, and the totals over all of them. */
  async summary(principal: Principal, { window, pipeline }: SummaryQuery) {
    const since = new Date(Date.now() - window.ms);
    const rows = await this.observability.pipelineSummary(principal.tenantId, since, pipeline);
    const totals = rows.find((r) => r.total)!;
    return {
      window: window.text,
      since: since.toISOString(),
      pipeline: pipeline ?? null,
      totals: toRunStatistics(totals),
      items: rows
        .filter((r) => !r.total)
        .map((r) => ({ pipeline: r.pipeline!, ...toRunStatistics(r), failuresByStep: r.failuresByStep ?? {} })),
    };
  }

  /**
   * Who produced and who consumed a dataset (`runId`: Baton's run), and as OpenLineage run events
   * (the end event of each step run that touched it, RUNNING while it runs, with all that step's inputs and outputs, the
   * pipeline run as its parent): the edges of the lineage graph. The dataset may be asked for as
   * the steps named it (an artifact by its key) or by its OpenLineage name.
   */
  async lineage(principal: Principal, query: LineageQuery) {
    const { tenantId } = principal;
    const asked = toRecordedDataset(tenantId, { namespace: query.namespace, name: query.dataset }, this.lineageSettings.artifacts);
    const rows = await this.observability.lineage(tenantId, asked, query.limit);
    const touches = (list: StepLineage['inputs']) =>
      (list ?? []).some((d) => d.name === asked.name && (!asked.namespace || d.namespace === asked.namespace));
    const events = rows.map((r) =>
      stepRunEvent(tenantId, { runId: r.runId, pipeline: r.pipeline }, r, latestEventType(r.status), this.lineageSettings),
    );
    return {
      dataset: { namespace: query.namespace ?? null, name: query.dataset },
      producers: rows.filter((r) => touches(r.outputs)).map((r) => ({ job: `${r.pipeline}.${r.stepId}`, runId: r.runId })),
      consumers: rows.filter((r) => touches(r.inputs)).map((r) => ({ job: `${r.pipeline}.${r.stepId}`, runId: r.runId })),
      events,
    };
  }

  /** The JSON Schema of the custom facets (`baton_job`, `baton_run`) in Baton's OpenLineage events. */
  facetsSchema() {
    return batonFacetsSchema(this.lineageSettings.facetsUrl);
  }

  /** Per plugin step type (`plugin/step`, all versions), over the steps of runs created in the window. */
  async steps(principal: Principal, { window }: WindowQuery) {
    const since = new Date(Date.now() - window.ms);
    const rows = await this.observability.stepTypes(principal.tenantId, since);
    return {
      window: window.text,
      since: since.toISOString(),
      items: rows.map((r) => ({
        uses: r.uses,
        calls: r.calls,
        failures: r.failures,
        failureRate: rate(r.failures, r.calls),
        retries: r.retries,
        p95Ms: ms(r.p95Ms),
      })),
    };
  }
}
