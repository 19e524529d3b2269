import { z } from 'zod';
import { datasetInputSchema, defineStep, StepError, type StepContext } from '../../sdk/src/index.js';
import { CheckSchema, runCheck } from './checks.js';

export const expectStep = defineStep({
  id: 'expect',
  title: 'Check expectations on a dataset',
  description:
    'Runs checks (notNull, unique, range, matches, rowCount, schema, freshness) over rows (inline, or a dataset reference) and reports each. Fails the step when a check of severity `failOn` or worse fails; `failOn: none` only reports.',
  input: z.strictObject({
    dataset: z.union([z.array(z.record(z.string(), z.json())).max(1_000_000), datasetInputSchema]),
    expect: z.array(CheckSchema).min(1).max(200),
    failOn: z.enum(['error', 'warn', 'none']).default('error'),
  }),
  output: z.strictObject({
    passed: z.boolean(),
    rows: z.number().int(),
    checks: z.array(
      z.strictObject({
        name: z.string(),
        severity: z.enum(['error', 'warn']),
        passed: z.boolean(),
        failures: z.number().int(),
        details: z.array(z.union([z.number(), z.string()])),
      }),
    ),
  }),
  async run({ dataset, expect, failOn }, ctx) {
    const rows = Array.isArray(dataset) ? dataset : await readRows(dataset.artifact, ctx);
    const checks = expect.map((check) => runCheck(check, rows, Date.now()));
    const failed = checks.filter((c) => !c.passed);
    for (const check of failed)
      ctx.log(check.severity === 'error' ? 'error' : 'warn', `${check.name}: ${check.failures} failure(s)`, { details: check.details });
    ctx.metric('quality_checks_failed', failed.length);
    const blocking = failed.filter((c) => failOn === 'warn' || (failOn === 'error' && c.severity === 'error'));
    if (blocking.length) {
      throw new StepError(`Quality checks failed: ${blocking.map((c) => `${c.name} (${c.failures})`).join(', ')}`, {
        retryable: false,
        code: 'quality_failed',
      });
    }
    return { passed: failed.every((c) => c.severity === 'warn'), rows: rows.length, checks };
  },
});

async function readRows(artifact: string, ctx: StepContext): Promise<Array<Record<string, z.infer<ReturnType<typeof z.json>>>>> {
  ctx.lineage.input(artifact);
  const rows = await ctx.artifacts.readDataset(artifact);
  if (!rows.every((row) => typeof row === 'object' && row !== null && !Array.isArray(row))) {
    throw new StepError(`${artifact} holds something other than rows (objects)`, { retryable: false, code: 'invalid_dataset' });
  }
  return rows as Array<Record<string, z.infer<ReturnType<typeof z.json>>>>;
}
