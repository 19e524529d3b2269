import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonBytes } from './fan-out.contract.js';

describe(jsonBytes.name, () => {
  it('counts UTF-8 bytes of the JSON, as Buffer.byteLength does', () => {
    expect(jsonBytes({ city: 'Zürich', yen: '¥円', face: '🙂' })).toBe(
      Buffer.byteLength(JSON.stringify({ city: 'Zürich', yen: '¥円', face: '🙂' })),
    );
    fc.assert(fc.property(fc.jsonValue(), (value) => jsonBytes(value) === Buffer.byteLength(JSON.stringify(value))));
  });
});
