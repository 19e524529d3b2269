import type { TriggerRow } from './triggers.repository.js';

/** What the trigger starts: `name`, or `name@tag`. */
export const refOf = (t: Pick<TriggerRow, 'pipelineName' | 'pipelineTag'>) =>
  t.pipelineTag ? `${t.pipelineName}@${t.pipelineTag}` : t.pipelineName;
