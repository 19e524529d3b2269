import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import type { Principal } from '../common/auth/principal.js';
import { decodeCursor, decodeOpaqueCursor, encodeOpaqueCursor, toPage } from '../common/pagination/pagination.js';
import type { ComparisonListQuery, MetricsQuery, ModelListQuery, PromoteBody, RollbackBody, VersionListQuery } from './dto/models.dto.js';
import { ModelsError } from './models.errors.js';
import {
  ModelsRepository,
  type Actor,
  type ComparisonRow,
  type ModelRow,
  type ModelVersionRow,
  type StageChangeRow,
  type StageMove,
} from './models.repository.js';

/** The history shown with a model: its newest stage changes. */
const HISTORY_SHOWN = 50;
/** A metrics page's cursor: the oldest version it showed; the next page is the versions before it. */
const encodeVersionCursor = (version: number) => encodeOpaqueCursor([version]);
const decodeVersionCursor = (cursor: string | undefined) => (cursor ? decodeOpaqueCursor(cursor, z.tuple([z.int().min(1)]))[0] : undefined);

const versionView = (v: ModelVersionRow) => ({
  version: v.version,
  stage: v.stage,
  metrics: v.metrics,
  params: v.params,
  dataset: v.dataset ?? null,
  algorithm: v.algorithm,
  task: v.task,
  run: v.runId ? { id: v.runId, stepId: v.stepId } : null,
  artifact: v.artifact,
  createdAt: v.createdAt.toISOString(),
});

const modelView = (m: ModelRow) => ({
  name: m.name,
  createdAt: m.createdAt.toISOString(),
  productionVersion: m.production ? versionView(m.production) : null,
  latestVersion: m.latest ? versionView(m.latest) : null,
});

const changeView = (c: StageChangeRow) => ({
  at: c.createdAt.toISOString(),
  version: c.version,
  from: c.fromStage,
  to: c.toStage,
  reason: c.reason,
  actor: { kind: c.actorKind, id: c.actorId },
  run: c.runId ? { id: c.runId, stepId: c.stepId } : null,
  comment: c.comment,
});

const comparisonView = (c: ComparisonRow) => ({
  at: c.createdAt.toISOString(),
  metric: c.metric,
  margin: c.margin,
  decision: c.decision,
  promoted: c.promoted,
  champion: c.championVersion !== null && c.championScore !== null ? { version: c.championVersion, score: c.championScore } : null,
  challenger: { version: c.challengerVersion, artifact: c.challengerArtifact, score: c.challengerScore },
  run: { id: c.runId, stepId: c.stepId },
});

const actorOf = (principal: Principal): Actor => ({
  kind: principal.kind,
  id: (principal.kind === 'user' ? principal.userId : principal.apiKeyId) ?? null,
});

@Injectable()
export class ModelsService {
  constructor(private readonly models: ModelsRepository) {}

  async list(principal: Principal, query: ModelListQuery) {
    return toPage(await this.models.list(principal.tenantId, query.limit, decodeCursor(query.cursor)), query.limit, modelView);
  }

  /**
   * The model, its production and newest versions, the guard's newest verdict about it and its
   * newest stage changes (registrations, promotes, rollbacks).
   */
  async get(principal: Principal, name: string) {
    const model = await this.require(principal.tenantId, name);
    const [history, [last]] = await Promise.all([
      this.models.history(principal.tenantId, model.id, HISTORY_SHOWN),
      this.models.comparisons(principal.tenantId, model.id, 1),
    ]);
    return { ...modelView(model), lastComparison: last ? comparisonView(last) : null, history: history.map(changeView) };
  }

  /** What the guard steps (`ml/compare`) decided about the model, newest first. */
  async comparisons(principal: Principal, name: string, query: ComparisonListQuery) {
    const model = await this.require(principal.tenantId, name);
    const rows = await this.models.comparisons(principal.tenantId, model.id, query.limit, decodeCursor(query.cursor), query.version);
    return toPage(rows, query.limit, comparisonView);
  }

  async versions(principal: Principal, name: string, query: VersionListQuery) {
    const model = await this.require(principal.tenantId, name);
    return toPage(
      await this.models.versions(principal.tenantId, model.id, query.limit, decodeCursor(query.cursor)),
      query.limit,
      versionView,
    );
  }

  /**
   * Each version's metrics in version order (oldest first), so a chart shows whether the model gets
   * better; with `metric`, that metric's value alone (null where a version did not report it). The
   * newest `limit` versions (1,000 unless fewer are asked for): a model retrained every hour for a
   * year has 8,760, and `nextCursor` pages back through the older ones.
   */
  async metrics(principal: Principal, name: string, query: MetricsQuery) {
    const model = await this.require(principal.tenantId, name);
    const rows = await this.models.metricsHistory(principal.tenantId, model.id, query.limit + 1, decodeVersionCursor(query.cursor));
    // One version more than the page says whether older ones remain; it is the oldest, so dropped from the front.
    const page = rows.length > query.limit ? rows.slice(1) : rows;
    return {
      model: model.name,
      ...(query.metric !== undefined && { metric: query.metric }),
      items: page.map((r) => ({
        version: r.version,
        stage: r.stage,
        createdAt: r.createdAt.toISOString(),
        runId: r.runId,
        ...(query.metric !== undefined
          ? { value: typeof r.metrics[query.metric] === 'number' ? r.metrics[query.metric] : null }
          : { metrics: r.metrics }),
      })),
      nextCursor: rows.length > query.limit ? encodeVersionCursor(page[0].version) : null,
    };
  }

  async promote(principal: Principal, name: string, version: number, body: PromoteBody) {
    const outcome = await this.models.promote(principal.tenantId, name, version, body.stage, actorOf(principal), body.comment ?? null);
    if (!outcome.model) throw new ModelsError('model_not_found', `Model ${name} was not found`);
    if (!outcome.moves)
      throw new ModelsError('version_not_found', `Model ${name} has no version ${version}`, [
        { path: 'version', message: `No version ${version}` },
      ]);
    return this.afterMove(principal, name, outcome.moves);
  }

  async rollback(principal: Principal, name: string, body: RollbackBody) {
    const outcome = await this.models.rollback(principal.tenantId, name, actorOf(principal), body?.comment ?? null);
    if (!outcome.model) throw new ModelsError('model_not_found', `Model ${name} was not found`);
    if (!outcome.moves) throw new ModelsError('no_previous_production', `Model ${name} has no earlier production version to roll back to`);
    return this.afterMove(principal, name, outcome.moves);
  }

  private async afterMove(principal: Principal, name: string, changes: StageMove[]) {
    return { ...modelView(await this.require(principal.tenantId, name)), changes };
  }

  private async require(tenantId: string, name: string): Promise<ModelRow> {
    const model = await this.models.find(tenantId, name);
    if (!model) throw new ModelsError('model_not_found', `Model ${name} was not found`);
    return model;
  }
}
