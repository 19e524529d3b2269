import { randomUUID } from 'node:crypto';
import type { Sql } from '../database/sql.js';
import { recordStageChange, type StageActor } from './model-stages.js';

/**
 * The one writer of `model` and `model_version`: a step registering a version it trained
 * (`ctx.models.register`). The API only reads versions and moves their stage (model-stages.ts).
 */

/** Which step attempt chain registers: recorded on the version, and how a retry finds what it registered. */
export interface RegisteringStep {
  tenantId: string;
  runId: string;
  stepId: string;
  idempotencyKey: string;
}

/** What a step stores with a version (already checked: names, sizes, finite metrics). */
export interface VersionRegistration {
  name: string;
  metrics: Record<string, number>;
  params?: Record<string, unknown>;
  dataset?: unknown;
  algorithm?: string;
  task?: string;
  /** The artifact holding the fitted model. */
  artifact: string;
}

/** A pipeline step as the actor of a stage change. */
export const stepActor = (step: Pick<RegisteringStep, 'runId' | 'stepId'>): StageActor => ({
  kind: 'step',
  runId: step.runId,
  stepId: step.stepId,
});

/**
 * A new version, numbered after the model's newest under a lock of the model row (the model is
 * created on its first registration). Keyed by the step attempt chain and the model name: a retried
 * step gets the version its first attempt made. Runs inside the caller's transaction.
 */
export async function registerModelVersion(
  sql: Sql,
  step: RegisteringStep,
  registration: VersionRegistration,
): Promise<{ version: number; replayed: boolean }> {
  const key = `${step.idempotencyKey}:${registration.name}`;
  const [model] = await sql<{ id: string }>(
    `INSERT INTO model (id, tenant_id, name) VALUES ($1, $2, $3) ON CONFLICT (tenant_id, name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    [randomUUID(), step.tenantId, registration.name],
  );
  const [seen] = await sql<{ version: number }>('SELECT version FROM model_version WHERE tenant_id = $1 AND idempotency_key = $2', [
    step.tenantId,
    key,
  ]);
  if (seen) return { version: seen.version, replayed: true };
  const [next] = await sql<{ version: number }>('SELECT coalesce(max(version), 0) + 1 AS version FROM model_version WHERE model_id = $1', [
    model.id,
  ]);
  const id = randomUUID();
  const r = registration;
  await sql(
    `INSERT INTO model_version (id, tenant_id, model_id, version, metrics, params, dataset, algorithm, task, run_id, step_id, artifact, idempotency_key, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, clock_timestamp())`,
    [
      id,
      step.tenantId,
      model.id,
      next.version,
      JSON.stringify(r.metrics),
      JSON.stringify(r.params ?? {}),
      r.dataset === undefined ? null : JSON.stringify(r.dataset),
      r.algorithm ?? null,
      r.task ?? null,
      step.runId,
      step.stepId,
      r.artifact,
      key,
    ],
  );
  await recordStageChange(sql, {
    tenantId: step.tenantId,
    modelId: model.id,
    row: { id, version: next.version },
    from: null,
    to: 'none',
    reason: 'registered',
    actor: stepActor(step),
  });
  return { version: next.version, replayed: false };
}
