import { z } from 'zod';

export const Liveness = z.strictObject({ status: z.literal('ok') });

export const Readiness = z.strictObject({
  status: z.literal('ok'),
  checks: z.strictObject({ postgres: z.literal('ok'), temporal: z.literal('ok') }),
  sandbox: z
    .strictObject({ isolation: z.enum(['enforced', 'first-party-only', 'off']), reason: z.string().optional() })
    .optional()
    .describe('Under `baton up`: how the worker in this process isolates step processes'),
});
