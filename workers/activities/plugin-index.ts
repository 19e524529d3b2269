import { bundleDigest, bundleStamp, pluginEntries } from '../../plugins/sdk/src/plugin-bundles.js';

/**
 * Finds a plugin's code by the digest a run pinned, re-hashing a bundle whenever its files changed
 * on disk, so a step never runs code other than the code its pipeline version pinned.
 */
export class PluginIndex {
  private readonly hashed = new Map<string, { stamp: string; digest: string }>();
  /** Where each digest was last found: a step re-checks only its own bundle, not every plugin's. */
  private readonly located = new Map<string, string>();

  constructor(private readonly pluginsDir: string) {}

  entryFor(digest: string): string | undefined {
    const known = this.located.get(digest);
    if (known && this.digestOf(known) === digest) return known;
    this.located.delete(digest);
    const found = pluginEntries(this.pluginsDir).find((entry) => this.digestOf(entry) === digest);
    if (found) this.located.set(digest, found);
    return found;
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
