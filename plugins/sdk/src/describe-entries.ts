import { describePlugin, type PluginManifest } from './describe-plugin.js';
import { loadPlugin } from './load-plugin.js';

/** Describes every entry, or fails naming each entry that could not be described. */
export async function describeEntries(entries: readonly string[]): Promise<PluginManifest[]> {
  const manifests: PluginManifest[] = [];
  const failures: string[] = [];
  for (const entry of entries) {
    try {
      manifests.push(describePlugin(await loadPlugin(entry)));
    } catch (error) {
      failures.push(`${entry}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (failures.length > 0) throw new Error(failures.join('\n'));
  return manifests;
}
