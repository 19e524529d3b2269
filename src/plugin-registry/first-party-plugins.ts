import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bundleDigest, pluginEntries } from '../../plugins/sdk/src/plugin-bundles.js';
import type { PluginManifest } from './entities/plugin-version.entity.js';

export interface DiscoveredPlugin {
  entry: string;
  digest: string;
  manifest: PluginManifest;
}

/**
 * Reads the manifests of the first-party plugins. Plugin code is loaded only by the SDK's
 * describe command in a child process, never in the control plane's own process.
 */
export async function describeFirstPartyPlugins(pluginsDir: string): Promise<DiscoveredPlugin[]> {
  const entries = pluginEntries(pluginsDir);
  if (!entries.length) return [];
  const describe = join(pluginsDir, 'sdk', 'src', 'describe.js');
  const { stdout } = await promisify(execFile)(process.execPath, [describe, ...entries], { maxBuffer: 32 * 1024 * 1024, timeout: 60_000, env: {} });
  const manifests = JSON.parse(stdout) as PluginManifest[];
  return manifests.map((manifest, i) => ({ entry: entries[i]!, digest: bundleDigest(entries[i]!), manifest }));
}
