import type { PluginCatalogView, PluginVersionView } from './pipeline-validator.js';

/** A fixed catalog for specs: `{ postgres: [{ version, digest, steps }] }`. */
export function inMemoryPluginCatalog(plugins: Record<string, PluginVersionView[]>): PluginCatalogView {
  return { versions: (plugin) => (Object.hasOwn(plugins, plugin) ? plugins[plugin] : []) };
}
