import { Injectable } from '@nestjs/common';
import { endpointAllowed, formatEndpoint, parseEndpoint } from '../../plugins/sdk/src/network-endpoints.js';
import type { Principal } from '../common/auth/principal.js';
import { EntitlementsService } from '../billing/entitlements.service.js';
import type { EnablePluginBody, SetNetworkBody } from './dto/plugin-registry.dto.js';
import { ANY_SECRET, permissionsOf, type PluginPermissions } from './plugin-permissions.js';
import { PluginRegistryError } from './plugin-registry.errors.js';
import { PluginRegistryRepository, type PluginVersionRow, type TenantPluginRow } from './plugin-registry.repository.js';
import { highest, PluginRegistryService } from './plugin-registry.service.js';

/** What a tenant lets a plugin do: enabled or not, the egress, secrets and network it approved, the endpoints it may reach. */
@Injectable()
export class PluginApprovalsService {
  constructor(
    private readonly registry: PluginRegistryRepository,
    private readonly versions: PluginRegistryService,
    private readonly entitlements: EntitlementsService,
  ) {}

  /**
   * Enables the plugin for the caller's tenant and approves what `version` (default: the highest)
   * asks for, and the tenant secrets named in `secrets` for the plugin's secret input fields.
   */
  async enable(principal: Principal, name: string, body: EnablePluginBody) {
    const rows = await this.versions.requireVersions(name);
    await this.entitlements.assertPluginsAllowed(principal.tenantId, [name]);
    const chosen = body.version === undefined ? highest(rows) : rows.find((v) => v.version === body.version);
    if (!chosen)
      throw new PluginRegistryError(
        'version_not_found',
        body.version ? `${name}@${body.version} was not found` : `Every version of ${name} is yanked`,
      );
    if (chosen.yankedAt) throw new PluginRegistryError('version_yanked', `${name}@${chosen.version} is yanked`);
    const current = await this.settingOf(principal.tenantId, name, rows);
    const asked = permissionsOf(chosen.manifest);
    // Approvals add up: approving 1.1 does not withdraw what 1.0 was granted while pipelines pin it.
    const approved: PluginPermissions = {
      egress: [...new Set([...current.approvedEgress, ...asked.egress])].sort(),
      secrets: [...new Set([...current.approvedSecrets, ...asked.secrets, ...(body.secrets ?? [])])].sort(),
      network: [...new Set([...current.approvedNetwork, ...asked.network])].sort(),
    };
    const { networkEndpoints } = current;
    await this.registry.setTenantPlugin(principal.tenantId, {
      plugin: name,
      enabled: true,
      approvedEgress: approved.egress,
      approvedSecrets: approved.secrets,
      approvedNetwork: approved.network,
      networkEndpoints,
    });
    return { name, enabled: true, approved, networkEndpoints };
  }

  /** New pipeline versions can no longer use the plugin; versions already pinned keep their pins. */
  async disable(principal: Principal, name: string) {
    const current = await this.settingOf(principal.tenantId, name, await this.versions.requireVersions(name));
    await this.registry.setTenantPlugin(principal.tenantId, { ...current, enabled: false });
    return { name, enabled: false };
  }

  /**
   * The concrete endpoints the plugin's steps may open connections to, replacing the list. Each must
   * match a `network` pattern the tenant approved for the plugin (by enabling a version asking for it).
   */
  async setNetwork(principal: Principal, name: string, body: SetNetworkBody) {
    const setting = await this.settingOf(principal.tenantId, name, await this.versions.requireVersions(name));
    const networkEndpoints = [
      ...new Set(body.endpoints.map((text, index) => approvableEndpoint(text, index, setting.approvedNetwork))),
    ].sort();
    await this.registry.setTenantPlugin(principal.tenantId, { ...setting, networkEndpoints });
    return { name, networkEndpoints };
  }

  /**
   * The tenant's setting of a plugin as it would be written down: the stored one, or for a verified
   * plugin nobody configured yet, what that means (on, everything its versions ask, any secret).
   */
  private async settingOf(tenantId: string, name: string, rows: PluginVersionRow[]): Promise<TenantPluginRow> {
    const current = (await this.registry.tenantPlugins(tenantId)).find((s) => s.plugin === name);
    if (current) return current;
    if (!rows[0].verified)
      return { plugin: name, enabled: false, approvedEgress: [], approvedSecrets: [], approvedNetwork: [], networkEndpoints: [] };
    const all = rows.filter((v) => !v.yankedAt).map((v) => permissionsOf(v.manifest));
    const union = (pick: (p: PluginPermissions) => string[]) => [...new Set(all.flatMap(pick))].sort();
    return {
      plugin: name,
      enabled: true,
      approvedEgress: union((p) => p.egress),
      approvedSecrets: [ANY_SECRET],
      approvedNetwork: union((p) => p.network),
      networkEndpoints: [],
    };
  }
}

/** `host:port` as the relay will compare it, if it matches a pattern the tenant approved for the plugin. */
function approvableEndpoint(text: string, index: number, approvedNetwork: string[]): string {
  const refuse = (code: 'invalid_endpoint' | 'endpoint_not_approvable', message: string): never => {
    throw new PluginRegistryError(code, `endpoints.${index}: ${message}`, [{ path: `endpoints.${index}`, message }]);
  };
  const endpoint = parseEndpoint(text);
  if (typeof endpoint === 'string') return refuse('invalid_endpoint', endpoint);
  if (!endpointAllowed(endpoint, approvedNetwork)) {
    refuse(
      'endpoint_not_approvable',
      approvedNetwork.length
        ? `${text} matches none of the approved patterns ${approvedNetwork.join(', ')}`
        : 'the plugin has no approved network patterns: enable a version that declares `network` first',
    );
  }
  return formatEndpoint(endpoint);
}
