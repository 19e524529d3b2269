import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { typeormSql } from '../runtime/database/transact.js';
import { lockModel, promoteModelVersion, recordStageChange, setStage, type StageMove } from '../runtime/models/model-stages.js';
import type { KeysetCursor } from '../common/pagination/pagination.js';
import type { ModelStage } from './dto/models.dto.js';

export interface ModelVersionRow {
  id: string;
  version: number;
  stage: ModelStage;
  metrics: Record<string, unknown>;
  params: Record<string, unknown>;
  dataset: unknown;
  algorithm: string | null;
  task: string | null;
  runId: string | null;
  stepId: string | null;
  artifact: string;
  createdAt: Date;
}

export interface ModelRow {
  id: string;
  name: string;
  createdAt: Date;
  latest: ModelVersionRow | null;
  production: ModelVersionRow | null;
}

export interface StageChangeRow {
  id: string;
  version: number;
  fromStage: ModelStage | null;
  toStage: ModelStage;
  reason: 'registered' | 'promote' | 'rollback';
  actorKind: 'user' | 'api_key' | 'step';
  actorId: string | null;
  runId: string | null;
  stepId: string | null;
  comment: string | null;
  createdAt: Date;
}

export interface ComparisonRow {
  id: string;
  metric: string;
  margin: number;
  decision: 'promote' | 'keep';
  promoted: boolean;
  championVersion: number | null;
  championScore: number | null;
  challengerVersion: number | null;
  challengerArtifact: string;
  challengerScore: number;
  runId: string;
  stepId: string;
  createdAt: Date;
}

export interface Actor {
  kind: 'user' | 'api_key';
  id: string | null;
}

export type { StageMove } from '../runtime/models/model-stages.js';

const VERSION_COLUMNS = (
  alias: string,
) => `${alias}.id, ${alias}.version, ${alias}.stage, ${alias}.metrics, ${alias}.params, ${alias}.dataset, ${alias}.algorithm, ${alias}.task,
  ${alias}.run_id AS "runId", ${alias}.step_id AS "stepId", ${alias}.artifact, ${alias}.created_at AS "createdAt"`;

const VERSION_JSON = (
  alias: string,
) => `json_build_object('id', ${alias}.id, 'version', ${alias}.version, 'stage', ${alias}.stage, 'metrics', ${alias}.metrics, 'params', ${alias}.params,
  'dataset', ${alias}.dataset, 'algorithm', ${alias}.algorithm, 'task', ${alias}.task, 'runId', ${alias}.run_id, 'stepId', ${alias}.step_id, 'artifact', ${alias}.artifact,
  'createdAt', ${alias}.created_at)`;

/** A model with its newest version and its production version (each null when there is none). */
const MODEL_SELECT = `SELECT m.id, m.name, m.created_at AS "createdAt",
    (SELECT ${VERSION_JSON('l')} FROM model_version l WHERE l.model_id = m.id ORDER BY l.version DESC LIMIT 1) AS latest,
    (SELECT ${VERSION_JSON('p')} FROM model_version p WHERE p.model_id = m.id AND p.stage = 'production') AS production
  FROM model m`;

/** json_build_object gives created_at as text; the rows the API maps carry Dates. */
function withDates(row: ModelRow): ModelRow {
  const fix = (v: ModelVersionRow | null) => (v ? { ...v, createdAt: new Date(v.createdAt) } : null);
  return { ...row, latest: fix(row.latest), production: fix(row.production) };
}

@Injectable()
export class ModelsRepository {
  constructor(private readonly db: DataSource) {}

  async list(tenantId: string, limit: number, after?: KeysetCursor): Promise<ModelRow[]> {
    const rows: ModelRow[] = await this.db.query(
      `${MODEL_SELECT} WHERE m.tenant_id = $1 AND ($2::timestamptz IS NULL OR (m.created_at, m.id) < ($2, $3::uuid))
        ORDER BY m.created_at DESC, m.id DESC LIMIT $4`,
      [tenantId, after?.createdAt ?? null, after?.id ?? null, limit + 1],
    );
    return rows.map(withDates);
  }

  async find(tenantId: string, name: string): Promise<ModelRow | null> {
    const rows: ModelRow[] = await this.db.query(`${MODEL_SELECT} WHERE m.tenant_id = $1 AND m.name = $2`, [tenantId, name]);
    return rows[0] ? withDates(rows[0]) : null;
  }

  /** Newest first (versions are numbered and stamped in the order they were registered). */
  versions(tenantId: string, modelId: string, limit: number, after?: KeysetCursor): Promise<ModelVersionRow[]> {
    return this.db.query(
      `SELECT ${VERSION_COLUMNS('v')} FROM model_version v
        WHERE v.tenant_id = $1 AND v.model_id = $2 AND ($3::timestamptz IS NULL OR (v.created_at, v.id) < ($3, $4::uuid))
        ORDER BY v.created_at DESC, v.id DESC LIMIT $5`,
      [tenantId, modelId, after?.createdAt ?? null, after?.id ?? null, limit + 1],
    );
  }

  /** The newest `limit` versions' metrics (of those before version `before`, when given), oldest first. */
  metricsHistory(
    tenantId: string,
    modelId: string,
    limit: number,
    before?: number,
  ): Promise<Array<Pick<ModelVersionRow, 'version' | 'stage' | 'metrics' | 'runId' | 'createdAt'>>> {
    return this.db.query(
      `SELECT * FROM (SELECT version, stage, metrics, run_id AS "runId", created_at AS "createdAt" FROM model_version
         WHERE tenant_id = $1 AND model_id = $2 AND ($4::int IS NULL OR version < $4) ORDER BY version DESC LIMIT $3) newest ORDER BY version`,
      [tenantId, modelId, limit, before ?? null],
    );
  }

  history(tenantId: string, modelId: string, limit: number): Promise<StageChangeRow[]> {
    return this.db.query(
      `SELECT id, version, from_stage AS "fromStage", to_stage AS "toStage", reason, actor_kind AS "actorKind", actor_id AS "actorId", run_id AS "runId",
              step_id AS "stepId", comment, created_at AS "createdAt"
         FROM model_stage_change WHERE tenant_id = $1 AND model_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3`,
      [tenantId, modelId, limit],
    );
  }

  /** The guard's verdicts about the model, newest first; with `version`, those where it was either side. */
  comparisons(tenantId: string, modelId: string, limit: number, after?: KeysetCursor, version?: number): Promise<ComparisonRow[]> {
    return this.db.query(
      `SELECT id, metric, margin, decision, promoted, champion_version AS "championVersion", champion_score AS "championScore",
              challenger_version AS "challengerVersion", challenger_artifact AS "challengerArtifact", challenger_score AS "challengerScore",
              run_id AS "runId", step_id AS "stepId", created_at AS "createdAt"
         FROM model_comparison
        WHERE tenant_id = $1 AND model_id = $2 AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
          AND ($5::int IS NULL OR challenger_version = $5 OR champion_version = $5)
        ORDER BY created_at DESC, id DESC LIMIT $6`,
      [tenantId, modelId, after?.createdAt ?? null, after?.id ?? null, version ?? null, limit + 1],
    );
  }

  /**
   * Moves one version to `stage`. The model row is locked first, so concurrent promotes of the
   * same model take turns; promoting to production archives the version in production before.
   * Null when the model or version does not exist (`model` tells which).
   */
  async promote(
    tenantId: string,
    name: string,
    version: number,
    stage: ModelStage,
    actor: Actor,
    comment: string | null,
  ): Promise<{ model: boolean; moves: StageMove[] | null }> {
    const promotion = await this.db.transaction((tx) =>
      promoteModelVersion(typeormSql(tx), { tenantId, name, version, stage, actor, comment }),
    );
    if (promotion.outcome === 'no_model') return { model: false, moves: null };
    return { model: true, moves: promotion.outcome === 'moved' ? promotion.moves : null };
  }

  /**
   * Puts back in production the version that was in production before the current one, archiving
   * the current one. The history's production entries make a stack: a promote pushes its version,
   * a rollback pops the one it replaced, so rolling back twice goes two versions back (not back and
   * forth). `moves` is null when there is no earlier version.
   */
  async rollback(
    tenantId: string,
    name: string,
    actor: Actor,
    comment: string | null,
  ): Promise<{ model: boolean; moves: StageMove[] | null }> {
    return this.db.transaction(async (tx) => {
      const sql = typeormSql(tx);
      const modelId = await lockModel(sql, tenantId, name);
      if (!modelId) return { model: false, moves: null };
      const [current]: Array<{ id: string; version: number }> = await tx.query(
        `SELECT id, version FROM model_version WHERE model_id = $1 AND stage = 'production'`,
        [modelId],
      );
      const entries: Array<{ id: string; version: number; stage: ModelStage; reason: string }> = await tx.query(
        `SELECT v.id, v.version, v.stage, c.reason FROM model_stage_change c JOIN model_version v ON v.id = c.version_id
          WHERE c.model_id = $1 AND c.to_stage = 'production' ORDER BY c.created_at, c.id`,
        [modelId],
      );
      const stack: typeof entries = [];
      for (const entry of entries) {
        // A rollback to X undid every promote above X's last place on the stack.
        const at = entry.reason === 'rollback' ? stack.map((e) => e.id).lastIndexOf(entry.id) : -1;
        if (at >= 0) stack.length = at + 1;
        else if (stack[stack.length - 1]?.id !== entry.id) stack.push(entry);
      }
      // The current production version is the stack's top (unless it was archived by hand since).
      if (current && stack[stack.length - 1]?.id === current.id) stack.pop();
      const previous = stack.reverse().find((entry) => entry.id !== current?.id);
      if (!previous) return { model: true, moves: null };
      const moves: StageMove[] = [];
      if (current) {
        const [row] = await setStage(sql, modelId, { id: current.id }, 'archived');
        await recordStageChange(sql, { tenantId, modelId, row, from: 'production', to: 'archived', reason: 'rollback', actor, comment });
        moves.push({ version: current.version, from: 'production', to: 'archived' });
      }
      const [row] = await setStage(sql, modelId, { id: previous.id }, 'production');
      await recordStageChange(sql, { tenantId, modelId, row, from: previous.stage, to: 'production', reason: 'rollback', actor, comment });
      moves.push({ version: previous.version, from: previous.stage, to: 'production' });
      return { model: true, moves };
    });
  }
}
