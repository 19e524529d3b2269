import { DEFAULT_POOL } from '../../../../workers/contracts/index.js';
import type { CheckContext } from './check-context.js';

/**
 * Where the installation declares its worker pools, a step sent to another would wait for a worker
 * that never comes: refuse it when the pipeline is saved, naming the pools there are.
 */
export function checkPools({ definition, options, report }: CheckContext): void {
  if (!options.pools) return;
  const known = [DEFAULT_POOL, ...options.pools.filter((pool) => pool !== DEFAULT_POOL)];
  const check = (path: string, pool: string | undefined) => {
    if (pool !== undefined && !known.includes(pool))
      report(path, `No worker pool \`${pool}\` on this installation; it has ${known.map((name) => `\`${name}\``).join(', ')}`);
  };
  check('runsOn', definition.runsOn);
  for (const [id, step] of Object.entries(definition.steps)) check(`steps.${id}.runsOn`, step.runsOn);
}
