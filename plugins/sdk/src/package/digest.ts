import { createHash } from 'node:crypto';

/** `sha256:<hex>`: how packages, the registry and workers name a bundle. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
