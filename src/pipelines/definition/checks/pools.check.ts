import { DEFAULT_POOL, isChildRunStep, stepPool } from '../../../../workers/contracts/index.js';
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

/**
 * A local activity runs on the worker of the run's workflow, which serves the default pool: a step
 * sent to another pool, or a child run, cannot be one. Saying so would be ignored.
 */
export function checkExecution({ definition, pins, report }: CheckContext): void {
  for (const [id, step] of Object.entries(definition.steps)) {
    if (step.execution !== 'local' || step.uses === undefined) continue;
    const pool = stepPool(step, definition);
    if (pool !== DEFAULT_POOL)
      report(
        `steps.${id}.execution`,
        `A local step runs on the run's own worker; this step runs on pool \`${pool}\`, so it stays an activity there`,
      );
    else if (pins[id] && isChildRunStep(pins[id]))
      report(
        `steps.${id}.execution`,
        'A pipeline/run step starts a run of another pipeline; give the steps of that pipeline an execution instead',
      );
  }
}
