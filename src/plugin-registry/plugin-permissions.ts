import { networkPatternsOf, type PackageManifest } from '../../plugins/sdk/src/package/package-manifest.js';
import type { PluginVersionRow, TenantPluginRow } from './plugin-registry.repository.js';

/** What a plugin version may reach: enabling it approves exactly this for the tenant. */
export interface PluginPermissions {
  egress: string[];
  secrets: string[];
  /** `host:port` patterns of raw network access; concrete endpoints are approved on their own. */
  network: string[];
}

export function permissionsOf(manifest: PackageManifest): PluginPermissions {
  const union = (pick: (step: PackageManifest['steps'][number]) => string[]) => [...new Set(manifest.steps.flatMap(pick))].sort();
  return { egress: union((s) => s.egress), secrets: union((s) => s.secrets), network: [...networkPatternsOf(manifest)].sort() };
}

/** In approved secrets: any of the tenant's secrets (how a verified plugin nobody configured is written down). */
export const ANY_SECRET = '*';

export const approvesSecret = (approved: readonly string[], name: string) => approved.includes(ANY_SECRET) || approved.includes(name);

const within = (asked: PluginPermissions, approved: PluginPermissions) =>
  asked.egress.every((host) => approved.egress.includes(host)) &&
  asked.secrets.every((name) => approvesSecret(approved.secrets, name)) &&
  asked.network.every((pattern) => approved.network.includes(pattern));

/** A tenant's view of one plugin: a verified publisher's plugin is on with all it asks, until the tenant says otherwise. */
export function tenantAccess(
  setting: TenantPluginRow | undefined,
  verified: boolean,
): { enabled: boolean; approved: PluginPermissions | 'all' } {
  if (!setting) return { enabled: verified, approved: verified ? 'all' : { egress: [], secrets: [], network: [] } };
  return {
    enabled: setting.enabled,
    approved: { egress: setting.approvedEgress, secrets: setting.approvedSecrets, network: setting.approvedNetwork },
  };
}

export const usableBy = (access: ReturnType<typeof tenantAccess>) => (row: PluginVersionRow) =>
  !row.yankedAt && access.enabled && (access.approved === 'all' || within(permissionsOf(row.manifest), access.approved));
