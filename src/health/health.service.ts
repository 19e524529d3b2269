import { Inject, Injectable } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { BatonError } from '../common/errors/baton-error.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { drainingSince } from '../runtime/health/draining.js';
import { HealthRepository } from './health.repository.js';
import { localSandboxPosture } from '../runtime/health/sandbox-posture.js';

@Injectable()
export class HealthService {
  constructor(
    private readonly health: HealthRepository,
    private readonly temporal: Client,
    @Inject(BATON_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  async readiness() {
    const draining = drainingSince();
    if (draining)
      throw new BatonError('draining', 503, 'Stopping: finishing the requests in flight, taking no new work', undefined, undefined, {
        drainingSince: draining.toISOString(),
      });
    const [postgres, temporal] = await Promise.all([
      this.check(() => this.health.ping()),
      this.check(() => this.temporal.workflowService.describeNamespace({ namespace: this.config.TEMPORAL_NAMESPACE })),
    ]);
    const checks = { postgres, temporal };
    if (postgres !== 'ok' || temporal !== 'ok') {
      throw new BatonError(
        'not_ready',
        503,
        `Not ready: ${Object.entries(checks)
          .filter(([, v]) => v !== 'ok')
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
    }
    // Under `baton up` the worker is in this process: whether its steps are isolated is part of being ready for tenants.
    const sandbox = localSandboxPosture();
    return { status: 'ok', checks, ...(sandbox && { sandbox }) };
  }

  private async check(probe: () => Promise<unknown>): Promise<string> {
    try {
      await Promise.race([probe(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), 2_000).unref())]);
      return 'ok';
    } catch (error) {
      return `unreachable (${(error as Error).message.split('\n')[0]})`;
    }
  }
}
