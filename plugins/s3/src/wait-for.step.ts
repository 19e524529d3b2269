import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineStep, isStepError, StepError } from '../../sdk/src/index.js';
import { bareEtag, isoTime, S3Client } from './s3-client.js';
import { connectionFields, objectKey } from './s3-connection.js';
import { listPage, type ObjectInfo } from './list.step.js';

/** A step makes at most 10,000 host calls; polls stay well under that. */
const MAX_POLLS = 5_000;

export const waitForStep = defineStep({
  id: 'wait-for',
  title: 'Wait for an object to appear',
  description:
    'Polls every `pollSeconds` until `key` exists, or any key under `prefix` does, and outputs it (the first in key order); after `timeoutSeconds` the step fails with `s3_wait_timeout` (or, with `failOnTimeout: false`, succeeds with `found: false`). Errors a retry can fix are logged and polled past; others fail at once. Give the step a `timeout` longer than `timeoutSeconds`.',
  input: z
    .strictObject({
      ...connectionFields,
      key: objectKey.optional(),
      prefix: z.string().min(1).max(1024).optional(),
      pollSeconds: z.number().min(1).max(3_600).default(30),
      timeoutSeconds: z
        .number()
        .min(1)
        .max(7 * 24 * 3_600)
        .default(600),
      failOnTimeout: z.boolean().default(true),
    })
    .refine((input) => (input.key === undefined) !== (input.prefix === undefined), { message: 'Give exactly one of `key` and `prefix`' })
    .refine((input) => input.timeoutSeconds / input.pollSeconds <= MAX_POLLS, {
      message: `At most ${MAX_POLLS} polls: raise pollSeconds or lower timeoutSeconds`,
      path: ['pollSeconds'],
    }),
  output: z.strictObject({
    found: z.boolean(),
    key: z.string().nullable(),
    size: z.number().int().nullable(),
    etag: z.string().nullable(),
    lastModified: z.string().nullable(),
    polls: z.number().int(),
    waitedSeconds: z.number(),
  }),
  egress: ['*'],
  async run(input, ctx) {
    const client = new S3Client(input, ctx);
    const what = `s3://${input.bucket}/${input.key ?? `${input.prefix}*`}`;
    const started = Date.now();
    const deadline = started + input.timeoutSeconds * 1000;
    const waited = () => Math.round((Date.now() - started) / 100) / 10;
    for (let polls = 1; ; polls++) {
      try {
        const hit = input.key !== undefined ? await headObject(client, input.key) : await firstUnder(client, input.prefix!);
        if (hit) {
          ctx.log(`Found ${hit.key} after ${polls} poll(s)`);
          return { found: true, ...hit, polls, waitedSeconds: waited() };
        }
      } catch (error) {
        if (!isStepError(error) || !error.retryable) throw error;
        ctx.log('warn', `Poll ${polls} of ${what} failed, polling on: ${error.message}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        if (input.failOnTimeout)
          throw new StepError(`Nothing at ${what} after ${input.timeoutSeconds} s (${polls} polls)`, {
            retryable: false,
            code: 's3_wait_timeout',
          });
        ctx.log(`Nothing at ${what} after ${input.timeoutSeconds} s (${polls} polls)`);
        return { found: false, key: null, size: null, etag: null, lastModified: null, polls, waitedSeconds: waited() };
      }
      // Rejects with an AbortError when the step is cancelled: the wait ends at once.
      await sleep(Math.min(input.pollSeconds * 1000, left), undefined, { signal: ctx.signal });
    }
  },
});

async function headObject(client: S3Client, key: string): Promise<ObjectInfo | undefined> {
  const answer = await client.send({ operation: 'HeadObject', method: 'HEAD', key, accept: [404] });
  if (answer.status === 404) return undefined;
  return {
    key,
    size: Number(answer.headers.get('content-length') ?? 0),
    etag: bareEtag(answer.headers.get('etag')),
    lastModified: isoTime(answer.headers.get('last-modified')),
  };
}

async function firstUnder(client: S3Client, prefix: string): Promise<ObjectInfo | undefined> {
  return (await listPage(client, { prefix, maxKeys: 1 })).keys[0];
}
