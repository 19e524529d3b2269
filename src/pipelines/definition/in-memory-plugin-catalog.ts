import type { PluginCatalogView, PluginVersionView } from './pipeline-validator.js';

/**
 * A fixed catalog for specs: `{ postgres: [{ version, digest, steps }] }`, and optionally the
 * secrets each plugin is approved for (every secret, for a plugin not listed there).
 */
export function inMemoryPluginCatalog(
  plugins: Record<string, PluginVersionView[]>,
  approvedSecrets: Record<string, string[]> = {},
): PluginCatalogView {
  return {
    versions: (plugin) => (Object.hasOwn(plugins, plugin) ? plugins[plugin] : []),
    secretApproved: (plugin, name) => !Object.hasOwn(approvedSecrets, plugin) || approvedSecrets[plugin].includes(name),
  };
}
