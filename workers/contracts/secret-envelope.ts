/**
 * Envelope encryption of tenant secrets, shared by the control plane (which seals) and the
 * workers (which open, just before a step runs). AES-256-GCM throughout: each tenant has data keys
 * (versioned), each wrapped by a master key; each secret is sealed with a data key. The tenant,
 * the secret's name and the key version are bound as associated data, so a sealed value copied to
 * another tenant or name does not open. Not for workflow code: it uses node:crypto.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

export interface MasterKey {
  /** Derived from the key itself, so operators never name keys and a wrong key is recognised. */
  id: string;
  key: Buffer;
}

/** The current master key first, then older ones still accepted for unwrapping until `rotate` re-wraps. */
export type MasterKeyring = readonly MasterKey[];

export const masterKeyId = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 12);

/** Parses base64 master keys (32 bytes each); throws a message naming what is wrong. */
export function parseMasterKey(text: string): MasterKey {
  const key = Buffer.from(text.trim(), 'base64');
  // Node decodes base64 loosely: a passphrase of the right length must not pass for a key.
  if (key.length !== KEY_BYTES || key.toString('base64') !== text.trim()) {
    throw new Error(`a master key must be ${KEY_BYTES} random bytes in base64 (openssl rand -base64 32)`);
  }
  return { id: masterKeyId(key), key };
}

/** iv | tag | ciphertext. */
export function seal(key: Buffer, plaintext: Buffer, associatedData: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associatedData));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
}

/** Throws if the key, the associated data or a single byte is wrong. */
export function open(key: Buffer, sealed: Buffer, associatedData: string): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('sealed value is too short');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(associatedData));
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

const dataKeyAad = (tenantId: string, version: number) => `baton/data-key/${tenantId}/${version}`;
const secretAad = (tenantId: string, name: string, keyVersion: number) => `baton/secret/${tenantId}/${name}/${keyVersion}`;

export interface WrappedDataKey {
  tenantId: string;
  version: number;
  masterKeyId: string;
  wrapped: Buffer;
}

export function newDataKey(keyring: MasterKeyring, tenantId: string, version: number): { key: Buffer; wrapped: WrappedDataKey } {
  const key = randomBytes(KEY_BYTES);
  return { key, wrapped: wrapDataKey(keyring, tenantId, version, key) };
}

/** Wraps a data key with the current master key. */
export function wrapDataKey(keyring: MasterKeyring, tenantId: string, version: number, key: Buffer): WrappedDataKey {
  const master = keyring[0];
  if (!master) throw new Error('no master key is configured');
  return { tenantId, version, masterKeyId: master.id, wrapped: seal(master.key, key, dataKeyAad(tenantId, version)) };
}

export function unwrapDataKey(keyring: MasterKeyring, { tenantId, version, masterKeyId: id, wrapped }: WrappedDataKey): Buffer {
  const master = keyring.find((k) => k.id === id);
  if (!master)
    throw new Error(
      `data key ${version} of tenant ${tenantId} is wrapped by master key ${id}, which is not configured (SECRETS_PREVIOUS_MASTER_KEYS?)`,
    );
  return open(master.key, wrapped, dataKeyAad(tenantId, version));
}

export const sealSecret = (dataKey: Buffer, tenantId: string, name: string, keyVersion: number, value: string) =>
  seal(dataKey, Buffer.from(value, 'utf8'), secretAad(tenantId, name, keyVersion));
export const openSecret = (dataKey: Buffer, tenantId: string, name: string, keyVersion: number, sealed: Buffer) =>
  open(dataKey, sealed, secretAad(tenantId, name, keyVersion)).toString('utf8');

/**
 * Replaces every occurrence of the values in the strings of a JSON value (not in keys, which
 * outputs are read by). Values under 4 characters are not hidden (the API refuses them), nor
 * are values that a step turns into numbers or re-encodes (escaped, base64): redaction catches
 * echoes and mistakes, it cannot stop a plugin that means to leak what it was given.
 */
export function redact<T>(value: T, secrets: readonly string[]): T {
  const needles = secrets.filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  if (!needles.length) return value;
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') return needles.reduce((text, needle) => text.split(needle).join('***'), v);
    if (Array.isArray(v)) return v.map(visit);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, visit(inner)]));
    return v;
  };
  return visit(value) as T;
}
