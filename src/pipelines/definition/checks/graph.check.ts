import { findCycle } from '../../../../workers/contracts/graph.js';
import type { CheckContext } from './check-context.js';

/** `needs` name other steps of the pipeline, and the steps form no cycle. */
export function checkGraph({ definition, report }: CheckContext): void {
  const { steps } = definition;
  const knownNeeds: Record<string, { needs: string[] }> = {};
  for (const [id, step] of Object.entries(steps)) {
    knownNeeds[id] = { needs: [] };
    (step.needs ?? []).forEach((need, index) => {
      if (need === id) report(`steps.${id}.needs[${index}]`, 'A step cannot need itself');
      else if (!Object.hasOwn(steps, need)) report(`steps.${id}.needs[${index}]`, `Unknown step \`${need}\``);
      else knownNeeds[id].needs.push(need);
    });
  }
  const cycle = findCycle(knownNeeds);
  if (cycle) report(`steps.${cycle[0]}.needs`, `Steps form a cycle: ${[...cycle, cycle[0]].join(' → ')}`);
}
