import { z } from 'zod';
import { paginationQuery } from '../../common/pagination/pagination.js';

export const pipelineNameParam = z.string().regex(/^[a-z0-9-]{1,63}$/, { message: 'Must match [a-z0-9-]{1,63}' });
export const versionParam = z.coerce.number().int().min(1).max(2_147_483_647);
export const PipelineListQuery = z.strictObject(paginationQuery);
export type PipelineListQuery = z.output<typeof PipelineListQuery>;
