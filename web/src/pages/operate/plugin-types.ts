import type { paths } from '../../api/schema';

export type Plugin = paths['/v1/plugins/{name}']['get']['responses'][200]['content']['application/json'];
export type PluginVersion = paths['/v1/plugins/{name}/versions/{version}']['get']['responses'][200]['content']['application/json'];
export type Permissions = PluginVersion['permissions'];
export type EnablePluginBody = paths['/v1/plugins/{name}/enable']['post']['requestBody']['content']['application/json'];

/** In approved secrets, any of the tenant's secrets (how a verified plugin nobody configured is approved). */
const ANY_SECRET = '*';

/** What a version asks for that the tenant has not approved yet (empty lists: nothing to approve). */
export function unapproved(asked: Permissions, approved: Plugin['approved']): Permissions {
  if (approved === 'all') return { egress: [], secrets: [], network: [] };
  return {
    egress: asked.egress.filter((host) => !approved.egress.includes(host)),
    secrets: approved.secrets.includes(ANY_SECRET) ? [] : asked.secrets.filter((name) => !approved.secrets.includes(name)),
    network: asked.network.filter((pattern) => !approved.network.includes(pattern)),
  };
}

export const asksNothing = (p: Permissions) => p.egress.length + p.secrets.length + p.network.length === 0;

/** Whether pipelines of this tenant can pin the version (the registry's rule: enabled, approved, not yanked). */
export function versionUsable(
  plugin: Pick<Plugin, 'enabled' | 'approved'>,
  version: Pick<PluginVersion, 'yanked' | 'permissions'>,
): boolean {
  return plugin.enabled && !version.yanked && asksNothing(unapproved(version.permissions, plugin.approved));
}
