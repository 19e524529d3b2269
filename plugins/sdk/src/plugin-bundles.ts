import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** `sha256:<hex>` of a plugin bundle: what pipelines pin and workers verify before running it. */
export function bundleDigest(file: string): string {
  return `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
}

/** The entry file of every built plugin in a folder laid out as `dist/plugins/<name>/src/index.js`. */
export function pluginEntries(pluginsDir: string): string[] {
  if (!existsSync(pluginsDir)) return [];
  return readdirSync(pluginsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'sdk')
    .map((d) => join(pluginsDir, d.name, 'src', 'index.js'))
    .filter((entry) => existsSync(entry))
    .sort();
}
