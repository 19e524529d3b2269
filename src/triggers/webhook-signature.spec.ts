import { describe, expect, it } from 'vitest';
import { checkDelivery, signDelivery, signingKeyOf, triggerSecret } from './webhook-signature.js';

describe('webhook signatures', () => {
  const secret = triggerSecret('installation-key', 'trigger-1', 1);
  const body = Buffer.from('{"order":42}');
  const now = 1_800_000_000_000;
  const ts = now / 1000;
  const headers = (signature: string | undefined, timestamp: string | undefined, delivery: string | null = 'd-1') => ({
    'x-baton-signature': signature,
    'x-baton-timestamp': timestamp,
    'x-baton-delivery': delivery ?? undefined,
  });

  it('derives a different secret per trigger and per version', () => {
    expect(triggerSecret('installation-key', 'trigger-1', 1)).toBe(secret);
    expect(
      new Set([
        secret,
        triggerSecret('installation-key', 'trigger-1', 2),
        triggerSecret('installation-key', 'trigger-2', 1),
        triggerSecret('other-key', 'trigger-1', 1),
      ]).size,
    ).toBe(4);
  });

  it('derives from the webhook key, and from the session key only for secrets made before it existed', () => {
    const keys = { webhookSigningKey: 'webhook-key', jwtSecret: 'session-key' };
    expect(signingKeyOf(keys, { secretFromSessionKey: false })).toBe('webhook-key');
    expect(signingKeyOf(keys, { secretFromSessionKey: true })).toBe('session-key');
  });

  it('accepts the exact bytes and delivery id signed with the secret within five minutes, and nothing else', () => {
    expect(checkDelivery(secret, body, headers(signDelivery(secret, ts, 'd-1', body), String(ts)), now)).toBe('ok');
    expect(checkDelivery(secret, body, headers(signDelivery(secret, ts - 299, 'd-1', body), String(ts - 299)), now)).toBe('ok');
    expect(checkDelivery(secret, body, headers(signDelivery(secret, ts - 301, 'd-1', body), String(ts - 301)), now)).toBe('stale');
    expect(checkDelivery(secret, Buffer.from('{"order":43}'), headers(signDelivery(secret, ts, 'd-1', body), String(ts)), now)).toBe(
      'mismatch',
    );
    expect(checkDelivery(secret, body, headers(signDelivery('bwh_other', ts, 'd-1', body), String(ts)), now)).toBe('mismatch');
    // The timestamp and the delivery id are signed: changing either breaks the signature.
    expect(checkDelivery(secret, body, headers(signDelivery(secret, ts, 'd-1', body), String(ts + 1)), now)).toBe('mismatch');
    expect(checkDelivery(secret, body, headers(signDelivery(secret, ts, 'd-1', body), String(ts), 'd-2'), now)).toBe('mismatch');
    expect(checkDelivery(secret, body, headers(undefined, String(ts)), now)).toBe('missing');
    expect(checkDelivery(secret, body, headers(signDelivery(secret, ts, 'd-1', body), undefined), now)).toBe('missing');
    expect(checkDelivery(secret, body, headers(signDelivery(secret, ts, 'd-1', body), String(ts), null), now)).toBe('missing');
    expect(checkDelivery(secret, body, headers(signDelivery(secret, ts, 'd-1', body), '1e9'), now)).toBe('stale');
  });
});
