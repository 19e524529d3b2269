import { StepError } from './step-error.js';

export const MODEL_STAGES = ['none', 'staging', 'production', 'archived'] as const;
export type ModelStage = (typeof MODEL_STAGES)[number];

/** A model name: what the registry API accepts in `/v1/models/{name}`. */
export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** What `ctx.models.register` records as a new version. */
export interface ModelRegistration {
  /** The model; created on its first registration. */
  name: string;
  /** Scores on held-out data, e.g. `{ accuracy: 0.94, f1: 0.93 }`. */
  metrics: Record<string, number>;
  /** Hyper-parameters and settings the model was trained with. */
  params?: Record<string, unknown>;
  /** The training dataset (lineage): a dataset reference from `ctx.artifacts`, or any JSON naming it. */
  dataset?: unknown;
  /** The fitted model: an artifact key or reference (`ctx.artifacts.put`). */
  artifact: string | { artifact: string };
  algorithm?: string;
  task?: string;
}

/** One version in the registry, as a step sees it. */
export interface ModelVersionInfo {
  name: string;
  version: number;
  stage: ModelStage;
  metrics: Record<string, number>;
  params: Record<string, unknown>;
  dataset: unknown;
  /** The artifact key of the fitted model, for `ctx.artifacts.get`. */
  artifact: string;
  algorithm: string | null;
  task: string | null;
  runId: string | null;
  stepId: string | null;
  createdAt: string;
}

/**
 * A guard's verdict about a model (`ctx.models.recordComparison`): the champion and challenger it
 * scored on one metric, and what it decided. The registry shows it on the model's page.
 */
export interface ModelComparison {
  name: string;
  metric: string;
  /** How much better the challenger had to be. */
  margin: number;
  decision: 'promote' | 'keep';
  /** Whether the step promoted the challenger itself. */
  promoted: boolean;
  /** The production version it scored, or null when there was none. */
  champion: { version: number; score: number } | null;
  /** The challenger: its registered version when it has one, and the artifact scored. */
  challenger: { version?: number; artifact: string; score: number };
}

export const COMPARISON_DECISIONS = ['promote', 'keep'] as const;

export type ModelCall =
  | { op: 'register'; registration: Omit<ModelRegistration, 'artifact'> & { artifact: string } }
  | { op: 'get'; name: string; stage: ModelStage }
  /** `ifProduction`: only if this version (null: none) is still the production one; else `stale`. */
  | { op: 'promote'; name: string; version: number; stage: ModelStage; ifProduction?: number | null }
  | { op: 'compare'; comparison: ModelComparison };

export type ModelResult =
  | {
      ok: true;
      registered?: { name: string; version: number };
      found?: ModelVersionInfo | null;
      promoted?: { name: string; version: number; stage: ModelStage };
      /** A conditional promote found another production version (or none): nothing changed. */
      stale?: { production: number | null };
      /** A comparison was kept (false: the registry holds no model of that name). */
      recorded?: boolean;
    }
  | { ok: false; message: string };

export type ModelTransport = (call: ModelCall) => Promise<ModelResult>;

/**
 * The tenant's model registry, reached through the worker (the step itself has no database).
 * Every call acts in the run's tenant only.
 */
export interface StepModels {
  /**
   * A new version of `name` (numbered 1, 2, ... per model, stage `none`), recording this run and
   * step. A retry of the same step attempt chain gets the version its first attempt registered.
   */
  register(registration: ModelRegistration): Promise<{ name: string; version: number }>;
  /** The version of `name` in `stage` (the newest one, for stages other than production), or null. */
  get(name: string, stage?: ModelStage): Promise<ModelVersionInfo | null>;
  /**
   * Moves a version to `stage`; promoting to production archives the one in production before.
   * With `ifProduction` (a version, or null for none) it moves only if that is still the production
   * version, and otherwise fails with the retryable code `production_changed`: a decision made
   * against one champion is not applied over another.
   */
  promote(
    name: string,
    version: number,
    stage: ModelStage,
    options?: { ifProduction?: number | null },
  ): Promise<{ name: string; version: number; stage: ModelStage }>;
  /**
   * Records a guard's verdict about `comparison.name`, shown with the model in the registry. A retry
   * of the same step replaces its first attempt's verdict. `recorded` is false when the registry
   * holds no model of that name (an artifact compared before any version was registered).
   */
  recordComparison(comparison: ModelComparison): Promise<{ recorded: boolean }>;
}

export function createStepModels(transport: ModelTransport): StepModels {
  const call = async (request: ModelCall) => {
    const result = await transport(request);
    if (!result.ok) throw new StepError(result.message, { retryable: false, code: 'model_registry_error' });
    return result;
  };
  const invalid = (message: string) => new StepError(message, { retryable: false, code: 'invalid_model' });
  const checkName = (name: unknown) => {
    if (typeof name !== 'string' || !MODEL_NAME.test(name))
      throw invalid(`model name ${JSON.stringify(name)} must match ${MODEL_NAME.source}`);
  };
  const checkStage = (stage: unknown) => {
    if (!(MODEL_STAGES as readonly unknown[]).includes(stage))
      throw invalid(`stage ${JSON.stringify(stage)} must be one of ${MODEL_STAGES.join(', ')}`);
  };
  return Object.freeze({
    async register(registration: ModelRegistration) {
      checkName(registration.name);
      const metrics = registration.metrics ?? {};
      for (const [key, value] of Object.entries(metrics))
        if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`metric ${key} must be a finite number`);
      const artifact = typeof registration.artifact === 'string' ? registration.artifact : registration.artifact?.artifact;
      if (typeof artifact !== 'string' || artifact === '')
        throw invalid('artifact must name the fitted model (an artifact key or reference)');
      const { name, params = {}, dataset, algorithm, task } = registration;
      const plain = JSON.parse(
        JSON.stringify({
          name,
          metrics,
          params,
          artifact,
          ...(dataset !== undefined && { dataset }),
          ...(algorithm && { algorithm }),
          ...(task && { task }),
        }),
      );
      return (await call({ op: 'register', registration: plain })).registered!;
    },
    async get(name: string, stage: ModelStage = 'production') {
      checkName(name);
      checkStage(stage);
      return (await call({ op: 'get', name, stage })).found ?? null;
    },
    async promote(name: string, version: number, stage: ModelStage, options: { ifProduction?: number | null } = {}) {
      checkName(name);
      checkStage(stage);
      if (!Number.isInteger(version) || version < 1) throw invalid(`version ${version} must be a whole number from 1`);
      const { ifProduction } = options;
      if (ifProduction !== undefined && ifProduction !== null && (!Number.isInteger(ifProduction) || ifProduction < 1))
        throw invalid(`ifProduction ${ifProduction} must be a version or null`);
      const result = await call({ op: 'promote', name, version, stage, ...(ifProduction !== undefined && { ifProduction }) });
      if (result.stale) {
        const now = result.stale.production === null ? 'no version' : `version ${result.stale.production}`;
        throw new StepError(
          `${now} of ${name} is in production now, not ${ifProduction === null ? 'none' : `version ${ifProduction}`}: version ${version} was not promoted`,
          { retryable: true, code: 'production_changed' },
        );
      }
      return result.promoted!;
    },
    async recordComparison(comparison: ModelComparison) {
      checkName(comparison.name);
      const problem = comparisonProblem(comparison);
      if (problem) throw invalid(problem);
      const { name, metric, margin, decision, promoted, champion, challenger } = comparison;
      const plain: ModelComparison = {
        name,
        metric,
        margin,
        decision,
        promoted,
        champion: champion && { version: champion.version, score: champion.score },
        challenger: {
          ...(challenger.version !== undefined && { version: challenger.version }),
          artifact: challenger.artifact,
          score: challenger.score,
        },
      };
      return { recorded: (await call({ op: 'compare', comparison: plain })).recorded ?? false };
    },
  });
}

const isVersion = (value: unknown) => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 2_147_483_647;
const isScore = (value: unknown) => typeof value === 'number' && Number.isFinite(value);

/**
 * Why a comparison is malformed, or undefined: checked by the step's SDK and again by the worker,
 * which trusts no sandboxed step (the name is checked with the other calls' names).
 */
export function comparisonProblem(c: ModelComparison): string | undefined {
  if (typeof c !== 'object' || c === null) return 'comparison must be an object';
  if (typeof c.metric !== 'string' || c.metric === '' || c.metric.length > 200) return 'metric must be text of 1 to 200 characters';
  if (!isScore(c.margin) || c.margin < 0) return 'margin must be a finite number from 0';
  if (!(COMPARISON_DECISIONS as readonly unknown[]).includes(c.decision))
    return `decision must be one of ${COMPARISON_DECISIONS.join(', ')}`;
  if (typeof c.promoted !== 'boolean') return 'promoted must be true or false';
  if (c.champion !== null && (typeof c.champion !== 'object' || !isVersion(c.champion.version) || !isScore(c.champion.score)))
    return 'champion must be null or { version, score } with a version from 1 and a finite score';
  const challenger = c.challenger as Partial<ModelComparison['challenger']> | null;
  if (typeof challenger !== 'object' || challenger === null) return 'challenger must be { version?, artifact, score }';
  if (challenger.version !== undefined && !isVersion(challenger.version)) return 'challenger.version must be a whole number from 1';
  if (typeof challenger.artifact !== 'string' || challenger.artifact === '' || challenger.artifact.length > 4096)
    return 'challenger.artifact must name the scored model';
  if (!isScore(challenger.score)) return 'challenger.score must be a finite number';
  return undefined;
}
