import { isStepError, StepError, type StepContext } from '../../sdk/src/index.js';
import { keyOf, tableFormat, type TableInput } from './datasets.js';
import { SqlEngine, type DuckDB } from './engine.js';

export const DEFAULT_MEMORY_LIMIT_MB = 512;

/**
 * Opens a locked-down engine in the step's scratch folder, binds the input tables (their bytes
 * copied from the artifact store, each recorded as a lineage input), runs `work`, and closes it.
 */
export async function withEngine<T>(
  ctx: StepContext,
  tables: Record<string, TableInput>,
  memoryLimitMb: number,
  work: (engine: SqlEngine) => Promise<T>,
): Promise<T> {
  const scratch = ctx.scratch;
  if (!scratch)
    throw new StepError('sql steps need a scratch folder, and this sandbox gives none', { retryable: false, code: 'no_scratch' });
  const duckdb = await ctx.installed<DuckDB>('@duckdb/node-api');
  const engine = await SqlEngine.open({ duckdb, scratch, signal: ctx.signal, memoryLimitMb });
  try {
    for (const [name, input] of Object.entries(tables)) {
      await engine.bindTable(name, tableFormat(input), await ctx.artifacts.get(keyOf(input)));
      ctx.lineage.input(keyOf(input));
    }
    return await work(engine);
  } finally {
    engine.close();
  }
}

/** Binds the artifact under `key` as table `name` if the store has one; answers whether it did. */
export async function bindIfStored(engine: SqlEngine, ctx: StepContext, name: string, key: string): Promise<boolean> {
  let bytes: Buffer;
  try {
    bytes = await ctx.artifacts.get(key);
  } catch (error) {
    // The store answers a missing key with exactly this message (the SDK has no `exists`).
    if (isStepError(error) && error.message === `no artifact ${key}`) return false;
    throw error;
  }
  await engine.bindTable(name, tableFormat(key), bytes);
  ctx.lineage.input(key);
  return true;
}
