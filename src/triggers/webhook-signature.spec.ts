import { describe, expect, it } from 'vitest';
import { checkDelivery, signDelivery, triggerSecret } from './webhook-signature.js';

describe('webhook signatures', () => {
  const secret = triggerSecret('installation-key', 'trigger-1', 1);
  const body = Buffer.from('{"order":42}');
  const now = 1_800_000_000_000;
  const ts = now / 1000;

  it('derives a different secret per trigger and per version', () => {
    expect(triggerSecret('installation-key', 'trigger-1', 1)).toBe(secret);
    expect(new Set([secret, triggerSecret('installation-key', 'trigger-1', 2), triggerSecret('installation-key', 'trigger-2', 1), triggerSecret('other-key', 'trigger-1', 1)]).size).toBe(4);
  });

  it('accepts the exact bytes signed with the secret within five minutes, and nothing else', () => {
    expect(checkDelivery(secret, body, signDelivery(secret, ts, body), String(ts), now)).toBe('ok');
    expect(checkDelivery(secret, body, signDelivery(secret, ts - 299, body), String(ts - 299), now)).toBe('ok');
    expect(checkDelivery(secret, body, signDelivery(secret, ts - 301, body), String(ts - 301), now)).toBe('stale');
    expect(checkDelivery(secret, Buffer.from('{"order":43}'), signDelivery(secret, ts, body), String(ts), now)).toBe('mismatch');
    expect(checkDelivery(secret, body, signDelivery('bwh_other', ts, body), String(ts), now)).toBe('mismatch');
    // The timestamp is signed: moving it breaks the signature.
    expect(checkDelivery(secret, body, signDelivery(secret, ts, body), String(ts + 1), now)).toBe('mismatch');
    expect(checkDelivery(secret, body, undefined, String(ts), now)).toBe('missing');
    expect(checkDelivery(secret, body, signDelivery(secret, ts, body), undefined, now)).toBe('missing');
    expect(checkDelivery(secret, body, signDelivery(secret, ts, body), '1e9', now)).toBe('stale');
  });
});
