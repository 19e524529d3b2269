import { describe, expect, it } from 'vitest';
import { withoutCredentials } from './credential-fields.js';

describe('withoutCredentials', () => {
  it('drops a new API key, signing secret or invitation token and says so', () => {
    expect(withoutCredentials({ id: 'k1', name: 'ci', key: 'bk_abc' })).toEqual({ body: { id: 'k1', name: 'ci' }, withheld: true });
    expect(withoutCredentials({ id: 't1', url: 'https://x', secret: 'bwh_x' })).toEqual({
      body: { id: 't1', url: 'https://x' },
      withheld: true,
    });
    expect(withoutCredentials({ invitation: { id: 'i1' }, token: 'bi_x' })).toEqual({ body: { invitation: { id: 'i1' } }, withheld: true });
  });

  it('keeps bodies without credentials whole, whatever their shape', () => {
    expect(withoutCredentials({ id: 'r1', status: 'queued' })).toEqual({ body: { id: 'r1', status: 'queued' }, withheld: false });
    expect(withoutCredentials({ key: { nested: true } })).toEqual({ body: { key: { nested: true } }, withheld: false });
    expect(withoutCredentials(null)).toEqual({ body: null, withheld: false });
    expect(withoutCredentials([{ key: 'x' }])).toEqual({ body: [{ key: 'x' }], withheld: false });
  });
});
