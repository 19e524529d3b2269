import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ed25519PublicKey, generatePublisherKeyPair, keyIdOf, signManifest, verifyManifest } from './signing.js';

describe('manifest signatures', () => {
  const manifest = Buffer.from('{\n  "name": "hello",\n  "version": "1.0.0"\n}\n');

  it('verifies the exact bytes it signed, and nothing else', () => {
    const key = generatePublisherKeyPair();
    const signature = signManifest(manifest, key.privateKeyPem);

    expect(signature).toMatchObject({ algorithm: 'ed25519', keyId: key.keyId });
    expect(verifyManifest(manifest, signature, key.publicKeyPem)).toBe(true);
    const edited = Buffer.from(manifest);
    edited[10] ^= 1;
    expect(verifyManifest(edited, signature, key.publicKeyPem)).toBe(false);
    // Same JSON, other bytes: never re-serialise before verifying.
    expect(verifyManifest(Buffer.from(JSON.stringify(JSON.parse(manifest.toString()))), signature, key.publicKeyPem)).toBe(false);
    expect(verifyManifest(manifest, signature, generatePublisherKeyPair().publicKeyPem)).toBe(false);
    expect(verifyManifest(manifest, { ...signature, signature: Buffer.alloc(10).toString('base64') }, key.publicKeyPem)).toBe(false);
  });

  it('names a key by its public half, the same from either side', () => {
    const key = generatePublisherKeyPair();
    expect(key.keyId).toMatch(/^ed25519:[0-9a-f]{32}$/);
    expect(keyIdOf(key.publicKeyPem)).toBe(key.keyId);
    expect(keyIdOf(key.publicKeyPem)).not.toBe(generatePublisherKeyPair().keyId);
  });

  it('accepts only Ed25519 keys', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => ed25519PublicKey(rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString())).toThrow(/Ed25519/);
    expect(() => signManifest(manifest, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())).toThrow(/Ed25519/);
  });
});
