import { describe, expect, it } from 'vitest';
import { isSecretField, secretFieldNames } from './secret-fields.js';

const SECRET = { type: 'string', writeOnly: true, 'x-baton-secret': true };
const schema = {
  type: 'object',
  properties: {
    connection: SECRET,
    sql: { type: 'string' },
    auth: { anyOf: [{ type: 'object', properties: { bearer: SECRET } }, { type: 'null' }] },
    secretHeaders: { type: 'object', additionalProperties: SECRET },
    keys: { type: 'array', items: { $ref: '#/$defs/key' } },
    pair: { type: 'array', prefixItems: [{ type: 'string' }, SECRET] },
  },
  $defs: { key: SECRET },
};

describe('isSecretField', () => {
  it.each([
    [['connection'], true],
    [['auth', 'bearer'], true],
    [['secretHeaders', 'X-Api-Key'], true],
    [['keys', 3], true],
    [['pair', 1], true],
    [['sql'], false],
    [['pair', 0], false],
    [['auth'], false],
    [['missing'], false],
    [[], false],
  ] as const)('%j is secret: %s', (path, secret) => {
    expect(isSecretField(schema, path)).toBe(secret);
  });

  it('finds nothing in a schema without marks, or no schema at all', () => {
    expect(isSecretField({ type: 'object', properties: { token: { type: 'string', writeOnly: true } } }, ['token'])).toBe(false);
    expect(isSecretField(undefined, ['x'])).toBe(false);
  });
});

describe('secretFieldNames', () => {
  it('lists the declared secret fields for messages', () => {
    expect(secretFieldNames(schema)).toEqual(['connection', 'auth.bearer', 'secretHeaders.*', 'keys[]', 'pair[1]']);
  });
});
