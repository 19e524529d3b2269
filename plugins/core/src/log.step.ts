import { z } from 'zod';
import { defineStep, LOG_LEVELS } from '../../sdk/src/index.js';

export const logStep = defineStep({
  id: 'log',
  title: 'Write a log line',
  description: 'Writes one line to the run log.',
  input: z.strictObject({
    message: z.string(),
    level: z.enum(LOG_LEVELS).default('info'),
  }),
  output: z.strictObject({}),
  run({ message, level }, ctx) {
    ctx.log(level, message);
    return {};
  },
});
