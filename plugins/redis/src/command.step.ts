import { z } from 'zod';
import { defineStep, secret, StepError } from '../../sdk/src/index.js';
import { CONNECTION_URL } from './connection.js';
import { asStepError, withRedis } from './session.js';

const argument = z.union([z.string().max(1_000_000), z.number()]);
const command = z.array(argument).min(1).max(1_000);
/** Commands that turn the connection into a stream without end or hand over the whole dataset: not a step's business. */
const REFUSED = new Set(['SUBSCRIBE', 'PSUBSCRIBE', 'SSUBSCRIBE', 'MONITOR', 'SYNC', 'PSYNC', 'QUIT', 'RESET']);

export const commandStep = defineStep({
  id: 'command',
  title: 'Run Redis commands',
  description:
    'Runs one command (`command: [SET, k, v]`) or a pipeline of them (`commands: [[SET, k, v], [GET, k]]`, sent together, in order; with `transaction: true` inside MULTI/EXEC) and outputs the replies, one per command. An error reply fails the step unless `failOnError: false`, which puts `{ error }` in its place. Pass the connection as a secret: `connection: ${{ secrets.REDIS_URL }}`.',
  input: z
    .strictObject({
      connection: secret(z.string().regex(CONNECTION_URL, { error: 'Must be a redis:// URL' })),
      command: command.optional(),
      commands: z.array(command).min(1).max(1_000).optional(),
      transaction: z.boolean().default(false),
      failOnError: z.boolean().default(true),
      maxBytes: z
        .number()
        .int()
        .min(1_024)
        .max(16 * 1024 * 1024)
        .default(4 * 1024 * 1024)
        .describe('The replies together hold at most this many bytes'),
    })
    .refine((input) => (input.command === undefined) !== (input.commands === undefined), {
      message: 'Give exactly one of `command` and `commands`',
    }),
  output: z.strictObject({ replies: z.array(z.json()) }),
  async run({ connection, command: one, commands, transaction, failOnError, maxBytes }, ctx) {
    const batch = (commands ?? [one!]).map(([name, ...args]) => [String(name).toUpperCase(), ...args.map(String)] as [string, ...string[]]);
    const refused = batch.find(([name]) => REFUSED.has(name));
    if (refused) throw new StepError(`${refused[0]} is not a command a step can run`, { retryable: false, code: 'unsupported_command' });
    const results = await withRedis(connection, ctx, maxBytes, async (redis) => {
      const pipeline = transaction ? redis.multi() : redis.pipeline();
      for (const [name, ...args] of batch) pipeline.call(name, ...args);
      return (await pipeline.exec()) ?? [];
    });
    // A transaction the server discarded (EXECABORT) answers every command with the same error.
    const failed = results.find(([error]) => error);
    if (failed && failOnError) throw asStepError(failed[0]);
    ctx.log(`Ran ${batch.length} command(s): ${[...new Set(batch.map(([name]) => name))].join(', ')}`);
    return { replies: results.map(([error, reply]) => (error ? { error: error.message } : toJson(reply))) };
  },
});

/** RESP replies as JSON: strings, integers, nulls and arrays of them (ioredis gives them so). */
function toJson(reply: unknown): z.infer<ReturnType<typeof z.json>> {
  if (reply === null || reply === undefined) return null;
  if (Array.isArray(reply)) return reply.map(toJson);
  if (Buffer.isBuffer(reply)) return reply.toString('utf8');
  if (reply instanceof Error) return { error: reply.message };
  if (typeof reply === 'string' || typeof reply === 'number' || typeof reply === 'boolean') return reply;
  return JSON.stringify(reply) ?? null;
}
