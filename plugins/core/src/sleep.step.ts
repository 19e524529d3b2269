import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { defineStep } from '../../sdk/src/index.js';

const ONE_DAY_MS = 24 * 60 * 60 * 1000;

export const sleepStep = defineStep({
  id: 'sleep',
  title: 'Wait',
  description: 'Waits for a number of milliseconds; stops early with an AbortError when the step is cancelled.',
  input: z.strictObject({ ms: z.number().int().min(0).max(ONE_DAY_MS) }),
  output: z.strictObject({ sleptMs: z.number() }),
  async run({ ms }, ctx) {
    await delay(ms, undefined, { signal: ctx.signal });
    return { sleptMs: ms };
  },
});
