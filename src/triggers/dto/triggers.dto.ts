import { z } from 'zod';
import { paginationQuery } from '../../common/pagination/pagination.js';

const pipelineName = z.string().regex(/^[a-z0-9-]{1,63}$/, { message: 'Must match [a-z0-9-]{1,63}' });

export const CreateTriggerBody = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('webhook'),
    pipeline: pipelineName,
    /** JSONata over `{ body, headers }` giving the run's inputs; the JSON body itself when left out. */
    inputs: z.string().min(1).max(10_000).optional(),
  }),
  z.strictObject({
    type: z.literal('pipeline'),
    pipeline: pipelineName,
    /** Start `pipeline` when a run of `source` ends like this, with that run's outputs as inputs. */
    source: pipelineName,
    on: z.enum(['succeeded', 'failed', 'finished']).default('succeeded'),
  }),
]);
export type CreateTriggerBody = z.output<typeof CreateTriggerBody>;

export const TriggerListQuery = z.strictObject({ ...paginationQuery });
export type TriggerListQuery = z.output<typeof TriggerListQuery>;
