import type pg from 'pg';
import {
  comparisonProblem,
  MODEL_NAME,
  MODEL_STAGES,
  type ModelCall,
  type ModelResult,
  type ModelStage,
  type ModelVersionInfo,
} from '../../plugins/sdk/src/step-models.js';
import { pgSql } from '../../src/runtime/database/sql.js';
import { registerModelVersion, stepActor, type RegisteringStep } from '../../src/runtime/models/model-registrations.js';
import { promoteModelVersion } from '../../src/runtime/models/model-stages.js';
import { recordModelComparison } from '../../src/runtime/models/model-comparisons.js';
import { inTransaction } from '../../src/runtime/database/pg-transaction.js';

/** Which step attempt chain calls: registrations record it, and a retry finds what it registered. */
export type ModelCaller = RegisteringStep;

/** What a call changed, for the run's events (`model.registered`, `model.promoted`, `model.compared`). */
export type ModelChange =
  | { type: 'model.registered'; name: string; version: number; metrics: Record<string, unknown>; replayed: boolean }
  | { type: 'model.promoted'; name: string; version: number; from: ModelStage; to: ModelStage; archived: number[] }
  | ({ type: 'model.compared' } & Extract<ModelCall, { op: 'compare' }>['comparison']);

const VERSION_COLUMNS = `m.name, v.version, v.stage, v.metrics, v.params, v.dataset, v.artifact, v.algorithm, v.task, v.run_id AS "runId", v.step_id AS "stepId",
  to_char(v.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt"`;

/** Bounds on what a step may store with a version (JSON bytes of each part). */
const MAX_JSON_BYTES = 64 * 1024;

/**
 * The model registry as steps reach it (`ctx.models`), on the worker's pool: the same tables the
 * control plane's `src/models` reads, always in the caller's tenant, written through
 * src/runtime/models. The worker trusts no child, so every call is checked here again.
 */
export class ModelStore {
  constructor(private readonly pool: pg.Pool) {}

  async handle(caller: ModelCaller, call: ModelCall, onChange?: (change: ModelChange) => Promise<void>): Promise<ModelResult> {
    const problem = checkCall(call);
    if (problem) return { ok: false, message: problem };
    if (call.op === 'get') return { ok: true, found: await this.find(caller.tenantId, call.name, call.stage) };
    if (call.op === 'compare') {
      const { recorded } = await inTransaction(this.pool, (client) => recordModelComparison(pgSql(client), caller, call.comparison));
      if (recorded) await onChange?.({ type: 'model.compared', ...call.comparison });
      return { ok: true, recorded };
    }
    if (call.op === 'register') {
      const { version, replayed } = await this.register(caller, call.registration);
      await onChange?.({ type: 'model.registered', name: call.registration.name, version, metrics: call.registration.metrics, replayed });
      return { ok: true, registered: { name: call.registration.name, version } };
    }
    const moved = await this.promote(caller, call.name, call.version, call.stage, call.ifProduction);
    if (!moved) return { ok: false, message: `model ${call.name} has no version ${call.version}` };
    if ('stale' in moved) return { ok: true, stale: { production: moved.stale } };
    if (moved.from !== call.stage)
      await onChange?.({
        type: 'model.promoted',
        name: call.name,
        version: call.version,
        from: moved.from,
        to: call.stage,
        archived: moved.archived,
      });
    return { ok: true, promoted: { name: call.name, version: call.version, stage: call.stage } };
  }

  /** The version of `name` in `stage` (the newest such), or null. */
  async find(tenantId: string, name: string, stage: ModelStage): Promise<ModelVersionInfo | null> {
    const { rows } = await this.pool.query<ModelVersionInfo>(
      `SELECT ${VERSION_COLUMNS} FROM model m JOIN model_version v ON v.model_id = m.id
        WHERE m.tenant_id = $1 AND m.name = $2 AND v.stage = $3 ORDER BY v.version DESC LIMIT 1`,
      [tenantId, name, stage],
    );
    return rows[0] ?? null;
  }

  /** Registers a version a step trained: see registerModelVersion. */
  register(
    caller: ModelCaller,
    registration: Extract<ModelCall, { op: 'register' }>['registration'],
  ): Promise<{ version: number; replayed: boolean }> {
    return inTransaction(this.pool, (client) => registerModelVersion(pgSql(client), caller, registration));
  }

  /** The API's promotion, run by a step: see promoteModelVersion. */
  async promote(
    caller: ModelCaller,
    name: string,
    version: number,
    stage: ModelStage,
    ifProduction?: number | null,
  ): Promise<{ from: ModelStage; archived: number[] } | { stale: number | null } | null> {
    const promotion = await inTransaction(this.pool, (client) =>
      promoteModelVersion(pgSql(client), { tenantId: caller.tenantId, name, version, stage, ifProduction, actor: stepActor(caller) }),
    );
    if (promotion.outcome === 'stale') return { stale: promotion.production };
    if (promotion.outcome !== 'moved') return null;
    // The last move is the version's own; those before it, the production version it archived.
    return { from: promotion.from, archived: promotion.moves.slice(0, -1).map((move) => move.version) };
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '');

/** Why a call from the (untrusted) child is refused, or undefined when it is well-formed. */
export function checkCall(call: ModelCall): string | undefined {
  if (!isRecord(call)) return 'not a model registry call';
  const name =
    call.op === 'register'
      ? isRecord(call.registration)
        ? call.registration.name
        : undefined
      : call.op === 'compare'
        ? isRecord(call.comparison)
          ? call.comparison.name
          : undefined
        : call.name;
  if (typeof name !== 'string' || !MODEL_NAME.test(name)) return `model name ${JSON.stringify(name)} must match ${MODEL_NAME.source}`;
  if (call.op === 'compare') return comparisonProblem(call.comparison);
  if (call.op === 'get' || call.op === 'promote') {
    if (!(MODEL_STAGES as readonly unknown[]).includes(call.stage)) return `stage must be one of ${MODEL_STAGES.join(', ')}`;
    if (call.op === 'promote' && (!Number.isInteger(call.version) || call.version < 1 || call.version > 2_147_483_647))
      return 'version must be a whole number from 1';
    if (
      call.op === 'promote' &&
      call.ifProduction !== undefined &&
      call.ifProduction !== null &&
      (!Number.isInteger(call.ifProduction) || call.ifProduction < 1 || call.ifProduction > 2_147_483_647)
    ) {
      return 'ifProduction must be a version or null';
    }
    return undefined;
  }
  if (call.op !== 'register') return 'unknown model registry operation';
  const r = call.registration;
  if (!isRecord(r.metrics) || !Object.values(r.metrics).every((v) => typeof v === 'number' && Number.isFinite(v)))
    return 'metrics must be an object of finite numbers';
  if (r.params !== undefined && !isRecord(r.params)) return 'params must be an object';
  if (typeof r.artifact !== 'string' || r.artifact === '' || r.artifact.length > 4096) return 'artifact must name the fitted model';
  for (const field of ['algorithm', 'task'] as const)
    if (r[field] !== undefined && (typeof r[field] !== 'string' || r[field].length > 200))
      return `${field} must be text of at most 200 characters`;
  for (const field of ['metrics', 'params', 'dataset'] as const)
    if (jsonBytes(r[field]) > MAX_JSON_BYTES) return `${field} is over ${MAX_JSON_BYTES} bytes as JSON`;
  return undefined;
}
