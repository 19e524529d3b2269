import { z } from 'zod';
import { parseDuration } from '../../../workers/contracts/duration.js';
import { MAX_PARALLEL, POOL_NAME_PATTERN, STEP_EXECUTION_CHOICES } from '../../../workers/contracts/index.js';
import { ROLES } from '../../common/auth/roles.js';

export const PIPELINE_NAME_PATTERN = /^[a-z0-9-]{1,63}$/;
export const STEP_ID_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;
export const USES_PATTERN = /^[a-z0-9-]+\/[a-z0-9-]+(@\S+)?$/;
/** Input names are read as `inputs.<name>` in expressions, so they must be plain identifiers. */
export const INPUT_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const MAX_STEPS = 500;

const duration = z.string().refine((text) => (parseDuration(text) ?? 0) > 0, {
  error: 'Must be a positive duration such as 500ms, 5s, 1m, 2h, 1d or 1h30m',
});

const uniqueStrings = z.array(z.string()).superRefine((items, ctx) => {
  items.forEach((item, index) => {
    if (items.indexOf(item) !== index) ctx.addIssue({ code: 'custom', path: [index], message: `\`${item}\` is listed twice` });
  });
});

const jsonObject = z.record(z.string(), z.unknown());

const pool = z.string().regex(POOL_NAME_PATTERN, { error: 'A worker pool name must match [a-z][a-z0-9-]{0,30}, e.g. gpu' });

export const RetryPolicySchema = z.strictObject({
  maxAttempts: z.int().min(1).max(100).optional(),
  initialInterval: duration.optional(),
  backoffCoefficient: z.number().min(1).optional(),
  maxInterval: duration.optional(),
});

/** A human decision: the run waits until someone with one of `roles` approves or rejects, or `timeout` passes. */
export const ApprovalSchema = z.strictObject({
  roles: z
    .array(z.enum(ROLES.filter((role) => role !== 'publisher') as ['owner', 'admin', 'operator', 'viewer']))
    .min(1)
    .default(['admin']),
  timeout: duration.default('24h'),
  onTimeout: z.enum(['reject', 'approve']).default('reject'),
});

const StepFields = z.strictObject({
  name: z.string().optional(),
  uses: z.string().regex(USES_PATTERN, { error: 'Must be plugin/step or plugin/step@version, e.g. http/request@^1' }).optional(),
  needs: uniqueStrings.optional(),
  if: z.union([z.boolean(), z.string()], { error: 'Must be true, false or a ${{ expression }}' }).optional(),
  with: jsonObject.optional(),
  retry: RetryPolicySchema.optional(),
  timeout: duration.optional(),
  continueOnError: z.boolean().optional(),
  forEach: z.union([z.string(), z.array(z.unknown())], { error: 'Must be a ${{ expression }} or a list' }).optional(),
  maxParallel: z.int().min(1).max(MAX_PARALLEL).optional(),
  approval: ApprovalSchema.optional(),
  runsOn: pool.optional(),
  execution: z.enum(STEP_EXECUTION_CHOICES, { error: 'Must be activity or local' }).optional(),
});

/** A step either runs a plugin (`uses`) or waits for a person (`approval`). */
export const StepDefinitionSchema = StepFields.superRefine((step, ctx) => {
  if (step.uses === undefined && step.approval === undefined)
    ctx.addIssue({ code: 'custom', path: ['uses'], message: 'A step needs `uses` (a plugin step) or `approval`' });
  if (step.uses !== undefined && step.approval !== undefined)
    ctx.addIssue({ code: 'custom', path: ['approval'], message: 'A step has either `uses` or `approval`, not both' });
  if (step.maxParallel !== undefined && step.forEach === undefined)
    ctx.addIssue({ code: 'custom', path: ['maxParallel'], message: '`maxParallel` limits a `forEach`; this step has none' });
  if (step.approval !== undefined) {
    if (step.forEach !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['forEach'],
        message: 'An approval step cannot fan out; decide once, or fan out the steps after it',
      });
    for (const field of ['with', 'retry', 'timeout'] as const) {
      if (step[field] !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `An approval step has no \`${field}\`; use approval.timeout for how long it waits`,
        });
    }
    for (const field of ['runsOn', 'execution'] as const) {
      if (step[field] !== undefined)
        ctx.addIssue({ code: 'custom', path: [field], message: `An approval step runs on no worker; only plugin steps take \`${field}\`` });
    }
  }
});

export const MAX_FAILURE_HANDLERS = 20;

/** A step run, in order, when the run fails; it reads the failure as `${{ run.error }}`. */
export const OnFailureStepSchema = z.strictObject({
  name: z.string().optional(),
  uses: z.string().regex(USES_PATTERN, { error: 'Must be plugin/step or plugin/step@version, e.g. http/request@^1' }),
  with: jsonObject.optional(),
  retry: RetryPolicySchema.optional(),
  timeout: duration.optional(),
});

const steps = z
  .record(z.string().regex(STEP_ID_PATTERN, { error: 'Step ids must match [a-z][a-z0-9_-]{0,62}' }), StepDefinitionSchema)
  .superRefine((record, ctx) => {
    const count = Object.keys(record).length;
    if (count === 0) ctx.addIssue({ code: 'custom', message: 'A pipeline needs at least one step' });
    if (count > MAX_STEPS)
      ctx.addIssue({ code: 'custom', message: `A pipeline may have at most ${MAX_STEPS} steps; this one has ${count}` });
  });

/** A pipeline definition as written (PIPELINES.md); unknown fields are rejected everywhere. */
export const PipelineDefinitionSchema = z.strictObject({
  apiVersion: z.literal('baton/v1', { error: 'Must be baton/v1' }),
  kind: z.literal('Pipeline', { error: 'Must be Pipeline' }),
  name: z.string().regex(PIPELINE_NAME_PATTERN, { error: 'Must match [a-z0-9-]{1,63}' }),
  description: z.string().optional(),
  inputs: z
    .record(z.string().regex(INPUT_NAME_PATTERN, { error: 'Input names must match [A-Za-z_][A-Za-z0-9_]{0,63}' }), jsonObject)
    .optional(),
  required: uniqueStrings.optional(),
  timeout: duration.optional(),
  sla: duration.optional(),
  concurrency: z.int().min(1).max(1000).optional(),
  defaults: z.strictObject({ retry: RetryPolicySchema.optional(), timeout: duration.optional() }).optional(),
  runsOn: pool.optional(),
  steps,
  onFailure: z.array(OnFailureStepSchema).min(1).max(MAX_FAILURE_HANDLERS).optional(),
  outputs: jsonObject.optional(),
});

export type PipelineDefinitionInput = z.input<typeof PipelineDefinitionSchema>;
