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
