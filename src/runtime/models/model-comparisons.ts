import { v7 as uuidV7 } from 'uuid';
import type { Sql } from '../database/sql.js';
import type { RegisteringStep } from './model-registrations.js';

/**
 * The one writer of `model_comparison`: the verdict a guard step (`ml/compare`) reached about a
 * model, recorded through `ctx.models.recordComparison` so the registry can show why a version is,
 * or is not, in production. The API only reads it.
 */

/** What a guard decided (already checked by the worker: name, finite scores, sizes). */
export interface ComparisonRecord {
  name: string;
  metric: string;
  margin: number;
  decision: 'promote' | 'keep';
  promoted: boolean;
  champion: { version: number; score: number } | null;
  challenger: { version?: number; artifact: string; score: number };
}

/**
 * Records the verdict in the caller's transaction, keyed by the step attempt chain and the model: a
 * retried step's verdict replaces its first attempt's (it scored again, perhaps against a new
 * champion). A model the registry does not hold has no page to show it on: nothing is recorded.
 */
export async function recordModelComparison(sql: Sql, step: RegisteringStep, record: ComparisonRecord): Promise<{ recorded: boolean }> {
  const [model] = await sql<{ id: string }>('SELECT id FROM model WHERE tenant_id = $1 AND name = $2', [step.tenantId, record.name]);
  if (!model) return { recorded: false };
  const { champion, challenger } = record;
  await sql(
    `INSERT INTO model_comparison (id, tenant_id, model_id, metric, margin, decision, promoted, champion_version, champion_score,
       challenger_version, challenger_artifact, challenger_score, run_id, step_id, idempotency_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT (tenant_id, idempotency_key) DO UPDATE SET
       metric = EXCLUDED.metric, margin = EXCLUDED.margin, decision = EXCLUDED.decision, promoted = EXCLUDED.promoted,
       champion_version = EXCLUDED.champion_version, champion_score = EXCLUDED.champion_score,
       challenger_version = EXCLUDED.challenger_version, challenger_artifact = EXCLUDED.challenger_artifact,
       challenger_score = EXCLUDED.challenger_score, created_at = clock_timestamp()`,
    [
      uuidV7(),
      step.tenantId,
      model.id,
      record.metric,
      record.margin,
      record.decision,
      record.promoted,
      champion?.version ?? null,
      champion?.score ?? null,
      challenger.version ?? null,
      challenger.artifact,
      challenger.score,
      step.runId,
      step.stepId,
      `${step.idempotencyKey}:${record.name}`,
    ],
  );
  return { recorded: true };
}
