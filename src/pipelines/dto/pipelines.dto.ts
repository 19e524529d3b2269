import { z } from 'zod';
import { instant, jsonObject, pageOf } from '../../common/openapi/views.js';
import { paginationQuery } from '../../common/pagination/pagination.js';

export const pipelineNameParam = z.string().regex(/^[a-z0-9-]{1,63}$/, { message: 'Must match [a-z0-9-]{1,63}' });
export const versionParam = z.coerce.number().int().min(1).max(2_147_483_647);
export const PipelineListQuery = z.strictObject(paginationQuery);
export type PipelineListQuery = z.output<typeof PipelineListQuery>;

export const PipelineSummary = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  latestVersion: z.int(),
  createdAt: instant,
  updatedAt: instant,
});
export const PipelinePage = pageOf(PipelineSummary);

/** The plugin step version a pipeline step was pinned to when the version was saved. */
const PinnedStepView = z.strictObject({ plugin: z.string(), step: z.string(), version: z.string(), digest: z.string() });

export const PipelineVersionView = z.strictObject({
  name: z.string(),
  version: z.int(),
  checksum: z.string(),
  definition: jsonObject.describe('The definition as saved (the format of docs/pipeline.schema.json, defaults filled in)'),
  pins: z.record(z.string(), PinnedStepView).describe('Per step id, the plugin step version it runs'),
  createdAt: instant,
});
export const PipelineVersionPage = pageOf(PipelineVersionView);

export const PipelinePlan = z.strictObject({
  valid: z.literal(true),
  plan: z.strictObject({
    steps: z.array(
      z.strictObject({ id: z.string(), uses: z.string().optional(), needs: z.array(z.string()), pinned: PinnedStepView.optional() }),
    ),
    order: z.array(z.string()).describe('The step ids in an order that runs each after what it needs'),
  }),
});

export const PipelineGraphQuery = z.strictObject({
  /** The version to draw; the latest when left out. */
  version: versionParam.optional(),
});
export type PipelineGraphQuery = z.output<typeof PipelineGraphQuery>;

/** A node of a pipeline's graph: a step, or an `onFailure` handler (`onFailure[0]`, …). */
export const GraphNodeView = z.strictObject({
  id: z.string(),
  kind: z.enum(['step', 'approval', 'forEach', 'onFailure']),
  uses: z.string().nullable().describe('`plugin/step@range` as written; null for an approval step'),
  needs: z.array(z.string()),
  if: z.union([z.boolean(), z.string()]).optional(),
  name: z.string().optional().describe("The step's display name, when it has one"),
  forEach: z
    .union([z.strictObject({ expression: z.string() }), z.strictObject({ items: z.int() })])
    .optional()
    .describe('Of a `forEach` step: the expression giving its items, or how many items its literal list has'),
  approval: z
    .strictObject({ roles: z.array(z.string()), timeout: z.string(), onTimeout: z.enum(['approve', 'reject']) })
    .optional()
    .describe('Of an approval step: who may decide, how long it waits, and what then'),
});
/** `from` must end before `to` starts (`to` needs `from`). */
export const GraphEdgeView = z.strictObject({ from: z.string(), to: z.string() });

/** A pipeline version drawn as a DAG, without a run: the shape of a run's `graph`, without statuses. */
export const PipelineGraphView = z.strictObject({
  name: z.string(),
  version: z.int(),
  nodes: z.array(GraphNodeView),
  edges: z.array(GraphEdgeView),
});

/** A release tag: lower-case, like a pipeline name; `latest` means the newest version and is not a tag. */
export const tagParam = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, { message: 'Must match [a-z][a-z0-9-]{0,31}' })
  .refine((tag) => tag !== 'latest', { message: '`latest` always means the newest version: choose another name' });

/** `name` or `name@tag`: what schedules and triggers start. */
export const pipelineRef = z.string().regex(/^[a-z0-9-]{1,63}(@[a-z][a-z0-9-]{0,31})?$/, {
  message: 'Must be a pipeline name, or name@tag (a release tag)',
});

export const MoveTagBody = z.strictObject({ version: z.int().min(1).describe('The version the tag points to from now on') });
export type MoveTagBody = z.output<typeof MoveTagBody>;

export const PipelineTagView = z.strictObject({
  pipeline: z.string(),
  tag: z.string(),
  version: z.int(),
  movedBy: z.uuid().nullable().describe('The person who moved it last; null for an API key'),
  movedAt: instant,
});
export const PipelineTagList = z.strictObject({ items: z.array(PipelineTagView) });
