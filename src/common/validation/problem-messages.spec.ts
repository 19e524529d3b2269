import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { schemaErrorMessage, schemaErrorPath, zodIssueMessage } from './problem-messages.js';

const zodMessages = (schema: z.ZodType, value: unknown) => {
  const parsed = schema.safeParse(value);
  if (parsed.success) throw new Error('expected a failure');
  return Object.fromEntries(parsed.error.issues.map((issue) => [issue.path.join('.') || issue.code, zodIssueMessage(issue)]));
};

const ajvMessages = (schema: object, value: unknown) => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const validate = ajv.compile(schema);
  if (validate(value)) throw new Error('expected a failure');
  return Object.fromEntries((validate.errors ?? []).map((error) => [schemaErrorPath(error).join('.'), schemaErrorMessage(error)]));
};

describe('problem messages', () => {
  it('rewrites what zod says into sentences, keeping the messages a schema states itself', () => {
    const schema = z.strictObject({
      number: z.number(),
      missing: z.string(),
      mode: z.enum(['fast', 'safe', 'slow']),
      count: z.int().min(1),
      name: z.string().min(1),
      tags: z.array(z.string()).max(2),
      either: z.union([z.string(), z.array(z.unknown())]),
      version: z.literal('baton/v1'),
      flag: z.boolean(),
      prefixed: z.string().regex(/^a/),
      id: z.uuid(),
      own: z.string().regex(/^b/, { error: 'Must start with b' }),
      short: z.string().max(3),
    });
    expect(
      zodMessages(schema, {
        number: 'x',
        mode: 'quick',
        count: 0,
        name: '',
        tags: ['a', 'b', 'c'],
        either: 3,
        version: 'v2',
        flag: 'yes',
        prefixed: 'b',
        id: 'nope',
        own: 'a',
        short: 'abcd',
        extra: 1,
      }),
    ).toEqual({
      number: 'Must be a number',
      missing: 'Required',
      mode: 'Must be one of: fast, safe, slow',
      count: 'Must be at least 1',
      name: 'Must not be empty',
      tags: 'Must have at most 2 items',
      either: 'Must be a string or an array',
      version: 'Must be baton/v1',
      flag: 'Must be a boolean',
      prefixed: 'Must match the pattern /^a/',
      id: 'Must be a UUID',
      own: 'Must start with b',
      short: 'Must be at most 3 characters long',
      unrecognized_keys: 'Unknown field',
    });
  });

  it('says the same of JSON Schema errors', () => {
    const schema = {
      type: 'object',
      properties: {
        n: { type: 'integer', minimum: 0 },
        m: { enum: ['GET', 'POST'] },
        u: { type: 'string', format: 'uri' },
        s: { type: ['string', 'null'] },
        a: { type: 'array', minItems: 1 },
      },
      required: ['r'],
      additionalProperties: false,
    };
    expect(ajvMessages(schema, { n: -1, m: 'PUT', u: 'not a uri', s: 1, a: [], x: 1 })).toEqual({
      r: 'Required',
      x: 'Unknown field',
      n: 'Must be at least 0',
      m: 'Must be one of: GET, POST',
      u: 'Must be a URI',
      s: 'Must be a string or null',
      a: 'Must have at least 1 item',
    });
  });
});
