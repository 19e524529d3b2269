import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../common/auth/principal.js';
import type { ArtifactStore } from '../runtime/artifacts/artifact-store.js';
import type { RunArtifactRow, RunArtifactsRepository } from '../runtime/artifacts/run-artifacts.repository.js';
import { RunsService } from '../runs/runs.service.js';
import { parseRange } from './byte-range.js';
import { RunArtifactsError } from './run-artifacts.errors.js';

export const ARTIFACT_STORE = Symbol('ArtifactStore');
export const RUN_ARTIFACTS = Symbol('RunArtifactsRepository');

const toView = (row: RunArtifactRow) => ({
  name: row.name,
  step: row.stepId,
  bytes: row.bytes,
  sha256: row.sha256,
  contentType: row.contentType,
  createdAt: row.createdAt.toISOString(),
  replacedBy: row.replacedBy,
});

/** The files and datasets a run's steps stored, listed and read back within the run's tenant. */
@Injectable()
export class RunArtifactsService {
  constructor(
    private readonly runs: RunsService,
    @Inject(RUN_ARTIFACTS) private readonly records: RunArtifactsRepository,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
  ) {}

  async list(principal: Principal, runId: string) {
    await this.runs.requireRun(principal.tenantId, runId);
    return { items: (await this.records.list(principal.tenantId, runId)).map(toView) };
  }

  /** The artifact's bytes, whole or the range asked; refused once a later run has replaced them under the same key. */
  async open(principal: Principal, runId: string, name: string, rangeHeader: string | undefined) {
    await this.runs.requireRun(principal.tenantId, runId);
    const row = await this.records.find(principal.tenantId, runId, name);
    if (!row) throw new RunArtifactsError('artifact_not_found', `Run ${runId} stored no artifact ${name}`);
    if (row.replacedBy)
      throw new RunArtifactsError(
        'artifact_replaced',
        `Run ${row.replacedBy} has since written ${name}: this run's copy is gone`,
        undefined,
        {
          replacedBy: row.replacedBy,
        },
      );
    const range = parseRange(rangeHeader, row.bytes);
    if (range === 'unsatisfiable')
      throw new RunArtifactsError('range_not_satisfiable', `The artifact has ${row.bytes} bytes`, {
        'content-range': `bytes */${row.bytes}`,
      });
    const opened = await this.store.open(principal.tenantId, name, range);
    if (!opened) throw new RunArtifactsError('artifact_not_found', `The bytes of ${name} are no longer in the artifact store`);
    return { artifact: toView(row), range, ...opened };
  }
}
