import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientSchemaSource } from '../../client/src/schema-generator.js';
import { describeApi } from '../../src/api.js';
import { loadConfig } from '../../src/runtime/config/config.js';

const FILE = resolve(import.meta.dirname, '../../client/src/schema.gen.ts');

describe('client/src/schema.gen.ts', () => {
  it("is what the generator makes of the API's OpenAPI document now (npm run client:schema)", async () => {
    const unused = 'x'.repeat(32);
    const document = await describeApi({
      ...loadConfig({ JWT_SECRET: unused, WEBHOOK_SIGNING_KEY: unused }),
      databaseUrl: '',
      temporalAddress: '',
    });
    // As `baton openapi` prints it: JSON, so through JSON here too.
    expect(readFileSync(FILE, 'utf8')).toBe(await clientSchemaSource(JSON.parse(JSON.stringify(document)) as object));
  }, 60_000);
});
