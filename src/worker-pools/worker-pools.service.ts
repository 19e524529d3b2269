import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { DEFAULT_POOL, poolTaskQueue } from '../../workers/contracts/index.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { BatonMetrics } from '../runtime/metrics/baton-metrics.js';

/** What Temporal knows of a pool's step queue: the workers that polled it lately and the steps no worker took yet. */
export interface PoolPresence {
  /** Workers (poller identities) Temporal saw polling the pool's step queue in the last few minutes. */
  workers: number;
  /** Steps scheduled on the pool and taken by no worker yet (Temporal's approximate backlog). */
  backlog: number;
}

const { TaskQueueKind, TaskQueueType } = proto.temporal.api.enums.v1;

/** One answer serves every request and scrape for this long. */
const FRESH_MS = 2_000;

/**
 * The installation's worker pools as Temporal sees them. Every API replica answers the same:
 * aggregate the gauges with max(), not sum().
 */
@Injectable()
export class WorkerPools implements OnApplicationBootstrap {
  private readonly answers = new Map<string, { at: number; presence: Promise<PoolPresence | undefined> }>();

  constructor(
    @Inject(Client) private readonly temporal: Client,
    private readonly metrics: BatonMetrics,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'TEMPORAL_TASK_QUEUE' | 'TEMPORAL_NAMESPACE' | 'WORKER_POOLS'>,
  ) {}

  onApplicationBootstrap(): void {
    this.metrics.watchWorkerPools(this.declared(), (pool) => this.presence(pool));
  }

  /** The default pool and those the installation declares (`WORKER_POOLS`). */
  declared(): string[] {
    return [DEFAULT_POOL, ...(this.config.WORKER_POOLS ?? []).filter((pool) => pool !== DEFAULT_POOL)];
  }

  /** Undefined when Temporal cannot be asked: nothing is claimed then. */
  presence(pool: string): Promise<PoolPresence | undefined> {
    const known = this.answers.get(pool);
    if (known && Date.now() - known.at < FRESH_MS) return known.presence;
    const presence = this.describe(pool).catch(() => undefined);
    // Pool names come from tenants' pipelines where pools are not declared: keep only fresh answers.
    for (const [name, answer] of this.answers) if (Date.now() - answer.at >= FRESH_MS) this.answers.delete(name);
    this.answers.set(pool, { at: Date.now(), presence });
    return presence;
  }

  private async describe(pool: string): Promise<PoolPresence> {
    const answer = await this.temporal.workflowService.describeTaskQueue({
      namespace: this.config.TEMPORAL_NAMESPACE,
      taskQueue: { name: poolTaskQueue(this.config.TEMPORAL_TASK_QUEUE, pool), kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      reportStats: true,
    });
    const workers = new Set((answer.pollers ?? []).map((poller) => poller.identity)).size;
    return { workers, backlog: Number(answer.stats?.approximateBacklogCount ?? 0) };
  }
}
