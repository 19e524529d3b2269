import { z } from 'zod';
import { defineStep, StepError } from '../../sdk/src/index.js';

export const failStep = defineStep({
  id: 'fail',
  title: 'Fail on purpose',
  description:
    'Throws a StepError; with `times`, fails only on the first `times` attempts and then succeeds, to stand in for a flaky step.',
  input: z.strictObject({
    message: z.string(),
    retryable: z.boolean().default(true),
    times: z.number().int().min(0).optional(),
  }),
  output: z.strictObject({ attempt: z.number().int() }),
  run({ message, retryable, times }, ctx) {
    if (times === undefined || ctx.attempt <= times) throw new StepError(message, { retryable, code: 'requested_failure' });
    return { attempt: ctx.attempt };
  },
});
