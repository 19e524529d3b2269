import { v7 as uuidV7 } from 'uuid';
import type { Sql } from '../database/sql.js';

/**
 * The one writer of a model version's stage and of its history (`model_stage_change`), for the
 * API (`POST /v1/models/{name}/versions/{v}/promote`, rollback) and for steps (`ctx.models.promote`)
 * alike. Every function runs inside the caller's transaction.
 */
export type ModelStage = 'none' | 'staging' | 'production' | 'archived';

/** Who moved a version: a user or an API key through the API, or a pipeline step. */
export type StageActor = { kind: 'user' | 'api_key'; id: string | null } | { kind: 'step'; runId: string; stepId: string };

/** One stage change applied. */
export interface StageMove {
  version: number;
  from: ModelStage;
  to: ModelStage;
}

export type Promotion =
  | { outcome: 'no_model' }
  | { outcome: 'no_version' }
  | { outcome: 'stale'; production: number | null }
  | { outcome: 'moved'; from: ModelStage; moves: StageMove[] };

export interface PromotionRequest {
  tenantId: string;
  name: string;
  version: number;
  stage: ModelStage;
  /** Only while this version (or none, with null) is in production: checked under the model's lock. */
  ifProduction?: number | null;
  actor: StageActor;
  comment?: string | null;
}

/** Locks the model's row (promotions of one model go one at a time); its id, or null when there is none. */
export async function lockModel(sql: Sql, tenantId: string, name: string): Promise<string | null> {
  const [row] = await sql<{ id: string }>('SELECT id FROM model WHERE tenant_id = $1 AND name = $2 FOR UPDATE', [tenantId, name]);
  return row?.id ?? null;
}

/** Moves a version to `stage`, archiving the production version when another takes its place. */
export async function promoteModelVersion(sql: Sql, request: PromotionRequest): Promise<Promotion> {
  const { tenantId, version, stage, actor, comment = null } = request;
  const modelId = await lockModel(sql, tenantId, request.name);
  if (!modelId) return { outcome: 'no_model' };
  const [target] = await sql<{ id: string; stage: ModelStage }>(
    'SELECT id, stage FROM model_version WHERE model_id = $1 AND version = $2',
    [modelId, version],
  );
  if (!target) return { outcome: 'no_version' };
  if (request.ifProduction !== undefined) {
    const [current] = await sql<{ version: number }>(`SELECT version FROM model_version WHERE model_id = $1 AND stage = 'production'`, [
      modelId,
    ]);
    if ((current?.version ?? null) !== request.ifProduction) return { outcome: 'stale', production: current?.version ?? null };
  }
  if (target.stage === stage) return { outcome: 'moved', from: stage, moves: [] };
  const moves: StageMove[] = [];
  if (stage === 'production') {
    for (const row of await setStage(sql, modelId, { stage: 'production' }, 'archived')) {
      await recordStageChange(sql, { tenantId, modelId, row, from: 'production', to: 'archived', reason: 'promote', actor, comment });
      moves.push({ version: row.version, from: 'production', to: 'archived' });
    }
  }
  const [moved] = await setStage(sql, modelId, { id: target.id }, stage);
  await recordStageChange(sql, { tenantId, modelId, row: moved, from: target.stage, to: stage, reason: 'promote', actor, comment });
  moves.push({ version, from: target.stage, to: stage });
  return { outcome: 'moved', from: target.stage, moves };
}

/** Sets the stage of the model's version with this id, or of those in this stage; the rows it moved. */
export function setStage(sql: Sql, modelId: string, which: { id: string } | { stage: ModelStage }, stage: ModelStage) {
  const [where, value] = 'id' in which ? ['id = $3', which.id] : ['stage = $3', which.stage];
  return sql<{ id: string; version: number }>(
    `UPDATE model_version SET stage = $2 WHERE model_id = $1 AND ${where} RETURNING id, version`,
    [modelId, stage, value],
  );
}

/** Appends one entry to the version's history. Ids are time-ordered: changes made in one millisecond keep their order. */
export async function recordStageChange(
  sql: Sql,
  change: {
    tenantId: string;
    modelId: string;
    row: { id: string; version: number };
    from: ModelStage | null;
    to: ModelStage;
    reason: 'registered' | 'promote' | 'rollback';
    actor: StageActor;
    comment?: string | null;
  },
): Promise<void> {
  const { actor } = change;
  const [actorId, runId, stepId] =
    actor.kind === 'step' ? [`${actor.runId}/${actor.stepId}`, actor.runId, actor.stepId] : [actor.id, null, null];
  await sql(
    `INSERT INTO model_stage_change (id, tenant_id, model_id, version_id, version, from_stage, to_stage, reason, actor_kind, actor_id, run_id, step_id, comment)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      uuidV7(),
      change.tenantId,
      change.modelId,
      change.row.id,
      change.row.version,
      change.from,
      change.to,
      change.reason,
      actor.kind,
      actorId,
      runId,
      stepId,
      change.comment ?? null,
    ],
  );
}
