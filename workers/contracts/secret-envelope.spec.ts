import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newDataKey, openSecret, parseMasterKey, redact, sealSecret, unwrapDataKey, wrapDataKey } from './secret-envelope.js';

const masterKey = () => parseMasterKey(randomBytes(32).toString('base64'));

describe('secret envelope', () => {
  it('seals a secret under a tenant data key wrapped by the master key, and opens it again', () => {
    const keyring = [masterKey()];
    const { key, wrapped } = newDataKey(keyring, 'tenant-a', 1);
    const sealed = sealSecret(key, 'tenant-a', 'DB_URL', 1, 'postgres://u:p@h/db');
    expect(sealed.toString('utf8')).not.toContain('postgres');
    expect(openSecret(unwrapDataKey(keyring, wrapped), 'tenant-a', 'DB_URL', 1, sealed)).toBe('postgres://u:p@h/db');
  });

  it('refuses a value moved to another tenant or name, a flipped byte, a cut tag and an unknown master key', () => {
    const keyring = [masterKey()];
    const { key, wrapped } = newDataKey(keyring, 'tenant-a', 1);
    const sealed = sealSecret(key, 'tenant-a', 'TOKEN', 1, 'abc');
    expect(() => openSecret(key, 'tenant-b', 'TOKEN', 1, sealed)).toThrow();
    expect(() => openSecret(key, 'tenant-a', 'OTHER', 1, sealed)).toThrow();
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 1] ^= 1;
    expect(() => openSecret(key, 'tenant-a', 'TOKEN', 1, flipped)).toThrow();
    expect(() => openSecret(key, 'tenant-a', 'TOKEN', 1, sealed.subarray(0, 20))).toThrow(/too short/);
    expect(() => unwrapDataKey([masterKey()], wrapped)).toThrow(/not configured/);
    expect(() => unwrapDataKey(keyring, { ...wrapped, tenantId: 'tenant-b' })).toThrow();
  });

  it('re-wraps a data key under a new master key while the old one is still on the keyring', () => {
    const old = masterKey();
    const { key, wrapped } = newDataKey([old], 't', 1);
    const current = masterKey();
    const rewrapped = wrapDataKey([current, old], 't', 1, unwrapDataKey([current, old], wrapped));
    expect(rewrapped.masterKeyId).toBe(current.id);
    expect(unwrapDataKey([current], rewrapped)).toEqual(key);
  });

  it('rejects master keys of the wrong length', () => {
    expect(() => parseMasterKey('c2hvcnQ=')).toThrow(/32 random bytes/);
    // 43 characters that Node would decode to 32 bytes: a passphrase, not a key.
    expect(() => parseMasterKey('correct-horse-battery-staple-correct-horsee')).toThrow(/32 random bytes/);
  });

  it('redacts secret values wherever they appear in strings', () => {
    expect(
      redact({ a: 'token=s3cr3t-value;', b: ['s3cr3t-value'], n: 1, short: 'abc', 's3cr3t-value': 'key kept' }, ['s3cr3t-value', 'abc']),
    ).toEqual({
      a: 'token=***;',
      b: ['***'],
      n: 1,
      short: 'abc',
      's3cr3t-value': 'key kept',
    });
  });
});
