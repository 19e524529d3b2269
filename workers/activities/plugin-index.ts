import { bundleDigest, bundleStamp, pluginEntries } from '../../plugins/sdk/src/plugin-bundles.js';

/**
 * Finds a plugin's code by the digest a run pinned, re-hashing the file whenever it changed
 * on disk, so a step never runs code other than the code its pipeline version pinned.
 */
export class PluginIndex {
  private readonly hashed = new Map<string, { stamp: string; digest: string }>();

  constructor(private readonly pluginsDir: string) {}

  entryFor(digest: string): string | undefined {
    return pluginEntries(this.pluginsDir).find((entry) => this.digestOf(entry) === digest);
  }

  private digestOf(entry: string): string {
    // A stat of the bundle's files is cheaper than hashing them; any change on disk re-hashes.
    const stamp = bundleStamp(entry);
    const cached = this.hashed.get(entry);
    if (cached?.stamp === stamp) return cached.digest;
    const digest = bundleDigest(entry);
    this.hashed.set(entry, { stamp, digest });
    return digest;
  }
}
