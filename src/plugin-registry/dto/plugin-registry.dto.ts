import { z } from 'zod';
import { secretNameParam } from '../../secrets/dto/secrets.dto.js';

export const pluginNameParam = z.string().regex(/^[a-z0-9-]{1,64}$/, { message: 'Must match [a-z0-9-]{1,64}' });
export const pluginVersionParam = z.string().min(1).max(64);
export const keyIdParam = z.string().regex(/^ed25519:[0-9a-f]{32}$/, { message: 'Must be a key id (ed25519:<32 hex digits>)' });

export const AddPublisherKeyBody = z.strictObject({
  /** SPKI PEM of an Ed25519 key, as `baton plugin keygen` writes it. */
  publicKey: z.string().min(1).max(4096),
  /** The publisher name to claim with the tenant's first key; later keys join the tenant's publisher. */
  publisher: z
    .string()
    .regex(/^[a-z0-9-]{2,64}$/, { message: 'Must match [a-z0-9-]{2,64}' })
    .optional(),
});
export type AddPublisherKeyBody = z.output<typeof AddPublisherKeyBody>;

export const EnablePluginBody = z.strictObject({
  /** Whose egress, secrets and raw network to approve; the highest version that is not yanked when left out. */
  version: z.string().min(1).max(64).optional(),
  /** Tenant secrets pipelines may pass to the plugin's secret input fields (added to those approved before). */
  secrets: z.array(secretNameParam).max(100).optional(),
});
export type EnablePluginBody = z.output<typeof EnablePluginBody>;

export const SetNetworkBody = z.strictObject({
  /** Concrete `host:port` endpoints (no wildcards) the plugin's steps may open TCP connections to; replaces the list. */
  endpoints: z.array(z.string().min(3).max(300)).max(100),
});
export type SetNetworkBody = z.output<typeof SetNetworkBody>;
