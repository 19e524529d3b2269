import { statSync } from 'node:fs';
import { bundleDigest, pluginEntries } from '../../plugins/sdk/src/plugin-bundles.js';

/**
 * Finds a plugin's code by the digest a run pinned, re-hashing the file whenever it changed
 * on disk, so a step never runs code other than the code its pipeline version pinned.
 */
export class PluginIndex {
  private readonly hashed = new Map<string, { mtimeMs: number; size: number; digest: string }>();

  constructor(private readonly pluginsDir: string) {}

  entryFor(digest: string): string | undefined {
    return pluginEntries(this.pluginsDir).find((entry) => this.digestOf(entry) === digest);
  }

  private digestOf(entry: string): string {
    const { mtimeMs, size } = statSync(entry);
    const cached = this.hashed.get(entry);
    if (cached && cached.mtimeMs === mtimeMs && cached.size === size) return cached.digest;
    const digest = bundleDigest(entry);
    this.hashed.set(entry, { mtimeMs, size, digest });
    return digest;
  }
}
