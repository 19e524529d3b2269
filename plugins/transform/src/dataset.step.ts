import jsonata from 'jsonata';
import { z } from 'zod';
import { datasetInputSchema, datasetRefSchema, defineStep, jsonataExpression, StepError } from '../../sdk/src/index.js';
import { toStepError, type JsonataError } from './jsonata.step.js';

const DEFAULT_TIMEOUT_MS = 30_000;

export const datasetStep = defineStep({
  id: 'dataset',
  title: 'Map, filter, aggregate or join datasets with JSONata',
  description:
    'Evaluates a JSONata expression with the rows of `dataset` as `$`, and the rows of each `join` dataset as `$<name>`. ' +
    'Map: `$.{ "id": id, "total": qty * price }`; filter: `$[status = "paid"]`; aggregate: `$sum(amount)` (with `as: value`); ' +
    'join: `$.( $o := $; $merge([$o, $customers[id = $o.customer]]) )`. An array result becomes a new dataset; `as: value` returns it inline.',
  input: z.strictObject({
    dataset: datasetInputSchema,
    join: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), datasetInputSchema).default({}),
    expression: jsonataExpression(),
    as: z.enum(['dataset', 'value']).default('dataset'),
    timeoutMs: z.number().int().min(1).max(300_000).default(DEFAULT_TIMEOUT_MS),
  }),
  output: z.object({ dataset: datasetRefSchema.optional(), value: z.json().nullable().optional(), count: z.number().optional() }),
  async run({ dataset, join, expression, as, timeoutMs }, ctx) {
    const rows = await ctx.artifacts.readDataset(dataset.artifact);
    for (const ref of [dataset, ...Object.values(join)]) ctx.lineage.input(ref.artifact);
    const bindings = Object.fromEntries(
      await Promise.all(Object.entries(join).map(async ([name, ref]) => [name, await ctx.artifacts.readDataset(ref.artifact)] as const)),
    );
    let result: unknown;
    try {
      result = await jsonata(expression, { timeout: timeoutMs, stack: 500 }).evaluate(rows, bindings);
    } catch (error) {
      throw toStepError(error as JsonataError);
    }
    if (as === 'value') return { value: (result ?? null) as z.infer<ReturnType<typeof z.json>> };
    // JSONata gives a single match as the row itself, and no match as undefined: both are datasets too.
    const out = result === undefined ? [] : Array.isArray(result) ? result : [result];
    if (!out.every((row) => typeof row === 'object' && row !== null && !Array.isArray(row))) {
      throw new StepError('the expression must give rows (objects) to make a dataset; use `as: value` for anything else', {
        retryable: false,
        code: 'not_rows',
      });
    }
    ctx.log('transformed', { in: rows.length, out: out.length });
    const written = await ctx.artifacts.writeDataset(ctx.artifacts.ownKey('result.ndjson'), out);
    ctx.lineage.output(written);
    return { dataset: written, count: out.length };
  },
});
