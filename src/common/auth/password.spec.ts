import { describe, expect, it } from 'vitest';
import { DUMMY_PASSWORD_HASH, hashPassword, LEGACY_COST, needsRehash, PASSWORD_COST, verifyPassword } from './password.js';

describe('password hashing', () => {
  it('hashes at the current cost, keeping the parameters with the hash', async () => {
    const hash = await hashPassword('a long password');
    expect(hash.split('$').slice(0, 4)).toEqual(['scrypt', String(PASSWORD_COST.N), String(PASSWORD_COST.r), String(PASSWORD_COST.p)]);
    expect(await verifyPassword('a long password', hash)).toBe(true);
    expect(await verifyPassword('another password', hash)).toBe(false);
    expect(needsRehash(hash)).toBe(false);
  });

  it('still verifies a hash made at the old cost, and marks it for rehashing', async () => {
    const old = await hashPassword('a long password', LEGACY_COST);
    expect(old.startsWith('scrypt$16384$8$1$')).toBe(true);
    expect(await verifyPassword('a long password', old)).toBe(true);
    expect(needsRehash(old)).toBe(true);
  });

  it('refuses malformed hashes and parameters no hash of ours has', async () => {
    expect(await verifyPassword('x', 'plain')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$1000$8$1$AAAA$AAAA')).toBe(false);
    expect(await verifyPassword('x', `scrypt$${2 ** 24}$8$1$AAAA$AAAA`)).toBe(false);
    expect(await verifyPassword('anything', DUMMY_PASSWORD_HASH)).toBe(false);
    expect(needsRehash('plain')).toBe(true);
  });
});
