import { z } from 'zod';
import { instant, jsonObject } from '../../common/openapi/views.js';
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

const Permissions = z.strictObject({ egress: z.array(z.string()), secrets: z.array(z.string()), network: z.array(z.string()) });

const StepSummary = z.strictObject({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  inputSchema: jsonObject.describe("JSON Schema of the step's `with`"),
  outputSchema: jsonObject.describe('JSON Schema of its outputs'),
  secrets: z.array(z.string()),
  egress: z.array(z.string()),
});

export const PluginVersionSummary = z.strictObject({ version: z.string(), digest: z.string(), yanked: z.boolean(), publishedAt: instant });

export const PluginView = z.strictObject({
  name: z.string(),
  publisher: z.string(),
  verified: z.boolean(),
  enabled: z.boolean().describe("For the caller's tenant"),
  approved: z.union([z.literal('all'), Permissions]).describe("What the tenant approved (`all` for a verified publisher's plugin)"),
  networkEndpoints: z.array(z.string()),
  latestVersion: z.string().nullable(),
  versions: z.array(PluginVersionSummary),
  steps: z.array(StepSummary).describe('The steps of the latest version'),
});
export const PluginList = z.strictObject({
  items: z.array(PluginView),
  nextCursor: z.null().describe('Always null: the catalogue is one page'),
});

export const PluginVersionDetail = z.strictObject({
  name: z.string(),
  version: z.string(),
  digest: z.string(),
  publisher: z.string(),
  verified: z.boolean(),
  keyId: z.string(),
  yanked: z.boolean(),
  publishedAt: instant,
  permissions: Permissions,
  steps: z.array(StepSummary),
  manifest: jsonObject.describe('The signed manifest (manifest.json)'),
  signature: z
    .strictObject({
      algorithm: z.literal('ed25519'),
      keyId: z.string(),
      signature: z.string().describe('Base64 Ed25519 signature of manifest.json'),
    })
    .describe('manifest.sig'),
});

export const PluginEnabled = z.strictObject({
  name: z.string(),
  enabled: z.literal(true),
  approved: Permissions,
  networkEndpoints: z.array(z.string()),
});
export const PluginDisabled = z.strictObject({ name: z.string(), enabled: z.literal(false) });
export const PluginNetwork = z.strictObject({ name: z.string(), networkEndpoints: z.array(z.string()) });

export const PublisherKeyView = z.strictObject({
  id: z.string(),
  publisher: z.string(),
  createdAt: instant,
  revokedAt: instant.nullable(),
});
export const PublisherKeyList = z.strictObject({
  publisher: z.string().nullable(),
  verified: z.boolean(),
  items: z.array(PublisherKeyView),
  nextCursor: z.null(),
});
