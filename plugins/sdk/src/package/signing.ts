import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';

/** `manifest.sig`: which key signed, and the Ed25519 signature over the exact manifest bytes. */
export const SignatureFileSchema = z.strictObject({
  algorithm: z.literal('ed25519'),
  keyId: z.string().regex(/^ed25519:[0-9a-f]{32}$/),
  signature: z.base64().max(200),
});
export type SignatureFile = z.infer<typeof SignatureFileSchema>;

export interface PublisherKeyPair {
  /** PKCS#8 PEM: stays with the publisher. */
  privateKeyPem: string;
  /** SPKI PEM: registered with `POST /v1/publishers/keys`. */
  publicKeyPem: string;
  keyId: string;
}

export function generatePublisherKeyPair(): PublisherKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}

/** Parses a public key and insists it is Ed25519; throws with the reason otherwise. */
export function ed25519PublicKey(pem: string): KeyObject {
  const key = createPublicKey({ key: pem, format: 'pem' });
  if (key.asymmetricKeyType !== 'ed25519')
    throw new Error(`expected an Ed25519 public key, got ${key.asymmetricKeyType ?? 'an unknown key type'}`);
  return key;
}

/** A short, stable name for a public key: the start of the SHA-256 of its SPKI encoding. */
export function keyIdOf(publicKey: KeyObject | string): string {
  const key = typeof publicKey === 'string' ? ed25519PublicKey(publicKey) : publicKey;
  const der = key.export({ type: 'spki', format: 'der' });
  return `ed25519:${createHash('sha256').update(der).digest('hex').slice(0, 32)}`;
}

export function signManifest(manifest: Buffer, privateKeyPem: string): SignatureFile {
  const privateKey = createPrivateKey({ key: privateKeyPem, format: 'pem' });
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the signing key is not an Ed25519 private key');
  return {
    algorithm: 'ed25519',
    keyId: keyIdOf(createPublicKey(privateKey)),
    signature: sign(null, manifest, privateKey).toString('base64'),
  };
}

/** Ed25519 over the bytes as received: a manifest re-serialised, or edited by one byte, fails. */
export function verifyManifest(manifest: Buffer, signature: SignatureFile, publicKeyPem: string): boolean {
  const bytes = Buffer.from(signature.signature, 'base64');
  return bytes.length === 64 && verify(null, manifest, ed25519PublicKey(publicKeyPem), bytes);
}
