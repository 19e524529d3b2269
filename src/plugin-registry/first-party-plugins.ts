import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { PluginManifest } from './entities/plugin-version.entity.js';

export interface DiscoveredPlugin {
  entry: string;
  digest: string;
  manifest: PluginManifest;
}

/** `dist/plugins` of this installation (this file is dist/src/plugin-registry/...). */
export function defaultPluginsDir(): string {
  return resolve(fileURLToPath(new URL('../../plugins', import.meta.url)));
}

export function pluginEntries(pluginsDir: string): string[] {
  if (!existsSync(pluginsDir)) return [];
  return readdirSync(pluginsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'sdk')
    .map((d) => join(pluginsDir, d.name, 'src', 'index.js'))
    .filter((entry) => existsSync(entry))
    .sort();
}

export const digestOf = (file: string) => `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;

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
  return manifests.map((manifest, i) => ({ entry: entries[i]!, digest: digestOf(entries[i]!), manifest }));
}
