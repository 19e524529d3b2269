import { z } from 'zod';
import { instant, jsonObject, pageOf } from '../../common/openapi/views.js';
import { paginationQuery } from '../../common/pagination/pagination.js';

export const MODEL_STAGES = ['none', 'staging', 'production', 'archived'] as const;
export type ModelStage = (typeof MODEL_STAGES)[number];

/** The same rule as the worker's `ctx.models.register` (workers/activities/model-store.ts). */
export const modelName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, { message: 'Must match [A-Za-z0-9][A-Za-z0-9._-]{0,99}' });
export const modelVersion = z.coerce
  .number({ message: 'Must be a version number' })
  .int({ message: 'Must be a whole version number' })
  .min(1, { message: 'Versions start at 1' })
  .max(2_147_483_647);

export const ModelListQuery = z.strictObject({ ...paginationQuery });
export type ModelListQuery = z.output<typeof ModelListQuery>;

export const VersionListQuery = z.strictObject({ ...paginationQuery });
export type VersionListQuery = z.output<typeof VersionListQuery>;

export const ComparisonListQuery = z.strictObject({
  ...paginationQuery,
  /** Only the verdicts where this version was the challenger or the champion. */
  version: modelVersion.optional(),
});
export type ComparisonListQuery = z.output<typeof ComparisonListQuery>;

/** The most versions one metrics response covers (and how many it covers unless `limit` says fewer). */
export const METRICS_MAX_VERSIONS = 1_000;

export const MetricsQuery = z.strictObject({
  /** One metric's values across versions; every metric when left out. */
  metric: z.string().min(1).max(200).optional(),
  /** The newest this many versions (before `cursor`'s); older ones through `nextCursor`. */
  limit: z.coerce.number().int().min(1).max(METRICS_MAX_VERSIONS).default(METRICS_MAX_VERSIONS),
  cursor: z.string().max(200).optional(),
});
export type MetricsQuery = z.output<typeof MetricsQuery>;

export const PromoteBody = z.strictObject({
  stage: z.enum(MODEL_STAGES, { message: `Must be one of ${MODEL_STAGES.join(', ')}` }),
  /** Why, kept in the model's history. */
  comment: z.string().max(1000).optional(),
});
export type PromoteBody = z.output<typeof PromoteBody>;

export const RollbackBody = z.strictObject({ comment: z.string().max(1000).optional() }).optional();
export type RollbackBody = z.output<typeof RollbackBody>;

const stage = z.enum(MODEL_STAGES);
const producedBy = z.strictObject({ id: z.uuid(), stepId: z.string().nullable() }).nullable().describe('The run and step that produced it');

export const ModelVersionView = z.strictObject({
  version: z.int(),
  stage,
  metrics: jsonObject,
  params: jsonObject,
  dataset: z.unknown().describe('What it was trained on, as the step said (null when it did not)'),
  algorithm: z.string().nullable(),
  task: z.string().nullable(),
  run: producedBy,
  artifact: z.string(),
  createdAt: instant,
});
export const ModelVersionPage = pageOf(ModelVersionView);

export const ModelView = z.strictObject({
  name: z.string(),
  createdAt: instant,
  productionVersion: ModelVersionView.nullable(),
  latestVersion: ModelVersionView.nullable(),
});
export const ModelPage = pageOf(ModelView);

/** A guard's verdict (an `ml/compare` step): both sides' scores on one metric, and what it decided. */
export const ModelComparisonView = z.strictObject({
  at: instant,
  metric: z.string(),
  margin: z.number().describe('How much better the challenger had to be'),
  decision: z.enum(['promote', 'keep']),
  promoted: z.boolean().describe('Whether the step promoted the challenger itself'),
  champion: z
    .strictObject({ version: z.int(), score: z.number() })
    .nullable()
    .describe('The production version it scored (null: there was none)'),
  challenger: z.strictObject({
    version: z.int().nullable().describe('Null when an unregistered model artifact was scored'),
    artifact: z.string(),
    score: z.number(),
  }),
  run: z.strictObject({ id: z.uuid(), stepId: z.string() }),
});
export const ModelComparisonPage = pageOf(ModelComparisonView);

export const ModelDetail = z.strictObject({
  ...ModelView.shape,
  lastComparison: ModelComparisonView.nullable().describe("The guard's newest verdict about the model (null: none yet)"),
  history: z.array(
    z.strictObject({
      at: instant,
      version: z.int(),
      from: stage.nullable(),
      to: stage,
      reason: z.enum(['registered', 'promote', 'rollback']),
      actor: z.strictObject({ kind: z.enum(['user', 'api_key', 'step']), id: z.string().nullable() }),
      run: producedBy,
      comment: z.string().nullable(),
    }),
  ),
});

/** The model after a promotion or rollback, and each stage change it made. */
export const ModelMoved = z.strictObject({
  ...ModelView.shape,
  changes: z.array(z.strictObject({ version: z.int(), from: stage, to: stage })),
});

export const ModelMetrics = z.strictObject({
  model: z.string(),
  metric: z.string().optional(),
  items: z.array(
    z.strictObject({
      version: z.int(),
      stage,
      createdAt: instant,
      runId: z.uuid().nullable(),
      value: z.number().nullable().optional().describe('With `metric`: its value (null where the version did not report it)'),
      metrics: jsonObject.optional().describe('Without `metric`: every metric'),
    }),
  ),
  nextCursor: z.string().nullable(),
});
