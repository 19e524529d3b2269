import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { parseDuration } from '../../workers/contracts/duration.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { LeaderJobs } from '../database/leader-jobs.js';
import { ObservabilityRepository } from './observability.repository.js';
import { lineageSettings, runEvents, type LineageSettings, type OpenLineageRunEvent } from './openlineage.js';

/** Runs that ended longer ago than this before the forwarder saw them (none ran it meanwhile) are not forwarded. */
const LOOK_BACK = '1 hour';
const BATCH = 100;
const MAX_ATTEMPTS = 10;
const REQUEST_TIMEOUT_MS = 10_000;
/** 5 s, 10 s, 20 s … up to 10 minutes between attempts. */
const backoffMs = (attempts: number) => Math.min(5_000 * 2 ** (attempts - 1), 600_000);

/**
 * Sends each ended run to an OpenLineage endpoint (OPENLINEAGE_URL), one replica at a time: START
 * and COMPLETE, FAIL or ABORT of the pipeline run and of each step that ran, in order. A run is
 * retried whole until the endpoint has accepted all its events (OpenLineage consumers take a
 * repeated event as the same event: run ids and times are the same each time).
 */
@Injectable()
export class LineageForwardingJob implements OnApplicationBootstrap {
  static readonly JOB = 'openlineage-forwarding';
  private readonly logger = new Logger(LineageForwardingJob.name);
  private readonly settings: LineageSettings;

  constructor(
    private readonly observability: ObservabilityRepository,
    private readonly jobs: LeaderJobs,
    @Inject(BATON_CONFIG)
    private readonly config: Pick<
      RuntimeConfig,
      | 'OPENLINEAGE_URL'
      | 'OPENLINEAGE_API_KEY'
      | 'OPENLINEAGE_INTERVAL'
      | 'publicUrl'
      | 'artifactsDir'
      | 'ARTIFACTS_S3_BUCKET'
      | 'ARTIFACTS_S3_PREFIX'
    >,
  ) {
    this.settings = lineageSettings(config);
  }

  onApplicationBootstrap(): void {
    if (!this.config.OPENLINEAGE_URL) return;
    this.jobs.every(LineageForwardingJob.JOB, parseDuration(this.config.OPENLINEAGE_INTERVAL)!, () => this.forward());
  }

  async forward(): Promise<void> {
    await this.observability.noteEndedRuns(LOOK_BACK, 1_000);
    let sent = 0;
    for (const due of await this.observability.dueForwardings(BATCH)) {
      try {
        const run = await this.observability.runLineage(due.tenantId, due.runId);
        for (const event of run ? runEvents(due.tenantId, run, this.settings) : []) await this.post(event);
        await this.observability.forwarded(due.runId);
        sent += 1;
      } catch (error) {
        const attempts = due.attempts + 1;
        const retry = attempts < MAX_ATTEMPTS ? backoffMs(attempts) : null;
        this.logger.warn(
          `OpenLineage events of run ${due.runId} not accepted (attempt ${attempts}${retry === null ? ', giving up' : ''}): ${(error as Error).message}`,
        );
        await this.observability.forwardFailed(due.runId, (error as Error).message, retry);
      }
    }
    if (sent) this.logger.log(`Forwarded the lineage of ${sent} run(s) to OpenLineage`);
  }

  private async post(event: OpenLineageRunEvent): Promise<void> {
    const response = await fetch(this.config.OPENLINEAGE_URL!, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.config.OPENLINEAGE_API_KEY ? { authorization: `Bearer ${this.config.OPENLINEAGE_API_KEY}` } : {}),
      },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`${this.config.OPENLINEAGE_URL} answered ${response.status}`);
  }
}
